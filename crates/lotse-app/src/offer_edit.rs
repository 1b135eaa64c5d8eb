//! Keeping the directory current: a provider edits its own offers, a coordinator any offer of
//! the programme ([`edit`], `Action::ManageOffer`); a coordinator verifies, pauses, resumes,
//! ends and merges offers ([`curate`], `Action::CurateDirectory`), and sees the offers due for
//! review ([`review_list`]) and the proposed duplicates ([`duplicates`]).
//!
//! Every change is one transaction: the offer at the version the caller read (else
//! [`EditError::Conflict`]), its event (`offer.updated`, `offer.verified`, …; ids and kinds
//! only) and an `update` audit entry (`lotse_store::offer::change`). A denied or unknown offer
//! is audited as `access_denied` and answers [`EditError::NotFound`]. The search sees a change
//! at its next request: the commit raises the store's public generation, and
//! [`crate::directory::Directories`] builds the index again.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use lotse_domain::area::PostcodeCode;
use lotse_domain::audit::{AuditPurpose, ObjectKind};
use lotse_domain::event::TransitionError;
use lotse_domain::field::{FieldError, FieldProblem};
use lotse_domain::id::{OfferId, OrganisationId};
use lotse_domain::offer::{Offer, OfferStatus};
use lotse_domain::offer_edit::{OfferEdit, OfferEvent};
use lotse_domain::policy::{Action, Decision, Subject, Visibility};
use lotse_store::StoreError;
use lotse_store::offer::StoredOffer;
use time::Date;

use crate::access::{AccessError, access, deny};
use crate::clock::Clock;
use crate::directory::Directories;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::principal::Principal;

/// Why a change of an offer was not made (nothing was written, except the audit of a denial).
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// No such offer, or the principal may not change it (indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// Fields are wrong; each is named.
    #[error("{} fields are wrong", .0.len())]
    Invalid(Vec<FieldError>),
    /// The version given is not a version (below 1).
    #[error("the version must be 1 or more")]
    BadVersion,
    /// The offer was changed since it was read.
    #[error("the offer was changed meanwhile (now version {current_version})")]
    Conflict {
        /// The version stored now.
        current_version: i64,
    },
    /// The change is not possible in the offer's status (an ended offer, pausing a paused one,
    /// merging into itself or into an ended offer).
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreFailure),
}

impl From<StoreError> for EditError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { current_version, .. } => Self::Conflict { current_version },
            StoreError::NotFound { .. } => Self::NotFound,
            other => Self::Store(other.into()),
        }
    }
}

/// An offer as its editor sees it: the offer, the version to send back, what else they may do.
#[derive(Debug, Clone, PartialEq)]
pub struct EditableOffer {
    /// The offer.
    pub offer: Offer,
    /// Its version (send it back with the change).
    pub version: i64,
    /// The offer it was merged into, for a merged duplicate.
    pub merged_into: Option<OfferId>,
    /// Whether the principal may also verify, pause, end and merge it (a coordinator).
    pub may_curate: bool,
}

/// What a coordinator does to an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curation {
    /// Its details were confirmed with the provider today.
    Verify,
    /// Paused for now.
    Pause,
    /// Running again.
    Resume,
    /// No longer offered.
    End,
    /// A duplicate of another offer of the programme, which remains: ended, naming the other.
    MergeInto(OfferId),
}

impl Curation {
    /// The event it records.
    pub const fn event(self) -> OfferEvent {
        match self {
            Self::Verify => OfferEvent::Verified,
            Self::Pause => OfferEvent::Paused,
            Self::Resume => OfferEvent::Resumed,
            Self::End => OfferEvent::Ended,
            Self::MergeInto(into) => OfferEvent::Merged { into },
        }
    }
}

/// Loads an offer in `tx` (a read transaction for reading, a write transaction for a change)
/// and asks the policy about it; a missing or denied offer is audited (`access_denied`) and
/// answered as not found.
async fn authorized(
    mut tx: lotse_store::Tx,
    clock: &dyn Clock,
    principal: &Principal,
    action: Action,
    id: OfferId,
) -> Result<(lotse_store::Tx, StoredOffer, Visibility), EditError> {
    let now = clock.now();
    let scope = principal.scope();
    let stored = match lotse_store::offer::get_offer(&mut tx, scope, id).await {
        Ok(s) => Some(s),
        Err(StoreError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let decision = stored
        .as_ref()
        .map_or(Decision::Deny(lotse_domain::policy::DenyReason::NoRelationship), |s| {
            principal.decide(action, Subject::Offer(scope.programme(), s.offer.provider))
        });
    if let (Some(stored), Decision::Allow(visibility)) = (stored, decision) {
        return Ok((tx, stored, visibility));
    }
    match deny(tx, principal, now, ObjectKind::Offer, id.as_uuid()).await {
        AccessError::Store(e) => Err(EditError::Store(e)),
        _ => Err(EditError::NotFound),
    }
}

/// An offer to edit, for its provider or a coordinator.
pub async fn offer_for_edit(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    id: OfferId,
) -> Result<EditableOffer, EditError> {
    let store = handle::store(db);
    let (tx, stored, _) = authorized(store.begin_read().await?, clock, principal, Action::ManageOffer, id).await?;
    tx.commit().await?;
    let may_curate = principal
        .decide(
            Action::CurateDirectory,
            Subject::Offer(principal.scope().programme(), stored.offer.provider),
        )
        .is_allowed();
    Ok(EditableOffer {
        offer: stored.offer,
        version: stored.version,
        merged_into: stored.merged_into,
        may_curate,
    })
}

/// Changes an offer's details as its provider or a coordinator: every field is checked before
/// anything is written; the change, its `offer.updated` event and the audit entry share one
/// transaction. Returns the new version.
pub async fn edit(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    id: OfferId,
    expected_version: i64,
    edit: &OfferEdit,
) -> Result<i64, EditError> {
    let store = handle::store(db);
    let (mut tx, stored, _) = authorized(store.begin().await?, clock, principal, Action::ManageOffer, id).await?;
    if expected_version < 1 {
        return Err(EditError::BadVersion);
    }
    let event = OfferEvent::Updated;
    event.apply(stored.offer.status)?;
    let before = stored.offer.address.as_ref().map(|a| a.postcode.clone());
    let mut offer = stored.offer;
    edit.apply_to(&mut offer).map_err(EditError::Invalid)?;
    let after = offer.address.as_ref().map(|a| a.postcode.clone());
    if after != before
        && let Some(code) = after.filter(|c| !c.is_empty())
    {
        place_at_postcode(&mut tx, principal.scope(), &mut offer, &code).await?;
    }
    offer.updated_at = clock.now();
    let access = access(clock, AuditPurpose::Administration);
    let version =
        lotse_store::offer::change(&mut tx, principal.scope(), access, &offer, expected_version, &event).await?;
    tx.commit().await?;
    Ok(version)
}

/// Moves an offer whose postcode changed to that postcode's centroid and area (its former area
/// if the postcode lies in it, else the postcode's area in its first set). A postcode the programme's table
/// does not hold is a field error, unless the programme has no postcode table at all (then the
/// point and area stay as they are: nothing to compute them from).
async fn place_at_postcode(
    tx: &mut lotse_store::Tx,
    scope: &lotse_domain::actor::ProgrammeScope,
    offer: &mut Offer,
    code: &str,
) -> Result<(), EditError> {
    let unknown = || {
        EditError::Invalid(vec![FieldError {
            field: "postcode".to_owned(),
            problem: FieldProblem::UnknownPostcode,
        }])
    };
    let found = match PostcodeCode::parse(code) {
        Ok(code) => lotse_store::postcode::find_postcode(tx, scope, &code).await?,
        Err(_) => None,
    };
    match found {
        Some(p) => {
            offer.location = Some(p.centroid);
            let areas: Vec<_> = p.areas.iter().map(|(_, area)| *area).collect();
            if !offer.area.is_some_and(|a| areas.contains(&a)) {
                offer.area = areas.first().copied();
            }
            Ok(())
        }
        None if lotse_store::postcode::list_postcodes(tx, scope).await?.is_empty() => Ok(()),
        None => Err(unknown()),
    }
}

/// A coordinator's change of an offer's standing: verify (last verified today, in UTC), pause,
/// resume, end, or merge into another offer of the programme that is not ended. Returns the
/// new version.
pub async fn curate(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    id: OfferId,
    expected_version: i64,
    curation: Curation,
) -> Result<i64, EditError> {
    let store = handle::store(db);
    let (mut tx, stored, _) = authorized(store.begin().await?, clock, principal, Action::CurateDirectory, id).await?;
    if expected_version < 1 {
        return Err(EditError::BadVersion);
    }
    let event = curation.event();
    let mut offer = stored.offer;
    offer.status = event.apply(offer.status)?;
    let now = clock.now();
    if let Curation::MergeInto(into) = curation {
        let survivor = match lotse_store::offer::get_offer(&mut tx, principal.scope(), into).await {
            Ok(s) => s,
            Err(StoreError::NotFound { .. }) => return Err(EditError::NotFound),
            Err(e) => return Err(e.into()),
        };
        if into == id || survivor.offer.status == OfferStatus::Ended {
            return Err(TransitionError {
                stream: OfferEvent::STREAM,
                from: survivor.offer.status.code().to_owned(),
                event: "offer.merged_into",
            }
            .into());
        }
    }
    if curation == Curation::Verify {
        offer.last_verified = Some(now.date());
    }
    offer.updated_at = now;
    let access = access(clock, AuditPurpose::Administration);
    let version =
        lotse_store::offer::change(&mut tx, principal.scope(), access, &offer, expected_version, &event).await?;
    tx.commit().await?;
    Ok(version)
}

/// One offer due for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewItem {
    /// The offer.
    pub id: OfferId,
    /// Its title.
    pub title: String,
    /// Its provider's name.
    pub provider_name: String,
    /// Active or paused.
    pub status: OfferStatus,
    /// When last verified (`None`: never).
    pub last_verified: Option<Date>,
    /// Its version (for the verify button).
    pub version: i64,
}

/// The review list of a programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewList {
    /// After how many days an offer is due (`programme.offer_review_days`).
    pub review_days: u32,
    /// The offers due, never verified first, then the oldest verification first.
    pub items: Vec<ReviewItem>,
}

/// The offers not verified for more than the programme's review days (never verified ones
/// too), ended offers left out: for coordinators. The same flag the search shows
/// (`Offer::needs_review` on the index's day).
pub async fn review_list(
    db: &impl Handle,
    directories: &Directories,
    clock: &dyn Clock,
    principal: &Principal,
) -> Result<ReviewList, EditError> {
    let scope = principal.scope();
    if !principal
        .decide(Action::CurateDirectory, Subject::Programme(scope.programme()))
        .is_allowed()
    {
        return Err(EditError::NotFound);
    }
    let index = directories.index(db, scope, clock.now()).await?;
    let mut items: Vec<ReviewItem> = index
        .listings()
        .filter(|l| l.needs_review && l.offer.status != OfferStatus::Ended)
        .map(|l| ReviewItem {
            id: l.offer.id,
            title: l.offer.title.clone(),
            provider_name: l.provider_name.clone(),
            status: l.offer.status,
            last_verified: l.offer.last_verified,
            version: l.version,
        })
        .collect();
    items.sort_by(|a, b| (a.last_verified, &a.title, a.id).cmp(&(b.last_verified, &b.title, b.id)));
    Ok(ReviewList {
        review_days: index.review_days(),
        items,
    })
}

/// Two offers that look like one: proposed to a coordinator, who merges one into the other.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicatePair {
    /// The first offer (by id).
    pub first: DuplicateSide,
    /// The second offer.
    pub second: DuplicateSide,
    /// How similar their titles are (0–1, see [`title_similarity`]).
    pub similarity: f64,
    /// They have the same provider.
    pub same_provider: bool,
    /// They have the same postcode.
    pub same_place: bool,
}

/// One side of a proposed pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateSide {
    /// The offer.
    pub id: OfferId,
    /// Its title.
    pub title: String,
    /// Its provider's name.
    pub provider_name: String,
    /// Its postcode, if any.
    pub postcode: Option<String>,
    /// Its version (for the merge form).
    pub version: i64,
}

/// Titles at least this similar (Jaccard of trigrams) are proposed as duplicates.
pub const DUPLICATE_THRESHOLD: f64 = 0.6;
/// The most pairs proposed at once (the most similar first).
pub const MAX_PAIRS: usize = 200;
/// Groups (one provider, one postcode) larger than this are compared only within their first
/// this many offers, so one huge provider cannot make the page slow.
const MAX_GROUP: usize = 500;

/// The character trigrams of a title after folding (lower case, no diacritics, the spelling
/// pairs ae/oe/ue/aa/ss collapsed, as the search folds words), each word padded with a space
/// on both sides, so "Erzählcafé" and "Erzaehlcafe" have the same trigrams.
fn trigrams(title: &str) -> BTreeSet<[char; 3]> {
    let mut out = BTreeSet::new();
    for word in title.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let folded: Vec<char> = std::iter::once(' ')
            .chain(lotse_search::fold(word).chars())
            .chain(std::iter::once(' '))
            .collect();
        for w in folded.windows(3) {
            if let [a, b, c] = *w {
                out.insert([a, b, c]);
            }
        }
    }
    out
}

fn jaccard(a: &BTreeSet<[char; 3]>, b: &BTreeSet<[char; 3]>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    #[expect(clippy::cast_precision_loss, reason = "counts of trigrams of one title are small")]
    let ratio = a.intersection(b).count() as f64 / union as f64;
    ratio
}

/// How similar two titles are: the Jaccard index (shared ÷ all) of their sets of character
/// trigrams after folding ([`trigrams`]). 1 for the same title in other spellings, 0 for
/// nothing shared.
pub fn title_similarity(a: &str, b: &str) -> f64 {
    jaccard(&trigrams(a), &trigrams(b))
}

/// A candidate for the finder: what it compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The offer's side as shown.
    pub side: DuplicateSide,
    /// Its provider.
    pub provider: OrganisationId,
}

/// The place two offers share to be compared: the postcode, without spaces, in lower case.
fn place_key(c: &Candidate) -> Option<String> {
    let postcode: String = c
        .side
        .postcode
        .as_deref()?
        .chars()
        .filter(|ch| !ch.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    (!postcode.is_empty()).then_some(postcode)
}

/// Proposes pairs among the candidates (the caller leaves ended offers out): the same
/// provider, or the same postcode, with titles at least [`DUPLICATE_THRESHOLD`] similar. The
/// most similar first, then by ids; at most [`MAX_PAIRS`].
pub fn find_duplicates(candidates: &[Candidate]) -> Vec<DuplicatePair> {
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, c) in candidates.iter().enumerate() {
        groups.entry(format!("provider:{}", c.provider)).or_default().push(i);
        if let Some(key) = place_key(c) {
            groups.entry(format!("place:{key}")).or_default().push(i);
        }
    }
    let grams: Vec<BTreeSet<[char; 3]>> = candidates.iter().map(|c| trigrams(&c.side.title)).collect();
    let mut pairs: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for members in groups.values() {
        let members = members.get(..MAX_GROUP.min(members.len())).unwrap_or_default();
        for (n, &i) in members.iter().enumerate() {
            for &j in members.iter().skip(n + 1) {
                let key = if i < j { (i, j) } else { (j, i) };
                if pairs.contains_key(&key) {
                    continue;
                }
                if let (Some(a), Some(b)) = (grams.get(i), grams.get(j)) {
                    let s = jaccard(a, b);
                    if s >= DUPLICATE_THRESHOLD {
                        pairs.insert(key, s);
                    }
                }
            }
        }
    }
    let mut out: Vec<DuplicatePair> = pairs
        .into_iter()
        .filter_map(|((i, j), similarity)| {
            let (a, b) = (candidates.get(i)?, candidates.get(j)?);
            let (a, b) = if a.side.id <= b.side.id { (a, b) } else { (b, a) };
            Some(DuplicatePair {
                same_provider: a.provider == b.provider,
                same_place: place_key(a).is_some() && place_key(a) == place_key(b),
                first: a.side.clone(),
                second: b.side.clone(),
                similarity,
            })
        })
        .collect();
    out.sort_by(|x, y| {
        y.similarity
            .total_cmp(&x.similarity)
            .then_with(|| (x.first.id, x.second.id).cmp(&(y.first.id, y.second.id)))
    });
    out.truncate(MAX_PAIRS);
    out
}

/// The proposed duplicates of the programme's directory, for coordinators.
pub async fn duplicates(
    db: &impl Handle,
    directories: &Directories,
    clock: &dyn Clock,
    principal: &Principal,
) -> Result<Vec<DuplicatePair>, EditError> {
    let scope = principal.scope();
    if !principal
        .decide(Action::CurateDirectory, Subject::Programme(scope.programme()))
        .is_allowed()
    {
        return Err(EditError::NotFound);
    }
    let index = directories.index(db, scope, clock.now()).await?;
    let candidates: Vec<Candidate> = index
        .listings()
        .filter(|l| l.offer.status != OfferStatus::Ended)
        .map(|l| Candidate {
            side: DuplicateSide {
                id: l.offer.id,
                title: l.offer.title.clone(),
                provider_name: l.provider_name.clone(),
                postcode: l.offer.address.as_ref().map(|a| a.postcode.clone()),
                version: l.version,
            },
            provider: l.offer.provider,
        })
        .collect();
    Ok(find_duplicates(&candidates))
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn candidate(n: u128, provider: u128, title: &str, postcode: &str) -> Candidate {
        Candidate {
            side: DuplicateSide {
                id: OfferId::from_uuid(Uuid::from_u128(n)),
                title: title.to_owned(),
                provider_name: String::new(),
                postcode: (!postcode.is_empty()).then(|| postcode.to_owned()),
                version: 1,
            },
            provider: OrganisationId::from_uuid(Uuid::from_u128(provider)),
        }
    }

    #[test]
    fn the_finder_proposes_the_pairs_of_the_table() {
        // (id, provider, title, postcode) of each offer, and the pairs expected, written by
        // hand: (a, b, proposed?).
        let offers = [
            (1, 1, "Erzählcafé für Senioren", "40210"),
            (2, 1, "Erzaehlcafe fuer Senioren", ""), // same provider, other spelling
            (3, 2, "Erzählcafé für Senioren", "40 210"), // other provider, same postcode
            (4, 3, "Erzählcafé für Senioren", "8500"), // other provider and postcode
            (5, 1, "Schachclub", ""),                // same provider, other title
            (6, 4, "Spaziergruppe am Rhein", "40213"),
            (7, 5, "Spaziergruppe am Rhein", "40213"), // same postcode
            (8, 4, "Spaziergruppe im Park", ""),       // same provider, partly similar
            (9, 6, "Strickcafé", "8585"),
            (10, 6, "Strickcafe!", ""), // accents and punctuation only
        ];
        let expected: [(u128, u128, bool); 9] = [
            (1, 2, true),
            (1, 3, true),
            (1, 4, false),
            (2, 3, false), // neither the same provider nor the same place
            (1, 5, false),
            (6, 7, true),
            (6, 8, false),
            (9, 10, true),
            (3, 4, false),
        ];
        let candidates: Vec<Candidate> = offers.iter().map(|&(n, p, t, c)| candidate(n, p, t, c)).collect();
        let found = find_duplicates(&candidates);
        let ids: BTreeSet<(u128, u128)> = found
            .iter()
            .map(|p| (p.first.id.as_uuid().as_u128(), p.second.id.as_uuid().as_u128()))
            .collect();
        for (a, b, proposed) in expected {
            assert_eq!(ids.contains(&(a, b)), proposed, "{a} and {b}: {found:#?}");
        }
        assert_eq!(ids.len(), 4, "no pair beyond the table: {ids:?}");
        let pair = found
            .iter()
            .find(|p| p.first.id.as_uuid().as_u128() == 1 && p.second.id.as_uuid().as_u128() == 3);
        assert!(pair.is_some_and(|p| p.same_place && !p.same_provider));
    }

    #[test]
    fn similarity_is_jaccard_of_folded_trigrams() {
        assert!((title_similarity("Erzählcafé", "ERZAEHLCAFE") - 1.0).abs() < 1e-9);
        assert!(title_similarity("Chor", "Schach").abs() < 1e-9);
        assert!(title_similarity("", "") < 1e-9);
        let s = title_similarity("Spaziergruppe am Rhein", "Spaziergruppe im Park");
        assert!(s > 0.2 && s < DUPLICATE_THRESHOLD, "{s}");
    }
}
