//! Rate limiting: GCRA (as Mattermost's `throttled` library) over a bounded in-memory table.
//! The general limiter follows `RateLimitSettings`; the login limiter (5/s, burst 10, per IP)
//! is on by default in Perch (`PerchSettings.LoginRateLimitEnable`).

use crate::config::Config;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// One limiter: `per_sec` sustained, `burst` extra, per key.
pub struct Gcra {
    interval: f64,
    tolerance: f64,
    cap: usize,
    start: Instant,
    tat: Mutex<HashMap<String, f64>>,
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

impl Gcra {
    pub fn new(per_sec: i64, burst: i64, cap: i64) -> Gcra {
        let interval = 1.0 / (per_sec.max(1) as f64);
        Gcra {
            interval,
            tolerance: interval * burst.max(0) as f64,
            cap: cap.max(16) as usize,
            start: Instant::now(),
            tat: Mutex::new(HashMap::new()),
        }
    }

    pub fn check(&self, key: &str) -> Decision {
        let now = self.start.elapsed().as_secs_f64();
        let limit = (self.tolerance / self.interval).round() as i64 + 1;
        let mut map = self.tat.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.cap && !map.contains_key(key) {
            map.retain(|_, t| *t > now);
            if map.len() >= self.cap {
                // Still full of active keys: forget them all rather than grow without bound.
                map.clear();
            }
        }
        let tat = map.get(key).copied().unwrap_or(now).max(now);
        let new_tat = tat + self.interval;
        let allow_at = new_tat - self.tolerance - self.interval;
        if allow_at > now {
            let retry = (allow_at - now).ceil() as i64;
            return Decision {
                allowed: false,
                limit,
                remaining: 0,
                reset_secs: (tat - now).ceil() as i64,
                retry_after_secs: retry.max(1),
            };
        }
        map.insert(key.to_string(), new_tat);
        let remaining =
            ((self.tolerance + self.interval - (new_tat - now)) / self.interval).floor() as i64;
        Decision {
            allowed: true,
            limit,
            remaining: remaining.max(0),
            reset_secs: (new_tat - now).ceil() as i64,
            retry_after_secs: 0,
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
}
