//! Lotse's storage: one sqlx code path for SQLite (the embedded default) and PostgreSQL.
//!
//! **Architecture invariants:**
//! - every function that touches tenant data takes `scope: &ProgrammeScope` first and filters
//!   by its programme; only installation-wide tables are reached without one: `programme`,
//!   `user_account`, `session`, `login_attempt`, `user_second_factor`, `pending_sign_in`,
//!   `password_reset_code`, `second_factor_attempt`, `account_notice` and `store_upkeep` (tasks
//!   migrations leave for Rust, run by `migrate::run`); two lookups reach
//!   a tenant row by what a caller presents and return its programme: `api_client::find_live`
//!   (by the token's SHA-256) and `capability::find` (by the id a link names);
//! - a state change, its event and its audit entries are written in one transaction ([`Tx`]);
//! - mutable aggregates carry a `version`; a stale update is [`StoreError::Conflict`];
//! - queries are written once and compiled for both engines by [`on_conn!`]; where SQL must
//!   differ, both arms stand side by side in the same function.

/// A case's action plan, versioned and sealed.
pub mod action_plan;
/// API clients: bearer tokens (stored as SHA-256) of a programme's machine callers.
pub mod api_client;
/// Group commit of the audit entries of read transactions.
mod appender;
/// Audit entries and the chain head, per programme.
pub mod audit;
/// Online backup and checked restore (SQLite).
pub mod backup;
/// The practice's board: its prescriptions with the state of their referrals.
pub mod board;
/// Multi-row inserts for both engines, used by every insert of one or many rows. Not public:
/// it writes any table it is given.
mod bulk;
/// Capabilities: single-use links (the secret stored as SHA-256), used in one statement.
pub mod capability;
/// WAL checkpoints beside the writer (SQLite).
mod checkpointer;
/// The second factor, pending sign-ins and password-reset codes (installation-wide).
pub mod credential;
/// Encryption of identity fields at rest (XChaCha20-Poly1305, rotating keys).
pub mod crypto;
/// Connecting, the engine enum and transactions.
pub mod db;
/// Programme-scoped directory of areas, organisations and offers.
pub mod directory;
/// The e-mail outbox: e-mails to providers until the e-mail job delivers them.
pub mod email_outbox;
/// The storage error type.
pub mod error;
/// The append-only event log.
pub mod event;
/// A programme's link facilities as their coordinator keeps them (name, area, target groups,
/// contact), at a version.
pub mod facility;
/// Files readable only by their owner.
mod files;
/// The follow-up job's reads (onward referrals waiting for an answer) and its lock.
pub mod follow_up;
/// The streams a user's inbox reads events from, and when the user last opened it.
pub mod inbox;
/// Self-completion invitations: one questionnaire of one case, answered once by link.
pub mod invitation;
/// Failed sign-in counters for throttling (installation-wide).
pub mod login_attempt;
/// Embedded, paired migrations.
pub mod migrate;
/// Each referral's next action kept on its row, refreshed by the writes that change it.
pub mod next_action;
/// A case's conversation notes, sealed, every read audited.
pub mod note;
/// Members' addresses for the "something new is waiting" e-mail.
pub mod notification;
/// Offers with their need domains, target groups, languages, accessibility, sessions and texts.
pub mod offer;
/// How each offer's provider answered its onward referrals, kept per offer.
pub mod offer_answers;
/// People: patient profile and identity, consents, cases, prescriptions, questionnaires.
pub mod person;
/// Postcodes: centroid and area per area set, per programme.
pub mod postcode;
/// Programmes (installation-wide).
pub mod programme;
/// One person's record: reads for views and exports, erasure.
pub mod record;
/// Referrals and onward referrals with their lifecycles.
pub mod referral;
/// The relationship facts (which organisations are linked to a person now), written once for
/// the policy and the worklists.
pub mod relation;
/// What a research export may read: consenting people only, no identity.
pub mod research;
/// A case's search profile (interests, distance, accessibility, cost, free times), sealed.
pub mod search_profile;
/// Login sessions (installation-wide).
pub mod session;
/// User accounts and memberships (installation-wide accounts, programme-scoped memberships).
pub mod user;
/// Licensed instruments' wordings a programme imported.
pub mod wording;
/// Worklists by relationship: link facility, practice, provider.
pub mod worklist;

pub use db::{DatabaseUrl, Db, Engine, Tx};
pub use error::StoreError;

/// Runs the same body against whichever engine a [`Tx`] or [`Db`] holds.
///
/// `on_conn!(tx, c => query.execute(c).await.map(|r| r.rows_affected()))`: inside the body `c` is `&mut SqliteConnection`
/// or `&mut PgConnection`, so one query text is compiled against both drivers.
///
/// Exported, but usable outside this crate only with the `test-support` feature (the
/// connection it opens is `pub(crate)` otherwise): crates above the store cannot run raw SQL.
#[macro_export]
macro_rules! on_conn {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite($c) => {
                let $c = $c.conn();
                $body
            }
            $crate::db::Tx::Postgres($c) => {
                let $c = $c.conn();
                $body
            }
        }
    };
}

/// Runs the same body against a pool (`&SqlitePool` or `&PgPool`). Like [`on_conn!`], usable
/// outside this crate only with the `test-support` feature.
#[macro_export]
macro_rules! on_pool {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($p) => {
                let $p = $p.pool();
                $body
            }
            $crate::db::Db::Postgres($p) => {
                let $p = $p.pool();
                $body
            }
        }
    };
}
