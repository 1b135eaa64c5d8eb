//! Capabilities: single-use signed links for people without an account (a provider answering
//! one onward referral). A capability is for one purpose and one object, expires, can be
//! revoked, and is used once; whoever holds the link acts as `capability:<id>`, never as a
//! user.
//!
//! The link carries a [`CapabilityToken`]: the capability's id and a 32-byte random secret.
//! The store keeps only the SHA-256 of the secret; [`StoredCapability::check`] compares it in
//! constant time and then checks purpose, revocation, expiry and use. Only a passed check
//! yields a [`Capability`], the only way to a capability's [`ProgrammeScope`].

use std::fmt;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::actor::ProgrammeScope;
use crate::id::{CapabilityId, ProgrammeId};

/// What a capability lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CapabilityPurpose {
    /// Answer one onward referral (accept, decline, attended, did not attend); the object is
    /// the onward referral.
    OnwardReferralAnswer,
    /// Answer one questionnaire of one person (self-completion, without an account); the
    /// object is the questionnaire invitation.
    QuestionnaireAnswer,
}

impl CapabilityPurpose {
    /// Every purpose.
    pub const ALL: [Self; 2] = [Self::OnwardReferralAnswer, Self::QuestionnaireAnswer];

    /// The stable code (stored, audited).
    pub const fn code(self) -> &'static str {
        match self {
            Self::OnwardReferralAnswer => "onward_referral_answer",
            Self::QuestionnaireAnswer => "questionnaire_answer",
        }
    }

    /// Parses a code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The kind of object a capability of this purpose is for (as in audit entries).
    pub const fn object_kind(self) -> &'static str {
        match self {
            Self::OnwardReferralAnswer => "onward_referral",
            Self::QuestionnaireAnswer => "questionnaire_invitation",
        }
    }
}

impl fmt::Display for CapabilityPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The length of a token's text: 32 hex digits of the id, then 64 of the secret.
pub const TOKEN_LEN: usize = 96;

/// A capability token as a link carries it: the id and the secret. Its `Debug` hides the
/// secret; its text ([`CapabilityToken::text`]) is shown once, when the capability is issued.
#[derive(Clone, PartialEq, Eq)]
pub struct CapabilityToken {
    id: CapabilityId,
    secret: [u8; 32],
}

impl fmt::Debug for CapabilityToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CapabilityToken")
            .field("id", &self.id)
            .field("secret", &"***")
            .finish()
    }
}

impl CapabilityToken {
    /// A token from an id and a random secret (the caller draws both).
    pub const fn new(id: CapabilityId, secret: [u8; 32]) -> Self {
        Self { id, secret }
    }

    /// Parses the text of a link: exactly 96 lowercase hex digits. Anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != TOKEN_LEN || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let (id, secret) = text.split_at(32);
        let id = Uuid::try_parse(id).ok()?;
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(secret, &mut bytes).ok()?;
        Some(Self {
            id: CapabilityId::from_uuid(id),
            secret: bytes,
        })
    }

    /// The text for the link (96 lowercase hex digits).
    pub fn text(&self) -> String {
        format!("{}{}", self.id.as_uuid().simple(), hex::encode(self.secret))
    }

    /// The capability it names.
    pub const fn id(&self) -> CapabilityId {
        self.id
    }

    /// The SHA-256 of the secret, as stored (64 hex digits).
    pub fn secret_hash(&self) -> String {
        hex::encode(Sha256::digest(self.secret))
    }
}

/// A capability as stored (the secret's hash, never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCapability {
    /// Its id.
    pub id: CapabilityId,
    /// Its programme.
    pub programme: ProgrammeId,
    /// What it allows.
    pub purpose: CapabilityPurpose,
    /// The object it is for (of the purpose's [`CapabilityPurpose::object_kind`]).
    pub object: Uuid,
    /// SHA-256 of the secret (hex).
    pub secret_hash: String,
    /// Who issued it (`user:<id>`, `client:<id>`, `system:<job>`).
    pub created_by: String,
    /// When issued.
    pub created_at: OffsetDateTime,
    /// After this it is refused.
    pub expires_at: OffsetDateTime,
    /// When revoked.
    pub revoked_at: Option<OffsetDateTime>,
    /// When it was used (once only).
    pub used_at: Option<OffsetDateTime>,
}

/// Why a token was refused (for tests and logs; every refusal answers the same 404).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The secret does not match.
    WrongSecret,
    /// The capability is for another purpose than the route's.
    WrongPurpose,
    /// It was revoked.
    Revoked,
    /// It expired.
    Expired,
    /// It was used already.
    Used,
}

/// Compares two byte strings in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl StoredCapability {
    /// Checks a presented token for a route of `purpose` at `now`: the secret's hash (constant
    /// time), then purpose, revocation, expiry and use. A passed check is the only way to a
    /// [`Capability`]. (Using it is a separate, atomic step in the store, so two parallel uses
    /// cannot both pass.)
    pub fn check(
        &self,
        token: &CapabilityToken,
        purpose: CapabilityPurpose,
        now: OffsetDateTime,
    ) -> Result<Capability, Refusal> {
        if token.id != self.id || !constant_time_eq(token.secret_hash().as_bytes(), self.secret_hash.as_bytes()) {
            return Err(Refusal::WrongSecret);
        }
        if self.purpose != purpose {
            return Err(Refusal::WrongPurpose);
        }
        if self.revoked_at.is_some() {
            return Err(Refusal::Revoked);
        }
        if now >= self.expires_at {
            return Err(Refusal::Expired);
        }
        if self.used_at.is_some() {
            return Err(Refusal::Used);
        }
        Ok(Capability {
            id: self.id,
            programme: self.programme,
            purpose: self.purpose,
            object: self.object,
            expires_at: self.expires_at,
        })
    }

    /// The scope to audit a refused token of this capability in its programme, as the
    /// capability (`capability:<id>`): the holder of a wrong or dead link is not anyone else.
    pub const fn refusal_scope(&self) -> ProgrammeScope {
        ProgrammeScope::for_capability(self.id, self.programme)
    }
}

/// A capability whose token passed [`StoredCapability::check`]: the principal of a capability
/// route, acting in its programme as `capability:<id>` for its purpose and object only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    id: CapabilityId,
    programme: ProgrammeId,
    purpose: CapabilityPurpose,
    object: Uuid,
    expires_at: OffsetDateTime,
}

impl Capability {
    /// Its id.
    pub const fn id(&self) -> CapabilityId {
        self.id
    }

    /// Its programme.
    pub const fn programme(&self) -> ProgrammeId {
        self.programme
    }

    /// What it allows.
    pub const fn purpose(&self) -> CapabilityPurpose {
        self.purpose
    }

    /// The object it is for.
    pub const fn object(&self) -> Uuid {
        self.object
    }

    /// When it expires.
    pub const fn expires_at(&self) -> OffsetDateTime {
        self.expires_at
    }

    /// The scope for its programme, audited as `capability:<id>`.
    pub const fn scope(&self) -> ProgrammeScope {
        ProgrammeScope::for_capability(self.id, self.programme)
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;
    use crate::actor::Actor;

    fn at(hours: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::days(20_000) + Duration::hours(hours)
    }

    fn stored(token: &CapabilityToken) -> StoredCapability {
        StoredCapability {
            id: token.id(),
            programme: ProgrammeId::from_uuid(Uuid::from_u128(7)),
            purpose: CapabilityPurpose::OnwardReferralAnswer,
            object: Uuid::from_u128(9),
            secret_hash: token.secret_hash(),
            created_by: "user:x".to_owned(),
            created_at: at(0),
            expires_at: at(48),
            revoked_at: None,
            used_at: None,
        }
    }

    fn token(secret: u8) -> CapabilityToken {
        CapabilityToken::new(CapabilityId::from_uuid(Uuid::from_u128(3)), [secret; 32])
    }

    #[test]
    fn a_token_round_trips_through_its_text_and_nothing_else_parses() {
        let t = token(0xab);
        let text = t.text();
        assert_eq!(text.len(), TOKEN_LEN);
        assert_eq!(CapabilityToken::parse(&text), Some(t.clone()));
        for bad in [
            String::new(),
            text[..95].to_owned(),
            format!("{text}0"),
            text.to_uppercase(),
            format!("{}g", &text[..95]),
            format!("{}-{}", &text[..32], &text[33..]),
        ] {
            assert_eq!(CapabilityToken::parse(&bad), None, "{bad}");
        }
        assert!(
            !format!("{t:?}").contains(&hex::encode([0xab_u8; 32])),
            "Debug shows the secret"
        );
    }

    #[test]
    fn every_refusal_is_checked_and_only_a_live_capability_passes() {
        let t = token(1);
        let live = stored(&t);
        let passed = live.check(&t, CapabilityPurpose::OnwardReferralAnswer, at(1)).unwrap();
        assert_eq!(passed.object(), Uuid::from_u128(9));
        assert_eq!(
            passed.scope().actor(),
            &Actor::Capability(CapabilityId::from_uuid(Uuid::from_u128(3)))
        );
        assert_eq!(passed.scope().actor().reference(), format!("capability:{}", t.id()));
        assert_eq!(
            live.check(&token(2), CapabilityPurpose::OnwardReferralAnswer, at(1)),
            Err(Refusal::WrongSecret)
        );
        let other_id = CapabilityToken::new(CapabilityId::from_uuid(Uuid::from_u128(4)), [1; 32]);
        assert_eq!(
            live.check(&other_id, CapabilityPurpose::OnwardReferralAnswer, at(1)),
            Err(Refusal::WrongSecret)
        );
        let revoked = StoredCapability {
            revoked_at: Some(at(1)),
            ..live.clone()
        };
        assert_eq!(
            revoked.check(&t, CapabilityPurpose::OnwardReferralAnswer, at(2)),
            Err(Refusal::Revoked)
        );
        assert_eq!(
            live.check(&t, CapabilityPurpose::OnwardReferralAnswer, at(48)),
            Err(Refusal::Expired)
        );
        let used = StoredCapability {
            used_at: Some(at(1)),
            ..live
        };
        assert_eq!(
            used.check(&t, CapabilityPurpose::OnwardReferralAnswer, at(2)),
            Err(Refusal::Used)
        );
    }

    #[test]
    fn every_purpose_code_round_trips() {
        for p in CapabilityPurpose::ALL {
            assert_eq!(CapabilityPurpose::from_code(p.code()), Some(p));
        }
        assert_eq!(CapabilityPurpose::from_code("other"), None);
    }
}
