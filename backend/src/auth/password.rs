//! Password policy (length plus a list of common passwords) and argon2id hashing.

use std::{collections::HashSet, sync::LazyLock};

use anyhow::Context as _;
use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString, rand_core::OsRng},
};
use domain::account::{PasswordError, check_password_length};

static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("common_passwords.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
});

/// Whether `password` is on the list of the most common passwords (case-insensitive).
pub fn is_common(password: &str) -> bool {
    COMMON.contains(&password.to_lowercase())
}

/// Checks a password a user wants to set: length first, then the common list.
pub fn check_new_password(password: &str) -> Result<(), PasswordError> {
    check_password_length(password)?;
    if is_common(password) {
        return Err(PasswordError::TooCommon);
    }
    Ok(())
}

/// Hashes with argon2id (the crate's defaults: 19 MiB, 2 passes, 1 lane, a random 16-byte salt) into a PHC
/// string. Runs on the blocking pool: hashing is deliberately slow.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("{e}"))
    })
    .await
    .context("password hashing task")?
}

/// A valid hash of a random password, verified against when an account does not exist, so a login for an unknown
/// email takes as long as one for a known email.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(uuid::Uuid::new_v4().as_bytes(), &salt).expect("hashing a dummy").to_string()
});

/// Checks `password` against a stored PHC hash; `None` (no such account) spends the same time and fails.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        match PasswordHash::new(&stored) {
            Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert_eq!(check_new_password("password"), Err(PasswordError::TooCommon));
        assert_eq!(check_new_password("PassWord"), Err(PasswordError::TooCommon));
        assert_eq!(check_new_password("qwertyuiop"), Err(PasswordError::TooCommon));
        assert_eq!(check_new_password("йцукенгшщз"), Err(PasswordError::TooCommon));
        assert_eq!(check_new_password("short"), Err(PasswordError::TooShort));
        assert_eq!(check_new_password("correct horse battery staple"), Ok(()));
        assert!(COMMON.len() > 10_000, "the list loaded {} entries", COMMON.len());
        assert!(!COMMON.iter().any(|p| p.starts_with('#')));
    }

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("Тайный пароль 42".into()).await.unwrap();
        let b = hash("Тайный пароль 42".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(!a.contains("Тайный"));
        assert!(verify("Тайный пароль 42".into(), Some(a.clone())).await);
        assert!(!verify("тайный пароль 42".into(), Some(a)).await);
        assert!(!verify("anything".into(), None).await);
        assert!(!verify("anything".into(), Some("not a hash".into())).await);
    }
}
