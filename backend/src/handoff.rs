//! The key hand-off (issue 19 §4): a creator's own AI keys travel from the browser's vault to the worker sealed to
//! the server's X25519 hand-off key ([`vault::handoff`] is the format).
//!
//! - The browser asks for [`public_key`], seals the keys a job needs and sends them in the
//!   [`vault::handoff::HEADER`] request header when it finishes an upload or starts an import.
//! - The server never opens them: [`accept`] keeps the header value as it came in Redis under the video
//!   (`handoff:<video id>`, expiring after `HANDOFF_TTL_HOURS`), never in PostgreSQL, and notes on the video row only
//!   that keys were sent (`videos.own_keys`), so a lost blob is told apart from none.
//! - The worker loads the blob for a stage ([`keys_for`]) and opens it again right before each provider call
//!   ([`SealedKeys::key`]); a plaintext key lives only as long as that call's [`Secret`].
//! - [`forget`] deletes the blob when the video completes, fails or is deleted.
//! - A blob that expired, or that no hand-off key opens (rotated away, damaged, another user's), leaves the job on
//!   the server's keys, and its usage records say `server_handoff_lost`.
//!
//! Rotation: set `HANDOFF_PREVIOUS_KEY` to the old `HANDOFF_KEY` and `HANDOFF_KEY` to a new one; remove the previous
//! key after `HANDOFF_TTL_HOURS`. See `docs/vault.md`.

use diesel::{ExpressionMethods as _, OptionalExtension as _, QueryDsl as _};
use diesel_async::RunQueryDsl as _;
use fred::prelude::{Expiration, KeysInterface as _};
use uuid::Uuid;
use vault::handoff::{Envelope, HandoffKey};
use x25519_dalek::{PublicKey, StaticSecret};

use crate::{AppState, ai::UserKeys, config::HandoffConfig, config::Secret, db::schema::videos};

/// A hand-off private key with its public half and id.
#[derive(Clone)]
struct ServerKey {
    secret: StaticSecret,
    public: [u8; 32],
}

impl ServerKey {
    fn new(private: [u8; 32]) -> ServerKey {
        let secret = StaticSecret::from(private);
        let public = PublicKey::from(&secret).to_bytes();
        ServerKey { secret, public }
    }
}

/// The current hand-off public key, base64url: what browsers seal to.
pub fn public_key(config: &HandoffConfig) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ServerKey::new(config.current).public)
}

/// Seals `keys` (`(provider, key)`) for `user_id` to the hand-off public key `public` (base64url) the way the
/// browser does (there the X25519 step runs in WebCrypto): for tests and tools. `ephemeral` and `nonce` must be
/// fresh random bytes.
pub fn seal(
    public: &str,
    user_id: Uuid,
    keys: &[(&str, &str)],
    ephemeral: [u8; 32],
    nonce: [u8; vault::NONCE_LEN],
) -> Option<String> {
    use base64::Engine as _;
    let server: [u8; 32] = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(public).ok()?.try_into().ok()?;
    let ephemeral = ServerKey::new(ephemeral);
    let shared = zeroize::Zeroizing::new(ephemeral.secret.diffie_hellman(&PublicKey::from(server)).to_bytes());
    let keys: Vec<HandoffKey> =
        keys.iter().map(|(p, k)| HandoffKey { provider: (*p).to_owned(), key: (*k).to_owned() }).collect();
    Some(vault::handoff::seal(&shared, &ephemeral.public, &server, &user_id.to_string(), &keys, nonce))
}

/// The Redis key of a video's sealed keys.
fn redis_key(state: &AppState, video_id: Uuid) -> String {
    state.redis.key(&format!("handoff:{video_id}"))
}

/// Keeps the sealed keys `header` sent with the request of `user_id` that started work on their video `video_id`
/// (`None`: no keys were sent, nothing to do; another user's video: ignored). The value is stored as it came, without
/// being opened; a value that is not even shaped like a hand-off is dropped, and the job then runs on the server's
/// keys and records that the user's were lost.
pub async fn accept(state: &AppState, user_id: Uuid, video_id: Uuid, header: Option<&str>) -> anyhow::Result<()> {
    let Some(value) = header else { return Ok(()) };
    let marked = diesel::update(videos::table.find(video_id).filter(videos::user_id.eq(user_id)))
        .set(videos::own_keys.eq(true))
        .execute(&mut state.db.get().await?)
        .await?;
    if marked == 0 {
        return Ok(());
    }
    if vault::handoff::parse(value).is_none() {
        tracing::warn!(%video_id, "a key hand-off header was malformed; the job will use the server's keys");
        return Ok(());
    }
    let ttl = state.config.handoff.ttl.as_secs().max(1) as i64;
    let () =
        state.redis.client().set(redis_key(state, video_id), value, Some(Expiration::EX(ttl)), None, false).await?;
    tracing::info!(%video_id, ttl_seconds = ttl, "sealed keys kept for the job");
    Ok(())
}

/// Deletes `video_id`'s sealed keys (its work is over). Failures are logged: the entry expires anyway.
pub async fn forget(state: &AppState, video_id: Uuid) {
    let r: Result<i64, _> = state.redis.client().del(redis_key(state, video_id)).await;
    match r {
        Ok(n) if n > 0 => tracing::info!(%video_id, "sealed keys deleted"),
        Ok(_) => {}
        Err(e) => tracing::warn!(%video_id, error = %e, "deleting sealed keys failed; they expire on their own"),
    }
}

/// A job's sealed keys and what opens them; opened anew for each lookup.
#[derive(Clone)]
pub struct SealedKeys {
    envelope: Envelope,
    key: ServerKey,
    user_id: String,
}

impl std::fmt::Debug for SealedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedKeys").field("kid", &self.envelope.kid).finish_non_exhaustive()
    }
}

impl SealedKeys {
    fn open(&self) -> Option<Vec<HandoffKey>> {
        let shared = zeroize::Zeroizing::new(
            self.key.secret.diffie_hellman(&PublicKey::from(self.envelope.ephemeral)).to_bytes(),
        );
        self.envelope.open(&shared, &self.key.public, &self.user_id)
    }

    /// Opens the blob and takes `provider`'s key out of it; everything else opened is zeroised at once.
    pub fn key(&self, provider: &str) -> Option<Secret> {
        self.open()?.iter().find(|k| k.provider == provider).map(|k| Secret(k.key.clone()))
    }
}

/// Opens sealed keys `user_id` sent with a request the server itself serves (a key test), with the current or the
/// previous hand-off key; `None` if they do not open.
pub fn open_now(config: &HandoffConfig, user_id: Uuid, header: &str) -> Option<Vec<HandoffKey>> {
    sealed(config, vault::handoff::parse(header)?, user_id)?.open()
}

/// The sealed keys of `envelope` with the hand-off key it names, if that key is current or previous.
fn sealed(config: &HandoffConfig, envelope: Envelope, user_id: Uuid) -> Option<SealedKeys> {
    let key = std::iter::once(config.current)
        .chain(config.previous)
        .map(ServerKey::new)
        .find(|k| vault::handoff::key_id(&k.public) == envelope.kid)?;
    Some(SealedKeys { envelope, key, user_id: user_id.to_string() })
}

/// The keys the owner `user_id` sent for `video_id`, for one stage of its work: empty when none were sent, marked
/// [`UserKeys::lost`] when some were sent but no longer exist or do not open.
pub async fn keys_for(state: &AppState, video_id: Uuid, user_id: Uuid) -> anyhow::Result<UserKeys> {
    let own: Option<bool> =
        videos::table.find(video_id).select(videos::own_keys).first(&mut state.db.get().await?).await.optional()?;
    if own != Some(true) {
        return Ok(UserKeys::default());
    }
    let lost = UserKeys { lost: true, ..UserKeys::default() };
    let value: Option<String> = state.redis.client().get(redis_key(state, video_id)).await?;
    let Some(envelope) = value.as_deref().and_then(vault::handoff::parse) else {
        tracing::warn!(%video_id, "the user's sealed keys are gone (expired?); using the server's keys");
        return Ok(lost);
    };
    let kid = envelope.kid.clone();
    let Some(sealed) = sealed(&state.config.handoff, envelope, user_id) else {
        tracing::warn!(%video_id, %kid, "the sealed keys were sealed to an unknown hand-off key");
        return Ok(lost);
    };
    if sealed.open().is_none() {
        tracing::warn!(%video_id, "the user's sealed keys do not open; using the server's keys");
        return Ok(lost);
    }
    Ok(UserKeys { sealed: Some(sealed), ..UserKeys::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x25519_matches_rfc_7748() {
        // RFC 7748 §6.1: Alice's and Bob's keys and their shared secret (WebCrypto's X25519 computes the same).
        let hex32 = |s: &str| -> [u8; 32] { hex::decode(s).unwrap().try_into().unwrap() };
        let alice = ServerKey::new(hex32("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        assert_eq!(hex::encode(alice.public), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        let bob = hex32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        let shared = alice.secret.diffie_hellman(&PublicKey::from(bob)).to_bytes();
        assert_eq!(hex::encode(shared), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    }

    #[test]
    fn what_the_browser_seals_the_worker_opens_provider_by_provider() {
        let server = ServerKey::new([5; 32]);
        let ephemeral = ServerKey::new([6; 32]);
        let shared = ephemeral.secret.diffie_hellman(&PublicKey::from(server.public)).to_bytes();
        let keys = vec![HandoffKey { provider: "openai".into(), key: "sk-own".into() }];
        let value = vault::handoff::seal(&shared, &ephemeral.public, &server.public, "u1", &keys, [1; 12]);
        let envelope = vault::handoff::parse(&value).unwrap();
        let sealed = SealedKeys { envelope: envelope.clone(), key: server.clone(), user_id: "u1".into() };
        assert_eq!(sealed.key("openai"), Some(Secret("sk-own".into())));
        assert_eq!(sealed.key("cloudru"), None);
        let other_user = SealedKeys { envelope, key: server, user_id: "u2".into() };
        assert_eq!(other_user.key("openai"), None);
        assert!(!format!("{sealed:?}").contains("sk-own"));
    }
}
