//! Random secrets (session ids, email links, CSRF tokens) and the hashes kept of them.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes, URL-safe: unguessable, and fits in a link or a cookie.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `value` is shaped as [`new_secret`] makes them: 32 bytes in URL-safe base64.
pub fn is_secret(value: &str) -> bool {
    value.len() == 43
        && base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(value)
            .is_ok_and(|bytes| bytes.len() == 32)
}

/// What the database keeps of a secret: a leaked table gives no working link or session.
pub fn digest(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// The SHA-256 of `bytes` in lower-case hex (a file's fingerprint).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compares two secrets in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_url_safe() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert!(is_secret(&a));
    }

    #[test]
    fn only_a_whole_secret_has_the_shape() {
        let secret = new_secret();
        for wrong in [
            "",
            "abc",
            &secret[..42],
            &format!("{secret}A"),
            &format!("+{}", &secret[1..]),
            "kyodo-bench-comments-csrf-token-0123456789a",
        ] {
            assert!(!is_secret(wrong), "{wrong:?}");
        }
        assert!(is_secret("kyodo-bench-people-csrf-token-0123456789abc"));
    }

    #[test]
    fn digests_and_comparison() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", ""));
    }
}
