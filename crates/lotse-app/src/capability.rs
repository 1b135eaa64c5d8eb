//! Capabilities: issue a single-use link (its secret is returned once and never stored),
//! revoke it, verify a link's token for a route, and use it once.
//!
//! Verifying does not use a capability up: a page may show what the link is for, and the use
//! case that acts calls [`redeem`] in its own transaction, so the use and what it writes commit
//! together, or neither does. Every refusal answers the same (the web layer: 404).

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::{AuditAction, AuditPurpose, ObjectKind};
use lotse_domain::capability::{Capability, CapabilityPurpose, CapabilityToken};
use lotse_domain::id::CapabilityId;
use lotse_store::audit::Access;
use lotse_store::capability::NewCapability;
use lotse_store::{Db, StoreError, Tx};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::access::{AccessError, REFUSAL_WINDOW};
use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};

/// The shortest and longest a capability may live.
pub const LIFETIME: (Duration, Duration) = (Duration::minutes(1), Duration::days(30));

/// A new capability: its id, the token for the link (shown once, never stored) and its expiry.
#[derive(Debug)]
pub struct IssuedCapability {
    /// Its id (audit entries name it as `capability:<id>`).
    pub id: CapabilityId,
    /// The token for the link (a capability route's `{token}`, e.g. `/q/{token}`).
    pub token: CapabilityToken,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

/// Issues a capability for `purpose` and `object` in the issuer's programme, living `lifetime`
/// (within [`LIFETIME`]); audited as `create` on the capability by the issuer, who is recorded
/// as `created_by`. The use case that issues (issue 16: the link worker sending an onward
/// referral) asks the policy first; this function checks only its input.
pub async fn issue(
    db: &Db,
    clock: &dyn Clock,
    issuer: &ProgrammeScope,
    purpose: CapabilityPurpose,
    object: Uuid,
    lifetime: Duration,
) -> Result<IssuedCapability, AccessError> {
    let mut tx = db.begin().await?;
    let issued = issue_in(&mut tx, clock, issuer, purpose, object, lifetime).await?;
    tx.commit().await?;
    Ok(issued)
}

/// [`issue`] in the caller's transaction, so that the link and the change it belongs to (an
/// onward referral sent, its links renewed) are written together or not at all.
pub(crate) async fn issue_in(
    tx: &mut lotse_store::Tx,
    clock: &dyn Clock,
    issuer: &ProgrammeScope,
    purpose: CapabilityPurpose,
    object: Uuid,
    lifetime: Duration,
) -> Result<IssuedCapability, AccessError> {
    if lifetime < LIFETIME.0 || lifetime > LIFETIME.1 {
        return Err(AccessError::Invalid(
            "a capability lives from one minute to 30 days".to_owned(),
        ));
    }
    let now = clock.now();
    let mut secret = [0u8; 32];
    rand::fill(&mut secret);
    // Time-ordered (UUIDv7, as the other ids made here): what the holder does is audited as
    // `capability:<id>`, so the audit's index by actor gets the entries of links made about the
    // same time side by side instead of each on a page of its own. The id tells the holder when
    // the link was made; the 32-byte secret alone makes the link unguessable.
    let id = CapabilityId::from_uuid(Uuid::now_v7());
    let token = CapabilityToken::new(id, secret);
    let expires_at = now + lifetime;
    let new = NewCapability {
        id,
        purpose,
        object,
        secret_hash: token.secret_hash(),
        created_at: now,
        expires_at,
    };
    lotse_store::capability::insert(tx, issuer, &new).await?;
    lotse_store::audit::record(
        tx,
        issuer,
        access(now),
        AuditAction::Create,
        ObjectKind::Capability,
        [id.as_uuid()],
    )
    .await?;
    Ok(IssuedCapability { id, token, expires_at })
}

fn access(at: OffsetDateTime) -> Access {
    Access {
        at,
        purpose: AuditPurpose::Care,
    }
}

/// Revokes a capability of the scope's programme (audited as `update` on it by the revoker);
/// `false` if there is none or it was revoked already. Its link stops working at once.
pub async fn revoke(db: &Db, clock: &dyn Clock, scope: &ProgrammeScope, id: CapabilityId) -> Result<bool, StoreError> {
    let now = clock.now();
    let mut tx = db.begin().await?;
    let revoked = lotse_store::capability::revoke(&mut tx, scope, id, now).await?;
    if revoked {
        lotse_store::audit::record(
            &mut tx,
            scope,
            access(now),
            AuditAction::Update,
            ObjectKind::Capability,
            [id.as_uuid()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(revoked)
}

/// Verifies a link's token for a route of `purpose`: the capability exists, the secret matches
/// (compared in constant time), and it is for this purpose, not revoked, not expired and not
/// used. `None` is every refusal alike.
///
/// A refused token of a known capability is audited in its programme as `access_denied` on the
/// capability by the capability (`capability:<id>`: ids only), at most once per capability and
/// [`REFUSAL_WINDOW`]. A malformed token or an unknown id names no programme to audit in: it is
/// only logged, without the token.
pub async fn verify(
    db: &impl Handle,
    clock: &dyn Clock,
    token: &str,
    purpose: CapabilityPurpose,
) -> Result<Option<Capability>, StoreFailure> {
    let db = handle::store(db);
    let Some(token) = CapabilityToken::parse(token) else {
        tracing::info!("capability refused: malformed token");
        return Ok(None);
    };
    let Some(stored) = lotse_store::capability::find(db, token.id()).await? else {
        tracing::info!("capability refused: unknown");
        return Ok(None);
    };
    let now = clock.now();
    match stored.check(&token, purpose, now) {
        Ok(capability) => Ok(Some(capability)),
        Err(refusal) => {
            tracing::info!(capability = %stored.id, refusal = ?refusal, "capability refused");
            let scope = stored.refusal_scope();
            let mut tx = db.begin().await?;
            let actor = scope.actor().reference();
            if !lotse_store::audit::recent(&mut tx, &scope, &actor, AuditAction::AccessDenied, now - REFUSAL_WINDOW)
                .await?
            {
                let access = Access {
                    at: now,
                    purpose: AuditPurpose::DataProtection,
                };
                lotse_store::audit::record(
                    &mut tx,
                    &scope,
                    access,
                    AuditAction::AccessDenied,
                    ObjectKind::Capability,
                    [stored.id.as_uuid()],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(None)
        }
    }
}

/// Uses a verified capability once, in `tx` (the acting use case's transaction): audited as
/// `update` on the capability by the capability. `false` when it was used, revoked or expired
/// meanwhile (of two parallel uses, one gets `false`): the caller then writes nothing and
/// answers as for any refused link.
pub async fn redeem(tx: &mut Tx, now: OffsetDateTime, capability: &Capability) -> Result<bool, StoreError> {
    let scope = capability.scope();
    if !lotse_store::capability::redeem(tx, &scope, capability.id(), now).await? {
        return Ok(false);
    }
    lotse_store::audit::record(
        tx,
        &scope,
        access(now),
        AuditAction::Update,
        ObjectKind::Capability,
        [capability.id().as_uuid()],
    )
    .await?;
    Ok(true)
}
