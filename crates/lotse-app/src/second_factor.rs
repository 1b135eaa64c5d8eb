//! The TOTP second factor (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, one step of clock
//! skew either way — what authenticator apps expect).
//!
//! After a right password, [`crate::auth::sign_in`] opens a *pending* sign-in instead of a
//! session when the user has a factor, or when the programme requires one for a role that sees
//! identities (then the user sets it up first). [`verify`] turns the pending sign-in into a
//! session when the code is right. A code's time step is accepted once (no replay); five wrong
//! codes end the pending sign-in, and each counts towards the account name's sign-in lock.

use lotse_domain::audit::{AuditAction, AuditPurpose};
use lotse_domain::id::ProgrammeId;
use lotse_domain::user::{User, authorize_membership};
use lotse_store::audit::Access;
use lotse_store::credential::PendingSignIn;
use lotse_store::{Db, StoreError};
use time::OffsetDateTime;
use totp_rs::{Builder, Secret, Totp};

use crate::auth::{AuthError, SignedIn, Throttle, name_hash, open_session, record_failure, token_hash};
use crate::clock::Clock;

/// How long a pending sign-in lasts.
pub const PENDING_LIFETIME: time::Duration = time::Duration::minutes(5);
/// Wrong codes before a pending sign-in ends.
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
    /// Too many failed sign-ins for this account name.
    #[error("too many failed sign-ins; try again later")]
    Locked,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
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
pub fn code_at(secret: &str, at: OffsetDateTime) -> Result<String, StoreError> {
    Ok(totp(secret, "x")?.generate(unix(at)).to_string())
}

/// Opens a pending sign-in; with `enrol_secret`, also starts setting up the factor.
pub(crate) async fn start_pending(
    db: &Db,
    now: OffsetDateTime,
    name: &str,
    user: &User,
    programme: ProgrammeId,
    enrol_secret: Option<&str>,
) -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = hex::encode(bytes);
    let mut tx = db.begin().await?;
    lotse_store::login_attempt::clear(&mut tx, name).await?;
    if let Some(secret) = enrol_secret {
        lotse_store::credential::begin_second_factor(&mut tx, user.id, secret, now).await?;
    }
    let pending = PendingSignIn {
        user: user.id,
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
pub async fn enrolment(db: &Db, clock: &dyn Clock, pending_token: &str) -> Result<Option<Enrolment>, StoreError> {
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
    let url = totp(&factor.secret, user.username.as_str())?
        .to_url()
        .map_err(|e| StoreError::Corrupt(format!("TOTP URL: {e}")))?;
    Ok(Some(Enrolment {
        secret: factor.secret,
        url,
    }))
}

/// Checks a code for a pending sign-in; a right code (set-up or not) opens the session.
pub async fn verify(
    db: &Db,
    clock: &dyn Clock,
    throttle: Throttle,
    pending_token: &str,
    code: &str,
) -> Result<SignedIn, SecondFactorError> {
    let now = clock.now();
    let hash = token_hash(pending_token);
    let pending = lotse_store::credential::find_pending(db, &hash, now)
        .await?
        .ok_or(SecondFactorError::Expired)?;
    let user = lotse_store::user::get(db, pending.user).await?;
    let name = name_hash(&user.username);
    if let Some(attempts) = lotse_store::login_attempt::find(db, &name).await?
        && attempts.locked_until.is_some_and(|until| until > now)
    {
        return Err(SecondFactorError::Locked);
    }
    let (scope, _) = authorize_membership(&user, pending.programme).ok_or(SecondFactorError::Expired)?;
    let factor = lotse_store::credential::second_factor(db, user.id)
        .await?
        .ok_or(SecondFactorError::Expired)?;
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    let step = totp(&factor.secret, user.username.as_str())?
        .check(&code, unix(now))
        .and_then(|s| i64::try_from(s).ok());
    let mut tx = db.begin().await?;
    let fresh = match step {
        Some(step) => lotse_store::credential::use_step(&mut tx, user.id, step, now).await?,
        None => false,
    };
    let access = Access {
        at: now,
        purpose: AuditPurpose::Authentication,
    };
    if !fresh {
        let failures = lotse_store::credential::pending_failed(&mut tx, &hash).await?;
        if failures >= MAX_CODE_FAILURES {
            lotse_store::credential::delete_pending(&mut tx, &hash).await?;
        }
        lotse_store::audit::record(
            &mut tx,
            &scope,
            access,
            AuditAction::SecondFactorFailed,
            "user",
            [user.id.as_uuid()],
        )
        .await?;
        tx.commit().await?;
        record_failure(db, now, throttle, &name, None).await?;
        return Err(if failures >= MAX_CODE_FAILURES {
            SecondFactorError::Expired
        } else {
            SecondFactorError::WrongCode
        });
    }
    if !factor.confirmed {
        lotse_store::audit::record(
            &mut tx,
            &scope,
            access,
            AuditAction::SecondFactorEnrolled,
            "user",
            [user.id.as_uuid()],
        )
        .await?;
    }
    lotse_store::credential::delete_pending(&mut tx, &hash).await?;
    lotse_store::login_attempt::clear(&mut tx, &name).await?;
    let token = open_session(&mut tx, now, &user, &scope).await?;
    tx.commit().await?;
    Ok(SignedIn {
        token,
        programme: pending.programme,
        user,
    })
}

/// Whether the signed-in user has a confirmed second factor.
pub async fn is_set_up(db: &Db, user: &crate::auth::SessionUser) -> Result<bool, StoreError> {
    Ok(lotse_store::credential::second_factor(db, user.user.id)
        .await?
        .is_some_and(|f| f.confirmed))
}

/// Starts setting up a second factor for a signed-in user who has none (also where the
/// programme does not require one). `None` if one is set up already.
pub async fn begin_voluntary(
    db: &Db,
    clock: &dyn Clock,
    user: &crate::auth::SessionUser,
) -> Result<Option<Enrolment>, StoreError> {
    if is_set_up(db, user).await? {
        return Ok(None);
    }
    let secret = new_secret();
    let mut tx = db.begin().await?;
    lotse_store::credential::begin_second_factor(&mut tx, user.user.id, &secret, clock.now()).await?;
    tx.commit().await?;
    let url = totp(&secret, user.user.username.as_str())?
        .to_url()
        .map_err(|e| StoreError::Corrupt(format!("TOTP URL: {e}")))?;
    Ok(Some(Enrolment { secret, url }))
}

/// The set-up in progress for a signed-in user, if any.
pub async fn pending_voluntary(db: &Db, user: &crate::auth::SessionUser) -> Result<Option<Enrolment>, StoreError> {
    let Some(factor) = lotse_store::credential::second_factor(db, user.user.id).await? else {
        return Ok(None);
    };
    if factor.confirmed {
        return Ok(None);
    }
    let url = totp(&factor.secret, user.user.username.as_str())?
        .to_url()
        .map_err(|e| StoreError::Corrupt(format!("TOTP URL: {e}")))?;
    Ok(Some(Enrolment {
        secret: factor.secret,
        url,
    }))
}

/// Confirms a voluntary set-up with a first code (audited either way).
pub async fn confirm_voluntary(
    db: &Db,
    clock: &dyn Clock,
    user: &crate::auth::SessionUser,
    code: &str,
) -> Result<(), SecondFactorError> {
    let now = clock.now();
    let factor = lotse_store::credential::second_factor(db, user.user.id)
        .await?
        .filter(|f| !f.confirmed)
        .ok_or(SecondFactorError::Expired)?;
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    let step = totp(&factor.secret, user.user.username.as_str())?
        .check(&code, unix(now))
        .and_then(|s| i64::try_from(s).ok());
    let mut tx = db.begin().await?;
    let fresh = match step {
        Some(step) => lotse_store::credential::use_step(&mut tx, user.user.id, step, now).await?,
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
    lotse_store::audit::record(&mut tx, &user.scope, access, action, "user", [user.user.id.as_uuid()]).await?;
    tx.commit().await?;
    if fresh {
        Ok(())
    } else {
        Err(SecondFactorError::WrongCode)
    }
}
