//! The command line: options, their defaults, and the list of load figures.

use crate::report::num;
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "usage: perch-bench [OPTIONS]

Benchmarks a release build of perch on this machine and prints one table (Markdown);
the same figures are written as JSON. Normally run through scripts/bench, which builds first.

Options:
  --runs N             run every figure N times, interleaved; report medians (min–max) [1]
  --duration SECS      measured seconds per load figure [5]
  --warmup SECS        unmeasured seconds before each load figure [0.5]
  --concurrency N      keep-alive connections of the load generator [32]
  --posts N            posts seeded into the channel of the read figure [1000000]
  --seed-concurrency N connections used for seeding [64]
  --cold-starts N      extra cold starts per run, for the start-to-first-200 median [5]
  --logins N           sequential logins before the \"RSS after logins\" figure [100]
  --only LIST          figures to run, comma-separated, from:
                       ping,incoming,posts,outgoing,read,login,websocket,upload,slow,transfer [all]
  --ws-max N           the websocket figure's largest step: 1000 or 10000 sockets [10000]
  --transfer-posts N   posts in the bulk file `perch import` and `perch export` move [1000000]
  --perch PATH         the server binary [the `perch` next to this binary]
  --data-dir DIR       keep the server's data here and reuse it next time (seeding is
                       resumed, not repeated) [a temp dir, deleted afterwards]
  --env KEY=VALUE      extra environment for the server, e.g. MM_PERCHSETTINGS_HTTPWORKERS=16
                       (repeatable)
  --out PATH           JSON output [target/bench/latest.json]
  -h, --help           this text

Exit status: 0 when every request succeeded, 3 when some failed, 1 when the run could not
be completed, 2 for bad options.";

/// The load figures, in the order each run measures them.
pub const FIGURES: [&str; 8] = [
    "ping",
    "incoming",
    "posts",
    "outgoing",
    "read",
    "login",
    "websocket",
    "upload",
];
/// The figure measured with the server stopped, after the load figures of each run.
pub const TRANSFER: &str = "transfer";
/// The slow-clients figure (`slow.rs`), on a server of its own after the load figures.
pub const SLOW: &str = "slow";

/// One invocation's options.
#[derive(Debug, Clone)]
pub struct Opts {
    pub runs: usize,
    pub duration: Duration,
    pub warmup: Duration,
    pub concurrency: usize,
    pub posts: u64,
    pub seed_concurrency: usize,
    pub cold_starts: usize,
    pub logins: u64,
    pub transfer_posts: u64,
    pub only: Option<Vec<String>>,
    pub perch: PathBuf,
    pub data_dir: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    pub out: PathBuf,
    /// The websocket figure's largest socket count.
    pub ws_max: usize,
}

impl Opts {
    /// True if `fig` is to be measured (`--only`).
    pub fn selected(&self, fig: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|l| l.iter().any(|f| f == fig))
    }

    /// How a load figure is driven, for the table's "how" column.
    pub fn how_load(&self) -> String {
        format!(
            "{} keep-alive connections, closed loop, {} s measured after {} s warm-up",
            self.concurrency,
            num(self.duration.as_secs_f64()),
            num(self.warmup.as_secs_f64())
        )
    }
}

/// Parses the arguments (without the program name); `None` for `--help`.
pub fn parse(args: &[String]) -> Result<Option<Opts>, String> {
    let here = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut o = Opts {
        runs: 1,
        duration: Duration::from_secs(5),
        warmup: Duration::from_millis(500),
        concurrency: 32,
        posts: 1_000_000,
        seed_concurrency: 64,
        cold_starts: 5,
        logins: 100,
        transfer_posts: 1_000_000,
        only: None,
        perch: here.with_file_name("perch"),
        data_dir: None,
        env: Vec::new(),
        out: PathBuf::from("target/bench/latest.json"),
        ws_max: 10_000,
    };
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let value = args
            .get(i + 1)
            .ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |what: &str| -> Result<f64, String> {
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("{what} must be a non-negative number, got {value:?}"))
        };
        let count = |what: &str| -> Result<u64, String> {
            value
                .replace('_', "")
                .parse::<u64>()
                .map_err(|_| format!("{what} must be a whole number, got {value:?}"))
        };
        match flag {
            "--runs" => o.runs = count(flag)?.max(1) as usize,
            "--duration" => o.duration = Duration::from_secs_f64(number(flag)?.max(0.1)),
            "--warmup" => o.warmup = Duration::from_secs_f64(number(flag)?),
            "--concurrency" => o.concurrency = count(flag)?.max(1) as usize,
            "--posts" => o.posts = count(flag)?,
            "--seed-concurrency" => o.seed_concurrency = count(flag)?.max(1) as usize,
            "--cold-starts" => o.cold_starts = count(flag)? as usize,
            "--logins" => o.logins = count(flag)?,
            "--transfer-posts" => o.transfer_posts = count(flag)?.max(10),
            "--only" => {
                let list: Vec<String> = value.split(',').map(|s| s.trim().to_string()).collect();
                if let Some(bad) = list.iter().find(|f| {
                    !FIGURES.contains(&f.as_str()) && ![TRANSFER, SLOW].contains(&f.as_str())
                }) {
                    return Err(format!("--only: unknown figure {bad:?}"));
                }
                o.only = Some(list);
            }
            "--perch" => o.perch = PathBuf::from(value),
            "--data-dir" => o.data_dir = Some(PathBuf::from(value)),
            "--env" => {
                let (k, v) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--env wants KEY=VALUE, got {value:?}"))?;
                o.env.push((k.to_string(), v.to_string()));
            }
            "--out" => o.out = PathBuf::from(value),
            "--ws-max" => o.ws_max = count(flag)? as usize,
            _ => return Err(format!("unknown option {flag}")),
        }
        i += 2;
    }
    Ok(Some(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn options_parse_and_bad_ones_are_refused() {
        let o = parse(&args(
            "--runs 3 --duration 2.5 --only ping,posts --posts 1_000 --env A=b=c",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(o.runs, 3);
        assert_eq!(o.duration, Duration::from_millis(2500));
        assert_eq!(o.posts, 1000);
        assert!(o.selected("posts") && !o.selected("read"));
        assert_eq!(o.env, vec![("A".to_string(), "b=c".to_string())]);
        assert!(parse(&args("--help")).unwrap().is_none());
        assert!(parse(&args("--only nope")).is_err());
        assert!(parse(&args("--runs")).is_err());
        assert!(parse(&args("--frobnicate 1")).is_err());
        assert!(parse(&args("--duration -1")).is_err());
    }
}
