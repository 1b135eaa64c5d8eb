//! The directory's use cases: a member's search, the public search of programmes with a public
//! directory, and the search from a case that starts from the person's profile. Each programme's
//! index is built once and kept ([`Directories`]); an edit in this process shows at the next
//! search, an edit by another process within [`REFRESH_AFTER`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use lotse_domain::actor::{ProgrammeScope, SystemJob};
use lotse_domain::audit::AuditPurpose;
use lotse_domain::id::{CaseId, OfferId, ProgrammeId};
use lotse_domain::need::NeedDomain;
use lotse_domain::policy::Action;
use lotse_domain::programme::{Programme, ProgrammeSlug};
use time::{Date, OffsetDateTime};

use crate::access::{AccessError, access};
use crate::case_record::open_case;
use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::jobs::JobToken;
use crate::offer_search::{DirectoryIndex, Listing, Origin, Preferences, SearchAnswer, SearchError, SearchRequest};
use crate::principal::Principal;

/// How long an index is used before the store is asked whether another process changed offers.
pub const REFRESH_AFTER: Duration = Duration::from_secs(1);

struct Cached {
    generation: u64,
    checked: Instant,
    stamp: i64,
    day: Date,
    index: Arc<DirectoryIndex>,
}

/// The programmes with a public directory, as last read.
struct PublicList {
    generation: u64,
    checked: Instant,
    programmes: Vec<Programme>,
}

/// The programmes' indexes, shared by every request of a process.
#[derive(Clone, Default)]
pub struct Directories {
    cached: Arc<RwLock<HashMap<ProgrammeId, Cached>>>,
    building: Arc<tokio::sync::Mutex<()>>,
    public: Arc<RwLock<Option<PublicList>>>,
    public_refreshing: Arc<AtomicBool>,
}

impl std::fmt::Debug for Directories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directories").finish_non_exhaustive()
    }
}

impl Directories {
    /// The index of the scope's programme: kept while nothing changed, else built anew.
    pub(crate) async fn index(
        &self,
        db: &impl Handle,
        scope: &ProgrammeScope,
        now: OffsetDateTime,
    ) -> Result<Arc<DirectoryIndex>, StoreFailure> {
        let db = handle::store(db);
        let programme = scope.programme();
        let generation = lotse_store::db::public_generation();
        let day = now.date();
        let fresh = |c: &Cached| c.generation == generation && c.day == day;
        let kept = self
            .read()
            .get(&programme)
            .filter(|c| fresh(c))
            .map(|c| (Arc::clone(&c.index), c.checked.elapsed() < REFRESH_AFTER));
        if let Some((index, true)) = &kept {
            return Ok(Arc::clone(index));
        }
        // Due for the cross-instance check: one request checks, the others meanwhile answer from
        // the kept index (it is at most one check older); with nothing kept, they wait.
        let _one_at_a_time = match (self.building.try_lock(), &kept) {
            (Ok(guard), _) => guard,
            (Err(_), Some((index, _))) => return Ok(Arc::clone(index)),
            (Err(_), None) => self.building.lock().await,
        };
        if let Some(c) = self.read().get(&programme)
            && fresh(c)
            && c.checked.elapsed() < REFRESH_AFTER
        {
            return Ok(Arc::clone(&c.index));
        }
        let stamp = {
            let mut tx = db.begin_read().await?;
            let stamp = lotse_store::offer::directory_stamp(&mut tx, scope).await?;
            tx.commit().await?;
            stamp
        };
        if let Some(c) = self.write().get_mut(&programme)
            && fresh(c)
            && c.stamp == stamp
        {
            c.checked = Instant::now();
            return Ok(Arc::clone(&c.index));
        }
        let index = Arc::new(DirectoryIndex::build(db, scope, day).await?);
        self.write().insert(
            programme,
            Cached {
                generation,
                checked: Instant::now(),
                stamp,
                day,
                index: Arc::clone(&index),
            },
        );
        Ok(index)
    }

    /// Every programme with a public directory and its index (the list of programmes is read
    /// again after [`REFRESH_AFTER`], like the indexes).
    pub(crate) async fn public_indexes(
        &self,
        db: &impl Handle,
        now: OffsetDateTime,
    ) -> Result<Vec<(Programme, Arc<DirectoryIndex>)>, StoreFailure> {
        let generation = lotse_store::db::public_generation();
        let (known, due) = {
            let list = self.public.read().unwrap_or_else(PoisonError::into_inner);
            let kept = list.as_ref().filter(|p| p.generation == generation);
            (
                kept.map(|p| p.programmes.clone()),
                kept.is_none_or(|p| p.checked.elapsed() >= REFRESH_AFTER),
            )
        };
        // One request reads the list again when it is due; the others use the kept one.
        let refresh = due
            && (known.is_none()
                || self
                    .public_refreshing
                    .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok());
        let programmes = if let (Some(p), false) = (known, refresh) {
            p
        } else {
            let listed = lotse_store::programme::list(handle::store(db)).await;
            if listed.is_err() {
                self.public_refreshing.store(false, Ordering::Release);
            }
            let programmes: Vec<Programme> = listed?.into_iter().filter(|p| p.public_directory).collect();
            *self.public.write().unwrap_or_else(PoisonError::into_inner) = Some(PublicList {
                generation,
                checked: Instant::now(),
                programmes: programmes.clone(),
            });
            self.public_refreshing.store(false, Ordering::Release);
            programmes
        };
        let job = JobToken::start_job(SystemJob::PublicDirectory);
        let mut out = Vec::with_capacity(programmes.len());
        for programme in programmes {
            let scope = job.scope(programme.id);
            let index = self.index(db, &scope, now).await?;
            out.push((programme, index));
        }
        Ok(out)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<ProgrammeId, Cached>> {
        self.cached.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<ProgrammeId, Cached>> {
        self.cached.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Why a directory request failed.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The search cannot be answered as asked.
    #[error(transparent)]
    Search(#[from] SearchError),
    /// No such programme with a public directory, no such offer, or not allowed.
    #[error("not found")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreFailure),
}

impl From<lotse_store::StoreError> for DirectoryError {
    fn from(e: lotse_store::StoreError) -> Self {
        Self::Store(e.into())
    }
}

impl From<AccessError> for DirectoryError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Store(s) => Self::Store(s),
            AccessError::NotFound | AccessError::Invalid(_) | AccessError::Conflict(_) => Self::NotFound,
        }
    }
}

/// A member's search of their programme's directory (offers hold no personal data).
pub async fn search(
    db: &impl Handle,
    directories: &Directories,
    clock: &dyn Clock,
    principal: &Principal,
    request: &SearchRequest,
) -> Result<SearchAnswer, DirectoryError> {
    if !principal.may(Action::ViewProgramme) {
        return Err(DirectoryError::NotFound);
    }
    let index = directories.index(db, principal.scope(), clock.now()).await?;
    Ok(index.search(request)?)
}

/// One offer of a member's programme.
pub async fn offer(
    db: &impl Handle,
    directories: &Directories,
    clock: &dyn Clock,
    principal: &Principal,
    id: OfferId,
) -> Result<Listing, DirectoryError> {
    if !principal.may(Action::ViewProgramme) {
        return Err(DirectoryError::NotFound);
    }
    let index = directories.index(db, principal.scope(), clock.now()).await?;
    index.listing_of(id).cloned().ok_or(DirectoryError::NotFound)
}

async fn public_scope(db: &impl Handle, slug: &str) -> Result<(Programme, ProgrammeScope), DirectoryError> {
    let slug = ProgrammeSlug::parse(slug).map_err(|_| DirectoryError::NotFound)?;
    let programme = lotse_store::programme::find_by_slug(handle::store(db), &slug)
        .await?
        .filter(|p| p.public_directory)
        .ok_or(DirectoryError::NotFound)?;
    let scope = JobToken::start_job(SystemJob::PublicDirectory).scope(programme.id);
    Ok((programme, scope))
}

/// The public search of a programme with `public_directory`: listed offers only.
pub async fn public_search(
    db: &impl Handle,
    directories: &Directories,
    clock: &dyn Clock,
    slug: &str,
    request: &SearchRequest,
) -> Result<(Programme, SearchAnswer), DirectoryError> {
    let (programme, scope) = public_scope(db, slug).await?;
    let index = directories.index(db, &scope, clock.now()).await?;
    let request = SearchRequest {
        include_unlisted: false,
        only_due_for_review: false,
        ..request.clone()
    };
    Ok((programme, index.search(&request)?))
}

/// One listed offer of a programme with `public_directory`.
pub async fn public_offer(
    db: &impl Handle,
    directories: &Directories,
    clock: &dyn Clock,
    slug: &str,
    id: OfferId,
) -> Result<(Programme, Listing), DirectoryError> {
    let (programme, scope) = public_scope(db, slug).await?;
    let index = directories.index(db, &scope, clock.now()).await?;
    let listing = index
        .listing_of(id)
        .filter(|l| l.offer.published && l.offer.status == lotse_domain::offer::OfferStatus::Active)
        .cloned()
        .ok_or(DirectoryError::NotFound)?;
    Ok((programme, listing))
}

/// What a person's profile says for a search: where home is, their age at least, their needs
/// and their language.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseProfile {
    /// The person's home (postcode centroid, else their area's centroid), if known.
    pub home: Option<lotse_domain::area::GeoPoint>,
    /// The home postcode, to show.
    pub home_postcode: Option<String>,
    /// The youngest age of their age band (a hard constraint: offers must admit it).
    pub min_age: Option<u8>,
    /// Soft preferences: the needs of their prescriptions, their language.
    pub preferences: Preferences,
    /// What they look for beyond that (empty before the link worker saves one): distance,
    /// accessibility and cost limit the case's search, interests and free times rank.
    pub search: lotse_domain::search_profile::SearchProfile,
}

fn min_age(band: &str) -> Option<u8> {
    band.split(['-', '+']).next().and_then(|a| a.parse().ok())
}

/// The profile of a case's person for the search, as the reader may see the case (the reads
/// are audited with purpose care).
pub async fn case_profile(
    db: &impl Handle,
    directories: &Directories,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
) -> Result<CaseProfile, DirectoryError> {
    let store = handle::store(db);
    let now = clock.now();
    let (mut tx, patient, _, visibility) =
        open_case(store.begin_read().await?, principal, Action::ViewCase, case, now).await?;
    if visibility != lotse_domain::policy::Visibility::Case {
        return Err(DirectoryError::NotFound);
    }
    let scope = principal.scope();
    let access = access(clock, AuditPurpose::Care);
    let profile = lotse_store::record::profile(&mut tx, scope, access, patient).await?;
    let prescriptions = lotse_store::record::prescriptions(&mut tx, scope, access, patient).await?;
    let search = lotse_store::search_profile::get(&mut tx, scope, access, case)
        .await?
        .map(|(search, _)| search)
        .unwrap_or_default();
    tx.commit().await?;
    let mut needs: Vec<NeedDomain> = prescriptions
        .iter()
        .flat_map(|p| p.need_domains.split(',').filter_map(NeedDomain::from_code))
        .collect();
    needs.sort_unstable();
    needs.dedup();
    let index = directories.index(db, scope, now).await?;
    let home = match &profile.home_postcode {
        Some(code) => index.postcode_point(code).ok(),
        None => None,
    }
    .or_else(|| {
        let area = profile.home_area?;
        index
            .areas()
            .iter()
            .find(|a| a.id.as_uuid() == area)
            .map(|a| a.centroid)
    });
    Ok(CaseProfile {
        home,
        home_postcode: profile.home_postcode,
        min_age: min_age(&profile.age_band),
        preferences: Preferences {
            needs,
            languages: vec![profile.language],
            ..Preferences::default()
        },
        search,
    })
}

/// A search from a case: the request as given, measured from the person's home and boosted by
/// their profile, with their age as a hard constraint. With `use_profile`, their search
/// profile fills what the request leaves open: the radius (their travel distance, where there
/// is a point to measure from), the accessibility needed, the cost limit; and their interests
/// and free times rank matching offers higher.
pub async fn search_for_case(
    db: &impl Handle,
    directories: &Directories,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    request: &SearchRequest,
    use_profile: bool,
) -> Result<(CaseProfile, SearchAnswer), DirectoryError> {
    let profile = case_profile(db, directories, clock, principal, case).await?;
    let answer = search_with_profile(db, directories, clock, principal, &profile, request, use_profile).await?;
    Ok((profile, answer))
}

/// The search of [`search_for_case`] with a profile the caller has already read through
/// [`case_profile`] (its page shows the profile too), so the case is read, and audited, once.
pub async fn search_with_profile(
    db: &impl Handle,
    directories: &Directories,
    clock: &dyn Clock,
    principal: &Principal,
    profile: &CaseProfile,
    request: &SearchRequest,
    use_profile: bool,
) -> Result<SearchAnswer, DirectoryError> {
    let index = directories.index(db, principal.scope(), clock.now()).await?;
    let request = with_profile(request, profile, use_profile);
    Ok(index.search(&request)?)
}

/// The request of a case's search: see [`search_for_case`].
fn with_profile(request: &SearchRequest, profile: &CaseProfile, use_profile: bool) -> SearchRequest {
    let origin = request.origin.clone().or(profile.home.map(Origin::Home));
    let empty = lotse_domain::search_profile::SearchProfile::default();
    let search = if use_profile { &profile.search } else { &empty };
    SearchRequest {
        radius_m: request.radius_m.or_else(|| {
            origin
                .as_ref()
                .and(search.max_distance_km)
                .map(|km| u32::from(km) * 1000)
        }),
        accessibility: if request.accessibility.is_empty() {
            search.accessibility.clone()
        } else {
            request.accessibility.clone()
        },
        max_cost: request.max_cost.or(search.max_cost),
        age: request.age.or(profile.min_age),
        preferences: Preferences {
            categories: search.interests.clone(),
            slots: search.free_times.clone(),
            ..profile.preferences.clone()
        },
        origin,
        ..request.clone()
    }
}

/// Builds the index of a programme by slug, outside any request: for the operator's benchmarks
/// (`scripts/bench-search.sh`, `scripts/bench-compare.sh`) and checks. Runs as
/// `system:public-directory`; the index holds the programme's offers only (no personal data).
pub async fn index_for(db: &impl Handle, slug: &str, today: Date) -> Result<DirectoryIndex, DirectoryError> {
    let slug = ProgrammeSlug::parse(slug).map_err(|_| DirectoryError::NotFound)?;
    let programme = lotse_store::programme::find_by_slug(handle::store(db), &slug)
        .await?
        .ok_or(DirectoryError::NotFound)?;
    let scope = JobToken::start_job(SystemJob::PublicDirectory).scope(programme.id);
    Ok(DirectoryIndex::build(handle::store(db), &scope, today).await?)
}

#[cfg(test)]
mod tests {
    use lotse_domain::offer::{AccessibilityFeature, CostKind, DayPart, OfferCategory};
    use lotse_domain::search_profile::SearchProfile;
    use time::Weekday;

    use super::{CaseProfile, Origin, Preferences, SearchRequest, with_profile};

    fn person(home: bool) -> CaseProfile {
        CaseProfile {
            home: home.then(|| lotse_domain::area::GeoPoint::parse(51.22, 6.78).unwrap()),
            home_postcode: None,
            min_age: Some(65),
            preferences: Preferences {
                languages: vec!["tr".into()],
                ..Preferences::default()
            },
            search: SearchProfile {
                interests: vec![OfferCategory::Sport],
                max_distance_km: Some(5),
                accessibility: vec![AccessibilityFeature::StepFree],
                max_cost: Some(CostKind::Free),
                free_times: vec![(Weekday::Tuesday, DayPart::Morning)],
            },
        }
    }

    #[test]
    fn the_search_profile_fills_what_the_request_leaves_open() {
        // (request, home known, profile used) → (radius m, accessibility, max cost, interests
        // boosted): a table written by hand.
        let own = SearchRequest {
            radius_m: Some(1_500),
            accessibility: vec![AccessibilityFeature::HearingLoop],
            max_cost: Some(CostKind::Paid),
            ..SearchRequest::default()
        };
        let cases = [
            (
                SearchRequest::default(),
                true,
                true,
                Some(5_000),
                vec![AccessibilityFeature::StepFree],
                Some(CostKind::Free),
                true,
            ),
            (
                SearchRequest::default(),
                false,
                true,
                None,
                vec![AccessibilityFeature::StepFree],
                Some(CostKind::Free),
                true,
            ),
            (SearchRequest::default(), true, false, None, vec![], None, false),
            (
                own.clone(),
                true,
                true,
                Some(1_500),
                vec![AccessibilityFeature::HearingLoop],
                Some(CostKind::Paid),
                true,
            ),
            (
                own,
                true,
                false,
                Some(1_500),
                vec![AccessibilityFeature::HearingLoop],
                Some(CostKind::Paid),
                false,
            ),
        ];
        for (i, (request, home, used, radius, access, cost, boosted)) in cases.into_iter().enumerate() {
            let got = with_profile(&request, &person(home), used);
            assert_eq!(got.radius_m, radius, "case {i}");
            assert_eq!(got.accessibility, access, "case {i}");
            assert_eq!(got.max_cost, cost, "case {i}");
            assert_eq!(!got.preferences.categories.is_empty(), boosted, "case {i}");
            assert_eq!(!got.preferences.slots.is_empty(), boosted, "case {i}");
            assert_eq!(
                got.preferences.languages,
                ["tr"],
                "case {i}: the person's language always"
            );
            assert_eq!(got.age, Some(65), "case {i}: the age band always");
            assert_eq!(matches!(got.origin, Some(Origin::Home(_))), home, "case {i}");
        }
    }

    #[test]
    fn an_age_band_gives_its_youngest_age() {
        for (band, age) in [
            ("0-17", Some(0)),
            ("18-29", Some(18)),
            ("65-79", Some(65)),
            ("80+", Some(80)),
            ("", None),
        ] {
            assert_eq!(super::min_age(band), age, "{band}");
        }
    }
}
