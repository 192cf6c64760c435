//! The command line: parsing (every command and flag is known; anything else is a usage error,
//! exit status 2), `help`, and the commands besides `serve`: `version`, `test-server`,
//! `config get|set`, `export`, `import` and the admin commands in `admin.rs`.

pub mod admin;
pub mod config_cmd;
pub mod serve;
pub mod signals;
pub mod test_server;
pub mod transfer;

use crate::config::Config;
use crate::store;
use std::path::PathBuf;

pub use admin::run_admin;

/// What the command line asked for.
#[derive(Debug)]
pub enum Command {
    Serve,
    Version,
    /// Print this text on stdout and exit 0 (`help`, `--help`).
    Help(String),
    TestServer,
    ConfigGet {
        key: String,
    },
    ConfigSet {
        key: String,
        value: String,
    },
    UserCreate {
        email: String,
        username: String,
        password: String,
        system_admin: bool,
    },
    TeamAddMember {
        team: String,
        user: String,
    },
    ChannelAddMember {
        team: String,
        channel: String,
        user: String,
    },
    Backup {
        dest: PathBuf,
    },
    Export {
        to: PathBuf,
        /// The target Mattermost's version (`--mattermost-version`), if given.
        mattermost: Option<(u32, u32)>,
    },
    Import {
        path: PathBuf,
        dry_run: bool,
    },
    UserPassword {
        username: String,
        password: String,
    },
}

/// Parsed arguments.
#[derive(Debug)]
pub struct Args {
    pub command: Command,
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
}

/// One command as `help` shows it, and the flags it accepts (besides the global ones).
struct Topic {
    /// The command's words (`user create`).
    name: &'static str,
    /// Its arguments after the name.
    args: &'static str,
    /// One line for the command list.
    summary: &'static str,
    /// The paragraph `perch help <name>` adds.
    details: &'static str,
    flags: &'static [&'static str],
}

const TOPICS: &[Topic] = &[
    Topic {
        name: "serve",
        args: "",
        summary: "run the server (the default command)",
        details: "Runs the server until SIGTERM or SIGINT. The first line on stdout is \
`listening on http://HOST:PORT`; logs go to stderr (and to a file with LogSettings.EnableFile).",
        flags: &[],
    },
    Topic {
        name: "version",
        args: "",
        summary: "print the version, build and database schema version",
        details: "Prints Mattermost's five version lines, then Perch's version and the schema \
version this binary writes.",
        flags: &[],
    },
    Topic {
        name: "help",
        args: "[COMMAND]",
        summary: "print this help, or the help of one command",
        details: "`perch help config set` and `perch config set --help` print the same.",
        flags: &[],
    },
    Topic {
        name: "test-server",
        args: "",
        summary: "a seeded throwaway server for integration tests",
        details: "Starts a server on a temporary data directory (deleted when it exits on SIGTERM \
or SIGINT), seeded with an admin, a team, a channel, a bot with an access token and an incoming \
webhook, and prints one JSON line on stdout with their names, ids and credentials. Listens on \
127.0.0.1 with a free port unless --listen says otherwise.",
        flags: &[],
    },
    Topic {
        name: "config get",
        args: "SECTION.KEY",
        summary: "print one setting of config.json",
        details: "Prints the value config.json holds (or the default when it holds none): \
strings as they are, other values as JSON. An unknown key exits 2.",
        flags: &[],
    },
    Topic {
        name: "config set",
        args: "SECTION.KEY VALUE",
        summary: "change one setting of config.json",
        details: "Checks VALUE against the setting's type (true/false, a whole number, a string, \
or a list of strings as a JSON array or space-separated words) and the rules startup applies, \
then rewrites config.json atomically, keeping every other key (also keys Perch does not know). \
A bad value exits 2 and leaves the file untouched. Says whether a running server applies the \
change at once or needs a restart.",
        flags: &[],
    },
    Topic {
        name: "export",
        args: "--to FILE.zip [--mattermost-version X.Y]",
        summary: "write everything to a Mattermost bulk-import zip",
        details: "Writes one consistent snapshot (safe while the server runs) as a zip that \
Mattermost's `mmctl import process` accepts (import.jsonl), with perch-integrations.json beside \
it: webhooks, slash commands, bots' memberships, access-token digests and password hashes, which \
the bulk-import format has no line for. Anything Mattermost would refuse is left out and listed \
(also in warnings.txt in the zip). For a Mattermost older than 10.2, which has no `bot` line, \
--mattermost-version writes bots as ordinary users. The zip holds credentials: it is readable by \
its owner only.",
        flags: &["--to", "--mattermost-version"],
    },
    Topic {
        name: "import",
        args: "FILE.zip|FILE.jsonl [--dry-run]",
        summary: "import a Mattermost bulk-import file (such as `mmctl export create` makes)",
        details: "Checks the whole file first and reports every problem with its line number, \
importing nothing. Then imports it in one transaction: all of it or, at the first error, nothing. \
--dry-run does everything and rolls back at the end. Running it again creates nothing twice: \
teams, channels, users and bots are matched by name, posts by channel, time and message. \
Imported users without a password must be given one (`perch user password`). The server must \
be stopped.",
        flags: &["--dry-run"],
    },
    Topic {
        name: "user create",
        args: "--email E --username U --password P [--system-admin]",
        summary: "create an account",
        details: "Creates an account with that password (checked against PasswordSettings); \
--system-admin makes it a system admin. Works while the server runs.",
        flags: &["--email", "--username", "--password", "--system-admin"],
    },
    Topic {
        name: "user password",
        args: "--username U --password P",
        summary: "set an account's password",
        details: "Sets the password (checked against PasswordSettings), for example for users \
imported from Mattermost, whose export carries none. Works while the server runs.",
        flags: &["--username", "--password"],
    },
    Topic {
        name: "team add-member",
        args: "--team NAME --user USERNAME",
        summary: "add a user to a team (and its default channels)",
        details: "Idempotent. Works while the server runs.",
        flags: &["--team", "--user"],
    },
    Topic {
        name: "channel add-member",
        args: "--team NAME --channel NAME --user USERNAME",
        summary: "add a user to a channel (and its team)",
        details: "Idempotent. Works while the server runs.",
        flags: &["--team", "--channel", "--user"],
    },
    Topic {
        name: "backup",
        args: "--to FILE",
        summary: "write a consistent copy of the database",
        details: "Uses SQLite's VACUUM INTO: safe while the server runs; the copy is a complete \
database that `SqlSettings.DataSource` can point at.",
        flags: &["--to"],
    },
];

/// Flags every command accepts.
const GLOBAL_HELP: &str = "global flags:
  --config PATH      config.json to use (default: $MM_CONFIG, else DIR/config.json)
  --data-dir DIR     where config.json, perch.db and uploaded files live (default: ./data)
  --listen ADDR      listen address, HOST:PORT or :PORT (overrides ServiceSettings.ListenAddress)
  -h, --help         print help and exit";

/// Flags that take no value.
const SWITCHES: &[&str] = &["--system-admin", "--dry-run"];
/// Global flags that take a value (accepted by every command).
const GLOBAL_FLAGS: &[&str] = &["--config", "--data-dir", "--listen"];

/// The full usage text (`perch help`, `perch --help`, and on stderr after a usage error).
pub fn usage() -> String {
    let mut out = String::from(
        "usage: perch [--config PATH] [--data-dir DIR] [--listen ADDR] [COMMAND]\n\ncommands:\n",
    );
    for t in TOPICS {
        let left = if t.args.is_empty() {
            t.name.to_string()
        } else {
            format!("{} {}", t.name, t.args)
        };
        out.push_str(&format!("  {left}\n      {}\n", t.summary));
    }
    out.push('\n');
    out.push_str(GLOBAL_HELP);
    out.push_str("\n\n`perch help COMMAND` tells more about one command.\n");
    out
}

/// The help of the commands named `words` (`config` gives both config commands).
fn help_for(words: &[String]) -> Result<String, String> {
    if words.is_empty() {
        return Ok(usage());
    }
    let asked = words.join(" ");
    let found: Vec<&Topic> = TOPICS
        .iter()
        .filter(|t| t.name == asked || t.name.starts_with(&format!("{asked} ")))
        .collect();
    if found.is_empty() {
        return Err(format!("unknown command: {asked}"));
    }
    let mut out = String::new();
    for t in found {
        out.push_str(&format!("usage: perch {} {}\n\n", t.name, t.args));
        out.push_str(&wrap(t.details, 96));
        out.push_str("\n\n");
    }
    out.push_str(GLOBAL_HELP);
    out.push('\n');
    Ok(out)
}

/// Wraps `text` at `width` columns.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        if line > 0 && line + 1 + word.len() > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.len();
    }
    out
}

/// A flag or word the command line did not understand: exit status 2, usage on stderr.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Args, UsageError> {
    let mut words: Vec<String> = Vec::new();
    let mut opts: Vec<(String, Option<String>)> = Vec::new();
    let (mut config, mut data_dir, mut listen) = (None, None, None);
    let mut help = false;
    let mut i = 0;
    let mut only_words = false;
    while i < args.len() {
        let a = args[i].clone();
        i += 1;
        if only_words || !a.starts_with('-') || a == "-" || a.parse::<f64>().is_ok() {
            words.push(a);
            continue;
        }
        if a == "--" {
            only_words = true;
            continue;
        }
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        match name.as_str() {
            "-h" | "--help" => help = true,
            "-version" | "--version" | "-V" => words.insert(0, "version".into()),
            s if SWITCHES.contains(&s) => {
                if inline.is_some() {
                    return Err(UsageError(format!("{s} takes no value")));
                }
                opts.push((name, None));
            }
            _ => {
                let name = if name == "-c" {
                    "--config".into()
                } else {
                    name
                };
                let known = GLOBAL_FLAGS.contains(&name.as_str())
                    || TOPICS.iter().any(|t| t.flags.contains(&name.as_str()));
                if !known {
                    return Err(UsageError(format!("unknown flag {name}")));
                }
                let value = match inline {
                    Some(v) => v,
                    None => {
                        let v = args
                            .get(i)
                            .cloned()
                            .ok_or_else(|| UsageError(format!("{name} needs a value")))?;
                        i += 1;
                        v
                    }
                };
                match name.as_str() {
                    "--config" => config = Some(PathBuf::from(value)),
                    "--data-dir" => data_dir = Some(PathBuf::from(value)),
                    "--listen" => listen = Some(value),
                    _ => opts.push((name, Some(value))),
                }
            }
        }
    }
    let command = if help {
        // `perch --help`, `perch config set --help`: the help of the words given.
        let named: Vec<String> = words
            .iter()
            .take_while(|w| !w.contains('.') && !w.contains('/'))
            .cloned()
            .collect();
        // Trailing words may be arguments (`import dump --help`): drop them until a command
        // matches.
        let found = (1..=named.len())
            .rev()
            .find_map(|n| help_for(&named[..n]).ok());
        match found {
            Some(text) => Command::Help(text),
            None if named.is_empty() => Command::Help(usage()),
            None => return Err(UsageError(format!("unknown command: {}", named.join(" ")))),
        }
    } else {
        command_of(&words, &opts)?
    };
    Ok(Args {
        command,
        config,
        data_dir,
        listen,
    })
}

/// Turns the words and flags into a command, refusing flags the command does not take.
fn command_of(words: &[String], opts: &[(String, Option<String>)]) -> Result<Command, UsageError> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    if let ["help", rest @ ..] = w.as_slice() {
        let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
        return help_for(&rest).map(Command::Help).map_err(UsageError);
    }
    // The topic whose name the words start with decides which flags are allowed.
    let topic = TOPICS
        .iter()
        .filter(|t| {
            let n: Vec<&str> = t.name.split(' ').collect();
            w.len() >= n.len() && w[..n.len()] == n[..]
        })
        .max_by_key(|t| t.name.len());
    let allowed: &[&str] = topic.map(|t| t.flags).unwrap_or(&[]);
    let name = topic.map(|t| t.name).unwrap_or("serve");
    for (flag, _) in opts {
        if !allowed.contains(&flag.as_str()) {
            return Err(UsageError(format!(
                "`perch {name}` does not take {flag} (see `perch help {name}`)"
            )));
        }
    }
    let opt = |name: &str| -> Result<String, UsageError> {
        opts.iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.clone())
            .ok_or_else(|| UsageError(format!("missing {name}")))
    };
    let switch = |name: &str| opts.iter().any(|(k, _)| k == name);
    Ok(match w.as_slice() {
        [] | ["serve"] => Command::Serve,
        ["version"] => Command::Version,
        ["test-server"] => Command::TestServer,
        ["config", "get", key] => Command::ConfigGet {
            key: key.to_string(),
        },
        ["config", "set", key, value] => Command::ConfigSet {
            key: key.to_string(),
            value: value.to_string(),
        },
        ["user", "create"] => Command::UserCreate {
            email: opt("--email")?,
            username: opt("--username")?,
            password: opt("--password")?,
            system_admin: switch("--system-admin"),
        },
        ["export"] => Command::Export {
            to: PathBuf::from(opt("--to")?),
            mattermost: match opts.iter().find(|(k, _)| k == "--mattermost-version") {
                Some((_, Some(v))) => Some(parse_version(v)?),
                _ => None,
            },
        },
        ["import", path] => Command::Import {
            path: PathBuf::from(path),
            dry_run: switch("--dry-run"),
        },
        ["user", "password"] => Command::UserPassword {
            username: opt("--username")?,
            password: opt("--password")?,
        },
        ["team", "add-member"] => Command::TeamAddMember {
            team: opt("--team")?,
            user: opt("--user")?,
        },
        ["channel", "add-member"] => Command::ChannelAddMember {
            team: opt("--team")?,
            channel: opt("--channel")?,
            user: opt("--user")?,
        },
        ["backup"] => Command::Backup {
            dest: PathBuf::from(opt("--to")?),
        },
        _ => {
            return Err(UsageError(match topic {
                Some(t) => format!("usage: perch {} {}", t.name, t.args),
                None => format!("unknown command: {}", words.join(" ")),
            }))
        }
    })
}

/// `10.11` or `10.11.2` → (10, 11).
fn parse_version(v: &str) -> Result<(u32, u32), UsageError> {
    let mut parts = v.split('.').map(|p| p.parse::<u32>());
    match (parts.next(), parts.next()) {
        (Some(Ok(major)), Some(Ok(minor))) if parts.all(|p| p.is_ok()) => Ok((major, minor)),
        _ => Err(UsageError(format!(
            "--mattermost-version wants a version such as 9.11, got {v:?}"
        ))),
    }
}

/// The config file to use: `--config`, else `MM_CONFIG`, else `<data dir>/config.json`.
pub fn config_path(args: &Args, env: &[(String, String)]) -> PathBuf {
    args.config
        .clone()
        .or_else(|| {
            env.iter()
                .find(|(k, _)| k == "MM_CONFIG")
                .map(|(_, v)| PathBuf::from(v))
        })
        .unwrap_or_else(|| data_dir(args).join("config.json"))
}

fn data_dir(args: &Args) -> PathBuf {
    args.data_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("data"))
}

/// Loads the config file (`config_path`) and applies `--data-dir`/`--listen`.
pub fn load_config(args: &Args, env: &[(String, String)]) -> Result<Config, String> {
    let path = config_path(args, env);
    let mut config = Config::load(&path, env).map_err(|e| e.to_string())?;
    config.loaded_from = Some(path.clone());
    let ds_from_env = env.iter().any(|(k, _)| k == "MM_SQLSETTINGS_DATASOURCE");
    if args.data_dir.is_some()
        && !ds_from_env
        && config.sql.data_source == crate::config::SqlSettings::default().data_source
    {
        config.sql.data_source = data_dir(args)
            .join("perch.db")
            .to_string_lossy()
            .into_owned();
    }
    // Uploaded files live beside the database: `--data-dir` moves them too, unless their
    // directory was set.
    let dir_from_env = env.iter().any(|(k, _)| k == "MM_FILESETTINGS_DIRECTORY");
    if args.data_dir.is_some()
        && !dir_from_env
        && config.files.directory == crate::config::FileSettings::default().directory
    {
        config.files.directory = data_dir(args).to_string_lossy().into_owned();
    }
    if let Some(l) = &args.listen {
        config.service.listen_address = l.clone();
        config.listen_addr().map_err(|e| e.to_string())?;
    }
    Ok(config)
}

/// The `version` output (Mattermost's five lines, plus the schema version, and the official
/// web app `PerchSettings.WebappDirectory` names, when it is set).
pub fn version_text(args: &Args, env: &[(String, String)]) -> String {
    let mut text = format!(
        "Version: {}\nBuild Number: {}\nBuild Date: {}\nBuild Hash: {}\nBuild Enterprise Ready: false\nPerch Version: {}\nDB Version: {}\n",
        crate::MM_VERSION,
        crate::VERSION,
        option_env!("PERCH_BUILD_DATE").unwrap_or("unknown"),
        option_env!("PERCH_BUILD_HASH").unwrap_or("unknown"),
        crate::VERSION,
        store::migrate::SCHEMA_VERSION,
    );
    if let Some(line) = webapp_line(args, env) {
        text.push_str(&format!("Web App: {line}\n"));
    }
    text
}

/// Which web app the configuration names, read without writing anything (a missing
/// `config.json` is not created); `None` when `WebappDirectory` is empty.
fn webapp_line(args: &Args, env: &[(String, String)]) -> Option<String> {
    let path = config_path(args, env);
    let file = match std::fs::read_to_string(&path) {
        Ok(text) => match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                return Some(format!(
                    "unknown ({} is not valid JSON: {e})",
                    path.display()
                ))
            }
        },
        Err(_) => serde_json::Value::Object(Default::default()),
    };
    let config = match crate::config::Config::from_layers(&file, env) {
        Ok(c) => c,
        Err(e) => return Some(format!("unknown ({})", e.0)),
    };
    let dir = config.perch.webapp_directory;
    if dir.is_empty() {
        return None;
    }
    Some(
        crate::webapp::describe_folder(std::path::Path::new(&dir))
            .unwrap_or_else(|e| format!("none found ({e})")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Args, UsageError> {
        let v: Vec<String> = s.split_whitespace().map(String::from).collect();
        parse(&v)
    }

    #[test]
    fn help_in_every_form() {
        for s in ["--help", "-h", "help"] {
            match p(s).unwrap().command {
                Command::Help(t) => assert!(t.contains("test-server") && t.contains("backup")),
                c => panic!("{s}: {c:?}"),
            }
        }
        for s in [
            "help config set",
            "config set --help",
            "config set X.Y --help",
        ] {
            match p(s).unwrap().command {
                Command::Help(t) => {
                    assert!(t.starts_with("usage: perch config set"), "{s}: {t}");
                    assert!(!t.contains("config get"), "{s}: {t}");
                }
                c => panic!("{s}: {c:?}"),
            }
        }
        match p("help config").unwrap().command {
            Command::Help(t) => assert!(t.contains("config get") && t.contains("config set")),
            c => panic!("{c:?}"),
        }
        assert!(p("help nonsense").is_err());
    }

    #[test]
    fn unknown_words_and_flags_are_usage_errors() {
        assert!(p("frobnicate").is_err());
        assert!(p("--frobnicate").is_err());
        assert!(
            p("backup --to x --email y").is_err(),
            "a flag of another command"
        );
        assert!(p("config get").is_err(), "missing the key");
        assert!(p("--config").is_err(), "missing a value");
        assert!(p("user create --system-admin=yes").is_err());
        assert!(p("import x.zip --dry-run=yes").is_err());
        assert!(p("import").is_err(), "missing the path");
    }

    #[test]
    fn commands_and_values() {
        match p("--data-dir d import x.zip --dry-run").unwrap() {
            Args {
                command: Command::Import { path, dry_run },
                data_dir,
                ..
            } => {
                assert_eq!(path, PathBuf::from("x.zip"));
                assert!(dry_run);
                assert_eq!(data_dir, Some(PathBuf::from("d")));
            }
            a => panic!("{a:?}"),
        }
        match p("--data-dir d backup --to=x.db").unwrap() {
            Args {
                command: Command::Backup { dest },
                data_dir,
                ..
            } => {
                assert_eq!(dest, PathBuf::from("x.db"));
                assert_eq!(data_dir, Some(PathBuf::from("d")));
            }
            a => panic!("{a:?}"),
        }
        match p("config set PerchSettings.HttpWorkers -1")
            .unwrap()
            .command
        {
            Command::ConfigSet { key, value } => {
                assert_eq!(
                    (key.as_str(), value.as_str()),
                    ("PerchSettings.HttpWorkers", "-1")
                )
            }
            c => panic!("{c:?}"),
        }
        match p("--listen=127.0.0.1:0 test-server").unwrap() {
            Args {
                command: Command::TestServer,
                listen,
                ..
            } => assert_eq!(listen.as_deref(), Some("127.0.0.1:0")),
            a => panic!("{a:?}"),
        }
        assert!(matches!(p("--version").unwrap().command, Command::Version));
        assert!(matches!(p("").unwrap().command, Command::Serve));
    }
}
