//! The audit log: who did what to which record, when and for what purpose.
//!
//! One chain per programme. Each entry's hash covers its own fields and the previous entry's
//! hash, so altering, inserting or deleting an entry breaks every hash after it.
//! **Invariant:** entries hold no personal data — only ids, codes and timestamps — so erasing a
//! person's data never touches the chain.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::id::ProgrammeId;

/// The hash before the first entry of a chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What was done. The stored code ([`AuditAction::code`]) is lower-case snake_case
/// (`read`, `session_start`, `second_factor_failed`); what it was done to is in the entry's
/// object kind ([`ObjectKind`]) and id, not in the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// Personal data was read.
    Read,
    /// A record was created.
    Create,
    /// A record was changed.
    Update,
    /// A user signed in to the programme.
    SessionStart,
    /// A user signed out.
    SessionEnd,
    /// A sign-in with a wrong password for an existing account.
    SignInFailed,
    /// The account was locked after too many failed sign-ins.
    SignInLocked,
    /// Every session of the account was ended ("log out everywhere").
    SessionsRevoked,
    /// A request for a record was refused by the policy (the record's id is kept, not why).
    AccessDenied,
    /// A signed-in user's form was refused (missing or forged CSRF token).
    RequestRefused,
    /// A second factor was set up (its first code was accepted).
    SecondFactorEnrolled,
    /// A wrong or replayed second-factor code.
    SecondFactorFailed,
    /// A coordinator issued a password-reset code for the user.
    PasswordResetIssued,
    /// The password was reset with a code (every session ended).
    PasswordReset,
    /// A person's data was exported for a data-subject access request.
    Export,
    /// A person was erased by anonymisation (on request or by the retention job).
    Erase,
    /// A route was refused because the role never does that (403); at most one entry per user
    /// and window.
    RouteRefused,
    /// A coordinator searched for a person (the code searched for is not kept).
    Search,
    /// A sign-in, second-factor code or password reset was refused unchecked because the
    /// account (or the client address) is locked; at most one entry a minute per account.
    SignInRefused,
    /// Too many wrong second-factor codes: the factor is locked until a coordinator unlocks it.
    SecondFactorLocked,
    /// A coordinator lifted a second-factor lock.
    SecondFactorUnlocked,
    /// A signed-in user started setting up a second factor.
    SecondFactorSetupStarted,
}

impl AuditAction {
    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Create => "create",
            Self::Update => "update",
            Self::SessionStart => "session_start",
            Self::SessionEnd => "session_end",
            Self::SignInFailed => "sign_in_failed",
            Self::SignInLocked => "sign_in_locked",
            Self::SessionsRevoked => "sessions_revoked",
            Self::AccessDenied => "access_denied",
            Self::RequestRefused => "request_refused",
            Self::SecondFactorEnrolled => "second_factor_enrolled",
            Self::SecondFactorFailed => "second_factor_failed",
            Self::PasswordResetIssued => "password_reset_issued",
            Self::PasswordReset => "password_reset",
            Self::Export => "export",
            Self::Erase => "erase",
            Self::RouteRefused => "route_refused",
            Self::Search => "search",
            Self::SignInRefused => "sign_in_refused",
            Self::SecondFactorLocked => "second_factor_locked",
            Self::SecondFactorUnlocked => "second_factor_unlocked",
            Self::SecondFactorSetupStarted => "second_factor_setup_started",
        }
    }
}

/// The kind of record an entry is about; its stored code ([`ObjectKind::code`], the entry's
/// `object_kind`) is the record's table name in lower-case snake_case (`onward_referral`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A person (their profile or identity).
    Patient,
    /// A case file.
    Case,
    /// A prescription.
    Prescription,
    /// A referral.
    Referral,
    /// An onward referral to an offer.
    OnwardReferral,
    /// A consent.
    Consent,
    /// A questionnaire response.
    QuestionnaireResponse,
    /// A user account.
    User,
    /// An API client.
    ApiClient,
    /// A capability link.
    Capability,
    /// The programme itself.
    Programme,
    /// An offer of the directory (not personal data; its changes are audited like any write).
    Offer,
    /// A link worker's conversation note on a case (sealed; every reader is audited).
    CaseNote,
    /// An invitation to answer a questionnaire through a self-completion link.
    QuestionnaireInvitation,
}

impl ObjectKind {
    /// Every kind.
    pub const ALL: [Self; 14] = [
        Self::Patient,
        Self::Case,
        Self::Prescription,
        Self::Referral,
        Self::OnwardReferral,
        Self::Consent,
        Self::QuestionnaireResponse,
        Self::User,
        Self::ApiClient,
        Self::Capability,
        Self::Programme,
        Self::Offer,
        Self::CaseNote,
        Self::QuestionnaireInvitation,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Patient => "patient",
            Self::Case => "case",
            Self::Prescription => "prescription",
            Self::Referral => "referral",
            Self::OnwardReferral => "onward_referral",
            Self::Consent => "consent",
            Self::QuestionnaireResponse => "questionnaire_response",
            Self::User => "user",
            Self::ApiClient => "api_client",
            Self::Capability => "capability",
            Self::Programme => "programme",
            Self::Offer => "offer",
            Self::CaseNote => "case_note",
            Self::QuestionnaireInvitation => "questionnaire_invitation",
        }
    }

    /// The kind with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Why it was done (the purpose recorded with every access).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditPurpose {
    /// Providing care and link work.
    Care,
    /// Programme and account administration.
    Administration,
    /// Seeding demo data.
    Demo,
    /// Signing in and out.
    Authentication,
    /// Answering a data-subject request (access, erasure) or auditing access.
    DataProtection,
    /// The retention job.
    Retention,
    /// A pseudonymised research export.
    Research,
}

impl AuditPurpose {
    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Care => "care",
            Self::Administration => "administration",
            Self::Demo => "demo",
            Self::Authentication => "authentication",
            Self::DataProtection => "data_protection",
            Self::Retention => "retention",
            Self::Research => "research",
        }
    }
}

/// An entry before it is placed in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// When (truncated to microseconds, the precision both databases keep).
    pub at: OffsetDateTime,
    /// `user:<uuid>` or `system:<job>`.
    pub actor: String,
    /// What.
    pub action: String,
    /// The kind of record: an [`ObjectKind`] code (`patient`, `referral`, `user`…), kept as
    /// text so entries written by any version verify.
    pub object_kind: String,
    /// The record's id; the nil id for an entry about several records ([`Self::objects`]).
    pub object_id: Uuid,
    /// Why.
    pub purpose: String,
    /// The request it answers (a data-subject request's reference), for exports and erasures
    /// by a coordinator. Hashed into the entry when present.
    pub reference: Option<String>,
    /// The records of an entry about several records of `object_kind` (a list view, a batch of
    /// created records), in ascending id order, without repeats; empty for an entry about one
    /// record. Hashed into the entry when not empty.
    pub objects: Vec<Uuid>,
}

impl NewAuditEntry {
    /// Builds an entry; `at` is truncated to whole microseconds.
    pub fn new(
        at: OffsetDateTime,
        actor: &crate::actor::Actor,
        action: AuditAction,
        object_kind: ObjectKind,
        object_id: Uuid,
        purpose: AuditPurpose,
    ) -> Self {
        Self {
            at: truncate_to_micros(at),
            actor: actor.reference(),
            action: action.code().to_owned(),
            object_kind: object_kind.code().to_owned(),
            object_id,
            purpose: purpose.code().to_owned(),
            reference: None,
            objects: Vec::new(),
        }
    }

    /// One entry about the records `ids` (at least one) of a kind: for one record, the same as
    /// [`Self::new`]; for several, `object_id` is the nil id and the ids go to [`Self::objects`],
    /// sorted and without repeats. `None` when `ids` is empty (nothing was touched).
    pub fn about(
        at: OffsetDateTime,
        actor: &crate::actor::Actor,
        action: AuditAction,
        object_kind: ObjectKind,
        ids: impl IntoIterator<Item = Uuid>,
        purpose: AuditPurpose,
    ) -> Option<Self> {
        let mut ids: Vec<Uuid> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        match ids.as_slice() {
            [] => None,
            [one] => Some(Self::new(at, actor, action, object_kind, *one, purpose)),
            _ => Some(Self {
                objects: ids,
                ..Self::new(at, actor, action, object_kind, Uuid::nil(), purpose)
            }),
        }
    }

    /// Whether the entry names `id`, as its one record or among its records.
    pub fn names(&self, id: Uuid) -> bool {
        self.object_id == id || self.objects.binary_search(&id).is_ok()
    }

    /// The same entry, recording the request it answers.
    #[must_use]
    pub fn with_reference(mut self, reference: Option<&RequestReference>) -> Self {
        self.reference = reference.map(|r| r.as_str().to_owned());
        self
    }
}

/// A reference to the request an action answers (a data-subject request's number, a ticket):
/// 1 to 40 characters of ASCII letters, digits and `-`, `_`, `/`, `.`. So bounded, it cannot
/// hold a name, a birth date or a sentence, and the audit stays free of personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestReference(String);

/// Why a request reference was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a request reference has 1 to 40 characters: letters A-Z, digits and - _ / . (no names, no spaces)")]
pub struct RequestReferenceError;

impl RequestReference {
    /// The longest reference accepted.
    pub const MAX_LEN: usize = 40;

    /// Validates a reference (surrounding spaces are ignored).
    pub fn parse(input: &str) -> Result<Self, RequestReferenceError> {
        let trimmed = input.trim();
        let ok = (1..=Self::MAX_LEN).contains(&trimmed.len())
            && trimmed
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'));
        if ok {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(RequestReferenceError)
        }
    }

    /// The reference.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Drops sub-microsecond precision, so what is hashed equals what PostgreSQL stores.
pub fn truncate_to_micros(at: OffsetDateTime) -> OffsetDateTime {
    let micros = at.microsecond();
    at.replace_microsecond(micros).unwrap_or(at)
}

/// An entry as stored: placed in its programme's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// The chain it belongs to.
    pub programme: ProgrammeId,
    /// Its position, from 1.
    pub seq: i64,
    /// The entry's content.
    pub entry: NewAuditEntry,
    /// The previous entry's hash ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// This entry's hash (lowercase hex SHA-256).
    pub hash: String,
}

/// Computes an entry's hash from its fields and its predecessor's hash.
///
/// Every field is length-prefixed, so no two different entries serialise to the same bytes.
pub fn entry_hash(programme: ProgrammeId, seq: i64, entry: &NewAuditEntry, prev_hash: &str) -> String {
    let mut hasher = Sha256::new();
    let at = entry.at.unix_timestamp_nanos().to_string();
    let programme = programme.to_string();
    let seq = seq.to_string();
    let object_id = entry.object_id.to_string();
    let fields: [&str; 9] = [
        &programme,
        &seq,
        &at,
        &entry.actor,
        &entry.action,
        &entry.object_kind,
        &object_id,
        &entry.purpose,
        prev_hash,
    ];
    for field in fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    // Entries without a reference hash exactly as before the field existed; with one, two
    // more length-prefixed fields follow, so no entry with a reference hashes like one without.
    if let Some(reference) = &entry.reference {
        for field in ["reference", reference.as_str()] {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
    }
    // Likewise for an entry about several records: a marker, their count, then each id.
    if !entry.objects.is_empty() {
        let count = entry.objects.len().to_string();
        let ids: Vec<String> = entry.objects.iter().map(Uuid::to_string).collect();
        for field in ["objects", count.as_str()]
            .into_iter()
            .chain(ids.iter().map(String::as_str))
        {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
    }
    hex::encode(hasher.finalize())
}

/// Places new entries after `(last_seq, last_hash)`, returning them chained.
pub fn chain(
    programme: ProgrammeId,
    last_seq: i64,
    last_hash: &str,
    entries: impl IntoIterator<Item = NewAuditEntry>,
) -> Vec<AuditEntry> {
    let mut prev = last_hash.to_owned();
    let mut seq = last_seq;
    entries
        .into_iter()
        .map(|entry| {
            seq += 1;
            let hash = entry_hash(programme, seq, &entry, &prev);
            AuditEntry {
                programme,
                seq,
                entry,
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
            }
        })
        .collect()
}

/// Where and how a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// An entry's stored hash does not match its content: it was altered.
    #[error("entry {seq} was altered: its hash does not match its content")]
    Altered {
        /// The first broken entry.
        seq: i64,
    },
    /// An entry does not point at its predecessor's hash: one was removed or inserted.
    #[error("entry {seq} does not follow entry {}: an entry was removed, inserted or reordered", seq - 1)]
    Unlinked {
        /// The first broken entry.
        seq: i64,
    },
    /// Sequence numbers skip.
    #[error("entry {expected} is missing (the next entry found is {found})")]
    Missing {
        /// The number expected.
        expected: i64,
        /// The number found.
        found: i64,
    },
    /// The chain ends before its recorded head: trailing entries were removed.
    #[error("the chain ends at entry {last} but its head records {head}: trailing entries were removed")]
    Truncated {
        /// The last entry present.
        last: i64,
        /// The recorded head.
        head: i64,
    },
    /// The entry at a checkpoint's position has another hash than the checkpoint records: the
    /// chain up to there was rewritten (and rehashed) since the checkpoint was taken.
    #[error("entry {seq} does not match the checkpoint: the chain was rewritten up to there")]
    Rewritten {
        /// The checkpoint's entry.
        seq: i64,
    },
    /// The chain is shorter than a checkpoint taken earlier: entries were removed (and the head
    /// moved back), or the chain was rewritten shorter.
    #[error(
        "the chain ends at entry {last} but the checkpoint records entry {checkpoint}: entries were removed or the chain was rewritten"
    )]
    BehindCheckpoint {
        /// The last entry present.
        last: i64,
        /// The checkpoint's entry.
        checkpoint: i64,
    },
    /// The records the store keeps by record for "who saw this person?" differ from what an
    /// entry lists (and its hash covers): one was changed, added or removed.
    #[error(
        "the records listed by entry {seq} differ from those stored for it by record: one was changed, added or removed"
    )]
    Listed {
        /// The entry, or the sequence number that a row no entry lists names.
        seq: i64,
    },
}

/// Incremental verification, so a long chain is checked without holding it in memory.
#[derive(Debug)]
pub struct ChainVerifier {
    programme: ProgrammeId,
    last_seq: i64,
    last_hash: String,
    anchor: Option<(i64, String)>,
}

impl ChainVerifier {
    /// Starts at the genesis of a programme's chain.
    pub fn new(programme: ProgrammeId) -> Self {
        Self {
            programme,
            last_seq: 0,
            last_hash: GENESIS_HASH.to_owned(),
            anchor: None,
        }
    }

    /// Starts at the genesis, and also checks that the chain extends a checkpoint: the entry
    /// at `seq` must exist and carry `hash` (seq 0 is the genesis).
    pub fn anchored(programme: ProgrammeId, seq: i64, hash: &str) -> Self {
        Self {
            anchor: Some((seq, hash.to_owned())),
            ..Self::new(programme)
        }
    }

    /// Checks the next entry in sequence order.
    pub fn check(&mut self, entry: &AuditEntry) -> Result<(), ChainBreak> {
        let expected = self.last_seq + 1;
        if entry.seq != expected {
            return Err(ChainBreak::Missing {
                expected,
                found: entry.seq,
            });
        }
        if entry.prev_hash != self.last_hash {
            return Err(ChainBreak::Unlinked { seq: entry.seq });
        }
        if entry_hash(self.programme, entry.seq, &entry.entry, &entry.prev_hash) != entry.hash {
            return Err(ChainBreak::Altered { seq: entry.seq });
        }
        if let Some((seq, hash)) = &self.anchor
            && *seq == entry.seq
            && *hash != entry.hash
        {
            return Err(ChainBreak::Rewritten { seq: entry.seq });
        }
        self.last_seq = entry.seq;
        self.last_hash.clone_from(&entry.hash);
        Ok(())
    }

    /// Ends verification against the head recorded for the chain; returns the entry count.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        if self.last_seq < head_seq {
            return Err(ChainBreak::Truncated {
                last: self.last_seq,
                head: head_seq,
            });
        }
        if self.last_seq > head_seq || self.last_hash != head_hash {
            return Err(ChainBreak::Unlinked { seq: self.last_seq });
        }
        if let Some((seq, hash)) = &self.anchor {
            if self.last_seq < *seq {
                return Err(ChainBreak::BehindCheckpoint {
                    last: self.last_seq,
                    checkpoint: *seq,
                });
            }
            if *seq == 0 && hash != GENESIS_HASH {
                return Err(ChainBreak::Rewritten { seq: 0 });
            }
        }
        Ok(self.last_seq)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::actor::{Actor, SystemJob};

    #[test]
    fn object_kind_codes_are_distinct_snake_case_and_read_back() {
        let mut seen = std::collections::HashSet::new();
        for kind in ObjectKind::ALL {
            let code = kind.code();
            assert!(seen.insert(code), "{code} twice");
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{code}");
            assert_eq!(ObjectKind::from_code(code), Some(kind));
        }
        assert_eq!(ObjectKind::from_code("Patient"), None);
    }
    fn entries(n: usize) -> Vec<AuditEntry> {
        let programme = ProgrammeId::from_uuid(Uuid::from_u128(1));
        let new = (0..n).map(|i| {
            NewAuditEntry::new(
                datetime!(2026-11-22 10:00:00.123456789 UTC),
                &Actor::System(SystemJob::Demo),
                AuditAction::Create,
                ObjectKind::Patient,
                Uuid::from_u128(i as u128),
                AuditPurpose::Demo,
            )
        });
        chain(programme, 0, GENESIS_HASH, new)
    }

    fn verify(entries: &[AuditEntry]) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::new(entries[0].programme);
        for e in entries {
            v.check(e)?;
        }
        let last = entries.last().unwrap();
        v.finish(last.seq, &last.hash)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let chain = entries(5);
        assert_eq!(verify(&chain), Ok(5));
        assert_eq!(chain[0].entry.at.nanosecond(), 123_456_000);
    }

    #[test]
    fn an_altered_entry_is_named() {
        let mut chain = entries(5);
        chain[2].entry.action = "read".into();
        assert_eq!(verify(&chain), Err(ChainBreak::Altered { seq: 3 }));
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut chain = entries(5);
        chain.remove(1);
        assert_eq!(verify(&chain), Err(ChainBreak::Missing { expected: 2, found: 3 }));
        let mut renumbered = entries(5);
        renumbered.remove(1);
        for (i, e) in renumbered.iter_mut().enumerate() {
            e.seq = i as i64 + 1;
        }
        assert_eq!(verify(&renumbered), Err(ChainBreak::Unlinked { seq: 2 }));
    }

    #[test]
    fn a_reference_is_bounded_and_hashed_into_its_entry() {
        for ok in ["DSR-2026/17", "a", "ticket_42.b", &"x".repeat(40)] {
            assert!(RequestReference::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            " ",
            "Anna Muster",
            "1951-06-23 Anna",
            "a\nb",
            "ä",
            &"x".repeat(41),
            "<b>",
        ] {
            assert!(RequestReference::parse(bad).is_err(), "{bad:?}");
        }
        let plain = entries(1).remove(0);
        let reference = RequestReference::parse("DSR-1").unwrap();
        let mut referenced = plain.clone();
        referenced.entry = referenced.entry.with_reference(Some(&reference));
        let hash = entry_hash(plain.programme, 1, &referenced.entry, GENESIS_HASH);
        assert_ne!(hash, plain.hash, "the reference is part of the hash");
        referenced.hash = hash;
        assert_eq!(verify(std::slice::from_ref(&referenced)), Ok(1));
        referenced.entry.reference = Some("DSR-2".into());
        assert_eq!(verify(&[referenced]), Err(ChainBreak::Altered { seq: 1 }));
    }

    #[test]
    fn an_entry_about_several_records_lists_them_in_id_order_and_hashes_them() {
        let at = datetime!(2026-11-22 10:00:00 UTC);
        let actor = Actor::System(SystemJob::Demo);
        let about = |ids: &[u128]| {
            NewAuditEntry::about(
                at,
                &actor,
                AuditAction::Read,
                ObjectKind::Patient,
                ids.iter().map(|i| Uuid::from_u128(*i)),
                AuditPurpose::Care,
            )
        };
        assert_eq!(about(&[]), None, "nothing read, nothing recorded");
        let one = about(&[7]).unwrap();
        assert_eq!((one.object_id, one.objects.len()), (Uuid::from_u128(7), 0));
        assert_eq!(
            one,
            NewAuditEntry::new(
                at,
                &actor,
                AuditAction::Read,
                ObjectKind::Patient,
                Uuid::from_u128(7),
                AuditPurpose::Care
            ),
            "one record: the same entry as before lists existed"
        );
        let list = about(&[3, 1, 2, 3]).unwrap();
        assert!(list.object_id.is_nil());
        assert_eq!(list.objects, [1, 2, 3].map(Uuid::from_u128), "sorted, no repeats");
        assert!(list.names(Uuid::from_u128(2)) && !list.names(Uuid::from_u128(4)));
        // The list is part of the hash: another list, or none, is another hash.
        let hash = |e: &NewAuditEntry| entry_hash(ProgrammeId::from_uuid(Uuid::from_u128(1)), 1, e, GENESIS_HASH);
        let other = about(&[1, 2, 4]).unwrap();
        let shorter = about(&[1, 2]).unwrap();
        let none = NewAuditEntry {
            objects: Vec::new(),
            ..list.clone()
        };
        let hashes = [hash(&list), hash(&other), hash(&shorter), hash(&none)];
        for (i, a) in hashes.iter().enumerate() {
            for b in &hashes[i + 1..] {
                assert_ne!(a, b);
            }
        }
        let mut chained = chain(ProgrammeId::from_uuid(Uuid::from_u128(1)), 0, GENESIS_HASH, [list]);
        assert_eq!(verify(&chained), Ok(1));
        chained[0].entry.objects.pop();
        assert_eq!(verify(&chained), Err(ChainBreak::Altered { seq: 1 }));
    }

    #[test]
    fn a_rehashed_or_shortened_chain_is_caught_by_a_checkpoint() {
        let original = entries(5);
        let anchored = |chain: &[AuditEntry]| {
            let mut v = ChainVerifier::anchored(chain[0].programme, 4, &original[3].hash);
            for e in chain {
                v.check(e)?;
            }
            let last = chain.last().unwrap();
            v.finish(last.seq, &last.hash)
        };
        assert_eq!(anchored(&original), Ok(5));
        // Entry 2 removed and everything after it renumbered and rehashed: intact on its own.
        let rewritten = chain(
            original[0].programme,
            0,
            GENESIS_HASH,
            original.iter().filter(|e| e.seq != 2).map(|e| e.entry.clone()),
        );
        assert_eq!(verify(&rewritten), Ok(4));
        assert_eq!(anchored(&rewritten), Err(ChainBreak::Rewritten { seq: 4 }));
        assert_eq!(
            anchored(&original[..3]),
            Err(ChainBreak::BehindCheckpoint { last: 3, checkpoint: 4 })
        );
    }

    #[test]
    fn a_removed_tail_is_detected_against_the_head() {
        let chain = entries(5);
        let mut v = ChainVerifier::new(chain[0].programme);
        for e in &chain[..3] {
            v.check(e).unwrap();
        }
        assert_eq!(
            v.finish(5, &chain[4].hash),
            Err(ChainBreak::Truncated { last: 3, head: 5 })
        );
    }
}
