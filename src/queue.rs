//! The in-memory queues between the threads that serve requests and the background threads
//! that act later: the outgoing-webhook delivery ids (`DeliveryQueue`, drained by
//! `dispatcher`) and the delayed `/echo` posts (`Delayed`, fired by `commands::timer`). They
//! hold data only; `App` owns them, the threads that drain them live above.

use crate::model::outgoing_hook::Delivery;
use std::collections::{HashSet, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The outgoing-webhook delivery ids, shared by the post path (producer, after each commit),
/// the `hook-out-scan` thread (pending rows from the database) and the `hook-out-N` workers.
/// The database row is the truth; this only carries ids, each at most once at a time.
pub struct DeliveryQueue {
    state: Mutex<Queue>,
    /// Workers wait here for ids.
    work: Condvar,
    /// The scanner waits here for its next scan.
    scan: Condvar,
    capacity: usize,
}

#[derive(Default)]
struct Queue {
    items: VecDeque<String>,
    /// Queued or being delivered: never queued a second time.
    in_flight: HashSet<String>,
    stopping: bool,
    rescan: bool,
    /// Deliveries were left in the database because the queue was full: the scanner is woken
    /// as soon as the queue runs low, instead of at its next interval.
    spilled: bool,
}

impl DeliveryQueue {
    pub fn new(capacity: usize) -> DeliveryQueue {
        DeliveryQueue {
            state: Mutex::new(Queue::default()),
            work: Condvar::new(),
            scan: Condvar::new(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A panicking holder cannot leave the queue inconsistent (plain pushes and pops).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands a delivery to the workers without ever blocking. Returns false when the queue is
    /// full or stopping; the row then stays pending and the scanner picks it up.
    pub fn offer(&self, id: &str) -> bool {
        let mut q = self.lock();
        if q.stopping {
            return false;
        }
        if q.in_flight.contains(id) {
            return true;
        }
        if q.items.len() >= self.capacity {
            q.spilled = true;
            return false;
        }
        q.items.push_back(id.to_string());
        q.in_flight.insert(id.to_string());
        self.work.notify_one();
        true
    }

    /// Offers freshly committed deliveries (after a post's write).
    pub fn offer_all(&self, deliveries: &[Delivery]) {
        for d in deliveries {
            if !self.offer(&d.id) {
                log::debug!("outgoing queue full; delivery {} left for the scan", d.id);
                return;
            }
        }
    }

    /// Stops the workers and the scanner (they finish the delivery in hand first).
    pub fn stop(&self) {
        let mut q = self.lock();
        q.stopping = true;
        q.items.clear();
        self.work.notify_all();
        self.scan.notify_all();
    }

    /// Asks the scanner to look again now (a retry was scheduled).
    /// The scanner filled the queue and more rows may be due: wake it again as soon as the
    /// queue runs low.
    pub fn more_pending(&self) {
        self.lock().spilled = true;
    }

    pub fn wake_scanner(&self) {
        let mut q = self.lock();
        q.rescan = true;
        self.scan.notify_all();
    }

    pub fn take(&self) -> Option<String> {
        let mut q = self.lock();
        loop {
            if q.stopping {
                return None;
            }
            if let Some(id) = q.items.pop_front() {
                if q.spilled && q.items.len() <= self.capacity / 4 {
                    q.spilled = false;
                    q.rescan = true;
                    self.scan.notify_all();
                }
                return Some(id);
            }
            q = self.work.wait(q).unwrap_or_else(|e| e.into_inner());
        }
    }

    pub fn finish(&self, id: &str) {
        self.lock().in_flight.remove(id);
    }

    /// How many ids the scanner may look for: free queue slots plus those in flight (which
    /// the query returns too while they are being delivered).
    pub fn scan_limit(&self) -> usize {
        let q = self.lock();
        self.capacity.saturating_sub(q.items.len()) + q.in_flight.len()
    }

    /// Sleeps up to `wait` or until woken; false when stopping.
    pub fn wait_scan(&self, wait: Duration) -> bool {
        let mut q = self.lock();
        if !q.rescan && !q.stopping {
            q = self
                .scan
                .wait_timeout(q, wait)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        q.rescan = false;
        !q.stopping
    }

    pub fn stopping(&self) -> bool {
        self.lock().stopping
    }
}

/// Items due at an instant, bounded (`schedule` refuses beyond `max`); one thread takes them
/// when due.
pub struct Delayed<T> {
    pending: Mutex<Vec<(Instant, T)>>,
    wake: Condvar,
    max: usize,
}

impl<T> Delayed<T> {
    pub fn new(max: usize) -> Delayed<T> {
        Delayed {
            pending: Mutex::new(Vec::new()),
            wake: Condvar::new(),
            max,
        }
    }

    /// Queues `item` for `delay` from now; false when `max` items are already waiting.
    pub fn schedule(&self, delay: Duration, item: T) -> bool {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.len() >= self.max {
            return false;
        }
        pending.push((Instant::now() + delay, item));
        self.wake.notify_one();
        true
    }

    /// Waits until an item is due (or at most `idle`), then takes every due item.
    pub fn take_due(&self, idle: Duration) -> Vec<T> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let wait = pending
            .iter()
            .map(|(due, _)| due.saturating_duration_since(now))
            .min()
            .unwrap_or(idle)
            .min(idle);
        if !wait.is_zero() {
            pending = match self.wake.wait_timeout(pending, wait) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
        let now = Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = pending.drain(..).partition(|(at, _)| *at <= now);
        *pending = later;
        due.into_iter().map(|(_, item)| item).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_is_bounded_and_dedups() {
        let d = DeliveryQueue::new(2);
        assert!(d.offer("a"));
        assert!(d.offer("a"));
        assert!(d.offer("b"));
        assert!(!d.offer("c"));
        assert_eq!(d.take().as_deref(), Some("a"));
        assert!(
            d.offer("a"),
            "still in flight: accepted without queueing twice"
        );
        assert!(d.offer("c"));
        d.finish("a");
        assert_eq!(d.scan_limit(), 2);
        d.stop();
        assert_eq!(d.take(), None);
        assert!(!d.offer("x"));
    }

    #[test]
    fn delayed_items_come_when_due_and_are_bounded() {
        let d = Delayed::new(2);
        assert!(d.schedule(Duration::ZERO, 1));
        assert!(d.schedule(Duration::from_secs(60), 2));
        assert!(!d.schedule(Duration::ZERO, 3));
        assert_eq!(d.take_due(Duration::from_millis(10)), vec![1]);
        assert!(d.take_due(Duration::from_millis(10)).is_empty());
    }
}
