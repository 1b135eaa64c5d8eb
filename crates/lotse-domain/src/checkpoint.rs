//! Checkpoints: the audit chains anchored outside the database.
//!
//! The hash chain shows that entries were altered, but someone who can write the database can
//! also delete entries and recompute every hash and the head, and the chain verifies again. A
//! checkpoint records, for one programme, the head of its chain (sequence number and hash) at
//! a moment; kept elsewhere (a log collector, a ticket, a printout), it lets `lotse audit
//! verify --checkpoint FILE` show that today's chain still extends that head: the entry at the
//! checkpoint's sequence number must exist and carry the checkpoint's hash, and the chain must
//! be intact from there on. Since every hash covers its predecessor, that entry's hash vouches
//! for every entry before it as well.
//!
//! A checkpoint is one line, keyed with HMAC-SHA-256 under a checkpoint key (not a data key),
//! so a line cannot be made or moved by someone without the key:
//!
//! ```text
//! lotse-audit-checkpoint/1 programme=<uuid> slug=<slug> seq=<n> hash=<64 hex> at=<RFC 3339> key=<key id> mac=<64 hex>
//! ```
//!
//! The MAC covers the line's bytes before ` mac=`. A file holds one line per programme; blank
//! lines and lines starting with `#` are ignored.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::id::ProgrammeId;

/// The first word of every checkpoint line (the format's version).
pub const TAG: &str = "lotse-audit-checkpoint/1";

type HmacSha256 = Hmac<Sha256>;

/// One programme's chain head at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The programme.
    pub programme: ProgrammeId,
    /// Its slug (for messages; the id decides).
    pub slug: String,
    /// The last entry's sequence number (0: an empty chain).
    pub seq: i64,
    /// The last entry's hash (the genesis hash for an empty chain).
    pub hash: String,
    /// When the checkpoint was taken (whole seconds).
    pub at: OffsetDateTime,
}

/// A checkpoint key specification that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("checkpoint keys are `id:64-hex-digits` separated by commas (the first one signs): {0}")]
pub struct CheckpointKeyError(String);

/// The configured checkpoint keys: the first one keys new checkpoints, all verify.
#[derive(Clone)]
pub struct CheckpointKeys {
    keys: Vec<(String, Vec<u8>)>,
}

impl fmt::Debug for CheckpointKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        write!(f, "CheckpointKeys({ids:?}, secrets hidden)")
    }
}

impl CheckpointKeys {
    /// Parses `c2:<64 hex>,c1:<64 hex>`; ids are 1 to 16 letters, digits or `-`, unique.
    pub fn parse(spec: &str) -> Result<Self, CheckpointKeyError> {
        let mut keys: Vec<(String, Vec<u8>)> = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, hex_key) = part
                .split_once(':')
                .ok_or_else(|| CheckpointKeyError("a key has no `id:` prefix".into()))?;
            if !valid_id(id) {
                return Err(CheckpointKeyError(format!(
                    "key id {id:?} is not 1 to 16 letters, digits or -"
                )));
            }
            if keys.iter().any(|(k, _)| k == id) {
                return Err(CheckpointKeyError(format!("key id {id:?} appears twice")));
            }
            let bytes = hex::decode(hex_key).map_err(|_| CheckpointKeyError(format!("key {id:?} is not hex")))?;
            if bytes.len() != 32 {
                return Err(CheckpointKeyError(format!(
                    "key {id:?} has {} bytes, not 32",
                    bytes.len()
                )));
            }
            keys.push((id.to_owned(), bytes));
        }
        if keys.is_empty() {
            return Err(CheckpointKeyError("no key given".into()));
        }
        Ok(Self { keys })
    }

    fn current(&self) -> Option<&(String, Vec<u8>)> {
        self.keys.first()
    }

    fn find(&self, id: &str) -> Option<&[u8]> {
        self.keys.iter().find(|(k, _)| k == id).map(|(_, key)| key.as_slice())
    }
}

fn valid_id(id: &str) -> bool {
    (1..=16).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn mac(key: &[u8], content: &str) -> Result<HmacSha256, CheckpointError> {
    let mut mac = HmacSha256::new_from_slice(key).map_err(|_| CheckpointError::KeyLength)?;
    mac.update(content.as_bytes());
    Ok(mac)
}

/// Why a checkpoint line or file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The line does not have the checkpoint format.
    #[error("line {line}: not a checkpoint line ({reason})")]
    Malformed {
        /// The line number, from 1.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The line names a key that is not configured.
    #[error("line {line}: made with checkpoint key {key:?}, which is not configured")]
    UnknownKey {
        /// The line number.
        line: usize,
        /// The key id.
        key: String,
    },
    /// The MAC is wrong: the line was changed, or made with another key.
    #[error("line {line}: the MAC does not match: the line was changed or made with another key")]
    BadMac {
        /// The line number.
        line: usize,
    },
    /// A programme appears on two lines.
    #[error("line {line}: programme {slug} appears twice (keep one line per programme)")]
    Duplicate {
        /// The second line.
        line: usize,
        /// The programme.
        slug: String,
    },
    /// No checkpoint line at all.
    #[error("the file holds no checkpoint line")]
    Empty,
    /// Never happens (HMAC takes keys of any length).
    #[error("a checkpoint key has an unusable length")]
    KeyLength,
}

impl Checkpoint {
    /// The line's content before its MAC, keyed with `key_id`.
    fn content(&self, key_id: &str) -> String {
        let at = self
            .at
            .format(&Rfc3339)
            .unwrap_or_else(|_| self.at.unix_timestamp().to_string());
        format!(
            "{TAG} programme={} slug={} seq={} hash={} at={at} key={key_id}",
            self.programme, self.slug, self.seq, self.hash
        )
    }

    /// The checkpoint as a line (no newline), keyed with the first key.
    pub fn to_line(&self, keys: &CheckpointKeys) -> Result<String, CheckpointError> {
        let (id, key) = keys.current().ok_or(CheckpointError::KeyLength)?;
        let at = self.at.replace_nanosecond(0).unwrap_or(self.at);
        let this = Self { at, ..self.clone() };
        let content = this.content(id);
        let tag = hex::encode(mac(key, &content)?.finalize().into_bytes());
        Ok(format!("{content} mac={tag}"))
    }

    /// Reads one line (numbered `line` for messages), checking its MAC before its fields.
    pub fn parse_line(text: &str, line: usize, keys: &CheckpointKeys) -> Result<Self, CheckpointError> {
        let malformed = |reason: &str| CheckpointError::Malformed {
            line,
            reason: reason.to_owned(),
        };
        let text = text.trim_end_matches(['\r', '\n']);
        if !text.starts_with(TAG) {
            return Err(malformed(&format!("it does not start with {TAG}")));
        }
        let (content, tag) = text
            .rsplit_once(" mac=")
            .ok_or_else(|| malformed("it has no mac= field"))?;
        let key_id = content
            .rsplit_once(" key=")
            .map(|(_, id)| id)
            .filter(|id| valid_id(id))
            .ok_or_else(|| malformed("it has no valid key= field before mac="))?;
        let key = keys.find(key_id).ok_or_else(|| CheckpointError::UnknownKey {
            line,
            key: key_id.to_owned(),
        })?;
        let tag = hex::decode(tag).map_err(|_| CheckpointError::BadMac { line })?;
        mac(key, content)?
            .verify_slice(&tag)
            .map_err(|_| CheckpointError::BadMac { line })?;
        // The MAC is right, so the fields were written by a holder of the key; still read them
        // strictly.
        let fields: Vec<&str> = content.split(' ').collect();
        let [_, programme, slug, seq, hash, at, _] = fields.as_slice() else {
            return Err(malformed("it does not have 7 fields before mac="));
        };
        let field = |text: &'_ str, name: &str| -> Result<String, CheckpointError> {
            text.strip_prefix(name)
                .and_then(|t| t.strip_prefix('='))
                .map(str::to_owned)
                .ok_or_else(|| malformed(&format!("expected {name}= in {text:?}")))
        };
        let programme = field(programme, "programme")?
            .parse::<uuid::Uuid>()
            .map_err(|_| malformed("programme= is not a UUID"))?;
        let seq = field(seq, "seq")?
            .parse::<i64>()
            .ok()
            .filter(|s| *s >= 0)
            .ok_or_else(|| malformed("seq= is not a number"))?;
        let hash = field(hash, "hash")?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(malformed("hash= is not 64 hex digits"));
        }
        let at = OffsetDateTime::parse(&field(at, "at")?, &Rfc3339).map_err(|_| malformed("at= is not RFC 3339"))?;
        Ok(Self {
            programme: ProgrammeId::from_uuid(programme),
            slug: field(slug, "slug")?,
            seq,
            hash,
            at,
        })
    }

    /// Reads a checkpoint file: one line per programme; blank lines and `#` comments ignored.
    pub fn parse_file(text: &str, keys: &CheckpointKeys) -> Result<Vec<Self>, CheckpointError> {
        let mut out: Vec<Self> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let checkpoint = Self::parse_line(trimmed, i + 1, keys)?;
            if out.iter().any(|c| c.programme == checkpoint.programme) {
                return Err(CheckpointError::Duplicate {
                    line: i + 1,
                    slug: checkpoint.slug,
                });
            }
            out.push(checkpoint);
        }
        if out.is_empty() {
            return Err(CheckpointError::Empty);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;
    use crate::audit::GENESIS_HASH;

    const KEY: &str = "c1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn sample() -> Checkpoint {
        Checkpoint {
            programme: ProgrammeId::from_uuid(Uuid::from_u128(7)),
            slug: "duesseldorf".into(),
            seq: 42,
            hash: "ab".repeat(32),
            at: datetime!(2026-12-02 04:00:00.5 UTC),
        }
    }

    #[test]
    fn a_line_round_trips_and_names_its_fields() {
        let keys = CheckpointKeys::parse(KEY).unwrap();
        let line = sample().to_line(&keys).unwrap();
        assert!(line.starts_with("lotse-audit-checkpoint/1 programme=00000000-0000-0000-0000-000000000007 slug=duesseldorf seq=42 hash=abab"), "{line}");
        assert!(line.contains(" at=2026-12-02T04:00:00Z key=c1 mac="), "{line}");
        let back = Checkpoint::parse_line(&line, 1, &keys).unwrap();
        assert_eq!(back.seq, 42);
        assert_eq!(back.at, datetime!(2026-12-02 04:00:00 UTC));
        let empty = Checkpoint {
            seq: 0,
            hash: GENESIS_HASH.into(),
            ..sample()
        };
        let file = format!("# kept in the ticket system\n\n{}\n", empty.to_line(&keys).unwrap());
        assert_eq!(Checkpoint::parse_file(&file, &keys).unwrap()[0].seq, 0);
    }

    #[test]
    fn a_changed_line_or_another_key_is_refused() {
        let keys = CheckpointKeys::parse(KEY).unwrap();
        let line = sample().to_line(&keys).unwrap();
        let moved = line.replace(" seq=42 ", " seq=41 ");
        assert_eq!(
            Checkpoint::parse_line(&moved, 3, &keys),
            Err(CheckpointError::BadMac { line: 3 })
        );
        let other = CheckpointKeys::parse(&KEY.replace("00", "ff")).unwrap();
        assert_eq!(
            Checkpoint::parse_line(&line, 1, &other),
            Err(CheckpointError::BadMac { line: 1 })
        );
        let rotated = CheckpointKeys::parse(&format!("c2:{},{KEY}", "11".repeat(32))).unwrap();
        assert!(
            Checkpoint::parse_line(&line, 1, &rotated).is_ok(),
            "old keys still verify"
        );
        assert!(
            sample().to_line(&rotated).unwrap().contains(" key=c2 mac="),
            "the first key signs"
        );
    }

    #[test]
    fn malformed_lines_and_files_are_named_without_panicking() {
        let keys = CheckpointKeys::parse(KEY).unwrap();
        for text in [
            "",
            "x",
            TAG,
            "lotse-audit-checkpoint/1 mac=",
            "lotse-audit-checkpoint/1 key=c1 mac=zz",
            "\u{0}\u{7f}",
        ] {
            let err = Checkpoint::parse_line(text, 1, &keys).unwrap_err();
            assert!(err.to_string().starts_with("line 1: "), "{text:?}: {err}");
        }
        assert_eq!(
            Checkpoint::parse_file("\n# only a comment\n", &keys),
            Err(CheckpointError::Empty)
        );
        let line = sample().to_line(&keys).unwrap();
        assert_eq!(
            Checkpoint::parse_file(&format!("{line}\n{line}\n"), &keys),
            Err(CheckpointError::Duplicate {
                line: 2,
                slug: "duesseldorf".into()
            })
        );
        for (spec, part) in [
            ("", "no key given"),
            ("c1:zz", "not hex"),
            ("c1:00", "has 1 bytes"),
            ("c 1:00", "not 1 to 16"),
        ] {
            assert!(
                CheckpointKeys::parse(spec).unwrap_err().to_string().contains(part),
                "{spec}"
            );
        }
        assert!(!format!("{keys:?}").contains("0001020304"), "Debug hides the key");
    }
}
