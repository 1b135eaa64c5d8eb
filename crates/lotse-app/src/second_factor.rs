//! The TOTP second factor (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, one step of clock
//! skew either way — what authenticator apps expect).
//!
//! After a right password, [`crate::auth::sign_in`] opens a *pending* sign-in instead of a
//! session when the user has a factor, or when the programme requires one for a role that sees
//! identities (then the user sets it up first). [`verify`] turns the pending sign-in into a
//! session when the code is right. A code's time step is accepted once (no replay). Every code
//! is counted before it is checked: a pending sign-in takes at most five, and each account
//! at most [`Throttle::second_factor_max_failures`] wrong ones across all its pending sign-ins
//! (only a right code resets that count); then the factor is locked until a coordinator
//! unlocks it ([`unlock`], audited).

use lotse_domain::audit::{AuditAction, AuditPurpose};
use lotse_domain::id::{ProgrammeId, UserId};
use lotse_domain::policy::Action;
use lotse_domain::user::{User, authorize_membership};
use lotse_store::audit::Access;
use lotse_store::credential::PendingSignIn;
use lotse_store::{Db, StoreError};
use time::OffsetDateTime;
use totp_rs::{Builder, Secret, Totp};

use crate::access::AccessError;
use crate::auth::{
    Attempt, AuthError, REFUSAL_AUDIT_PERIOD, SessionUser, SignedIn, Throttle, audit_account, open_session, token_hash,
};
use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};

/// How long a pending sign-in lasts.
pub const PENDING_LIFETIME: time::Duration = time::Duration::minutes(5);
/// Codes a pending sign-in may try; a wrong fifth ends it.
pub const MAX_CODE_FAILURES: i64 = 5;
/// The issuer shown in authenticator apps.
pub const ISSUER: &str = "Lotse";

/// Why a code was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SecondFactorError {
    /// The pending sign-in is unknown, expired, or ended after too many wrong codes: sign in
    /// again with the password.
    #[error("the sign-in has expired; please sign in again")]
    Expired,
    /// A wrong (or already used) code.
    #[error("the code is not right")]
    WrongCode,
    /// Too many wrong codes for this account: locked until a coordinator unlocks it.
    #[error("too many wrong codes; ask your coordinator to unlock the second factor")]
    Locked,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreFailure),
}

impl From<StoreError> for SecondFactorError {
    fn from(err: StoreError) -> Self {
        Self::Store(err.into())
    }
}

impl From<AuthError> for SecondFactorError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Locked => Self::Locked,
            AuthError::InvalidCredentials => Self::Expired,
            AuthError::Store(e) => Self::Store(e),
        }
    }
}

/// A fresh 160-bit secret, base32 (RFC 4226 recommends 160 bits).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::fill(&mut bytes);
    Secret::from(bytes).to_base32()
}

fn totp(secret: &str, account: &str) -> Result<Totp, StoreError> {
    let secret = Secret::try_from_base32(secret).map_err(|e| StoreError::Corrupt(format!("TOTP secret: {e}")))?;
    Builder::new()
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .map_err(|e| StoreError::Corrupt(format!("TOTP: {e}")))
}

fn unix(at: OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp()).unwrap_or(0)
}

/// The code an authenticator shows at `at` for a secret (for tests and the demo).
pub fn code_at(secret: &str, at: OffsetDateTime) -> Result<String, StoreFailure> {
    Ok(totp(secret, "x")?.generate(unix(at)).to_string())
}

/// Opens a pending sign-in; with `enrol_secret`, also starts setting up the factor.
pub(crate) async fn start_pending(
    db: &Db,
    now: OffsetDateTime,
    attempt: &Attempt,
    user: &User,
    programme: ProgrammeId,
    enrol_secret: Option<&str>,
) -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = hex::encode(bytes);
    let mut tx = db.begin().await?;
    attempt.succeeded(&mut tx).await?;
    lotse_store::credential::delete_expired_pending(&mut tx, now).await?;
    if let Some(secret) = enrol_secret {
        lotse_store::credential::begin_second_factor(&mut tx, user.id(), secret, now).await?;
    }
    let pending = PendingSignIn {
        user: user.id(),
        programme,
        failures: 0,
    };
    lotse_store::credential::insert_pending(&mut tx, &token_hash(&token), &pending, now + PENDING_LIFETIME).await?;
    tx.commit().await?;
    Ok(token)
}

/// What the set-up page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The secret, base32, for typing into an app.
    pub secret: String,
    /// The `otpauth://` URL for the QR code.
    pub url: String,
}

/// The factor being set up for a pending sign-in (`None`: no such sign-in, or nothing to set
/// up because the factor is confirmed already).
pub async fn enrolment(
    db: &impl Handle,
    clock: &dyn Clock,
    pending_token: &str,
) -> Result<Option<Enrolment>, StoreFailure> {
    let db = handle::store(db);
    let Some(pending) = lotse_store::credential::find_pending(db, &token_hash(pending_token), clock.now()).await?
    else {
        return Ok(None);
    };
    let Some(factor) = lotse_store::credential::second_factor(db, pending.user).await? else {
        return Ok(None);
    };
    if factor.confirmed {
        return Ok(None);
    }
    let user = lotse_store::user::get(db, pending.user).await?;
    let url = totp(&factor.secret, user.username().as_str())?
        .to_url()
        .map_err(|e| StoreError::Corrupt(format!("TOTP URL: {e}")))?;
    Ok(Some(Enrolment {
        secret: factor.secret,
        url,
    }))
}

/// Checks a code for a pending sign-in; a right code (set-up or not) opens the session.
///
/// The code is counted before it is checked, in one transaction: against the pending
/// sign-in's cap ([`MAX_CODE_FAILURES`], then [`SecondFactorError::Expired`]) and against the
/// account's counter ([`Throttle::second_factor_max_failures`], then
/// [`SecondFactorError::Locked`] until a coordinator unlocks it).
pub async fn verify(
    db: &impl Handle,
    clock: &dyn Clock,
    throttle: Throttle,
    pending_token: &str,
    code: &str,
) -> Result<SignedIn, SecondFactorError> {
    let db = handle::store(db);
    let now = clock.now();
    let hash = token_hash(pending_token);
    let pending = lotse_store::credential::find_pending(db, &hash, now)
        .await?
        .ok_or(SecondFactorError::Expired)?;
    let user = lotse_store::user::get(db, pending.user).await?;
    let (scope, _) = authorize_membership(&user, pending.programme).ok_or(SecondFactorError::Expired)?;
    let max_failures = i64::from(throttle.second_factor_max_failures);
    let mut tx = db.begin().await?;
    let Some(tries) = lotse_store::credential::pending_attempt(&mut tx, &hash, now, MAX_CODE_FAILURES).await? else {
        return Err(SecondFactorError::Expired);
    };
    let counted = lotse_store::login_attempt::count_code(&mut tx, user.id(), now, max_failures).await?;
    if counted.refused {
        if lotse_store::login_attempt::take_code_refusal_audit(&mut tx, user.id(), now, REFUSAL_AUDIT_PERIOD).await? {
            audit_account(&mut tx, now, &user, AuditAction::SignInRefused).await?;
        }
        tx.commit().await?;
        return Err(SecondFactorError::Locked);
    }
    tx.commit().await?;
    let factor = lotse_store::credential::second_factor(db, user.id())
        .await?
        .ok_or(SecondFactorError::Expired)?;
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    let step = totp(&factor.secret, user.username().as_str())?
        .check(&code, unix(now))
        .and_then(|s| i64::try_from(s).ok());
    let mut tx = db.begin().await?;
    let fresh = match step {
        Some(step) => lotse_store::credential::use_step(&mut tx, user.id(), step, now).await?,
        None => false,
    };
    let access = Access {
        at: now,
        purpose: AuditPurpose::Authentication,
    };
    if !fresh {
        if tries >= MAX_CODE_FAILURES {
            lotse_store::credential::delete_pending(&mut tx, &hash).await?;
        }
        let locks = counted.failures >= max_failures;
        let action = if locks {
            AuditAction::SecondFactorLocked
        } else {
            AuditAction::SecondFactorFailed
        };
        lotse_store::audit::record_user(&mut tx, &scope, access, action, user.id()).await?;
        tx.commit().await?;
        if locks {
            tracing::warn!("second factor locked after repeated wrong codes");
        }
        return Err(if tries >= MAX_CODE_FAILURES {
            SecondFactorError::Expired
        } else {
            SecondFactorError::WrongCode
        });
    }
    if !factor.confirmed {
        lotse_store::audit::record_user(&mut tx, &scope, access, AuditAction::SecondFactorEnrolled, user.id()).await?;
    }
    lotse_store::credential::delete_pending(&mut tx, &hash).await?;
    lotse_store::login_attempt::clear_codes(&mut tx, user.id()).await?;
    let token = open_session(&mut tx, now, &user, &scope).await?;
    tx.commit().await?;
    Ok(SignedIn {
        token,
        programme: pending.programme,
        user,
    })
}

/// Lifts the second-factor lock of `target`, a user of the coordinator's programme (anyone
/// else: not found, audited). Audited in the coordinator's programme; returns whether the
/// factor was locked.
pub async fn unlock(
    db: &impl Handle,
    clock: &dyn Clock,
    coordinator: &SessionUser,
    target: UserId,
) -> Result<bool, AccessError> {
    let db = handle::store(db);
    let now = clock.now();
    crate::password_reset::check_manages(db, coordinator, target, now, Action::ManageUsers).await?;
    let mut tx = db.begin().await?;
    let was_locked = lotse_store::login_attempt::unlock_second_factor(&mut tx, target).await?;
    if was_locked {
        let access = Access {
            at: now,
            purpose: AuditPurpose::Administration,
        };
        lotse_store::audit::record_user(
            &mut tx,
            &coordinator.scope,
            access,
            AuditAction::SecondFactorUnlocked,
            target,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(was_locked)
}

/// The accounts whose second factor is locked (for the coordinator's user list).
pub async fn locked(db: &impl Handle) -> Result<Vec<UserId>, StoreFailure> {
    Ok(lotse_store::login_attempt::locked_second_factors(handle::store(db)).await?)
}

/// Whether the signed-in user has a confirmed second factor.
pub async fn is_set_up(db: &impl Handle, user: &SessionUser) -> Result<bool, StoreFailure> {
    Ok(
        lotse_store::credential::second_factor(handle::store(db), user.user.id())
            .await?
            .is_some_and(|f| f.confirmed),
    )
}

/// Starts setting up a second factor for a signed-in user who has none (also where the
/// programme does not require one). `None` if one is set up already.
pub async fn begin_voluntary(
    db: &impl Handle,
    clock: &dyn Clock,
    user: &SessionUser,
) -> Result<Option<Enrolment>, StoreFailure> {
    let db = handle::store(db);
    if is_set_up(db, user).await? {
        return Ok(None);
    }
    let secret = new_secret();
    let now = clock.now();
    let mut tx = db.begin().await?;
    lotse_store::credential::begin_second_factor(&mut tx, user.user.id(), &secret, now).await?;
    let access = Access {
        at: now,
        purpose: AuditPurpose::Authentication,
    };
    lotse_store::audit::record_user(
        &mut tx,
        &user.scope,
        access,
        AuditAction::SecondFactorSetupStarted,
        user.user.id(),
    )
    .await?;
    tx.commit().await?;
    let url = totp(&secret, user.user.username().as_str())?
        .to_url()
        .map_err(|e| StoreError::Corrupt(format!("TOTP URL: {e}")))?;
    Ok(Some(Enrolment { secret, url }))
}

/// The set-up in progress for a signed-in user, if any.
pub async fn pending_voluntary(db: &impl Handle, user: &SessionUser) -> Result<Option<Enrolment>, StoreFailure> {
    let db = handle::store(db);
    let Some(factor) = lotse_store::credential::second_factor(db, user.user.id()).await? else {
        return Ok(None);
    };
    if factor.confirmed {
        return Ok(None);
    }
    let url = totp(&factor.secret, user.user.username().as_str())?
        .to_url()
        .map_err(|e| StoreError::Corrupt(format!("TOTP URL: {e}")))?;
    Ok(Some(Enrolment {
        secret: factor.secret,
        url,
    }))
}

/// Confirms a voluntary set-up with a first code (audited either way).
pub async fn confirm_voluntary(
    db: &impl Handle,
    clock: &dyn Clock,
    user: &SessionUser,
    code: &str,
) -> Result<(), SecondFactorError> {
    let db = handle::store(db);
    let now = clock.now();
    let factor = lotse_store::credential::second_factor(db, user.user.id())
        .await?
        .filter(|f| !f.confirmed)
        .ok_or(SecondFactorError::Expired)?;
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    let step = totp(&factor.secret, user.user.username().as_str())?
        .check(&code, unix(now))
        .and_then(|s| i64::try_from(s).ok());
    let mut tx = db.begin().await?;
    let fresh = match step {
        Some(step) => lotse_store::credential::use_step(&mut tx, user.user.id(), step, now).await?,
        None => false,
    };
    let access = Access {
        at: now,
        purpose: AuditPurpose::Authentication,
    };
    let action = if fresh {
        AuditAction::SecondFactorEnrolled
    } else {
        AuditAction::SecondFactorFailed
    };
    lotse_store::audit::record_user(&mut tx, &user.scope, access, action, user.user.id()).await?;
    tx.commit().await?;
    if fresh {
        Ok(())
    } else {
        Err(SecondFactorError::WrongCode)
    }
}
