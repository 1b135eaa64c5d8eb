//! Sign-in with a local account, server-side sessions, sign-out.
//!
//! A session token is 32 random bytes, sent to the browser once; the database keeps only its
//! SHA-256, so a leaked database yields no usable cookie. Signing in and out is audited in the
//! programme's chain. (Second factor, throttling and CSRF come with the security work.)

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::{AuditAction, AuditPurpose};
use lotse_domain::id::ProgrammeId;
use lotse_domain::user::{Membership, User, Username, authorize_membership};
use lotse_store::audit::Access;
use lotse_store::login_attempt::Attempts;
use lotse_store::session::SessionRecord;
use lotse_store::{Db, StoreError};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::clock::Clock;
use crate::password;

/// How long a session lasts.
pub const SESSION_LIFETIME: time::Duration = time::Duration::hours(8);

/// Limits on password guessing: after `max_failures` failed sign-ins for one account name
/// within `window`, that name is locked for `lockout` (whatever password is tried).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Failures allowed within the window.
    pub max_failures: u32,
    /// The window in which failures are counted.
    pub window: time::Duration,
    /// How long the name stays locked.
    pub lockout: time::Duration,
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: time::Duration::minutes(15),
            lockout: time::Duration::minutes(15),
        }
    }
}

/// Why sign-in failed. Deliberately one message for unknown user and wrong password.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown user, wrong password, disabled account, or no membership.
    #[error("invalid username or password")]
    InvalidCredentials,
    /// Too many failed attempts for this name: locked for now.
    #[error("too many failed sign-ins; try again later")]
    Locked,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A successful sign-in.
#[derive(Debug)]
pub struct SignedIn {
    /// The token for the cookie (shown once, never stored).
    pub token: String,
    /// The user.
    pub user: User,
    /// The programme of this session.
    pub programme: ProgrammeId,
}

/// The signed-in user behind a session cookie, with the scope the policy grants.
#[derive(Debug, Clone)]
pub struct SessionUser {
    /// The user.
    pub user: User,
    /// The membership the session acts under.
    pub membership: Membership,
    /// The scope for the session's programme.
    pub scope: ProgrammeScope,
}

/// SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn name_hash(username: &Username) -> String {
    hex::encode(Sha256::digest(username.as_str().as_bytes()))
}

/// Counts a failure for `name`; locks it when the limit is reached. Audits both for an
/// existing account (in its first programme's chain).
pub(crate) async fn record_failure(
    db: &Db,
    now: OffsetDateTime,
    throttle: Throttle,
    name: &str,
    account: Option<&User>,
) -> Result<(), StoreError> {
    let previous = lotse_store::login_attempt::find(db, name).await?;
    let mut attempts = match previous {
        Some(a) if a.first_failure_at + throttle.window > now => Attempts {
            failures: a.failures + 1,
            ..a
        },
        _ => Attempts {
            failures: 1,
            first_failure_at: now,
            locked_until: None,
        },
    };
    let locks = attempts.failures >= i64::from(throttle.max_failures);
    if locks {
        attempts.locked_until = Some(now + throttle.lockout);
    }
    let mut tx = db.begin().await?;
    lotse_store::login_attempt::save(&mut tx, name, &attempts).await?;
    if let Some(user) = account
        && let Some((scope, _)) = user
            .memberships
            .first()
            .and_then(|m| authorize_membership(user, m.programme))
    {
        let access = Access {
            at: now,
            purpose: AuditPurpose::Authentication,
        };
        let action = if locks {
            AuditAction::SignInLocked
        } else {
            AuditAction::SignInFailed
        };
        lotse_store::audit::record(&mut tx, &scope, access, action, "user", [user.id.as_uuid()]).await?;
    }
    tx.commit().await?;
    if locks {
        tracing::warn!(failures = attempts.failures, "sign-in locked after repeated failures");
    }
    Ok(())
}

/// Checks credentials; opens a session in the user's first programme, or a pending sign-in
/// when a second factor is set up (or required by the programme for the user's role).
///
/// Refused while the account name is locked ([`AuthError::Locked`]); every failure counts
/// towards the lock, whether or not the account exists, so the answer reveals nothing.
pub async fn sign_in(
    db: &Db,
    clock: &dyn Clock,
    throttle: Throttle,
    username: &str,
    password: &str,
) -> Result<SignInOutcome, AuthError> {
    let now = clock.now();
    let Ok(username) = Username::parse(username) else {
        password::verify(password, password::decoy_hash());
        return Err(AuthError::InvalidCredentials);
    };
    let name = name_hash(&username);
    if let Some(attempts) = lotse_store::login_attempt::find(db, &name).await?
        && attempts.locked_until.is_some_and(|until| until > now)
    {
        return Err(AuthError::Locked);
    }
    let credentials = lotse_store::user::find_credentials(db, &username).await?;
    let Some(credentials) = credentials else {
        password::verify(password, password::decoy_hash());
        record_failure(db, now, throttle, &name, None).await?;
        return Err(AuthError::InvalidCredentials);
    };
    let user = lotse_store::user::get(db, credentials.user_id).await?;
    if !password::verify(password, &credentials.password_hash) || credentials.disabled {
        record_failure(db, now, throttle, &name, Some(&user)).await?;
        return Err(AuthError::InvalidCredentials);
    }
    let programme = user
        .memberships
        .first()
        .map(|m| m.programme)
        .ok_or(AuthError::InvalidCredentials)?;
    let (scope, membership) = authorize_membership(&user, programme).ok_or(AuthError::InvalidCredentials)?;
    let role = membership.role;
    let factor = lotse_store::credential::second_factor(db, user.id).await?;
    let required = lotse_domain::policy::needs_second_factor(role)
        && lotse_store::programme::get(db, programme).await?.second_factor_required;
    match factor {
        Some(f) if f.confirmed => {
            let token = crate::second_factor::start_pending(db, now, &name, &user, programme, None).await?;
            Ok(SignInOutcome::SecondFactor { token, enrol: false })
        }
        _ if required => {
            let secret = crate::second_factor::new_secret();
            let token = crate::second_factor::start_pending(db, now, &name, &user, programme, Some(&secret)).await?;
            Ok(SignInOutcome::SecondFactor { token, enrol: true })
        }
        _ => {
            let mut tx = db.begin().await?;
            lotse_store::login_attempt::clear(&mut tx, &name).await?;
            let token = open_session(&mut tx, now, &user, &scope).await?;
            tx.commit().await?;
            Ok(SignInOutcome::Session(SignedIn { token, user, programme }))
        }
    }
}

/// What a right password leads to.
#[derive(Debug)]
pub enum SignInOutcome {
    /// A session: no second factor is set up or required.
    Session(SignedIn),
    /// The second factor must be shown (`enrol: false`) or set up first (`enrol: true`);
    /// `token` identifies the pending sign-in (for a short-lived cookie).
    SecondFactor {
        /// The pending sign-in's token (shown once, stored as SHA-256).
        token: String,
        /// Whether the factor must be set up first.
        enrol: bool,
    },
}

/// Opens a session in `tx` and audits `session_start`; returns the token for the cookie.
pub(crate) async fn open_session(
    tx: &mut lotse_store::Tx,
    now: OffsetDateTime,
    user: &User,
    scope: &ProgrammeScope,
) -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = hex::encode(bytes);
    let record = SessionRecord {
        user: user.id,
        programme: scope.programme(),
        expires_at: now + SESSION_LIFETIME,
    };
    lotse_store::session::insert(tx, &token_hash(&token), &record, now).await?;
    let access = Access {
        at: now,
        purpose: AuditPurpose::Authentication,
    };
    lotse_store::audit::record(
        tx,
        scope,
        access,
        AuditAction::SessionStart,
        "user",
        [user.id.as_uuid()],
    )
    .await?;
    Ok(token)
}

/// Ends every session of the signed-in user, on every device (audited).
pub async fn sign_out_everywhere(db: &Db, clock: &dyn Clock, signed_in: &SessionUser) -> Result<u64, StoreError> {
    let mut tx = db.begin().await?;
    let ended = lotse_store::session::delete_all_of_user(&mut tx, signed_in.user.id).await?;
    let access = Access {
        at: clock.now(),
        purpose: AuditPurpose::Authentication,
    };
    let id = signed_in.user.id.as_uuid();
    lotse_store::audit::record(
        &mut tx,
        &signed_in.scope,
        access,
        AuditAction::SessionsRevoked,
        "user",
        [id],
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// The user behind a token, if the session is live and the membership still exists.
pub async fn session(db: &Db, clock: &dyn Clock, token: &str) -> Result<Option<SessionUser>, StoreError> {
    let Some(record) = lotse_store::session::find_live(db, &token_hash(token), clock.now()).await? else {
        return Ok(None);
    };
    let user = lotse_store::user::get(db, record.user).await?;
    Ok(
        authorize_membership(&user, record.programme).map(|(scope, membership)| SessionUser {
            membership: membership.clone(),
            scope,
            user: user.clone(),
        }),
    )
}

/// Ends a session (audited); unknown tokens are ignored.
pub async fn sign_out(db: &Db, clock: &dyn Clock, token: &str) -> Result<(), StoreError> {
    let current = session(db, clock, token).await?;
    let mut tx = db.begin().await?;
    let ended = lotse_store::session::delete(&mut tx, &token_hash(token)).await?;
    if let (true, Some(s)) = (ended, current) {
        let access = Access {
            at: clock.now(),
            purpose: AuditPurpose::Authentication,
        };
        lotse_store::audit::record(
            &mut tx,
            &s.scope,
            access,
            AuditAction::SessionEnd,
            "user",
            [s.user.id.as_uuid()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Audits a refused request of a signed-in user (e.g. a form with a forged CSRF token).
pub async fn record_refused_request(db: &Db, clock: &dyn Clock, user: &SessionUser) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let access = Access {
        at: clock.now(),
        purpose: AuditPurpose::Authentication,
    };
    lotse_store::audit::record(
        &mut tx,
        &user.scope,
        access,
        AuditAction::RequestRefused,
        "user",
        [user.user.id.as_uuid()],
    )
    .await?;
    tx.commit().await
}

/// A user's display name (for pages about accounts).
pub async fn display_name(db: &Db, user: lotse_domain::id::UserId) -> Result<String, StoreError> {
    Ok(lotse_store::user::get(db, user).await?.display_name)
}
