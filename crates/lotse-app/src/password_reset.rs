//! Password reset through a coordinator: the coordinator issues a one-time code for a user of
//! their programme and hands it over in person or by phone; the user sets a new password with
//! it. Codes are 16 characters from an alphabet without look-alikes, valid 24 hours, used once,
//! stored as SHA-256; a new code replaces the user's unused ones. Redeeming ends every session
//! and pending sign-in of the user; wrong codes count towards the account name's sign-in lock. A coordinator resets
//! only accounts wholly in their programme and never removes a second factor; the installation
//! administrator can (`lotse user reset USERNAME --second-factor`). The user is told at the next
//! sign-in who reset the account and when.

use std::net::IpAddr;

use lotse_domain::actor::{Actor, SystemJob};
use lotse_domain::audit::{AuditAction, AuditPurpose, ObjectKind};
use lotse_domain::id::UserId;
use lotse_domain::policy::{self, AccountRelations, Action, Subject};
use lotse_domain::user::{NewPassword, Username, authorize_membership};
use lotse_store::audit::Access;
use lotse_store::credential::{MemberLine, ResetCode};
use lotse_store::{Db, StoreError};

use crate::access::{AccessError, deny};
use crate::admin::AdminError;
use crate::auth::{Attempt, SessionUser, Throttle, name_hash, token_hash};
use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::jobs::JobToken;
use crate::password;

/// How long a code is valid.
pub const CODE_LIFETIME: time::Duration = time::Duration::hours(24);
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Why a reset was refused. One message for a wrong, used or expired code and an unknown user.
#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// Unknown user, or a wrong, used or expired code.
    #[error("the username or the reset code is not right, or the code has expired")]
    InvalidCode,
    /// The new password does not meet the policy.
    #[error("{0}")]
    Password(String),
    /// The two new passwords differ.
    #[error("the two new passwords differ")]
    Mismatch,
    /// Too many failed attempts for this account name.
    #[error("too many failed attempts; try again later")]
    Locked,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreFailure),
}

impl From<StoreError> for ResetError {
    fn from(err: StoreError) -> Self {
        Self::Store(err.into())
    }
}

fn new_code() -> String {
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET.get(usize::from(*b) % ALPHABET.len()).copied().unwrap_or(b'A')))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The canonical form of a typed code: upper case, without spaces and dashes.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The accounts of the coordinator's programme (for the user list).
pub async fn members(db: &impl Handle, user: &SessionUser) -> Result<Vec<MemberLine>, AccessError> {
    let db = handle::store(db);
    let decision = policy::decide(
        &user.membership,
        Action::ManageUsers,
        Subject::Programme(user.scope.programme()),
    );
    if !decision.is_allowed() {
        return Err(AccessError::NotFound);
    }
    Ok(lotse_store::credential::members(db, &user.scope).await?)
}

/// Issues a reset code for `target`, an account whose every membership lies in the
/// coordinator's programme (anyone else: not found, audited; a coordinator cannot take over an
/// account that also acts in another programme). Returns the code to show once. The code never
/// removes a second factor: that needs the installation administrator ([`issue_as_admin`]).
pub async fn issue(
    db: &impl Handle,
    clock: &dyn Clock,
    coordinator: &SessionUser,
    target: UserId,
) -> Result<String, AccessError> {
    let db = handle::store(db);
    let now = clock.now();
    let programme = coordinator.scope.programme();
    check_manages(db, coordinator, target, now, Action::ResetPassword).await?;
    let code = new_code();
    let record = ResetCode {
        user: target,
        programme,
        reset_second_factor: false,
        issuer: coordinator.scope.actor().reference(),
    };
    let mut tx = db.begin().await?;
    lotse_store::credential::insert_reset_code(
        &mut tx,
        &token_hash(&normalise(&code)),
        &record,
        coordinator.user.id(),
        now,
        now + CODE_LIFETIME,
    )
    .await?;
    let access = Access {
        at: now,
        purpose: AuditPurpose::Administration,
    };
    lotse_store::audit::record_user(
        &mut tx,
        &coordinator.scope,
        access,
        AuditAction::PasswordResetIssued,
        target,
    )
    .await?;
    tx.commit().await?;
    Ok(code)
}

/// Sets a new password with a reset code; ends every session and pending sign-in of the user.
///
/// Throttled like a sign-in ([`crate::auth::Throttle`]: the attempt is counted first, for the
/// name and the client address). The new password is hashed whether or not the account
/// exists, so the answer takes the same work for both.
#[expect(
    clippy::too_many_arguments,
    reason = "the form's fields, the client address and the context"
)]
pub async fn redeem(
    db: &impl Handle,
    clock: &dyn Clock,
    throttle: Throttle,
    username: &str,
    code: &str,
    new_password: &str,
    repeated: &str,
    client: Option<IpAddr>,
) -> Result<(), ResetError> {
    let db = handle::store(db);
    let now = clock.now();
    if new_password != repeated {
        return Err(ResetError::Mismatch);
    }
    let password = NewPassword::parse(new_password).map_err(|e| ResetError::Password(e.to_string()))?;
    let username = Username::parse(username).ok();
    let attempt = Attempt::count(db, now, throttle, username.as_ref().map(name_hash), client).await?;
    let credentials = match &username {
        Some(username) => lotse_store::user::find_credentials(db, username).await?,
        None => None,
    };
    let user = match &credentials {
        Some(c) => Some(lotse_store::user::get(db, c.user_id).await?),
        None => None,
    };
    if attempt.refused {
        if let Some(user) = &user {
            attempt.audit_refusal(db, now, user).await?;
        }
        return Err(ResetError::Locked);
    }
    // Hashed before the account is known to exist: the same work for every name.
    let hash = password::hash_off_thread(password)
        .await
        .map_err(|e| ResetError::Password(e.to_string()))?;
    let Some(user) = user else {
        return Err(ResetError::InvalidCode);
    };
    let mut tx = db.begin().await?;
    let Some(taken) =
        lotse_store::credential::take_reset_code(&mut tx, &token_hash(&normalise(code)), user.id(), now).await?
    else {
        drop(tx);
        attempt.audit_failure(db, now, &user).await?;
        return Err(ResetError::InvalidCode);
    };
    lotse_store::user::set_password_hash(&mut tx, user.id(), &hash).await?;
    lotse_store::session::delete_all_of_user(&mut tx, user.id()).await?;
    lotse_store::credential::delete_pending_of_user(&mut tx, user.id()).await?;
    if taken.reset_second_factor {
        lotse_store::credential::delete_second_factor(&mut tx, user.id()).await?;
        lotse_store::login_attempt::clear_codes(&mut tx, user.id()).await?;
    }
    attempt.succeeded(&mut tx).await?;
    lotse_store::credential::set_reset_notice(&mut tx, user.id(), &taken.issuer, now).await?;
    if let Some((scope, _)) = authorize_membership(&user, taken.programme) {
        let access = Access {
            at: now,
            purpose: AuditPurpose::Authentication,
        };
        lotse_store::audit::record_user(&mut tx, &scope, access, AuditAction::PasswordReset, user.id()).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether the coordinator may do `action` to `target`: the policy decides on the account's
/// memberships ([`AccountRelations`]): [`Action::ManageUsers`] (unlocking a second factor)
/// while the account acts in the programme, [`Action::ResetPassword`] only while it acts in no
/// other programme (a coordinator cannot take over an account that also acts elsewhere). A
/// refusal, or an account that does not exist, is audited as `access_denied` and answers like
/// a missing account.
pub(crate) async fn check_manages(
    db: &Db,
    coordinator: &SessionUser,
    target: UserId,
    now: time::OffsetDateTime,
    action: Action,
) -> Result<(), AccessError> {
    let account = match lotse_store::user::get(db, target).await {
        Ok(u) => Some(AccountRelations::of(&u)),
        Err(StoreError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let principal = coordinator.principal();
    let allowed = account.is_some_and(|account| {
        principal
            .decide(action, Subject::User(principal.scope().programme(), &account))
            .is_allowed()
    });
    if allowed {
        Ok(())
    } else {
        Err(deny(db.begin().await?, &principal, now, ObjectKind::User, target.as_uuid()).await)
    }
}

/// Issues a reset code as the installation administrator (`lotse user reset USERNAME
/// [--second-factor]`, actor `system:admin`): for any account; with `reset_second_factor`,
/// redeeming the code also removes the account's second factor. Audited in every programme the
/// account belongs to. Returns the code to show once.
pub async fn issue_as_admin(
    db: &Db,
    clock: &dyn Clock,
    username: &str,
    reset_second_factor: bool,
) -> Result<String, AdminError> {
    let job = JobToken::start_job(SystemJob::Admin);
    let now = clock.now();
    let name = Username::parse(username).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let credentials = lotse_store::user::find_credentials(db, &name)
        .await?
        .ok_or_else(|| AdminError::UnknownUser(name.as_str().to_owned()))?;
    let user = lotse_store::user::get(db, credentials.user_id).await?;
    let Some(first) = user.memberships().first() else {
        return Err(AdminError::Invalid(format!(
            "the user {:?} has no membership in any programme",
            name.as_str()
        )));
    };
    let code = new_code();
    let record = ResetCode {
        user: user.id(),
        programme: first.programme(),
        reset_second_factor,
        issuer: Actor::System(SystemJob::Admin).reference(),
    };
    let mut tx = db.begin().await?;
    // The column must name an account; the issuer is `system:admin`.
    lotse_store::credential::insert_reset_code(
        &mut tx,
        &token_hash(&normalise(&code)),
        &record,
        user.id(),
        now,
        now + CODE_LIFETIME,
    )
    .await?;
    let access = Access {
        at: now,
        purpose: AuditPurpose::Administration,
    };
    for membership in user.memberships() {
        let scope = job.scope(membership.programme());
        lotse_store::audit::record_user(&mut tx, &scope, access, AuditAction::PasswordResetIssued, user.id()).await?;
    }
    tx.commit().await?;
    Ok(code)
}

/// Who reset an account and when, told to the user once at their next sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetNotice {
    /// The coordinator's display name; `None` for the installation administrator.
    pub by: Option<String>,
    /// When the new password was set.
    pub at: time::OffsetDateTime,
}

/// Takes the reset notice of a user who has just signed in (deleted once taken).
pub async fn take_notice(db: &impl Handle, user: UserId) -> Result<Option<ResetNotice>, StoreFailure> {
    let db = handle::store(db);
    let Some((reset_by, at)) = lotse_store::credential::take_reset_notice(db, user).await? else {
        return Ok(None);
    };
    let coordinator = reset_by
        .strip_prefix("user:")
        .and_then(|id| uuid::Uuid::parse_str(id).ok());
    let by = match coordinator {
        Some(id) => match lotse_store::user::get(db, UserId::from_uuid(id)).await {
            Ok(u) => Some(u.display_name().to_owned()),
            Err(StoreError::NotFound { .. }) => Some(reset_by),
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    Ok(Some(ResetNotice { by, at }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_and_typed_forgivingly() {
        let code = new_code();
        assert_eq!(code.len(), 19);
        assert_eq!(code.matches('-').count(), 3);
        assert!(code.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
        assert_eq!(normalise(&code.to_lowercase().replace('-', " ")), code.replace('-', ""));
        assert_ne!(new_code(), new_code());
    }
}
