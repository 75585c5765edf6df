//! Secrets handed to users (refresh tokens, email links) and the signed access token.
//!
//! Opaque secrets are 32 random bytes, base64url in cookies and links, and stored only as their SHA-256, so a
//! database leak gives nothing usable. Access tokens are HS256 JWTs that live 15 minutes.

use argon2::password_hash::rand_core::{OsRng, RngCore as _};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

/// How long an access token is valid.
pub const ACCESS_TTL: Duration = Duration::minutes(15);
/// How long a refresh token is valid (each rotation starts a new period).
pub const REFRESH_TTL: Duration = Duration::days(7);
/// How long an email verification link is valid.
pub const VERIFY_EMAIL_TTL: Duration = Duration::hours(24);
/// How long a password reset link is valid.
pub const RESET_PASSWORD_TTL: Duration = Duration::hours(1);

/// A new random secret for a user, and the hash we keep.
pub struct Secret {
    /// What the user gets (cookie value, link parameter).
    pub token: String,
    /// What the database stores.
    pub hash: Vec<u8>,
}

/// Generates a 256-bit random secret.
pub fn new_secret() -> Secret {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_secret(&token);
    Secret { token, hash }
}

/// The stored form of a secret.
pub fn hash_secret(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user.
    pub sub: Uuid,
    /// The session (refresh token row) it was issued with.
    pub sid: Uuid,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
}

/// Signs an access token for `user` in `session`, valid from `now` for [`ACCESS_TTL`].
pub fn issue_access(secret: &str, user: Uuid, session: Uuid, now: DateTime<Utc>) -> String {
    let claims = AccessClaims { sub: user, sid: session, iat: now.timestamp(), exp: (now + ACCESS_TTL).timestamp() };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes()))
        .expect("HS256 signing cannot fail")
}

/// Checks the signature and expiry (against `now`) of an access token.
pub fn verify_access(secret: &str, token: &str, now: DateTime<Utc>) -> Option<AccessClaims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false; // checked below against the injected clock
    validation.required_spec_claims.clear();
    let data =
        jsonwebtoken::decode::<AccessClaims>(token, &DecodingKey::from_secret(secret.as_bytes()), &validation).ok()?;
    (data.claims.exp > now.timestamp()).then_some(data.claims)
}

/// Seals a new refresh secret so that only whoever holds `old_token` (the secret it replaced) can open it: the bytes
/// are XORed with SHA-512 of the old secret under a domain label. Each old secret is rotated once, so each pad is
/// used once. Used to hand the same new pair to a second tab that refreshed with the same cookie a moment later.
pub fn seal_for_holder(old_token: &str, new_token: &str) -> Option<String> {
    let pad = grace_pad(old_token);
    (new_token.len() <= pad.len())
        .then(|| hex::encode(new_token.bytes().zip(pad).map(|(b, p)| b ^ p).collect::<Vec<_>>()))
}

/// Opens what [`seal_for_holder`] sealed; `None` for anything malformed.
pub fn open_for_holder(old_token: &str, sealed: &str) -> Option<String> {
    let bytes = hex::decode(sealed).ok()?;
    let pad = grace_pad(old_token);
    if bytes.len() > pad.len() {
        return None;
    }
    String::from_utf8(bytes.iter().zip(pad).map(|(b, p)| b ^ p).collect()).ok()
}

fn grace_pad(old_token: &str) -> [u8; 64] {
    use sha2::Sha512;
    let mut h = Sha512::new();
    h.update(b"clipmaker refresh grace\0");
    h.update(old_token.as_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_sealed_secret_opens_only_with_the_old_secret() {
        let (old, new, other) = (new_secret(), new_secret(), new_secret());
        let sealed = seal_for_holder(&old.token, &new.token).unwrap();
        assert!(!sealed.contains(&new.token) && !sealed.contains(&hex::encode(&new.token)));
        assert_eq!(open_for_holder(&old.token, &sealed).as_deref(), Some(new.token.as_str()));
        assert_ne!(open_for_holder(&other.token, &sealed).as_deref(), Some(new.token.as_str()));
        assert_eq!(open_for_holder(&old.token, "zz"), None);
    }

    use super::*;

    const KEY: &str = "unit-test-key-0123456789abcdefghijkl";

    #[test]
    fn secrets_are_random_and_only_their_hash_is_kept() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 43);
        assert_eq!(a.hash, hash_secret(&a.token));
        assert_eq!(a.hash.len(), 32);
    }

    #[test]
    fn access_tokens_expire_after_fifteen_minutes() {
        let now = Utc::now();
        let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
        let token = issue_access(KEY, user, session, now);
        let claims = verify_access(KEY, &token, now + Duration::minutes(14)).expect("still valid");
        assert_eq!((claims.sub, claims.sid), (user, session));
        assert!(verify_access(KEY, &token, now + Duration::minutes(15)).is_none());
    }

    #[test]
    fn forged_or_foreign_tokens_are_refused() {
        let now = Utc::now();
        let token = issue_access(KEY, Uuid::now_v7(), Uuid::now_v7(), now);
        assert!(verify_access("another-key-0123456789abcdefghijklmno", &token, now).is_none());
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD
            .encode(serde_json::json!({"sub": Uuid::nil(), "sid": Uuid::nil(), "iat": 0, "exp": i64::MAX}).to_string());
        parts[1] = &forged_payload;
        assert!(verify_access(KEY, &parts.join("."), now).is_none());
        // "alg: none" is never accepted.
        let none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#), forged_payload);
        assert!(verify_access(KEY, &none, now).is_none());
    }
}
