//! Password hashing with argon2id at OWASP's minimum cost (m=19 MiB, t=2, p=1).
//!
//! Hashing is deliberately slow, so it runs off the async runtime, and a semaphore caps
//! how many hashes run at once: a burst of logins cannot eat all memory or all cores.

use crate::domain::Password;
use tokio::sync::Semaphore;

static HASHING: Semaphore = Semaphore::const_new(2);

/// The PHC string (algorithm, parameters, salt and hash) to store.
pub async fn hash(password: &Password) -> String {
    let password = password.expose().to_owned();
    run(move || password_auth::generate_hash(password)).await
}

/// Checks `candidate` against a stored PHC string.
pub async fn verify(candidate: &str, stored_hash: &str) -> bool {
    let (candidate, stored_hash) = (candidate.to_owned(), stored_hash.to_owned());
    run(move || password_auth::verify_password(candidate, &stored_hash).is_ok()).await
}

async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let _permit = HASHING
        .acquire()
        .await
        .expect("the hashing semaphore is never closed");
    tokio::task::spawn_blocking(work)
        .await
        .expect("password hashing does not panic")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_at_owasp_minimum_cost_and_verify() {
        let password = Password::parse("correct horse battery staple").unwrap();
        let stored = hash(&password).await;
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify("correct horse battery staple", &stored).await);
        assert!(!verify("wrong horse battery staple", &stored).await);
    }
}
