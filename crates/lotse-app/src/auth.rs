//! Sign-in with a local account, server-side sessions, sign-out.
//!
//! A session token is 32 random bytes, sent to the browser once; the database keeps only its
//! SHA-256, so a leaked database yields no usable cookie. Signing in and out is audited in the
//! programme's chain. Throttling (per account and per client address, with temporary lockout):
//! see [`Throttle`]. A sign-in whose password was right goes on to the second factor when one is
//! set up or required ([`crate::second_factor`]); forms carry a session-bound CSRF token
//! (lotse-web's `csrf` module).

use std::net::IpAddr;

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::{AuditAction, AuditPurpose};
use lotse_domain::id::ProgrammeId;
use lotse_domain::user::{Membership, User, Username, authorize_membership};
use lotse_store::audit::Access;
use lotse_store::login_attempt::Limits;
use lotse_store::session::SessionRecord;
use lotse_store::{Db, StoreError};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::password;

/// How long a session lasts.
pub const SESSION_LIFETIME: time::Duration = time::Duration::hours(8);

/// Limits on password and code guessing.
///
/// Every sign-in attempt is counted before the password is checked, for the account name and
/// for the client address, in one statement each that also says whether the key is locked
/// (so parallel requests cannot overtake the count). A client address is refused after
/// `address_max_failures` attempts within `window` that were not right, whatever names it
/// tries; an account name is locked for `lockout` after `max_failures` failures from all
/// addresses together (the backstop against a distributed attack). Wrong second-factor codes
/// are counted per account in their own counter, which only a right code resets; at
/// `second_factor_max_failures` the factor is locked until a coordinator unlocks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Failures allowed for one account name within the window.
    pub max_failures: u32,
    /// The window in which failures are counted.
    pub window: time::Duration,
    /// How long a name (or address) stays locked.
    pub lockout: time::Duration,
    /// Failed attempts allowed from one client address (any names) within the window.
    pub address_max_failures: u32,
    /// Wrong second-factor codes of one account (all pending sign-ins) before the factor is
    /// locked.
    pub second_factor_max_failures: u32,
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: time::Duration::minutes(15),
            lockout: time::Duration::minutes(15),
            address_max_failures: 20,
            second_factor_max_failures: 10,
        }
    }
}

impl Throttle {
    fn name_limits(&self) -> Limits {
        Limits {
            max_failures: i64::from(self.max_failures),
            window: self.window,
            lockout: self.lockout,
        }
    }

    fn address_limits(&self) -> Limits {
        Limits {
            max_failures: i64::from(self.address_max_failures),
            window: self.window,
            lockout: self.lockout,
        }
    }
}

/// A refusal during a lock is audited at most once per this period and account.
pub const REFUSAL_AUDIT_PERIOD: time::Duration = time::Duration::minutes(1);

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
    Store(#[from] StoreFailure),
}

impl From<StoreError> for AuthError {
    fn from(err: StoreError) -> Self {
        Self::Store(err.into())
    }
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

/// The throttling key of a client address: SHA-256 of the address (IPv6: of its /64, which
/// one client usually holds whole), prefixed so it never meets a name's key.
pub(crate) fn address_key(address: IpAddr) -> String {
    let canonical = match address.to_canonical() {
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
        }
        v4 @ IpAddr::V4(_) => v4,
    };
    format!("addr:{}", hex::encode(Sha256::digest(canonical.to_string().as_bytes())))
}

/// One counted attempt (password or reset code), before its check.
#[derive(Debug)]
pub(crate) struct Attempt {
    name: Option<String>,
    address: Option<String>,
    throttle: Throttle,
    /// Refused unchecked: the name or the address is locked.
    pub refused: bool,
    /// This attempt locks the name if it turns out wrong.
    pub locks: bool,
    /// The key whose refusals are audited (the address's when it is the locked one).
    refusal_key: Option<String>,
}

impl Attempt {
    /// Counts an attempt for the address, then (unless the address is locked) for the name, in
    /// one transaction, before anything is checked; also deletes counters that have expired.
    pub(crate) async fn count(
        db: &Db,
        now: OffsetDateTime,
        throttle: Throttle,
        name: Option<String>,
        client: Option<IpAddr>,
    ) -> Result<Self, StoreError> {
        let address = client.map(address_key);
        let mut tx = db.begin().await?;
        lotse_store::login_attempt::delete_expired(&mut tx, now, throttle.window).await?;
        let mut attempt = Self {
            name,
            address,
            throttle,
            refused: false,
            locks: false,
            refusal_key: None,
        };
        if let Some(address) = &attempt.address {
            let counted = lotse_store::login_attempt::count(&mut tx, address, now, &throttle.address_limits()).await?;
            if counted.refused {
                attempt.refused = true;
                attempt.refusal_key = Some(address.clone());
            }
        }
        if !attempt.refused
            && let Some(name) = &attempt.name
        {
            let limits = throttle.name_limits();
            let counted = lotse_store::login_attempt::count(&mut tx, name, now, &limits).await?;
            attempt.refused = counted.refused;
            attempt.locks = counted.locks(&limits);
            attempt.refusal_key = Some(name.clone());
        }
        tx.commit().await?;
        if attempt.locks {
            tracing::warn!("sign-in locked after repeated failures");
        }
        Ok(attempt)
    }

    /// The attempt was right: forgets the name's failures and takes the address's count back.
    pub(crate) async fn succeeded(&self, tx: &mut lotse_store::Tx) -> Result<(), StoreError> {
        if let Some(name) = &self.name {
            lotse_store::login_attempt::clear(tx, name).await?;
        }
        if let Some(address) = &self.address {
            lotse_store::login_attempt::uncount(tx, address, &self.throttle.address_limits()).await?;
        }
        Ok(())
    }

    /// Audits a refusal for an existing account, at most once per [`REFUSAL_AUDIT_PERIOD`].
    pub(crate) async fn audit_refusal(&self, db: &Db, now: OffsetDateTime, user: &User) -> Result<(), StoreError> {
        let Some(key) = &self.refusal_key else {
            return Ok(());
        };
        let mut tx = db.begin().await?;
        if lotse_store::login_attempt::take_refusal_audit(&mut tx, key, now, REFUSAL_AUDIT_PERIOD).await? {
            audit_account(&mut tx, now, user, AuditAction::SignInRefused).await?;
        }
        tx.commit().await
    }

    /// Audits a wrong password or code for an existing account (`sign_in_locked` when this
    /// attempt locked the name).
    pub(crate) async fn audit_failure(&self, db: &Db, now: OffsetDateTime, user: &User) -> Result<(), StoreError> {
        let action = if self.locks {
            AuditAction::SignInLocked
        } else {
            AuditAction::SignInFailed
        };
        let mut tx = db.begin().await?;
        audit_account(&mut tx, now, user, action).await?;
        tx.commit().await
    }
}

/// Records an authentication event about `user` in their first programme's chain.
pub(crate) async fn audit_account(
    tx: &mut lotse_store::Tx,
    now: OffsetDateTime,
    user: &User,
    action: AuditAction,
) -> Result<(), StoreError> {
    let Some((scope, _)) = user
        .memberships()
        .first()
        .and_then(|m| authorize_membership(user, m.programme()))
    else {
        return Ok(());
    };
    let access = Access {
        at: now,
        purpose: AuditPurpose::Authentication,
    };
    lotse_store::audit::record_user(tx, &scope, access, action, user.id()).await
}

/// Checks credentials; opens a session in the user's first programme, or a pending sign-in
/// when a second factor is set up (or required by the programme for the user's role).
///
/// The attempt is counted first ([`Throttle`]); while the account name or the client address
/// is locked it is refused unchecked ([`AuthError::Locked`]). Every failure counts, whether or
/// not the account exists, and an unknown name costs the same argon2 work as a known one, so
/// the answer reveals nothing. `client` is the client's address, if known.
pub async fn sign_in(
    db: &impl Handle,
    clock: &dyn Clock,
    throttle: Throttle,
    username: &str,
    password: &str,
    client: Option<IpAddr>,
) -> Result<SignInOutcome, AuthError> {
    let db = handle::store(db);
    let now = clock.now();
    let username = Username::parse(username).ok();
    let name = username.as_ref().map(name_hash);
    let attempt = Attempt::count(db, now, throttle, name, client).await?;
    let credentials = match &username {
        Some(username) => lotse_store::user::find_credentials(db, username).await?,
        None => None,
    };
    if attempt.refused {
        if let Some(credentials) = &credentials {
            let user = lotse_store::user::get(db, credentials.user_id).await?;
            attempt.audit_refusal(db, now, &user).await?;
        }
        return Err(AuthError::Locked);
    }
    let Some(credentials) = credentials else {
        password::verify_decoy(password).await;
        return Err(AuthError::InvalidCredentials);
    };
    let user = lotse_store::user::get(db, credentials.user_id).await?;
    if !password::verify_off_thread(password, &credentials.password_hash).await || credentials.disabled {
        attempt.audit_failure(db, now, &user).await?;
        return Err(AuthError::InvalidCredentials);
    }
    let programme = user
        .memberships()
        .first()
        .map(Membership::programme)
        .ok_or(AuthError::InvalidCredentials)?;
    let (scope, membership) = authorize_membership(&user, programme).ok_or(AuthError::InvalidCredentials)?;
    let role = membership.role();
    let factor = lotse_store::credential::second_factor(db, user.id()).await?;
    let required = lotse_domain::policy::needs_second_factor(role)
        && lotse_store::programme::get(db, programme).await?.second_factor_required;
    match factor {
        Some(f) if f.confirmed => {
            let token = crate::second_factor::start_pending(db, now, &attempt, &user, programme, None).await?;
            Ok(SignInOutcome::SecondFactor { token, enrol: false })
        }
        _ if required => {
            let secret = crate::second_factor::new_secret();
            let token = crate::second_factor::start_pending(db, now, &attempt, &user, programme, Some(&secret)).await?;
            Ok(SignInOutcome::SecondFactor { token, enrol: true })
        }
        _ => {
            let mut tx = db.begin().await?;
            attempt.succeeded(&mut tx).await?;
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
        user: user.id(),
        programme: scope.programme(),
        expires_at: now + SESSION_LIFETIME,
    };
    lotse_store::session::insert(tx, &token_hash(&token), &record, now).await?;
    let access = Access {
        at: now,
        purpose: AuditPurpose::Authentication,
    };
    lotse_store::audit::record_user(tx, scope, access, AuditAction::SessionStart, user.id()).await?;
    Ok(token)
}

/// Ends every session of the signed-in user, on every device (audited).
pub async fn sign_out_everywhere(
    db: &impl Handle,
    clock: &dyn Clock,
    signed_in: &SessionUser,
) -> Result<u64, StoreFailure> {
    let db = handle::store(db);
    let mut tx = db.begin().await?;
    let ended = lotse_store::session::delete_all_of_user(&mut tx, signed_in.user.id()).await?;
    lotse_store::credential::delete_pending_of_user(&mut tx, signed_in.user.id()).await?;
    let access = Access {
        at: clock.now(),
        purpose: AuditPurpose::Authentication,
    };
    lotse_store::audit::record_user(
        &mut tx,
        &signed_in.scope,
        access,
        AuditAction::SessionsRevoked,
        signed_in.user.id(),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// The user behind a token, if the session is live and the membership still exists.
pub async fn session(db: &impl Handle, clock: &dyn Clock, token: &str) -> Result<Option<SessionUser>, StoreFailure> {
    let db = handle::store(db);
    let Some((record, user)) = lotse_store::session::find_live_user(db, &token_hash(token), clock.now()).await? else {
        return Ok(None);
    };
    Ok(
        authorize_membership(&user, record.programme).map(|(scope, membership)| SessionUser {
            membership: membership.clone(),
            scope,
            user: user.clone(),
        }),
    )
}

/// Ends a session (audited); unknown tokens are ignored.
pub async fn sign_out(db: &impl Handle, clock: &dyn Clock, token: &str) -> Result<(), StoreFailure> {
    let db = handle::store(db);
    let current = session(db, clock, token).await?;
    let mut tx = db.begin().await?;
    let ended = lotse_store::session::delete(&mut tx, &token_hash(token)).await?;
    if let (true, Some(s)) = (ended, current) {
        let access = Access {
            at: clock.now(),
            purpose: AuditPurpose::Authentication,
        };
        lotse_store::audit::record_user(&mut tx, &s.scope, access, AuditAction::SessionEnd, s.user.id()).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Audits a refused request of a signed-in user (e.g. a form with a forged CSRF token).
pub async fn record_refused_request(
    db: &impl Handle,
    clock: &dyn Clock,
    user: &SessionUser,
) -> Result<(), StoreFailure> {
    let db = handle::store(db);
    let mut tx = db.begin().await?;
    let access = Access {
        at: clock.now(),
        purpose: AuditPurpose::Authentication,
    };
    lotse_store::audit::record_user(
        &mut tx,
        &user.scope,
        access,
        AuditAction::RequestRefused,
        user.user.id(),
    )
    .await?;
    Ok(tx.commit().await?)
}

/// A user's display name (for pages about accounts).
pub async fn display_name(db: &impl Handle, user: lotse_domain::id::UserId) -> Result<String, StoreFailure> {
    Ok(lotse_store::user::get(handle::store(db), user)
        .await?
        .display_name()
        .to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_throttled_by_its_64_and_mapped_ipv4_as_ipv4() {
        let key = |s: &str| address_key(s.parse().unwrap());
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"), "one /64, one key");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.1"), key("192.0.2.1"));
        assert_ne!(key("192.0.2.1"), key("192.0.2.2"));
        assert!(key("192.0.2.1").starts_with("addr:"));
    }
}
