//! Per-input budgets: wall time, and the peak of bytes this thread holds while the parser runs
//! (a counting global allocator with per-thread counters, so parallel tests do not mix).

#![allow(
    unsafe_code,
    reason = "a global allocator can only be written with unsafe"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

struct Counting;

thread_local! {
    static HELD: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    // `try_with`: the counters may already be gone while a thread ends.
    let _ = HELD.try_with(|h| {
        let now = h.get() + delta;
        h.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

// SAFETY: every call is passed to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// How long one input may take (a debug build on a busy 2-core machine: generous, but a
/// quadratic blow-up on a 64 KiB input or an endless loop still fails).
pub const TIME: Duration = Duration::from_secs(2);

/// Runs `f` on one input of `input_len` bytes and fails when it takes longer than `TIME` or
/// holds more than `per_byte` bytes per input byte plus 4 MiB at its peak.
pub fn bounded<T>(what: &str, input_len: usize, per_byte: usize, f: impl FnOnce() -> T) -> T {
    let base = HELD.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let started = Instant::now();
    let out = f();
    let took = started.elapsed();
    let peak = (PEAK.with(Cell::get) - base).max(0) as usize;
    let allowed = input_len * per_byte + (4 << 20);
    assert!(
        took <= TIME,
        "{what}: {took:?} for a {input_len}-byte input"
    );
    assert!(
        peak <= allowed,
        "{what}: held {peak} bytes at its peak for a {input_len}-byte input (allowed {allowed})"
    );
    out
}

#[test]
fn the_budget_sees_what_a_parser_holds() {
    let r = std::panic::catch_unwind(|| bounded("grow", 0, 0, || vec![0u8; 8 << 20].len()));
    assert!(r.is_err(), "an 8 MiB allocation must exceed a 4 MiB budget");
    assert_eq!(bounded("small", 0, 0, || vec![0u8; 1 << 20].len()), 1 << 20);
}
