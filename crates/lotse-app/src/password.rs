//! Password hashing with argon2id (the `argon2` crate of RustCrypto: pure Rust, PHC strings,
//! OWASP-recommended parameters by default).
//!
//! argon2 takes tens of milliseconds of CPU by design. The server calls [`hash_off_thread`] and
//! [`verify_off_thread`], which run it on tokio's blocking threads, at most one per core at a
//! time (a semaphore): the async threads stay free for other requests, and a flood of sign-ins
//! queues instead of starving the machine.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use lotse_domain::user::NewPassword;

/// Why hashing failed (it should not, with valid parameters).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes a password with a fresh random salt; returns the PHC string.
pub fn hash(password: &NewPassword) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError(e.to_string()))?;
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Checks a password against a PHC string; a malformed hash is a mismatch.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// At most this many hashes run at once: the number of cores.
fn hashing_permits() -> Arc<tokio::sync::Semaphore> {
    static PERMITS: OnceLock<Arc<tokio::sync::Semaphore>> = OnceLock::new();
    Arc::clone(PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Arc::new(tokio::sync::Semaphore::new(cores))
    }))
}

tokio::task_local! {
    static HASHES: Arc<AtomicU64>;
}

/// Runs `future` and counts the argon2 computations it asked for (so tests can check that two
/// paths do the same work without measuring time).
pub async fn count_hashes<F: Future>(future: F) -> (F::Output, u64) {
    let counter = Arc::new(AtomicU64::new(0));
    let output = HASHES.scope(Arc::clone(&counter), future).await;
    (output, counter.load(Ordering::Relaxed))
}

/// Runs one argon2 computation off the async threads, behind the per-core semaphore.
async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, HashError> {
    let _ = HASHES.try_with(|c| c.fetch_add(1, Ordering::Relaxed));
    let _permit = hashing_permits()
        .acquire_owned()
        .await
        .map_err(|e| HashError(e.to_string()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| HashError(e.to_string()))
}

/// [`hash`] on a blocking thread.
pub async fn hash_off_thread(password: NewPassword) -> Result<String, HashError> {
    off_thread(move || hash(&password)).await?
}

/// [`verify`] on a blocking thread (a failure to run it is a mismatch).
pub async fn verify_off_thread(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_owned(), phc.to_owned());
    off_thread(move || verify(&password, &phc)).await.unwrap_or(false)
}

/// [`verify`] against [`decoy_hash`] on a blocking thread: the same work as for an existing
/// account, for a name that does not exist.
pub async fn verify_decoy(password: &str) {
    let password = password.to_owned();
    let _ = off_thread(move || verify(&password, decoy_hash())).await;
}

/// A valid hash of a random password, verified against when an account does not exist, so
/// that "no such user" and "wrong password" take the same time.
pub fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let mut random = [0u8; 24];
        rand::fill(&mut random);
        NewPassword::parse(&hex::encode(random))
            .ok()
            .and_then(|p| hash(&p).ok())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_their_password() {
        let p = NewPassword::parse("correct horse battery").unwrap();
        let h = hash(&p).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterz", &h));
        assert!(!verify("correct horse battery", "not a hash"));
        assert_ne!(hash(&p).unwrap(), h, "fresh salt each time");
        assert!(!decoy_hash().is_empty());
    }
}
