//! Stop signals for the long-running commands (`serve`, `test-server`): SIGTERM and SIGINT are
//! blocked in every thread and taken by one thread with `sigwait`, so a stop is an ordinary
//! event in ordinary code, never an async-signal handler.

/// Blocks SIGTERM and SIGINT in this thread (and so in every thread started after it), so a
/// thread can take them with `wait_for_stop_signal`. Call it before starting any thread.
#[allow(unsafe_code, reason = "POSIX signal masks have no safe std API")]
pub fn block_stop_signals() {
    // SAFETY: the set is initialised by sigemptyset before use; the calls have no other effects.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// Waits until SIGTERM or SIGINT arrives (blocked first with `block_stop_signals`).
#[allow(unsafe_code, reason = "POSIX signal masks have no safe std API")]
pub fn wait_for_stop_signal() {
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
