//! What the home page shows a signed-in user about their programme: counts only, no people.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use lotse_domain::actor::{ProgrammeScope, SystemJob};
use lotse_domain::programme::Programme;
use lotse_store::directory::DirectoryCounts;

use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::jobs::JobToken;

/// A programme at a glance.
#[derive(Debug, Clone)]
pub struct ProgrammeOverview {
    /// The programme.
    pub programme: Programme,
    /// Directory counts.
    pub directory: DirectoryCounts,
    /// Referrals per state code.
    pub referrals_by_state: Vec<(String, i64)>,
}

/// Loads the overview for the scope's programme.
pub async fn programme_overview(db: &impl Handle, scope: &ProgrammeScope) -> Result<ProgrammeOverview, StoreFailure> {
    let db = handle::store(db);
    let programme = lotse_store::programme::get(db, scope.programme()).await?;
    let mut tx = db.begin_read().await?;
    let directory = lotse_store::directory::counts(&mut tx, scope).await?;
    let referrals_by_state = lotse_store::referral::count_by_state(&mut tx, scope).await?;
    tx.commit().await?;
    Ok(ProgrammeOverview {
        programme,
        directory,
        referrals_by_state,
    })
}

/// Public facts about every programme with a public directory (for the start page).
pub async fn public_programmes(db: &impl Handle) -> Result<Vec<(Programme, DirectoryCounts)>, StoreFailure> {
    let db = handle::store(db);
    let job = JobToken::start_job(SystemJob::PublicDirectory);
    let mut out = Vec::new();
    for programme in lotse_store::programme::list(db).await? {
        if !programme.public_directory {
            continue;
        }
        // Published offers are public data; the system scope only counts them.
        let scope = job.scope(programme.id);
        let mut tx = db.begin_read().await?;
        let counts = lotse_store::directory::counts(&mut tx, &scope).await?;
        tx.commit().await?;
        out.push((programme, counts));
    }
    Ok(out)
}

/// How long cached public counts are used at most: changes made by another process (the CLI,
/// a second server on the same PostgreSQL) show within this time.
pub const PUBLIC_COUNTS_TTL: Duration = Duration::from_secs(5);

/// [`public_programmes`], cached for the start page: rebuilt when a commit in this process
/// changed programmes, areas or offers ([`lotse_store::db::public_generation`]), and at the
/// latest after [`PUBLIC_COUNTS_TTL`].
#[derive(Debug, Clone, Default)]
pub struct PublicCounts {
    cached: Arc<RwLock<Option<CachedCounts>>>,
}

#[derive(Debug)]
struct CachedCounts {
    generation: u64,
    built: Instant,
    value: Arc<Vec<(Programme, DirectoryCounts)>>,
}

impl PublicCounts {
    /// The counts, from the cache while it is current.
    pub async fn get(&self, db: &impl Handle) -> Result<Arc<Vec<(Programme, DirectoryCounts)>>, StoreFailure> {
        // Read before loading: a change committed while loading leaves the cache stale, and
        // the next call rebuilds it.
        let generation = lotse_store::db::public_generation();
        {
            let cached = self.cached.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(c) = cached.as_ref()
                && c.generation == generation
                && c.built.elapsed() < PUBLIC_COUNTS_TTL
            {
                return Ok(Arc::clone(&c.value));
            }
        }
        let value = Arc::new(public_programmes(db).await?);
        *self.cached.write().unwrap_or_else(PoisonError::into_inner) = Some(CachedCounts {
            generation,
            built: Instant::now(),
            value: Arc::clone(&value),
        });
        Ok(value)
    }
}
