//! Encryption of identity fields at rest: XChaCha20-Poly1305 with a key from configuration.
//!
//! A sealed value is stored as bytes: `1 ‖ length of the key id ‖ key id ‖ 24-byte nonce ‖
//! ciphertext ‖ tag` (before migration 0018 it was the text `enc1:<key id>:<hex of the same
//! nonce ‖ ciphertext ‖ tag>`, twice as long; the migration rewrote it). The associated data binds
//! it to its programme, person and column, so a value copied into another row or column does not
//! open. Several keys may be configured: the first seals, all open, so keys rotate by adding a
//! new first key and running `lotse keys rotate` (which re-seals every value with it), after
//! which the old key can be removed. A value written before encryption was switched on is
//! stored as `0 ‖ its UTF-8` and is never read as plain text by [`DataKeys::open`]: that would
//! let anyone who can write to the database plant a value that reads as genuine. Only
//! `lotse keys rotate` reads such values, through [`DataKeys::open_or_plain`], to seal them.

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use uuid::Uuid;

use crate::error::StoreError;

/// A value as stored: sealed (or, from before encryption, marked plain).
pub type Sealed = Vec<u8>;

/// The first byte of a sealed value.
const SEALED: u8 = 1;
/// The first byte of a value written before encryption (its UTF-8 follows).
const PLAIN: u8 = 0;

/// One key.
#[derive(Clone)]
struct DataKey {
    id: String,
    cipher: XChaCha20Poly1305,
}

/// The configured data keys; the first one seals.
#[derive(Clone)]
pub struct DataKeys {
    keys: Vec<DataKey>,
    /// The first key's bytes, for [`DataKeys::derive`] only.
    first: [u8; 32],
}

impl fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        write!(f, "DataKeys({ids:?}, secrets hidden)")
    }
}

/// A key specification that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("data keys are `id:64-hex-digits` separated by commas (the first one encrypts): {0}")]
pub struct DataKeyError(String);

/// Where a sealed value belongs (its associated data).
#[derive(Debug, Clone, Copy)]
pub struct Slot<'a> {
    /// The programme.
    pub programme: Uuid,
    /// The record (person).
    pub record: Uuid,
    /// The column.
    pub column: &'a str,
}

impl Slot<'_> {
    fn aad(&self) -> Vec<u8> {
        let mut aad = Vec::with_capacity(32 + self.column.len());
        aad.extend_from_slice(self.programme.as_bytes());
        aad.extend_from_slice(self.record.as_bytes());
        aad.extend_from_slice(self.column.as_bytes());
        aad
    }
}

impl DataKeys {
    /// Parses `k2:<64 hex>,k1:<64 hex>`; ids are 1 to 16 letters, digits or `-`, unique.
    pub fn parse(spec: &str) -> Result<Self, DataKeyError> {
        let mut keys: Vec<DataKey> = Vec::new();
        let mut first = [0u8; 32];
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, hex_key) = part
                .split_once(':')
                .ok_or_else(|| DataKeyError("a key has no `id:` prefix".into()))?;
            let id_ok = (1..=16).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !id_ok {
                return Err(DataKeyError(format!(
                    "key id {id:?} is not 1 to 16 letters, digits or -"
                )));
            }
            if keys.iter().any(|k| k.id == id) {
                return Err(DataKeyError(format!("key id {id:?} appears twice")));
            }
            let bytes = hex::decode(hex_key).map_err(|_| DataKeyError(format!("key {id:?} is not hex")))?;
            if bytes.len() != 32 {
                return Err(DataKeyError(format!("key {id:?} has {} bytes, not 32", bytes.len())));
            }
            if keys.is_empty() {
                first.copy_from_slice(&bytes);
            }
            keys.push(DataKey {
                id: id.to_owned(),
                cipher: XChaCha20Poly1305::new(Key::from_slice(&bytes)),
            });
        }
        if keys.is_empty() {
            return Err(DataKeyError("no key given".into()));
        }
        Ok(Self { keys, first })
    }

    /// A fresh random key specification with the given id.
    pub fn generate_spec(id: &str) -> String {
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        format!("{id}:{}", hex::encode(bytes))
    }

    /// A secret for another purpose, derived from the first key: HMAC-SHA256 of the purpose
    /// under it (so every instance with the same keys derives the same secret, and the secret
    /// reveals nothing about the key). Used for CSRF tokens, which must hold across instances.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut out = [0u8; 32];
        // HMAC takes keys of any length: this cannot fail.
        if let Ok(mut mac) = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.first) {
            mac.update(b"lotse derived secret\0");
            mac.update(purpose.as_bytes());
            out.copy_from_slice(&mac.finalize().into_bytes());
        }
        out
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> &str {
        self.keys.first().map_or("", |k| k.id.as_str())
    }

    /// Encrypts a value for a slot with the first key.
    pub fn seal(&self, slot: Slot<'_>, plaintext: &str) -> Result<Vec<u8>, StoreError> {
        let key = self
            .keys
            .first()
            .ok_or_else(|| StoreError::Corrupt("no data key".into()))?;
        let mut nonce = [0u8; 24];
        rand::fill(&mut nonce);
        let aad = slot.aad();
        let sealed = key
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| StoreError::Corrupt("encryption failed".into()))?;
        let id_len = u8::try_from(key.id.len()).map_err(|_| StoreError::Corrupt("key id too long".into()))?;
        let mut out = Vec::with_capacity(2 + key.id.len() + 24 + sealed.len());
        out.push(SEALED);
        out.push(id_len);
        out.extend_from_slice(key.id.as_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts a sealed value. A value written before encryption is refused
    /// (`StoreError::Corrupt` naming the column and `lotse keys rotate`), never read as plain text.
    pub fn open(&self, slot: Slot<'_>, stored: &[u8]) -> Result<String, StoreError> {
        let (id, body) = match stored.split_first() {
            Some((&SEALED, rest)) => split_key_id(rest)
                .ok_or_else(|| StoreError::Corrupt(format!("sealed {} without a key id", slot.column)))?,
            Some((&PLAIN, _)) => {
                return Err(StoreError::Corrupt(format!(
                    "{} is stored unencrypted although data keys are configured: run `lotse keys rotate` to seal it",
                    slot.column
                )));
            }
            _ => return Err(StoreError::Corrupt(format!("{} is not a sealed value", slot.column))),
        };
        let key = self.keys.iter().find(|k| k.id == id).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "{} is sealed with data key {id:?}, which is not configured",
                slot.column
            ))
        })?;
        if body.len() < 24 + 16 {
            return Err(StoreError::Corrupt(format!("sealed {} is too short", slot.column)));
        }
        let (nonce, sealed) = body.split_at(24);
        let aad = slot.aad();
        let plain = key
            .cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: &aad })
            .map_err(|_| StoreError::Corrupt(format!("{} does not open with data key {id:?}", slot.column)))?;
        String::from_utf8(plain).map_err(|_| StoreError::Corrupt(format!("{} is not UTF-8", slot.column)))
    }

    /// Decrypts a sealed value, or returns a value written before encryption as it is: only
    /// for sealing such values (`lotse keys rotate`).
    pub fn open_or_plain(&self, slot: Slot<'_>, stored: &[u8]) -> Result<String, StoreError> {
        match stored.split_first() {
            Some((&PLAIN, text)) => String::from_utf8(text.to_vec())
                .map_err(|_| StoreError::Corrupt(format!("{} is not UTF-8", slot.column))),
            _ => self.open(slot, stored),
        }
    }

    /// Whether a stored value is sealed at all (else it was written before encryption).
    pub fn is_sealed(stored: &[u8]) -> bool {
        stored.first() == Some(&SEALED)
    }

    /// Whether a stored value is sealed with the current key (else `lotse keys rotate` re-seals it).
    pub fn is_current(&self, stored: &[u8]) -> bool {
        Self::key_id(stored) == Some(self.current_id())
    }

    /// The id of the key a stored value is sealed with (none for a value written before
    /// encryption, or bytes that are not a sealed value).
    pub fn key_id(stored: &[u8]) -> Option<&str> {
        stored
            .split_first()
            .filter(|(first, _)| **first == SEALED)
            .and_then(|(_, rest)| split_key_id(rest))
            .map(|(id, _)| id)
    }

    /// A value as written before encryption, in its stored form (what migration 0018 made of
    /// the plain text it found; for tests of `lotse keys rotate`).
    pub fn unsealed(value: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + value.len());
        out.push(PLAIN);
        out.extend_from_slice(value.as_bytes());
        out
    }
}

/// Splits `length ‖ key id ‖ rest`.
fn split_key_id(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let (&len, rest) = bytes.split_first()?;
    let len = usize::from(len);
    let id = std::str::from_utf8(rest.get(..len)?).ok()?;
    Some((id, rest.get(len..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(column: &str) -> Slot<'_> {
        Slot {
            programme: Uuid::from_u128(1),
            record: Uuid::from_u128(2),
            column,
        }
    }

    #[test]
    #[allow(clippy::assertions_on_constants, reason = "the constant is the build's flag")]
    fn poly1305_uses_the_portable_backend() {
        // .cargo/config.toml sets it for the whole build: the AVX2 backend is slower on
        // values as short as identity fields (BENCHMARKS.md).
        assert!(
            cfg!(poly1305_force_soft),
            "build without .cargo/config.toml's rustflags"
        );
    }

    #[test]
    fn derived_secrets_follow_the_first_key_and_the_purpose() {
        let (a, b) = (DataKeys::generate_spec("a"), DataKeys::generate_spec("b"));
        let ab = DataKeys::parse(&format!("{a},{b}")).unwrap();
        let ab_again = DataKeys::parse(&format!("{a},{b}")).unwrap();
        let ba = DataKeys::parse(&format!("{b},{a}")).unwrap();
        assert_eq!(ab.derive("csrf"), ab_again.derive("csrf"), "same keys, same secret");
        assert_ne!(ab.derive("csrf"), ab.derive("other"));
        assert_ne!(ab.derive("csrf"), ba.derive("csrf"), "a new first key, a new secret");
        assert_ne!(ab.derive("csrf"), [0u8; 32]);
    }

    #[test]
    fn sealed_values_open_only_in_their_slot_and_with_their_key() {
        let keys = DataKeys::parse(&DataKeys::generate_spec("k1")).unwrap();
        let sealed = keys.seal(slot("family_name"), "Matrixfrau").unwrap();
        assert!(sealed.starts_with(b"\x01\x02k1") && !sealed.windows(10).any(|w| w == b"Matrixfrau"));
        assert_eq!(DataKeys::key_id(&sealed), Some("k1"));
        assert_eq!(DataKeys::key_id(&DataKeys::unsealed("k1")), None);
        assert_eq!(
            sealed.len(),
            2 + 2 + 24 + 10 + 16,
            "format byte, key id, nonce, text, tag"
        );
        assert_eq!(keys.open(slot("family_name"), &sealed).unwrap(), "Matrixfrau");
        assert!(keys.open(slot("given_name"), &sealed).is_err(), "another column");
        let other_row = Slot {
            record: Uuid::from_u128(3),
            ..slot("family_name")
        };
        assert!(keys.open(other_row, &sealed).is_err(), "another person");
        let other_key = DataKeys::parse(&DataKeys::generate_spec("k1")).unwrap();
        assert!(
            other_key.open(slot("family_name"), &sealed).is_err(),
            "another key with the same id"
        );
        assert_ne!(
            keys.seal(slot("family_name"), "Matrixfrau").unwrap(),
            sealed,
            "a fresh nonce each time"
        );
        let err = keys
            .open(slot("x"), &DataKeys::unsealed("plain legacy"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x is stored unencrypted") && err.contains("lotse keys rotate"),
            "{err}"
        );
        assert_eq!(
            keys.open_or_plain(slot("x"), &DataKeys::unsealed("plain legacy"))
                .unwrap(),
            "plain legacy"
        );
        assert!(
            keys.open(slot("x"), b"").is_err() && keys.open(slot("x"), b"\x01\x09k1").is_err(),
            "cut short"
        );
        assert_eq!(keys.open_or_plain(slot("family_name"), &sealed).unwrap(), "Matrixfrau");
    }

    #[test]
    fn rotation_keeps_old_values_readable() {
        let old = DataKeys::generate_spec("k1");
        let new = DataKeys::generate_spec("k2");
        let before = DataKeys::parse(&old).unwrap();
        let sealed = before.seal(slot("phone"), "0211 1234").unwrap();
        let both = DataKeys::parse(&format!("{new},{old}")).unwrap();
        assert_eq!(both.current_id(), "k2");
        assert!(!both.is_current(&sealed));
        assert_eq!(both.open(slot("phone"), &sealed).unwrap(), "0211 1234");
        assert!(both.is_current(&both.seal(slot("phone"), "x").unwrap()));
        let only_new = DataKeys::parse(&new).unwrap();
        let err = only_new.open(slot("phone"), &sealed).unwrap_err().to_string();
        assert!(err.contains("data key \"k1\", which is not configured"), "{err}");
    }

    #[test]
    fn bad_specs_are_named() {
        for (spec, part) in [
            ("", "no key given"),
            ("k1", "no `id:` prefix"),
            ("k1:zz", "is not hex"),
            ("k1:abcd", "has 2 bytes"),
            ("k 1:00", "is not 1 to 16"),
        ] {
            let err = DataKeys::parse(spec).unwrap_err().to_string();
            assert!(err.contains(part), "{spec}: {err}");
        }
        let spec = DataKeys::generate_spec("k1");
        assert!(
            DataKeys::parse(&format!("{spec},{spec}"))
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        assert!(
            !format!("{:?}", DataKeys::parse(&spec).unwrap()).contains(&spec[3..]),
            "Debug hides secrets"
        );
    }
}
