//! Ids and secrets: 26 characters of base32, as Mattermost's (`IsValidId`: 26 letters or digits).
//!
//! Entity ids (`new_id`) are *time-ordered*: 48 bits of milliseconds then 80 random bits, in a
//! sorted base32 alphabet, so new rows land at the right edge of every id index instead of on a
//! random page. Measured on the webhook path: a random primary key cost one extra dirty page
//! per post in every commit. Mattermost's clients only require 26 alphanumerics.
//! Secrets (`new_token`: session and access tokens, hook ids that are credentials, response-URL
//! ids) are 128 random bits in Mattermost's own alphabet, revealing nothing.

/// Mattermost's alphabet, for secrets.
const ALPHABET: &[u8; 32] = b"ybndrfg8ejkmcpqxot1uwisza345h769";
/// A sorted alphabet (base32hex), so time-ordered bytes give time-ordered strings.
const SORTED: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// A fresh 26-character entity id, ordered by creation time (to the millisecond).
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    id_random(&mut bytes[6..]);
    encode(&bytes, SORTED)
}

/// How many random bytes an id draw fetches from the OS at once (a syscall per id cost about
/// 5 % of an HTTP worker's time on the webhook path).
const ID_POOL: usize = 512;

thread_local! {
    /// This thread's unused random bytes for ids (`ID_POOL` at a time from getrandom), and how
    /// many of them were used. Secrets never come from here.
    static POOL: std::cell::RefCell<([u8; ID_POOL], usize)> =
        const { std::cell::RefCell::new(([0; ID_POOL], ID_POOL)) };
}

/// Random bytes for an entity id (not a secret): from this thread's pool, refilled by
/// getrandom.
fn id_random(out: &mut [u8]) {
    POOL.with(|pool| {
        let (bytes, used) = &mut *pool.borrow_mut();
        if *used + out.len() > ID_POOL {
            fill_random(bytes);
            *used = 0;
        }
        out.copy_from_slice(&bytes[*used..*used + out.len()]);
        // Each byte is handed out once.
        bytes[*used..*used + out.len()].fill(0);
        *used += out.len();
    });
}

/// A fresh secret: 128 random bits, 26 characters, as Mattermost's tokens and ids are.
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes);
    encode(&bytes, ALPHABET)
}

/// Fills `buf` from getrandom. If the OS source fails (it practically never does), we abort:
/// handing out predictable tokens would be worse than stopping.
pub fn fill_random(buf: &mut [u8]) {
    if let Err(e) = getrandom::getrandom(buf) {
        log::error!("the OS random source failed: {e}; stopping");
        std::process::abort();
    }
}

fn encode(bytes: &[u8; 16], alphabet: &[u8; 32]) -> String {
    let mut out = String::with_capacity(26);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(alphabet[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(alphabet[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Mattermost's `IsValidId`: exactly 26 characters, each a letter or digit.
pub fn is_valid_id(s: &str) -> bool {
    s.len() == 26 && s.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_the_pool_do_not_repeat() {
        // More ids than one pool holds, so it is refilled on the way.
        let ids: std::collections::HashSet<String> = (0..2_000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 2_000);
    }

    #[test]
    fn ids_and_tokens_are_26_valid_chars() {
        for _ in 0..100 {
            let id = new_id();
            assert_eq!(id.len(), 26);
            assert!(id.bytes().all(|b| SORTED.contains(&b)));
            assert!(is_valid_id(&id));
            let t = new_token();
            assert_eq!(t.len(), 26);
            assert!(t.bytes().all(|b| ALPHABET.contains(&b)));
            assert!(is_valid_id(&t));
        }
        assert_ne!(new_id(), new_id());
        assert_ne!(new_token(), new_token());
    }

    #[test]
    fn ids_sort_by_creation_time() {
        let a = new_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_id();
        assert!(a < b, "{a} !< {b}");
    }

    #[test]
    fn validation() {
        assert!(!is_valid_id("short"));
        assert!(!is_valid_id("abcdefghijklmnopqrstuvwxy!"));
        assert!(is_valid_id("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
    }
}
