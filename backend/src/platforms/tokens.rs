//! Platform tokens at rest (issue 22): VK access and refresh tokens, Rutube API tokens and Telegram bot tokens are
//! sealed with AES-256-GCM under a server key before they reach the database, with a fresh random nonce per seal, the
//! key's id stored beside them (rotation: `docs/publishing.md`), and the owner, platform and token kind as associated
//! data, so a sealed token copied to another row or slot does not open. Opened tokens are zeroised when dropped and
//! never logged, stored or sent to the browser.

use argon2::password_hash::rand_core::{OsRng, RngCore as _};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use domain::{Platform, TextEnum as _};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::config::PlatformsConfig;

/// Which token of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The token calls are made with (VK access token, Rutube token, Telegram bot token).
    Access,
    /// VK's refresh token.
    Refresh,
}

/// What binds a sealed token to its place: the connection's owner, platform and the token's kind.
pub fn context(owner: Uuid, platform: Platform, kind: TokenKind) -> String {
    let kind = match kind {
        TokenKind::Access => "access",
        TokenKind::Refresh => "refresh",
    };
    format!("clipmaker:platform-token:v1:{owner}:{}:{kind}", platform.as_str())
}

/// A sealed token as the database keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedToken {
    /// Ciphertext and the 16-byte GCM tag.
    pub data: Vec<u8>,
    /// The 96-bit nonce.
    pub nonce: Vec<u8>,
    /// The id of the key it is sealed under.
    pub key_id: i32,
}

impl std::fmt::Debug for SealedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedToken").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

/// Why a sealed token did not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Sealed under a key id this server no longer has (rotated out before the token was resealed).
    #[error("the token was sealed under key {0}, which is not configured")]
    UnknownKey(i32),
    /// The ciphertext, nonce or context do not match.
    #[error("the sealed token is damaged or belongs elsewhere")]
    Corrupt,
}

fn key(bytes: &[u8; 32]) -> vault::VaultKey {
    vault::VaultKey::from_derived(*bytes)
}

/// Seals `token` under the current key.
pub fn seal(config: &PlatformsConfig, context: &str, token: &str) -> SealedToken {
    let mut nonce = [0u8; vault::NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let (key_id, bytes) = &config.current;
    let sealed = vault::seal(&key(bytes), context, token.as_bytes(), nonce);
    SealedToken {
        data: STANDARD.decode(sealed.data).expect("vault::seal returns base64"),
        nonce: nonce.to_vec(),
        key_id: *key_id,
    }
}

/// Opens a sealed token with the key its id names (the current or the previous one).
pub fn open(config: &PlatformsConfig, context: &str, sealed: &SealedToken) -> Result<Zeroizing<String>, TokenError> {
    let bytes = [Some(&config.current), config.previous.as_ref()]
        .into_iter()
        .flatten()
        .find(|(id, _)| *id == sealed.key_id)
        .map(|(_, k)| k)
        .ok_or(TokenError::UnknownKey(sealed.key_id))?;
    let boxed = vault::Sealed { nonce: STANDARD.encode(&sealed.nonce), data: STANDARD.encode(&sealed.data) };
    let plain = vault::open(&key(bytes), context, &boxed).ok_or(TokenError::Corrupt)?;
    String::from_utf8(plain.to_vec()).map(Zeroizing::new).map_err(|_| TokenError::Corrupt)
}

/// Whether `sealed` is under an older key and should be resealed.
pub fn is_stale(config: &PlatformsConfig, sealed: &SealedToken) -> bool {
    sealed.key_id != config.current.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(current: (i32, u8), previous: Option<(i32, u8)>) -> PlatformsConfig {
        PlatformsConfig {
            current: (current.0, [current.1; 32]),
            previous: previous.map(|(id, b)| (id, [b; 32])),
            telegram_api_url: String::new(),
            rutube_api_url: String::new(),
            vk_api_url: String::new(),
            poll: std::time::Duration::from_millis(1),
            poll_tries: 1,
        }
    }

    const TOKEN: &str = "vk1.a.secret-access-token-0123456789";

    #[test]
    fn a_sealed_token_opens_only_in_its_place() {
        let cfg = config((1, 7), None);
        let owner = Uuid::from_u128(42);
        let here = context(owner, Platform::Vk, TokenKind::Access);
        let sealed = seal(&cfg, &here, TOKEN);
        assert_eq!(sealed.key_id, 1);
        assert_eq!(sealed.nonce.len(), 12);
        assert!(!sealed.data.windows(8).any(|w| TOKEN.as_bytes().windows(8).any(|t| t == w)), "plaintext in the seal");
        assert_eq!(open(&cfg, &here, &sealed).unwrap().as_str(), TOKEN);
        for elsewhere in [
            context(owner, Platform::Vk, TokenKind::Refresh),
            context(owner, Platform::Telegram, TokenKind::Access),
            context(Uuid::from_u128(43), Platform::Vk, TokenKind::Access),
        ] {
            assert_eq!(open(&cfg, &elsewhere, &sealed), Err(TokenError::Corrupt));
        }
        // Two seals of one token differ (fresh nonces).
        assert_ne!(seal(&cfg, &here, TOKEN).data, sealed.data);
    }

    #[test]
    fn rotation_keeps_old_tokens_open_until_the_old_key_is_gone() {
        let ctx = context(Uuid::nil(), Platform::Rutube, TokenKind::Access);
        let old = seal(&config((1, 7), None), &ctx, TOKEN);
        let rotated = config((2, 9), Some((1, 7)));
        assert!(is_stale(&rotated, &old));
        assert_eq!(open(&rotated, &ctx, &old).unwrap().as_str(), TOKEN);
        let resealed = seal(&rotated, &ctx, &open(&rotated, &ctx, &old).unwrap());
        assert_eq!(resealed.key_id, 2);
        assert!(!is_stale(&rotated, &resealed));
        let after = config((2, 9), None);
        assert_eq!(open(&after, &ctx, &old), Err(TokenError::UnknownKey(1)));
        assert_eq!(open(&after, &ctx, &resealed).unwrap().as_str(), TOKEN);
        // A key id that names the wrong key does not open either.
        let wrong = config((1, 8), None);
        assert_eq!(open(&wrong, &ctx, &old), Err(TokenError::Corrupt));
    }

    #[test]
    fn debug_output_hides_the_seal() {
        let sealed = seal(&config((3, 1), None), "c", TOKEN);
        let shown = format!("{sealed:?}");
        assert!(shown.contains("key_id: 3") && !shown.contains("data"), "{shown}");
    }
}
