//! E-mail to providers without an account, through the programme's SMTP relay.
//!
//! - **What goes out**: the provider's signed link when the link worker sends an onward
//!   referral ([`EmailKind::ProviderLink`], made due by `onward::send` in the transaction that
//!   writes `sent`), and one reminder when the provider stays silent for the programme's
//!   `provider_silent_working_days` ([`EmailKind::ProviderReminder`], made due by the follow-up
//!   job). Both go to the offer's public contact address and hold the offer's title, a fresh link
//!   and the day it stops working; nothing about the person (`lotse_domain::email`).
//! - **Delivery** ([`deliver`], the job `system:email`): per programme with a relay, it claims
//!   the e-mails due (under the job lock, moving each one's due time on by [`LEASE`] so that
//!   another runner does not take it too) and in the same transaction drops those about an
//!   onward referral no longer waiting for its provider or an offer without a (usable) contact
//!   address; then for each of the others it issues a new signed link (audited as `create` on
//!   the capability by `system:email`), writes the e-mail and hands it to the relay. A relay that fails or refuses: the link is revoked
//!   (audited) and the e-mail is tried again later (`lotse_domain::email::retry_after`), up to
//!   `MAX_ATTEMPTS`; the event that made it due was written long before and is never lost, and
//!   the worklist shows the provider as silent whatever the e-mail does. A runner killed between
//!   handing it over and writing `sent` sends it once more after the lease: at least once.
//! - **Relays** ([`Relays`]): configured by the operator per programme (`[smtp.<slug>]` in the
//!   config file: the relay's URL and the sender), with TLS: `smtps://` or `smtp://…?tls=required`
//!   (STARTTLS); plain `smtp://` only to a relay on this machine (127.0.0.1, ::1, localhost).
//!   Without a relay nothing is made due, and links are printed or read out.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use lotse_domain::actor::{ProgrammeScope, SystemJob};
use lotse_domain::capability::CapabilityPurpose;
use lotse_domain::email::{EmailKind, EmailText, MAX_ATTEMPTS, provider_email, retry_after};
use lotse_domain::id::ProgrammeId;
use lotse_domain::programme::{Language, Programme};
use lotse_store::email_outbox::{Due, Settled};
use lotse_store::{Db, StoreError};
use time::{Duration, OffsetDateTime};

use crate::clock::Clock;
use crate::jobs::JobToken;
use crate::onward::LINK_LIFETIME;

/// How long a claimed e-mail is left to its runner before another may try it.
pub const LEASE: Duration = Duration::minutes(10);

/// How often `lotse serve` runs the e-mail job where a relay is configured: every minute.
pub const DEFAULT_INTERVAL: StdDuration = StdDuration::from_mins(1);

/// How long one relay conversation may take before the try counts as failed.
const SMTP_TIMEOUT: StdDuration = StdDuration::from_secs(20);

/// E-mails claimed per transaction (those that can never be sent are dropped in it; the others
/// are sent one by one within the [`LEASE`]).
const BATCH: i64 = 200;

/// One programme's relay: where e-mails go and whom they come from.
#[derive(Clone)]
pub struct Relay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    host: String,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it may hold the relay's password.
        f.debug_struct("Relay")
            .field("host", &self.host)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

/// Why a relay's configuration was refused (said to the operator at start).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RelayError {
    /// The URL is not an SMTP URL lettre understands.
    #[error("the SMTP URL is invalid (expected smtps://user:password@host:465 or smtp://host:587?tls=required): {0}")]
    Url(String),
    /// Plain SMTP to another machine.
    #[error(
        "the SMTP URL must use TLS (smtps://, or smtp://…?tls=required for STARTTLS); plain smtp:// is allowed only to 127.0.0.1, ::1 or localhost"
    )]
    NoTls,
    /// The sender is not an address.
    #[error("the sender {0:?} is not an e-mail address (e.g. \"Lotse Düsseldorf <lotse@example.org>\")")]
    From(String),
    /// The public URL is not an absolute http(s) URL.
    #[error("public_url must be the absolute address Lotse is reached at (https://lotse.example.org), got {0:?}")]
    PublicUrl(String),
    /// A relay for a programme that does not exist.
    #[error("[smtp.{0}]: there is no programme {0:?}")]
    NoProgramme(String),
}

impl Relay {
    /// A relay from its URL (`smtps://user:password@host:465`, `smtp://host:587?tls=required`;
    /// plain `smtp://` only to this machine) and its sender.
    ///
    /// # Errors
    /// The URL or the sender is wrong, or the URL has no TLS to another machine.
    pub fn new(url: &str, from: &str) -> Result<Self, RelayError> {
        let parsed = url::Url::parse(url).map_err(|e| RelayError::Url(e.to_string()))?;
        let host = parsed.host_str().unwrap_or_default().to_owned();
        let tls = parsed.scheme() == "smtps" || parsed.query_pairs().any(|(k, v)| k == "tls" && v == "required");
        let local = matches!(host.as_str(), "127.0.0.1" | "[::1]" | "::1" | "localhost");
        if !matches!(parsed.scheme(), "smtp" | "smtps") {
            return Err(RelayError::Url(format!("the scheme is {:?}", parsed.scheme())));
        }
        if !tls && !local {
            return Err(RelayError::NoTls);
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| RelayError::Url(e.to_string()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = from.parse::<Mailbox>().map_err(|_| RelayError::From(from.to_owned()))?;
        Ok(Self { transport, from, host })
    }

    /// The relay's host (for logs and the operator).
    pub fn host(&self) -> &str {
        &self.host
    }
}

/// The relays of the programmes that have one, and the address links in e-mails start with.
#[derive(Clone, Debug, Default)]
pub struct Relays {
    inner: Arc<RelaysInner>,
}

#[derive(Debug, Default)]
struct RelaysInner {
    public_url: String,
    by_programme: HashMap<ProgrammeId, Relay>,
    slugs: Vec<String>,
}

impl Relays {
    /// The relays of `configured` (programme slug, relay), each programme looked up in `db`;
    /// links start with `public_url`.
    ///
    /// # Errors
    /// A slug names no programme, or `public_url` is not an absolute http(s) URL.
    pub async fn resolve(db: &Db, public_url: &str, configured: Vec<(String, Relay)>) -> Result<Self, ResolveError> {
        let parsed = url::Url::parse(public_url).map_err(|_| RelayError::PublicUrl(public_url.to_owned()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(RelayError::PublicUrl(public_url.to_owned()).into());
        }
        let programmes = lotse_store::programme::list(db).await?;
        let mut by_programme = HashMap::new();
        let mut slugs = Vec::new();
        for (slug, relay) in configured {
            let programme = programmes
                .iter()
                .find(|p| p.slug.as_str() == slug)
                .ok_or_else(|| RelayError::NoProgramme(slug.clone()))?;
            by_programme.insert(programme.id, relay);
            slugs.push(slug);
        }
        Ok(Self {
            inner: Arc::new(RelaysInner {
                public_url: public_url.trim_end_matches('/').to_owned(),
                by_programme,
                slugs,
            }),
        })
    }

    /// No relay at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether no programme has a relay.
    pub fn is_empty(&self) -> bool {
        self.inner.by_programme.is_empty()
    }

    /// Whether `programme` has a relay.
    pub fn has(&self, programme: ProgrammeId) -> bool {
        self.inner.by_programme.contains_key(&programme)
    }

    /// Whether the programme with this slug has a relay.
    pub fn has_slug(&self, slug: &str) -> bool {
        self.inner.slugs.iter().any(|s| s == slug)
    }

    fn of(&self, programme: ProgrammeId) -> Option<&Relay> {
        self.inner.by_programme.get(&programme)
    }
}

/// Why the relays could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// The configuration is wrong.
    #[error(transparent)]
    Config(#[from] RelayError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one run did in one programme.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailReport {
    /// The programme's slug.
    pub programme: String,
    /// E-mails the relay took.
    pub sent: usize,
    /// E-mails that failed this time (tried again later, or failed for good).
    pub failed: usize,
    /// E-mails dropped: answered first, or no contact address.
    pub dropped: usize,
    /// Members told that something new is waiting.
    pub notified: usize,
    /// Whether another runner held the programme's job lock.
    pub skipped: bool,
}

/// Runs the e-mail job once over every programme with a relay, as `system:email`.
///
/// # Errors
/// A storage failure; what was settled before it stays settled.
pub async fn deliver(db: &Db, clock: &dyn Clock, relays: &Relays) -> Result<Vec<EmailReport>, StoreError> {
    let job = JobToken::start_job(SystemJob::Email);
    let mut reports = Vec::new();
    for programme in lotse_store::programme::list(db).await? {
        let Some(relay) = relays.of(programme.id) else {
            continue;
        };
        let scope = job.scope(programme.id);
        let mut report = EmailReport {
            programme: programme.slug.as_str().to_owned(),
            ..EmailReport::default()
        };
        loop {
            let now = clock.now();
            let mut tx = db.begin().await?;
            if !lotse_store::follow_up::try_lock(&mut tx, &scope).await? {
                report.skipped = true;
                break;
            }
            let claimed = lotse_store::email_outbox::claim(&mut tx, &scope, now, now + LEASE, BATCH).await?;
            let full = i64::try_from(claimed.len()).unwrap_or(i64::MAX) >= BATCH;
            // What can never be sent is settled in the claim's transaction: a backlog of
            // thousands of e-mails to offers without an address is a few transactions, not one
            // each (3-4 ms a commit, BENCHMARKS.md).
            let mut to_send = Vec::with_capacity(claimed.len());
            let mut dropped: Vec<(&'static str, Vec<uuid::Uuid>)> = Vec::new();
            for due in claimed {
                match sendable(&due) {
                    Ok(address) => to_send.push((due, address)),
                    Err(note) => match dropped.iter_mut().find(|(n, _)| *n == note) {
                        Some((_, ids)) => ids.push(due.id),
                        None => dropped.push((note, vec![due.id])),
                    },
                }
            }
            for (note, ids) in &dropped {
                lotse_store::email_outbox::drop_many(&mut tx, &scope, ids, now, note).await?;
                report.dropped += ids.len();
            }
            tx.commit().await?;
            let mut relay_down = false;
            for (due, address) in to_send {
                match deliver_one(db, clock, &scope, &programme, relays, relay, due, address).await? {
                    Outcome::Sent => report.sent += 1,
                    Outcome::Failed { relay_down: down } => {
                        report.failed += 1;
                        // The relay cannot be reached: the rest waits for the lease, not for
                        // one timeout each.
                        relay_down = down;
                        if down {
                            break;
                        }
                    }
                }
            }
            if !full || relay_down {
                break;
            }
        }
        if !report.skipped {
            let (notified, failed) = notify_members(db, clock, &scope, &programme, relays, relay).await?;
            report.notified = notified;
            report.failed += failed;
        }
        reports.push(report);
    }
    Ok(reports)
}

enum Outcome {
    Sent,
    /// Not taken; `relay_down` when the relay could not be reached at all.
    Failed {
        relay_down: bool,
    },
}

/// Where a claimed e-mail can go, or why it never will (the note it is dropped with): the case
/// was closed (`case_closed`), the provider answered first (`answered`), the offer has no
/// contact address (`no_address`), or not one a relay takes (`bad_address`).
fn sendable(due: &Due) -> Result<String, &'static str> {
    if due.case_closed {
        return Err("case_closed");
    }
    if due.onward_state != "sent" {
        return Err("answered");
    }
    let address = due.address.as_deref().ok_or("no_address")?;
    address.parse::<Mailbox>().map_err(|_| "bad_address")?;
    Ok(address.to_owned())
}

/// Writes and hands over one claimed e-mail to `address`, and settles it.
#[allow(clippy::too_many_arguments)] // the job's context, one e-mail and where it goes
async fn deliver_one(
    db: &Db,
    clock: &dyn Clock,
    scope: &ProgrammeScope,
    programme: &Programme,
    relays: &Relays,
    relay: &Relay,
    due: Due,
    address: String,
) -> Result<Outcome, StoreError> {
    let settle = |settled: Settled, attempts: u32| async move {
        let mut tx = db.begin().await?;
        lotse_store::email_outbox::settle(&mut tx, scope, due.id, attempts, clock.now(), settled).await?;
        tx.commit().await
    };
    let issued = crate::capability::issue(
        db,
        clock,
        scope,
        CapabilityPurpose::OnwardReferralAnswer,
        due.onward.as_uuid(),
        LINK_LIFETIME,
    )
    .await
    .map_err(|e| match e {
        crate::access::AccessError::Store(s) => s.into_store(),
        // The lifetime is within the bounds: nothing else can come back.
        other => StoreError::Corrupt(other.to_string()),
    })?;
    let language = programme.languages.first().copied().unwrap_or(Language::English);
    let url = format!("{}/r/{}", relays.inner.public_url, issued.token.text());
    let words = provider_email(due.kind, language, &due.offer, &url, issued.expires_at.date());
    let handed = hand_over(relay, &address, words).await;
    match handed {
        Ok(()) => {
            settle(Settled::Sent { to: address }, due.attempts).await?;
            Ok(Outcome::Sent)
        }
        Err(note) => {
            // The link went nowhere: stop it, and try again with a new one.
            crate::capability::revoke(db, clock, scope, issued.id).await?;
            let attempts = due.attempts + 1;
            tracing::warn!(email.kind = due.kind.code(), email.attempts = attempts, relay = relay.host(), note = %note, "an e-mail was not delivered");
            let relay_down = matches!(note.as_str(), "connection" | "timeout" | "tls");
            let settled = match retry_after(attempts) {
                Some(wait) if attempts < MAX_ATTEMPTS => Settled::Retry {
                    note,
                    next_at: clock.now() + wait,
                },
                _ => Settled::Failed { note },
            };
            settle(settled, attempts).await?;
            Ok(Outcome::Failed { relay_down })
        }
    }
}

/// How long a failed notice waits before the next try.
const NOTICE_RETRY: Duration = Duration::minutes(15);

/// Tells the members of one programme who asked for it that something new is waiting: those
/// not told within [`crate::notification::NOTICE_GAP`] (nor waiting after a failure) whose
/// inbox has news since they last opened it or were told. Claimed under the job lock (their
/// next try moved on by [`LEASE`]), each sent and marked on its own. (told, failed).
async fn notify_members(
    db: &Db,
    clock: &dyn Clock,
    scope: &ProgrammeScope,
    programme: &Programme,
    relays: &Relays,
    relay: &Relay,
) -> Result<(usize, usize), StoreError> {
    let now = clock.now();
    let mut tx = db.begin().await?;
    if !lotse_store::follow_up::try_lock(&mut tx, scope).await? {
        return Ok((0, 0));
    }
    let mut due = Vec::new();
    for s in lotse_store::notification::subscribers(&mut tx, scope).await? {
        let waiting = s.retry_at.is_some_and(|r| r > now);
        let told_lately = s.notified_at.is_some_and(|n| now - n < crate::notification::NOTICE_GAP);
        if waiting || told_lately {
            continue;
        }
        let seen = lotse_store::inbox::seen_at(&mut tx, scope, s.user.as_uuid()).await?;
        let since = seen.max(s.notified_at).max(Some(s.set_at));
        let mut news = false;
        for membership in lotse_store::notification::memberships(&mut tx, scope, s.user).await? {
            if crate::inbox::has_news_since(&mut tx, scope, membership, s.user, since).await? {
                news = true;
                break;
            }
        }
        if news {
            lotse_store::notification::mark(&mut tx, scope, s.user, None, Some(now + LEASE)).await?;
            due.push(s);
        }
    }
    if !due.is_empty() {
        // The job reads the members' addresses to send the notices.
        let access = lotse_store::audit::Access {
            at: now,
            purpose: lotse_domain::audit::AuditPurpose::Care,
        };
        let ids: Vec<uuid::Uuid> = due.iter().map(|s| s.user.as_uuid()).collect();
        let (read, user) = (
            lotse_domain::audit::AuditAction::Read,
            lotse_domain::audit::ObjectKind::User,
        );
        lotse_store::audit::record(&mut tx, scope, access, read, user, ids).await?;
    }
    tx.commit().await?;
    let language = programme.languages.first().copied().unwrap_or(Language::English);
    let words = lotse_domain::email::notice_email(language, &format!("{}/inbox", relays.inner.public_url));
    let (mut told, mut failed) = (0, 0);
    for s in due {
        let handed = hand_over(relay, &s.address, words.clone()).await;
        let mut tx = db.begin().await?;
        if let Err(note) = handed {
            tracing::warn!(relay = relay.host(), note = %note, "a notice was not delivered");
            let retry = clock.now() + NOTICE_RETRY;
            lotse_store::notification::mark(&mut tx, scope, s.user, None, Some(retry)).await?;
            failed += 1;
        } else {
            lotse_store::notification::mark(&mut tx, scope, s.user, Some(clock.now()), None).await?;
            told += 1;
        }
        tx.commit().await?;
    }
    Ok((told, failed))
}

/// Writes `words` to `address` from the relay's sender and hands the message to the relay; a
/// short note (see [`failure_note`]) when it is not taken.
async fn hand_over(relay: &Relay, address: &str, words: EmailText) -> Result<(), String> {
    let to = address.parse::<Mailbox>().map_err(|_| "bad_address".to_owned())?;
    let message = Message::builder()
        .from(relay.from.clone())
        .to(to)
        .message_id(None)
        .subject(words.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(words.body)
        .map_err(|_| "bad_message".to_owned())?;
    relay
        .transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| failure_note(&e))
}

/// A short code for a failed try: the relay's reply code, or how the connection failed. Never
/// the relay's words, which may repeat the address.
fn failure_note(e: &lettre::transport::smtp::Error) -> String {
    if let Some(code) = e.status() {
        format!("smtp_{code}")
    } else if e.is_timeout() {
        "timeout".to_owned()
    } else if e.is_tls() {
        "tls".to_owned()
    } else {
        "connection".to_owned()
    }
}

/// Makes the provider's link e-mail of `onward` due now, where the programme has a relay;
/// whether it did. Called in the transaction that writes `sent`.
pub(crate) async fn enqueue_link(
    tx: &mut lotse_store::Tx,
    scope: &ProgrammeScope,
    relays: Option<&Relays>,
    onward: lotse_domain::id::OnwardReferralId,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    match relays {
        Some(r) if r.has(scope.programme()) => {
            lotse_store::email_outbox::enqueue(tx, scope, EmailKind::ProviderLink, onward, now).await
        }
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relay_needs_tls_unless_it_is_on_this_machine() {
        // (URL, accepted)
        let table = [
            ("smtps://lotse:secret@mail.example.org:465", true),
            ("smtp://lotse:secret@mail.example.org:587?tls=required", true),
            ("smtp://127.0.0.1:25", true),
            ("smtp://localhost:25", true),
            ("smtp://[::1]:25", true),
            ("smtp://mail.example.org:25", false),
            ("smtp://mail.example.org:587?tls=opportunistic", false),
        ];
        for (url, accepted) in table {
            let relay = Relay::new(url, "lotse@example.org");
            assert_eq!(relay.is_ok(), accepted, "{url}: {relay:?}");
            if !accepted {
                assert_eq!(relay.err(), Some(RelayError::NoTls), "{url}");
            }
        }
    }

    #[test]
    fn a_relay_refuses_what_is_not_smtp_or_not_an_address() {
        assert!(matches!(
            Relay::new("https://mail.example.org", "lotse@example.org"),
            Err(RelayError::Url(_))
        ));
        assert!(matches!(
            Relay::new("not a url", "lotse@example.org"),
            Err(RelayError::Url(_))
        ));
        assert_eq!(
            Relay::new("smtps://mail.example.org", "Lotse").err(),
            Some(RelayError::From("Lotse".to_owned()))
        );
        let relay = Relay::new("smtps://lotse:secret@mail.example.org", "Lotse <lotse@example.org>").unwrap();
        assert_eq!(relay.host(), "mail.example.org");
        assert!(
            !format!("{relay:?}").contains("secret"),
            "the password stays out of logs"
        );
    }

    #[test]
    fn an_email_is_dropped_when_answered_or_without_a_usable_address() {
        // (onward referral's state, whether its case is closed, offer's address, what becomes
        // of it)
        type Row<'a> = (&'a str, bool, Option<&'a str>, Result<&'a str, &'a str>);
        let table: [Row; 8] = [
            ("sent", false, Some("verein@example.org"), Ok("verein@example.org")),
            (
                "sent",
                false,
                Some("Sportverein <verein@example.org>"),
                Ok("Sportverein <verein@example.org>"),
            ),
            ("sent", false, None, Err("no_address")),
            ("sent", false, Some("nicht eine adresse"), Err("bad_address")),
            ("acknowledged", false, Some("verein@example.org"), Err("answered")),
            ("lapsed", false, None, Err("answered")),
            ("sent", true, Some("verein@example.org"), Err("case_closed")),
            ("sent", true, None, Err("case_closed")),
        ];
        for (state, case_closed, address, expected) in table {
            let due = Due {
                id: uuid::Uuid::nil(),
                kind: EmailKind::ProviderReminder,
                onward: lotse_domain::id::OnwardReferralId::from_uuid(uuid::Uuid::nil()),
                attempts: 0,
                onward_state: state.to_owned(),
                case_closed,
                offer: "Lauftreff".to_owned(),
                address: address.map(str::to_owned),
            };
            assert_eq!(
                sendable(&due).as_deref().map_err(|e| *e),
                expected,
                "{state} {address:?}"
            );
        }
    }
}
