//! The `perch` binary: parse the command line, then serve (until SIGTERM/SIGINT) or run one
//! command. Exit status: 0 success, 1 failure, 2 a usage error or a bad value.

use perch::cli::{self, signals, Command};
use std::process::ExitCode;

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
            print!("{}", cli::version_text());
            return ExitCode::SUCCESS;
        }
        Command::TestServer => {
            init_logging("WARN");
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
    // Logging first (at the level the environment asks for), so config warnings are seen.
    let level = env
        .iter()
        .find(|(k, _)| k == "MM_LOGSETTINGS_CONSOLELEVEL")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "INFO".into());
    init_logging(&level);
    let config = match cli::load_config(&args, &env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("perch: {e}");
            return ExitCode::from(2);
        }
    };
    log::set_max_level(level_filter(&config.log.console_level));
    if !matches!(args.command, Command::Serve) {
        return match cli::run_admin(&config, args.command) {
            Ok(msg) => {
                println!("{msg}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("perch: {e}");
                ExitCode::from(1)
            }
        };
    }
    signals::block_stop_signals();
    log::info!("effective config: {}", config.redacted());
    let running = match perch::start(config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("perch: {e}");
            return ExitCode::from(1);
        }
    };
    // Scripts and tests read the real port from this first stdout line.
    println!("listening on {}", running.url());
    let stopper = running.stopper();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            signals::wait_for_stop_signal();
            log::info!("stopping: finishing in-flight requests");
            stopper.stop();
        })
        .expect("spawn the signal thread");
    running.wait();
    log::info!("stopped");
    ExitCode::SUCCESS
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

fn level_filter(level: &str) -> log::LevelFilter {
    match level.to_ascii_uppercase().as_str() {
        "DEBUG" => log::LevelFilter::Debug,
        "WARN" => log::LevelFilter::Warn,
        "ERROR" => log::LevelFilter::Error,
        _ => log::LevelFilter::Info,
    }
}

fn init_logging(level: &str) {
    perch::logging::init(level_filter(level));
}
