//! Deterministic demo data: a Düsseldorf programme (10 Stadtbezirke, 50 Stadtteile, practices,
//! Zentren plus, youth centres, Stadtteiltreffs, clubs and offers in German) and a Norddjurs
//! programme (its towns, 24 GPs in their practices with social navigators, offers in Danish),
//! with referrals in every lifecycle state, plausible timings and questionnaire answers.
//!
//! The same `seed` and `as_of` date give the same data. `scale` multiplies offers, providers
//! and referrals (250 offers and 2,500 referrals per unit; `--scale 400` is benchmark size:
//! 100,000 offers and 1,000,000 referrals). Data goes through the same store functions as
//! everything else (same tables, events and audit chain), in batches.

mod history;
mod offer_details;
pub mod places;
mod plan;

use lotse_domain::user::Role;
use lotse_store::{Db, StoreError};
use time::Date;

use crate::clock::Clock;

pub use plan::seed;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "lotse-demo-2026";

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// Multiplies offers, providers and referrals (1 = 250 offers, 2,500 referrals).
    pub scale: u32,
    /// The random seed.
    pub seed: u64,
    /// The day the data is generated "as of": referrals lie in the year before it.
    pub as_of: Date,
}

impl DemoOptions {
    /// Scale 1, seed 1, as of today by the given clock.
    pub fn today(clock: &dyn Clock) -> Self {
        Self {
            scale: 1,
            seed: 1,
            as_of: clock.now().date(),
        }
    }
}

/// A demo account, as listed by `serve --demo` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoAccount {
    /// Programme slug.
    pub programme: &'static str,
    /// Login name.
    pub username: &'static str,
    /// Role.
    pub role: Role,
}

/// The named demo accounts: every role in both programmes.
pub const DEMO_ACCOUNTS: [DemoAccount; 12] = [
    DemoAccount {
        programme: "duesseldorf",
        username: "arzt.duesseldorf",
        role: Role::Prescriber,
    },
    DemoAccount {
        programme: "duesseldorf",
        username: "lotsin.duesseldorf",
        role: Role::LinkWorker,
    },
    DemoAccount {
        programme: "duesseldorf",
        username: "anbieter.duesseldorf",
        role: Role::OfferProvider,
    },
    DemoAccount {
        programme: "duesseldorf",
        username: "koordination.duesseldorf",
        role: Role::Coordinator,
    },
    DemoAccount {
        programme: "duesseldorf",
        username: "evaluation.duesseldorf",
        role: Role::Evaluator,
    },
    DemoAccount {
        programme: "duesseldorf",
        username: "kostentraeger.duesseldorf",
        role: Role::OutcomePayer,
    },
    DemoAccount {
        programme: "norddjurs",
        username: "laege.norddjurs",
        role: Role::Prescriber,
    },
    DemoAccount {
        programme: "norddjurs",
        username: "navigator.norddjurs",
        role: Role::LinkWorker,
    },
    DemoAccount {
        programme: "norddjurs",
        username: "tilbud.norddjurs",
        role: Role::OfferProvider,
    },
    DemoAccount {
        programme: "norddjurs",
        username: "koordinator.norddjurs",
        role: Role::Coordinator,
    },
    DemoAccount {
        programme: "norddjurs",
        username: "forsker.norddjurs",
        role: Role::Evaluator,
    },
    DemoAccount {
        programme: "norddjurs",
        username: "betaler.norddjurs",
        role: Role::OutcomePayer,
    },
];

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The demo programmes exist already.
    #[error("the demo programmes exist already in this database; use a new database to seed again")]
    AlreadySeeded,
    /// A scale out of range.
    #[error("--scale must be between 1 and 1000, got {0}")]
    BadScale(u32),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing the demo password failed.
    #[error("{0}")]
    Password(String),
}

/// What was seeded, per programme.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// (programme slug, areas, organisations, offers, referrals, users).
    pub programmes: Vec<SeededProgramme>,
}

/// Counts for one seeded programme.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeededProgramme {
    /// Programme slug.
    pub slug: String,
    /// Areas.
    pub areas: usize,
    /// Organisations.
    pub organisations: usize,
    /// Offers.
    pub offers: usize,
    /// Referrals.
    pub referrals: usize,
    /// Events written.
    pub events: usize,
    /// User accounts.
    pub users: usize,
}

/// Whether the database holds no programme yet (`serve --demo` seeds only then).
pub async fn database_is_empty(db: &Db) -> Result<bool, StoreError> {
    Ok(lotse_store::programme::list(db).await?.is_empty())
}
