//! What the home page shows a signed-in user about their programme: counts only, no people.

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
