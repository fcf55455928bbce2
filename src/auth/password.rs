//! Password hashing: argon2id with OWASP's parameters. Hashing is slow on purpose, so callers
//! run it off the async executor (`web::block`).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// m = 19 MiB, t = 2, p = 1 (OWASP Password Storage Cheat Sheet).
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const PARALLELISM: u32 = 1;

fn hasher() -> Argon2<'static> {
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing cannot fail with valid parameters")
        .to_string()
}

/// Whether `password` matches `stored`; a malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Whether a hash was made with other parameters than today's, so it is replaced at sign-in.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    let current =
        Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("valid argon2 parameters");
    parsed.algorithm != Algorithm::Argon2id.ident()
        || parsed.version != Some(Version::V0x13.into())
        || Params::try_from(&parsed).map_or(true, |p| {
            p.m_cost() != current.m_cost()
                || p.t_cost() != current.t_cost()
                || p.p_cost() != current.p_cost()
        })
}

/// At most this many hashes run at once (one core is left for everyone else), so a burst of
/// sign-ins slows sign-ins, not the pages other people read.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        tokio::sync::Semaphore::new(cores.saturating_sub(1).max(1))
    })
}

/// Runs slow password work on the blocking pool, a few at a time, holding no database connection.
async fn off_executor<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> crate::error::Result<T> {
    let _slot = hashing_slots()
        .acquire()
        .await
        .map_err(|e| crate::error::Error::Internal(e.to_string()))?;
    Ok(actix_web::web::block(work).await?)
}

pub async fn hash_async(password: String) -> crate::error::Result<String> {
    off_executor(move || hash(&password)).await
}

/// `verify` off the executor; with no stored hash it spends the same time and fails.
pub async fn verify_async(password: String, stored: Option<String>) -> crate::error::Result<bool> {
    off_executor(move || match stored {
        Some(stored) => verify(&password, &stored),
        None => {
            spend_equal_time(&password);
            false
        }
    })
    .await
}

/// Verifies against a fixed hash, so that an unknown account costs as much time as a known one.
fn spend_equal_time(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("kyodo-timing-equaliser"));
    let _ = verify(password, dummy);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_use_current_parameters() {
        let stored = hash("kawa-no-nagare-2026");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("kawa-no-nagare-2026", &stored));
        assert!(!verify("kawa-no-nagare-2027", &stored));
        assert!(!needs_rehash(&stored));
        assert_ne!(stored, hash("kawa-no-nagare-2026"), "salted");
    }

    #[test]
    fn old_parameters_and_garbage_are_detected() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        );
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let old = weak
            .hash_password(b"secret-passphrase", &salt)
            .unwrap()
            .to_string();
        assert!(verify("secret-passphrase", &old), "old hashes still verify");
        assert!(needs_rehash(&old));
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::default());
        let other = argon2i
            .hash_password(b"secret-passphrase", &salt)
            .unwrap()
            .to_string();
        assert!(needs_rehash(&other));
        assert!(!verify("anything", "not a hash"));
        assert!(needs_rehash("not a hash"));
        spend_equal_time("anything");
    }
}
