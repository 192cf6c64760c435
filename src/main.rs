//! The `perch` binary: parse the command line, load the config, start the server (or run an
//! admin command), and stop cleanly on SIGTERM/SIGINT.

use perch::cli::{self, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match cli::parse(&argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("perch: {e}\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    if matches!(args.command, Command::Version) {
        print!("{}", cli::version_text());
        return ExitCode::SUCCESS;
    }
    let env: Vec<(String, String)> = std::env::vars().collect();
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
    block_stop_signals();
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
            wait_for_stop_signal();
            log::info!("stopping: finishing in-flight requests");
            stopper.stop();
        })
        .expect("spawn the signal thread");
    running.wait();
    log::info!("stopped");
    ExitCode::SUCCESS
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
    let _ = simple_logger::SimpleLogger::new()
        .with_level(level_filter(level))
        .env()
        .init();
}

/// Blocks SIGTERM and SIGINT in this thread (and so in every thread started after it), so the
/// signal thread can take them with `sigwait`.
#[allow(unsafe_code, reason = "POSIX signal masks have no safe std API")]
fn block_stop_signals() {
    // SAFETY: the set is initialised by sigemptyset before use; the calls have no other effects.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

#[allow(unsafe_code, reason = "POSIX signal masks have no safe std API")]
fn wait_for_stop_signal() {
    // SAFETY: as above; sigwait writes the received signal number into `sig`.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        let mut sig = 0;
        libc::sigwait(&set, &mut sig);
    }
}
