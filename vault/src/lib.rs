//! The key vault's cryptography (seed 000 §9–10, issue 19): creators keep their AI keys in their browser, sealed under
//! a vault password that never leaves it.
//!
//! - The password and a random 16-byte salt give a 256-bit key through PBKDF2-HMAC-SHA256 ([`ITERATIONS`], OWASP's
//!   current figure; the seed's floor is 100 000).
//! - Each entry is sealed with AES-256-GCM under a fresh random 96-bit nonce, with the provider's name as associated
//!   data, so an entry moved to another provider's slot does not open.
//! - A verifier entry (a fixed text sealed like any entry) tells a wrong password ([`VaultError::WrongPassword`])
//!   apart from a damaged entry ([`VaultError::Corrupt`]).
//! - The derived key and opened keys are zeroised when dropped.
//!
//! Nothing here does I/O or draws randomness: callers pass the salt and nonces (in the browser from
//! `crypto.getRandomValues`), which keeps the code the same in wasm and in native tests.

pub mod handoff;

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, KeyInit, Payload},
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// PBKDF2 iterations for new vaults (OWASP 2023 for PBKDF2-HMAC-SHA256).
pub const ITERATIONS: u32 = 600_000;
/// The fewest iterations a vault file may claim (the seed's floor); fewer is refused as tampering.
pub const MIN_ITERATIONS: u32 = 100_000;
/// Salt length in bytes.
pub const SALT_LEN: usize = 16;
/// AES-GCM nonce length in bytes.
pub const NONCE_LEN: usize = 12;
/// The vault file format's version.
pub const VERSION: u32 = 1;

/// What the verifier entry seals, and the associated data it is sealed with.
const VERIFIER_TEXT: &[u8] = b"clipmaker-vault-verifier-v1";
const VERIFIER_AD: &str = "clipmaker:verifier";

/// Why the vault did not open or an entry was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// The password does not open the verifier.
    #[error("wrong vault password")]
    WrongPassword,
    /// The verifier opened but an entry did not (changed ciphertext, nonce or provider), or the file is malformed.
    #[error("the vault data is damaged")]
    Corrupt,
    /// The file is of a version or strength this code does not accept.
    #[error("unsupported vault file")]
    Unsupported,
}

/// The 256-bit key derived from the vault password. Zeroised on drop; never serialised.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct VaultKey([u8; 32]);

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey(..)")
    }
}

impl VaultKey {
    /// A key derived elsewhere with PBKDF2-HMAC-SHA256 (the browser's WebCrypto, which is faster than this crate in
    /// wasm; see `docs/vault.md`). The same password, salt and iterations give the same key as [`derive_key`].
    pub fn from_derived(mut bytes: [u8; 32]) -> VaultKey {
        let key = VaultKey(bytes);
        bytes.zeroize();
        key
    }
}

/// Derives the vault key from `password` and `salt` with PBKDF2-HMAC-SHA256.
pub fn derive_key(password: &str, salt: &[u8], iterations: u32) -> VaultKey {
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), salt, iterations, &mut key);
    let out = VaultKey(key);
    key.zeroize();
    out
}

/// One AES-256-GCM sealed value: the nonce and the ciphertext with its 16-byte tag, base64 in files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The 96-bit nonce, base64.
    pub nonce: String,
    /// Ciphertext and tag, base64.
    pub data: String,
}

/// Seals `plaintext` under `key` with `nonce` (fresh and random for every call) and `associated` data.
pub fn seal(key: &VaultKey, associated: &str, plaintext: &[u8], nonce: [u8; NONCE_LEN]) -> Sealed {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key.0));
    let data = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad: associated.as_bytes() })
        .expect("AES-GCM encryption of an in-memory value cannot fail");
    Sealed { nonce: STANDARD.encode(nonce), data: STANDARD.encode(data) }
}

/// Opens a [`Sealed`] value; `None` when the key, nonce, ciphertext or associated data do not match.
pub fn open(key: &VaultKey, associated: &str, sealed: &Sealed) -> Option<Zeroizing<Vec<u8>>> {
    let nonce = STANDARD.decode(&sealed.nonce).ok().filter(|n| n.len() == NONCE_LEN)?;
    let data = STANDARD.decode(&sealed.data).ok()?;
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key.0));
    cipher
        .decrypt(Nonce::from_slice(&nonce), Payload { msg: &data, aad: associated.as_bytes() })
        .ok()
        .map(Zeroizing::new)
}

/// One stored key: which provider, its last four characters (shown masked), and the sealed key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The provider's id (`openai`, `cloudru`, ...); also the associated data of the seal.
    pub provider: String,
    /// The key's last four characters, for the masked list.
    pub last4: String,
    /// The sealed key.
    pub sealed: Sealed,
}

/// What IndexedDB keeps and what a backup file holds: nothing in it is readable without the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultFile {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// PBKDF2 salt, base64.
    pub salt: String,
    /// PBKDF2 iterations.
    pub iterations: u32,
    /// The verifier entry.
    pub verifier: Sealed,
    /// The stored keys, one per provider.
    pub entries: Vec<Entry>,
}

/// The associated data of a provider's entry.
fn entry_ad(provider: &str) -> String {
    format!("clipmaker:key:{provider}")
}

/// The last four characters of a key, for display.
pub fn last4(secret: &str) -> String {
    let chars: Vec<char> = secret.trim().chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

impl VaultFile {
    /// A new, empty vault for `password`: returns the file and the unlocked key.
    pub fn create(
        password: &str,
        salt: [u8; SALT_LEN],
        iterations: u32,
        verifier_nonce: [u8; NONCE_LEN],
    ) -> (VaultFile, VaultKey) {
        VaultFile::create_with(derive_key(password, &salt, iterations), salt, iterations, verifier_nonce)
    }

    /// [`VaultFile::create`] with the key already derived from the password, `salt` and `iterations`.
    pub fn create_with(
        key: VaultKey,
        salt: [u8; SALT_LEN],
        iterations: u32,
        verifier_nonce: [u8; NONCE_LEN],
    ) -> (VaultFile, VaultKey) {
        let verifier = seal(&key, VERIFIER_AD, VERIFIER_TEXT, verifier_nonce);
        let file = VaultFile { version: VERSION, salt: STANDARD.encode(salt), iterations, verifier, entries: vec![] };
        (file, key)
    }

    /// Derives the key from `password` and checks it against the verifier.
    pub fn unlock(&self, password: &str) -> Result<VaultKey, VaultError> {
        let salt = self.salt()?;
        self.unlock_with(derive_key(password, &salt, self.iterations))
    }

    /// The PBKDF2 salt, checked, for a caller that derives the key itself ([`VaultKey::from_derived`]).
    pub fn salt(&self) -> Result<[u8; SALT_LEN], VaultError> {
        if self.version != VERSION || self.iterations < MIN_ITERATIONS {
            return Err(VaultError::Unsupported);
        }
        STANDARD.decode(&self.salt).ok().and_then(|s| s.try_into().ok()).ok_or(VaultError::Corrupt)
    }

    /// Checks a key derived from the password, [`VaultFile::salt`] and `iterations` against the verifier.
    pub fn unlock_with(&self, key: VaultKey) -> Result<VaultKey, VaultError> {
        self.salt()?;
        match open(&key, VERIFIER_AD, &self.verifier) {
            Some(text) if text.as_slice() == VERIFIER_TEXT => Ok(key),
            _ => Err(VaultError::WrongPassword),
        }
    }

    /// Adds or replaces `provider`'s key.
    pub fn put(&mut self, key: &VaultKey, provider: &str, secret: &str, nonce: [u8; NONCE_LEN]) {
        let entry = Entry {
            provider: provider.to_owned(),
            last4: last4(secret),
            sealed: seal(key, &entry_ad(provider), secret.trim().as_bytes(), nonce),
        };
        self.entries.retain(|e| e.provider != provider);
        self.entries.push(entry);
        self.entries.sort_by(|a, b| a.provider.cmp(&b.provider));
    }

    /// Removes `provider`'s key; false if there was none.
    pub fn remove(&mut self, provider: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.provider != provider);
        self.entries.len() != before
    }

    /// Opens `provider`'s key.
    pub fn get(&self, key: &VaultKey, provider: &str) -> Result<Option<Zeroizing<String>>, VaultError> {
        let Some(entry) = self.entries.iter().find(|e| e.provider == provider) else { return Ok(None) };
        let bytes = open(key, &entry_ad(provider), &entry.sealed).ok_or(VaultError::Corrupt)?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| VaultError::Corrupt)?;
        Ok(Some(Zeroizing::new(text)))
    }

    /// Re-seals every entry under a new password (`nonces`: one fresh nonce for the verifier, then one per entry).
    /// Nothing changes unless every entry opens with the current key.
    pub fn change_password(
        &self,
        key: &VaultKey,
        new_password: &str,
        salt: [u8; SALT_LEN],
        nonces: impl FnMut() -> [u8; NONCE_LEN],
    ) -> Result<(VaultFile, VaultKey), VaultError> {
        let iterations = self.iterations.max(ITERATIONS);
        self.change_key(key, derive_key(new_password, &salt, iterations), salt, iterations, nonces)
    }

    /// [`VaultFile::change_password`] with the new key already derived from the new password, `salt` and
    /// `iterations` (at least [`ITERATIONS`]).
    pub fn change_key(
        &self,
        key: &VaultKey,
        new_key: VaultKey,
        salt: [u8; SALT_LEN],
        iterations: u32,
        mut nonces: impl FnMut() -> [u8; NONCE_LEN],
    ) -> Result<(VaultFile, VaultKey), VaultError> {
        let opened: Vec<(String, Zeroizing<String>)> = self
            .entries
            .iter()
            .map(|e| Ok((e.provider.clone(), self.get(key, &e.provider)?.ok_or(VaultError::Corrupt)?)))
            .collect::<Result<_, VaultError>>()?;
        let (mut file, new_key) = VaultFile::create_with(new_key, salt, iterations, nonces());
        for (provider, secret) in &opened {
            file.put(&new_key, provider, secret, nonces());
        }
        Ok((file, new_key))
    }

    /// Reads a vault file (IndexedDB record or backup); [`VaultError::Corrupt`] if it is not one.
    pub fn from_json(text: &str) -> Result<VaultFile, VaultError> {
        let file: VaultFile = serde_json::from_str(text).map_err(|_| VaultError::Corrupt)?;
        if file.version != VERSION {
            return Err(VaultError::Unsupported);
        }
        Ok(file)
    }

    /// The file as JSON (what a backup holds).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a vault file serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic stand-in for `crypto.getRandomValues` in tests: distinct nonces.
    fn counter() -> impl FnMut() -> [u8; NONCE_LEN] {
        let mut n = 0u8;
        move || {
            n += 1;
            [n; NONCE_LEN]
        }
    }

    #[test]
    fn pbkdf2_hmac_sha256_matches_the_published_vectors() {
        // RFC 7914 §11 (PBKDF2-HMAC-SHA256 test vectors), first 32 bytes of the 64-byte outputs.
        let k = derive_key("passwd", b"salt", 1);
        assert_eq!(hex::encode(k.0), "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
        let k = derive_key("Password", b"NaCl", 80_000);
        assert_eq!(hex::encode(k.0), "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56");
    }

    #[test]
    fn a_key_derived_elsewhere_opens_the_same_vault() {
        // What WebCrypto's PBKDF2 returns for the same password, salt and iterations.
        let (file, _) = VaultFile::create("correct horse", [3; SALT_LEN], MIN_ITERATIONS, [1; NONCE_LEN]);
        let mut bytes = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"correct horse", &file.salt().unwrap(), file.iterations, &mut bytes);
        assert!(file.unlock_with(VaultKey::from_derived(bytes)).is_ok());
        assert_eq!(file.unlock_with(VaultKey::from_derived([0; 32])).unwrap_err(), VaultError::WrongPassword);
    }

    #[test]
    fn aes_256_gcm_matches_the_published_vectors() {
        // The GCM specification (McGrew & Viega), test cases 13 and 14: AES-256, zero key and nonce, no AAD.
        let key = VaultKey([0; 32]);
        let empty = seal(&key, "", b"", [0; NONCE_LEN]);
        assert_eq!(hex::encode(STANDARD.decode(&empty.data).unwrap()), "530f8afbc74536b9a963b4f1c4cb738b");
        let block = seal(&key, "", &[0; 16], [0; NONCE_LEN]);
        assert_eq!(
            hex::encode(STANDARD.decode(&block.data).unwrap()),
            "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"
        );
        assert_eq!(open(&key, "", &block).unwrap().as_slice(), &[0; 16]);
    }

    fn vault() -> (VaultFile, VaultKey) {
        // Few iterations keep the tests fast; the floor check is tested separately.
        let (mut file, key) = VaultFile::create("пароль хранилища", [7; SALT_LEN], MIN_ITERATIONS, [1; NONCE_LEN]);
        file.put(&key, "openai", "sk-test-canary-1234", [2; NONCE_LEN]);
        file.put(&key, "cloudru", "cloud-key-abcd", [3; NONCE_LEN]);
        (file, key)
    }

    #[test]
    fn keys_round_trip_through_the_file_and_are_listed_masked() {
        let (file, _) = vault();
        let json = file.to_json();
        assert!(!json.contains("sk-test-canary"), "no plaintext in the file");
        let read = VaultFile::from_json(&json).unwrap();
        let key = read.unlock("пароль хранилища").unwrap();
        assert_eq!(read.get(&key, "openai").unwrap().unwrap().as_str(), "sk-test-canary-1234");
        assert_eq!(read.get(&key, "gemini").unwrap(), None);
        let shown: Vec<(&str, &str)> = read.entries.iter().map(|e| (e.provider.as_str(), e.last4.as_str())).collect();
        assert_eq!(shown, [("cloudru", "abcd"), ("openai", "1234")]);
    }

    #[test]
    fn a_wrong_password_is_told_apart_from_damage() {
        let (file, _) = vault();
        assert_eq!(file.unlock("не тот пароль").unwrap_err(), VaultError::WrongPassword);
        let key = file.unlock("пароль хранилища").unwrap();
        // A changed ciphertext, a changed nonce, an entry moved to another provider: refused, nothing opened.
        let mut tampered = file.clone();
        let mut data = STANDARD.decode(&tampered.entries[1].sealed.data).unwrap();
        data[0] ^= 1;
        tampered.entries[1].sealed.data = STANDARD.encode(data);
        assert_eq!(tampered.get(&key, "openai").unwrap_err(), VaultError::Corrupt);
        let mut renonced = file.clone();
        renonced.entries[1].sealed.nonce = STANDARD.encode([9u8; NONCE_LEN]);
        assert_eq!(renonced.get(&key, "openai").unwrap_err(), VaultError::Corrupt);
        let mut moved = file.clone();
        moved.entries[0].sealed = file.entries[1].sealed.clone();
        assert_eq!(moved.get(&key, "cloudru").unwrap_err(), VaultError::Corrupt);
        // A tampered verifier reads as a wrong password: nothing opens.
        let mut verifier = file.clone();
        verifier.verifier.nonce = STANDARD.encode([8u8; NONCE_LEN]);
        assert_eq!(verifier.unlock("пароль хранилища").unwrap_err(), VaultError::WrongPassword);
    }

    #[test]
    fn weakened_or_unknown_files_are_refused() {
        let (mut file, _) = vault();
        file.iterations = 1_000;
        assert_eq!(file.unlock("пароль хранилища").unwrap_err(), VaultError::Unsupported);
        assert_eq!(VaultFile::from_json("{\"version\":1}").unwrap_err(), VaultError::Corrupt);
        assert_eq!(VaultFile::from_json("not json").unwrap_err(), VaultError::Corrupt);
    }

    #[test]
    fn changing_the_password_reseals_every_entry() {
        let (file, key) = vault();
        let (mut changed, new_key) = file.change_password(&key, "новый пароль", [5; SALT_LEN], counter()).unwrap();
        assert_eq!(changed.iterations, ITERATIONS, "re-sealing brings the vault up to the current strength");
        assert_eq!(changed.get(&new_key, "cloudru").unwrap().unwrap().as_str(), "cloud-key-abcd");
        assert_ne!(changed.entries[0].sealed, file.entries[0].sealed);
        assert_eq!(changed.entries.len(), 2);
        assert!(!changed.remove("gemini"));
        let mut removed = changed.clone();
        assert!(removed.remove("openai"));
        assert_eq!(removed.entries.len(), 1);
    }

    #[test]
    fn last_four_characters_are_shown() {
        assert_eq!(last4(" sk-abcdef "), "cdef");
        assert_eq!(last4("ab"), "ab");
    }
}
