//! Mattermost ids: 16 random bytes in base32 with the alphabet `ybndrfg8ejkmcpqxot1uwisza345h769`,
//! 26 characters. Secrets (session tokens, hook tokens) use the same form.

const ALPHABET: &[u8; 32] = b"ybndrfg8ejkmcpqxot1uwisza345h769";

/// A fresh 26-character id from the OS random source.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes);
    encode(&bytes)
}

/// A fresh secret token; same shape as an id (≈128 random bits), as Mattermost's are.
pub fn new_token() -> String {
    new_id()
}

/// Fills `buf` from getrandom. If the OS source fails (it practically never does), we abort:
/// handing out predictable tokens would be worse than stopping.
pub fn fill_random(buf: &mut [u8]) {
    if let Err(e) = getrandom::getrandom(buf) {
        log::error!("the OS random source failed: {e}; stopping");
        std::process::abort();
    }
}

fn encode(bytes: &[u8; 16]) -> String {
    let mut out = String::with_capacity(26);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
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
    fn ids_are_26_chars_of_the_alphabet() {
        for _ in 0..100 {
            let id = new_id();
            assert_eq!(id.len(), 26);
            assert!(id.bytes().all(|b| ALPHABET.contains(&b)));
            assert!(is_valid_id(&id));
        }
        assert_ne!(new_id(), new_id());
    }

    #[test]
    fn validation() {
        assert!(!is_valid_id("short"));
        assert!(!is_valid_id("abcdefghijklmnopqrstuvwxy!"));
        assert!(is_valid_id("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
    }
}
