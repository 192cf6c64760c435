//! Password hashing with argon2id, bounded (at most `PerchSettings.Argon2Permits` hashes at a
//! time) and never inside a database write.

use crate::error::ApiError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Condvar, Mutex};

/// Hashes and verifies passwords with argon2id, at most `permits` at a time (each hash holds
/// `memory` KiB; unbounded concurrency would let a login burst exhaust a small box).
pub struct PasswordHasherPool {
    params: Params,
    permits: Mutex<i64>,
    max_permits: i64,
    freed: Condvar,
}

impl PasswordHasherPool {
    pub fn new(memory_kib: u32, iterations: u32, permits: i64) -> PasswordHasherPool {
        let params =
            Params::new(memory_kib, iterations, 1, None).unwrap_or_else(|_| Params::default());
        PasswordHasherPool {
            params,
            permits: Mutex::new(permits.max(1)),
            max_permits: permits.max(1),
            freed: Condvar::new(),
        }
    }

    /// The parameters in force, e.g. for the benchmark report.
    pub fn describe(&self) -> String {
        format!(
            "argon2id m={}KiB t={} p={}, {} hashes at a time",
            self.params.m_cost(),
            self.params.t_cost(),
            self.params.p_cost(),
            self.max_permits
        )
    }

    fn with_permit<T>(&self, f: impl FnOnce(&Argon2) -> T) -> T {
        {
            let mut n = self.permits.lock().unwrap_or_else(|e| e.into_inner());
            while *n == 0 {
                n = self.freed.wait(n).unwrap_or_else(|e| e.into_inner());
            }
            *n -= 1;
        }
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone());
        let out = f(&argon);
        *self.permits.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.freed.notify_one();
        out
    }

    pub fn hash(&self, password: &str) -> Result<String, ApiError> {
        let mut salt = [0u8; 16];
        crate::model::ids::fill_random(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
        self.with_permit(|a| {
            a.hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(ApiError::internal)
        })
    }

    /// True if `password` matches the stored PHC string (its own parameters are used).
    pub fn verify(&self, password: &str, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        self.with_permit(|a| a.verify_password(password.as_bytes(), &parsed).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_round_trip() {
        let pool = PasswordHasherPool::new(64, 1, 1);
        let h = pool.hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(pool.verify("correct horse", &h));
        assert!(!pool.verify("wrong", &h));
        assert!(!pool.verify("x", "not a hash"));
    }
}
