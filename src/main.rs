//! The `perch` binary: parse the command line, then serve (until SIGTERM/SIGINT) or run one
//! command. Exit status: 0 success, 1 failure, 2 a usage error or a bad value.

use perch::cli::{self, Command};
use perch::logging::Logger;
use std::process::ExitCode;
use std::sync::Arc;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match cli::parse(&argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("perch: {e}\n\n{}", cli::usage());
            return ExitCode::from(2);
        }
    };
    let env: Vec<(String, String)> = std::env::vars().collect();
    match &args.command {
        Command::Help(text) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Command::Version => {
            print!("{}", cli::version_text(&args, &env));
            return ExitCode::SUCCESS;
        }
        Command::TestServer => {
            Logger::install(Arc::new(Logger::console("WARN")));
            return ExitCode::from(cli::test_server::run(&args));
        }
        Command::ConfigGet { key } => {
            return finish(cli::config_cmd::get(&cli::config_path(&args, &env), key));
        }
        Command::ConfigSet { key, value } => {
            return finish(cli::config_cmd::set(
                &cli::config_path(&args, &env),
                key,
                value,
            ));
        }
        _ => {}
    }
    // The console first, at the level the environment asks for, so config problems are seen;
    // then everything `LogSettings` says.
    let level = env
        .iter()
        .find(|(k, _)| k == "MM_LOGSETTINGS_CONSOLELEVEL")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "INFO".into());
    let logger = Arc::new(Logger::console(&level));
    Logger::install(logger.clone());
    let config = match cli::load_config(&args, &env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("perch: {e}");
            return ExitCode::from(2);
        }
    };
    logger.configure(
        &config.log,
        config.perch.log_file_max_size_mb,
        config.perch.log_file_max_backups,
    );
    match &args.command {
        Command::Serve => {
            let path = cli::config_path(&args, &env);
            ExitCode::from(cli::serve::run(config, path, env, logger))
        }
        Command::Export { to, mattermost } => {
            let opts = match mattermost {
                Some((major, minor)) => {
                    perch::transfer::export::Options::for_mattermost(*major, *minor)
                }
                None => perch::transfer::export::Options::default(),
            };
            finish_str(cli::transfer::export(&config, to, opts))
        }
        Command::Import { path, dry_run } => {
            let (code, out, err) = cli::transfer::import(&config, path, *dry_run);
            if !out.is_empty() {
                println!("{out}");
            }
            if !err.is_empty() {
                eprintln!("perch: {err}");
            }
            ExitCode::from(code)
        }
        _ => finish_str(cli::run_admin(&config, args.command)),
    }
}

/// Prints a command's result: its text on stdout, or its error on stderr (exit status 1).
fn finish_str(r: Result<String, String>) -> ExitCode {
    match r {
        Ok(msg) => {
            println!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("perch: {e}");
            ExitCode::from(1)
        }
    }
}

/// Prints a config command's result: its line on stdout, or its message on stderr with its
/// exit status.
fn finish(r: Result<String, cli::config_cmd::Failure>) -> ExitCode {
    match r {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(cli::config_cmd::Failure(code, msg)) => {
            eprintln!("perch: {msg}");
            ExitCode::from(code)
        }
    }
}
