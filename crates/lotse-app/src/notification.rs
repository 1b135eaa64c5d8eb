//! The e-mail that says only "something new is waiting": a member gives an address for it on
//! their account page, where the programme has an e-mail relay, and the e-mail job sends it
//! (at most once an hour) when their inbox has something new since they last opened it or were
//! told. The address is the member's personal data: reading and writing it are audited (as a
//! read or update of the member's account), and so is the job's reading it to send the notice.

use lettre::Address;
use lotse_domain::audit::{AuditAction, AuditPurpose, ObjectKind};
use lotse_domain::field::{FieldError, FieldProblem};
use lotse_domain::id::UserId;
use time::Duration;

use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::principal::Principal;

/// The shortest time between two notices to one member.
pub const NOTICE_GAP: Duration = Duration::hours(1);

/// A member's notice setting as their account page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeSetting {
    /// Whether the programme sends e-mail at all (has a relay).
    pub available: bool,
    /// The address the notice goes to, if the member gave one.
    pub address: Option<String>,
}

/// Why a setting was not saved (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    /// The address is wrong, or the programme sends no e-mail (`address`: not available).
    #[error("{} is wrong", .0.field)]
    Invalid(FieldError),
    /// Not a signed-in member (an API client or a link has no account page).
    #[error("not a member")]
    NotMember,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreFailure),
}

impl From<lotse_store::StoreError> for NoticeError {
    fn from(e: lotse_store::StoreError) -> Self {
        Self::Store(e.into())
    }
}

fn member(principal: &Principal) -> Option<UserId> {
    match principal {
        Principal::Member(user) => Some(user.user.id()),
        _ => None,
    }
}

fn access(clock: &dyn Clock) -> lotse_store::audit::Access {
    lotse_store::audit::Access {
        at: clock.now(),
        purpose: AuditPurpose::Care,
    }
}

/// The member's setting (the read of a given address audited).
///
/// # Errors
/// Not a member, or storage failed.
pub async fn get(db: &impl Handle, clock: &dyn Clock, principal: &Principal) -> Result<NoticeSetting, NoticeError> {
    let user = member(principal).ok_or(NoticeError::NotMember)?;
    let scope = principal.scope();
    let mut tx = handle::store(db).begin().await?;
    let address = lotse_store::notification::address(&mut tx, scope, user).await?;
    if address.is_some() {
        let ids = [user.as_uuid()];
        lotse_store::audit::record(&mut tx, scope, access(clock), AuditAction::Read, ObjectKind::User, ids).await?;
    }
    tx.commit().await?;
    Ok(NoticeSetting {
        available: handle::relays(db).is_some_and(|r| r.has(scope.programme())),
        address,
    })
}

/// Sets the member's address (`""`: no notices), checked as an e-mail address (audited as an
/// update of their account).
///
/// # Errors
/// The address is not one (field `address`), the programme sends no e-mail, not a member, or
/// storage failed.
pub async fn set(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    address: &str,
) -> Result<NoticeSetting, NoticeError> {
    let user = member(principal).ok_or(NoticeError::NotMember)?;
    let scope = principal.scope();
    let address = address.trim();
    let available = handle::relays(db).is_some_and(|r| r.has(scope.programme()));
    let wanted = if address.is_empty() {
        None
    } else if !available {
        return Err(NoticeError::Invalid(FieldError::new(
            "address",
            FieldProblem::UnknownCode,
        )));
    } else if address.len() > 254 || address.parse::<Address>().is_err() {
        return Err(NoticeError::Invalid(FieldError::new("address", FieldProblem::Email)));
    } else {
        Some(address)
    };
    let mut tx = handle::store(db).begin().await?;
    lotse_store::notification::set(&mut tx, scope, user, wanted, clock.now()).await?;
    let ids = [user.as_uuid()];
    lotse_store::audit::record(
        &mut tx,
        scope,
        access(clock),
        AuditAction::Update,
        ObjectKind::User,
        ids,
    )
    .await?;
    tx.commit().await?;
    Ok(NoticeSetting {
        available,
        address: wanted.map(str::to_owned),
    })
}
