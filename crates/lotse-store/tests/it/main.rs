//! The storage suite: written once, run on SQLite and PostgreSQL (`<test>::sqlite`,
//! `<test>::postgres`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failed step must stop the test with its message"
)]

mod audit;
mod audit_at_load;
mod backup;
mod blind_index;
mod capability;
mod credential;
mod fixtures;
mod login_attempt;
mod migrations;
mod offer;
mod page_cache;
mod planner;
mod questionnaire;
mod read_only;
mod referral;
mod relation;
mod scoping;
mod stale_writes;
mod wal;
