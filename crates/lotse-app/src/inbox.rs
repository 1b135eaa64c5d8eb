//! Every user's inbox of what is new for them, derived from the events: the steps of the
//! referrals and onward referrals their organisation works with (a coordinator: the changes to
//! the programme's offers) that their role is told about (`lotse_domain::inbox::is_news`),
//! newest first, those after the user last opened it marked new. Opening it is the "seen" mark.
//! It shows no personal data (what happened, when, a link to the case, prescription or offer),
//! so it is not audited; the pages it links to are.

use lotse_domain::id::{CaseId, OfferId, PrescriptionId};
use lotse_domain::inbox::is_news;
use lotse_domain::user::Role;
use lotse_store::inbox::{Watched, Watcher};
use time::OffsetDateTime;

use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::principal::Principal;

/// How many items an inbox shows.
pub const INBOX_LIMIT: usize = 50;

/// Where an item leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxLink {
    /// The case page.
    Case(CaseId),
    /// The prescription page (a practice's).
    Prescription(PrescriptionId),
    /// The offer's page (a coordinator's).
    Offer(OfferId),
}

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxItem {
    /// When.
    pub at: OffsetDateTime,
    /// The event's kind (`referral.accepted`).
    pub kind: String,
    /// Where it leads.
    pub link: InboxLink,
    /// Whether it happened after the reader last opened the inbox.
    pub new: bool,
}

/// An inbox as opened now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbox {
    /// The items, newest first, at most [`INBOX_LIMIT`].
    pub items: Vec<InboxItem>,
    /// How many of them are new.
    pub new: usize,
    /// When the reader opened it before (none: never).
    pub seen_before: Option<OffsetDateTime>,
}

/// Opens the principal's inbox and marks it seen now. An evaluator or outcome payer has an
/// empty inbox.
///
/// # Errors
/// A storage failure; nothing is marked seen then.
pub async fn open(db: &impl Handle, clock: &dyn Clock, principal: &Principal) -> Result<Inbox, StoreFailure> {
    let now = clock.now();
    let scope = principal.scope();
    let (role, organisation) = principal
        .membership()
        .map_or((None, None), |m| (Some(m.role()), m.organisation()));
    let watcher = watcher_of(role, organisation);
    let reader = principal.own_object().1;
    let me = scope.actor().reference();
    let mut tx = handle::store(db).begin().await?;
    let seen_before = lotse_store::inbox::seen_at(&mut tx, scope, reader).await?;
    let mut items = Vec::new();
    if let (Some(role), Some(watcher)) = (role, watcher) {
        let limit = i64::try_from(INBOX_LIMIT).unwrap_or(i64::MAX);
        let watched = lotse_store::inbox::watched(&mut tx, scope, watcher, limit).await?;
        let streams: Vec<(&str, uuid::Uuid)> = watched.iter().map(|w| (w.stream, w.id)).collect();
        let events = lotse_store::event::list_streams_numbered(&mut tx, scope, &streams).await?;
        for (part, event) in events {
            if !is_news(role, &event.kind) || event.actor == me {
                continue;
            }
            let Some(link) = watched.get(part).and_then(link_of) else {
                continue;
            };
            items.push(InboxItem {
                new: seen_before.is_none_or(|seen| event.occurred_at > seen),
                at: event.occurred_at,
                kind: event.kind,
                link,
            });
        }
    }
    items.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.kind.cmp(&b.kind)));
    items.truncate(INBOX_LIMIT);
    lotse_store::inbox::mark_seen(&mut tx, scope, reader, now).await?;
    tx.commit().await?;
    Ok(Inbox {
        new: items.iter().filter(|i| i.new).count(),
        items,
        seen_before,
    })
}

/// Whose inbox a member in `role` of `organisation` reads (none: a member without one).
fn watcher_of(role: Option<Role>, organisation: Option<lotse_domain::id::OrganisationId>) -> Option<Watcher> {
    match (role, organisation) {
        (Some(Role::LinkWorker), Some(o)) => Some(Watcher::Facility(o)),
        (Some(Role::Prescriber), Some(o)) => Some(Watcher::Practice(o)),
        (Some(Role::OfferProvider), Some(o)) => Some(Watcher::Provider(o)),
        (Some(Role::Coordinator), _) => Some(Watcher::Curator),
        _ => None,
    }
}

/// Whether anything new waits in the inbox of the member `user` in `role` of `organisation`
/// since `since` (the notice e-mail's question): an event of a watched stream that the role is
/// told about, not the member's own, after `since`.
pub(crate) async fn has_news_since(
    tx: &mut lotse_store::Tx,
    scope: &lotse_domain::actor::ProgrammeScope,
    (role, organisation): (Role, Option<lotse_domain::id::OrganisationId>),
    user: lotse_domain::id::UserId,
    since: Option<OffsetDateTime>,
) -> Result<bool, lotse_store::StoreError> {
    let Some(watcher) = watcher_of(Some(role), organisation) else {
        return Ok(false);
    };
    let me = lotse_domain::actor::Actor::User(user).reference();
    let limit = i64::try_from(INBOX_LIMIT).unwrap_or(i64::MAX);
    let watched = lotse_store::inbox::watched(tx, scope, watcher, limit).await?;
    // Newest first: a stream unchanged since `since` has nothing new.
    let fresh: Vec<(&str, uuid::Uuid)> = watched
        .iter()
        .filter(|w| since.is_none_or(|s| w.updated_at > s))
        .map(|w| (w.stream, w.id))
        .collect();
    if fresh.is_empty() {
        return Ok(false);
    }
    let events = lotse_store::event::list_streams_numbered(tx, scope, &fresh).await?;
    Ok(events
        .iter()
        .any(|(_, e)| is_news(role, &e.kind) && e.actor != me && since.is_none_or(|s| e.occurred_at > s)))
}

/// Where the events of a watched stream lead: the offer for an offer's, the prescription for
/// a practice's referral, else the case.
fn link_of(w: &Watched) -> Option<InboxLink> {
    w.offer
        .map(InboxLink::Offer)
        .or_else(|| w.prescription.map(InboxLink::Prescription))
        .or_else(|| w.case.map(InboxLink::Case))
}
