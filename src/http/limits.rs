//! Rate limiting: GCRA (as Mattermost's `throttled` library) over a bounded in-memory table.
//! The general limiter follows `RateLimitSettings`; the login limiter (5/s, burst 10, per IP)
//! is on by default in Perch (`PerchSettings.LoginRateLimitEnable`).

use super::Resp;
use crate::config::Config;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// One limiter: `per_sec` sustained, `burst` extra, per key. Times are whole nanoseconds
/// since the limiter started (no float rounding at the edges of a burst).
pub struct Gcra {
    /// The emission interval: one request's share of a second.
    interval: u64,
    /// How far ahead of now a key's theoretical arrival time may run: `interval × burst`.
    tolerance: u64,
    limit: i64,
    cap: usize,
    start: Instant,
    /// Theoretical arrival time per key.
    tat: Mutex<HashMap<String, u64>>,
}

/// The outcome of one check, with what the `X-Ratelimit-*` headers report.
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    pub allowed: bool,
    pub limit: i64,
    pub remaining: i64,
    pub reset_secs: i64,
    pub retry_after_secs: i64,
}

const SECOND: u64 = 1_000_000_000;

/// Seconds, rounded up, as the headers report them.
fn secs_up(ns: u64) -> i64 {
    ns.div_ceil(SECOND) as i64
}

impl Gcra {
    pub fn new(per_sec: i64, burst: i64, cap: i64) -> Gcra {
        let interval = SECOND / per_sec.clamp(1, 1_000_000) as u64;
        let burst = burst.clamp(0, 1_000_000);
        Gcra {
            interval,
            tolerance: interval * burst as u64,
            limit: burst + 1,
            cap: cap.max(16) as usize,
            start: Instant::now(),
            tat: Mutex::new(HashMap::new()),
        }
    }

    /// Charges one request to `key`.
    pub fn check(&self, key: &str) -> Decision {
        let now = self.start.elapsed().as_nanos() as u64;
        let mut map = self.tat.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.cap && !map.contains_key(key) {
            evict(&mut map, self.cap, now);
        }
        let tat = map.get(key).copied().unwrap_or(now).max(now);
        let new_tat = tat + self.interval;
        // Allowed while the new arrival time is at most `tolerance + interval` ahead of now.
        let ahead = new_tat - now;
        let window = self.tolerance + self.interval;
        if ahead > window {
            return Decision {
                allowed: false,
                limit: self.limit,
                remaining: 0,
                reset_secs: secs_up(tat - now),
                retry_after_secs: secs_up(ahead - window).max(1),
            };
        }
        map.insert(key.to_string(), new_tat);
        Decision {
            allowed: true,
            limit: self.limit,
            remaining: ((window - ahead) / self.interval) as i64,
            reset_secs: secs_up(ahead),
            retry_after_secs: 0,
        }
    }
}

/// Makes room in a full table. Keys whose bucket has refilled (`tat <= now`) carry no state
/// and go first; if every key is still limited, the quarter closest to refilling goes, so an
/// attacker cycling through addresses can neither grow the table nor reset the buckets of the
/// keys that are being limited hardest.
fn evict(map: &mut HashMap<String, u64>, cap: usize, now: u64) {
    map.retain(|_, t| *t > now);
    if map.len() < cap {
        return;
    }
    let mut tats: Vec<u64> = map.values().copied().collect();
    let k = (cap / 4).max(1).min(tats.len() - 1);
    let (_, cut, _) = tats.select_nth_unstable(k);
    let cut = *cut;
    map.retain(|_, t| *t > cut);
}

impl Decision {
    /// `X-Ratelimit-Limit/Remaining/Reset`, as every response that passed a limiter carries.
    pub fn headers(&self) -> Vec<(String, String)> {
        vec![
            ("X-Ratelimit-Limit".into(), self.limit.to_string()),
            ("X-Ratelimit-Remaining".into(), self.remaining.to_string()),
            ("X-Ratelimit-Reset".into(), self.reset_secs.to_string()),
        ]
    }

    /// The refusal: `429`, `Retry-After`, and the plain-text body Mattermost's limiter writes.
    pub fn rejection(&self) -> Resp {
        let mut headers = vec![(
            "Content-Type".to_string(),
            "text/plain; charset=utf-8".to_string(),
        )];
        headers.extend(self.headers());
        headers.push(("Retry-After".into(), self.retry_after_secs.to_string()));
        Resp {
            status: 429,
            headers,
            body: b"limit exceeded\n".to_vec(),
            ..Default::default()
        }
    }
}

/// The server's limiters.
pub struct Limits {
    pub general: Option<Gcra>,
    pub login: Option<Gcra>,
    pub vary_by_remote_addr: bool,
    pub vary_by_user: bool,
    pub vary_by_header: String,
}

impl Limits {
    pub fn new(c: &Config) -> Limits {
        let r = &c.rate_limit;
        let general = r
            .enable
            .then(|| Gcra::new(r.per_sec, r.max_burst, r.memory_store_size));
        let login = (r.enable || c.perch.login_rate_limit_enable)
            .then(|| Gcra::new(5, 10, r.memory_store_size));
        Limits {
            general,
            login,
            vary_by_remote_addr: r.vary_by_remote_addr,
            vary_by_user: r.vary_by_user,
            vary_by_header: r.vary_by_header.to_ascii_lowercase(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refuse() {
        let g = Gcra::new(1, 3, 100);
        let mut allowed = 0;
        for _ in 0..10 {
            if g.check("k").allowed {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 4, "burst 3 + 1");
        let d = g.check("k");
        assert!(!d.allowed);
        assert!(d.retry_after_secs >= 1);
        assert!(g.check("other").allowed);
    }

    #[test]
    fn bounded_memory() {
        let g = Gcra::new(1, 1, 16);
        for i in 0..1000 {
            g.check(&format!("k{i}"));
        }
        assert!(g.tat.lock().unwrap().len() <= 16);
    }

    #[test]
    fn a_flood_of_new_keys_does_not_reset_a_limited_key() {
        let g = Gcra::new(1, 2, 64);
        while g.check("victim").allowed {}
        for i in 0..10_000 {
            g.check(&format!("flood{i}"));
        }
        assert!(g.tat.lock().unwrap().len() <= 64);
        assert!(
            !g.check("victim").allowed,
            "the most limited key survives eviction"
        );
    }

    #[test]
    fn headers_and_rejection() {
        let g = Gcra::new(10, 100, 100);
        let d = g.check("k");
        assert_eq!(d.limit, 101);
        assert_eq!(d.remaining, 100);
        let g = Gcra::new(1, 0, 100);
        assert!(g.check("k").allowed);
        let r = g.check("k").rejection();
        assert_eq!(r.status, 429);
        assert_eq!(r.body, b"limit exceeded\n");
        let h = |n: &str| {
            r.headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(h("Retry-After").as_deref(), Some("1"));
        assert_eq!(h("X-Ratelimit-Limit").as_deref(), Some("1"));
        assert_eq!(h("X-Ratelimit-Remaining").as_deref(), Some("0"));
        assert_eq!(
            h("Content-Type").as_deref(),
            Some("text/plain; charset=utf-8")
        );
    }
}
