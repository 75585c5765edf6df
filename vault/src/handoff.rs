//! The sealed hand-off of a job's keys from the browser to the worker (issue 19 §4, seed 000 §9: "sends the key to
//! the backend in an encrypted header; the backend uses it and discards it").
//!
//! An ECIES-style sealed box to the server's X25519 hand-off key:
//!
//! 1. The browser makes an ephemeral X25519 key pair (WebCrypto) and agrees a shared secret with the server's
//!    public key.
//! 2. HKDF-SHA256 turns the shared secret into an AES-256 key (salt: ephemeral public ‖ server public; info:
//!    [`INFO`]).
//! 3. The keys, as JSON, are sealed with AES-256-GCM under a random 96-bit nonce; the associated data names the
//!    format, the server key's id and the user, so a blob copied onto another user's video does not open.
//!
//! The header value is `v1.<key id>.<ephemeral public>.<nonce>.<ciphertext>` (base64url without padding). The server
//! stores it as it came; only the worker, holding the private key, computes the shared secret and calls [`open`].
//! The X25519 arithmetic itself is not here: WebCrypto does it in the browser and `x25519-dalek` in the worker, so
//! this module stays free of curve code and is the same in wasm and native.

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, KeyInit, Payload},
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::NONCE_LEN;

/// The request header that carries the sealed keys.
pub const HEADER: &str = "x-clipmaker-keys";
/// The format's version, the header value's first field.
pub const VERSION: &str = "v1";
/// HKDF `info`, and the start of the associated data.
pub const INFO: &[u8] = b"clipmaker-handoff-v1";
/// The longest header value accepted (five keys of a few hundred characters fit many times over).
pub const MAX_LEN: usize = 8 * 1024;

/// The id of a hand-off public key: the first 8 bytes of its SHA-256, hex. Lets the worker pick the private key a
/// blob was sealed to while keys are being rotated.
pub fn key_id(public: &[u8; 32]) -> String {
    Sha256::digest(public)[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// One provider's key inside a sealed hand-off. Zeroised when dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct HandoffKey {
    /// `cloudru`, `openai`, `google`, `anthropic` or `openrouter`.
    pub provider: String,
    /// The key itself.
    pub key: String,
}

/// The AES key both sides derive from the X25519 shared secret.
fn aead_key(shared: &[u8; 32], ephemeral: &[u8; 32], server: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral);
    salt[32..].copy_from_slice(server);
    let mut okm = Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<Sha256>::new(Some(&salt), shared)
        .expand(INFO, okm.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    okm
}

/// The associated data: format, server key id and the user the keys belong to.
fn associated(kid: &str, user_id: &str) -> Vec<u8> {
    [INFO, b"|", kid.as_bytes(), b"|", user_id.as_bytes()].concat()
}

/// Seals `keys` for `user_id` to the server key `server` (the browser's side, after WebCrypto's X25519 gave
/// `shared` from the ephemeral pair whose public half is `ephemeral`). `nonce` must be fresh and random. Returns the
/// header value.
pub fn seal(
    shared: &[u8; 32],
    ephemeral: &[u8; 32],
    server: &[u8; 32],
    user_id: &str,
    keys: &[HandoffKey],
    nonce: [u8; NONCE_LEN],
) -> String {
    let kid = key_id(server);
    let plaintext = Zeroizing::new(serde_json::to_vec(keys).expect("keys serialise"));
    let key = aead_key(shared, ephemeral, server);
    let data = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_ref()))
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: &plaintext, aad: &associated(&kid, user_id) })
        .expect("AES-GCM encryption of an in-memory value cannot fail");
    format!(
        "{VERSION}.{kid}.{}.{}.{}",
        URL_SAFE_NO_PAD.encode(ephemeral),
        URL_SAFE_NO_PAD.encode(nonce),
        URL_SAFE_NO_PAD.encode(data)
    )
}

/// A parsed header value, still sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The id of the server key it was sealed to.
    pub kid: String,
    /// The browser's ephemeral X25519 public key.
    pub ephemeral: [u8; 32],
    /// The AES-GCM nonce.
    pub nonce: [u8; NONCE_LEN],
    /// Ciphertext and tag.
    pub data: Vec<u8>,
}

/// Parses a header value; `None` unless it has the v1 shape (which says nothing about whether it opens).
pub fn parse(value: &str) -> Option<Envelope> {
    if value.len() > MAX_LEN {
        return None;
    }
    let mut parts = value.trim().split('.');
    let (Some(VERSION), Some(kid), Some(eph), Some(nonce), Some(data), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if kid.len() != 16 || !kid.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let ephemeral: [u8; 32] = URL_SAFE_NO_PAD.decode(eph).ok()?.try_into().ok()?;
    let nonce: [u8; NONCE_LEN] = URL_SAFE_NO_PAD.decode(nonce).ok()?.try_into().ok()?;
    let data = URL_SAFE_NO_PAD.decode(data).ok().filter(|d| d.len() >= 16)?;
    Some(Envelope { kid: kid.to_owned(), ephemeral, nonce, data })
}

impl Envelope {
    /// Opens the envelope with the X25519 `shared` secret the worker computed from its private key (whose public
    /// half is `server`) and the envelope's ephemeral key. `None` if anything does not match: another server key,
    /// another user, a changed byte.
    pub fn open(&self, shared: &[u8; 32], server: &[u8; 32], user_id: &str) -> Option<Vec<HandoffKey>> {
        if key_id(server) != self.kid || shared.iter().all(|b| *b == 0) {
            return None;
        }
        let key = aead_key(shared, &self.ephemeral, server);
        let plaintext = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_ref()))
            .decrypt(Nonce::from_slice(&self.nonce), Payload { msg: &self.data, aad: &associated(&self.kid, user_id) })
            .ok()
            .map(Zeroizing::new)?;
        serde_json::from_slice(&plaintext).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Vec<HandoffKey> {
        vec![
            HandoffKey { provider: "openai".into(), key: "sk-canary-1234".into() },
            HandoffKey { provider: "cloudru".into(), key: "cr-5678".into() },
        ]
    }

    const SHARED: [u8; 32] = [7; 32];
    const EPH: [u8; 32] = [1; 32];
    const SERVER: [u8; 32] = [2; 32];

    #[test]
    fn hkdf_sha256_matches_rfc_5869() {
        // RFC 5869 A.1, the first 32 bytes of OKM.
        let ikm = [0x0b; 22];
        let salt: Vec<u8> = (0x00..=0x0c).collect();
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        let mut okm = [0u8; 32];
        hkdf::Hkdf::<Sha256>::new(Some(&salt), &ikm).expand(&info, &mut okm).unwrap();
        assert_eq!(hex::encode(okm), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");
    }

    #[test]
    fn a_sealed_header_opens_for_its_user_only() {
        let value = seal(&SHARED, &EPH, &SERVER, "user-a", &keys(), [9; NONCE_LEN]);
        assert!(value.starts_with(&format!("v1.{}.", key_id(&SERVER))));
        assert!(!value.contains("canary"), "the keys are not readable in the header");
        let env = parse(&value).expect("parses");
        assert_eq!(env.open(&SHARED, &SERVER, "user-a"), Some(keys()));
        assert_eq!(env.open(&SHARED, &SERVER, "user-b"), None, "bound to the user");
        assert_eq!(env.open(&[8; 32], &SERVER, "user-a"), None, "another shared secret");
        assert_eq!(env.open(&SHARED, &[3; 32], "user-a"), None, "another server key");
        assert_eq!(env.open(&[0; 32], &SERVER, "user-a"), None, "an all-zero shared secret (low-order point)");
    }

    #[test]
    fn changed_bytes_and_malformed_values_are_refused() {
        let value = seal(&SHARED, &EPH, &SERVER, "u", &keys(), [9; NONCE_LEN]);
        let env = parse(&value).unwrap();
        let mut data = env.clone();
        data.data[0] ^= 1;
        assert_eq!(data.open(&SHARED, &SERVER, "u"), None, "ciphertext");
        let mut nonce = env.clone();
        nonce.nonce[0] ^= 1;
        assert_eq!(nonce.open(&SHARED, &SERVER, "u"), None, "nonce");
        let mut eph = env.clone();
        eph.ephemeral[0] ^= 1;
        assert_eq!(eph.open(&SHARED, &SERVER, "u"), None, "ephemeral key (it is in the HKDF salt)");
        for bad in [
            "",
            "v2.0011223344556677.AQ.AQ.AQ",
            &value.replacen("v1.", "v1.zz", 1),
            &format!("{value}.extra"),
            &value[..value.len() - 30],
            &"v1.".repeat(MAX_LEN),
        ] {
            assert!(parse(bad).is_none_or(|e| e.open(&SHARED, &SERVER, "u").is_none()), "{bad:.40}");
        }
    }
}
