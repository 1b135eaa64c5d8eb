//! Lotse's use cases: authorize, load, decide, write state + event + audit in one transaction.
//! Also the demo data generator (product code: `lotse demo`), which tests reuse.

/// What the use cases about people share: the access error, audited denials and refusals, a
/// person's relationship facts.
pub mod access;
/// Who acts in a write that names a person as its author.
mod acting;
/// The action plan agreed with the person: versioned, printed in their language.
pub mod action_plan;
/// Installation administration: programmes, users, audit verification.
pub mod admin;
/// API clients: defining, listing, revoking, and the bearer check.
pub mod api_client;
/// `lotse import areas`: area sets, areas and postcodes from a programme's CSV files.
pub mod area_import;
/// Sign-in, sessions and sign-out, with throttling (per account and per client address).
pub mod auth;
/// Capabilities: issuing, revoking, verifying and using single-use links.
pub mod capability;
/// A person's record as each relationship may see it; consent withdrawal.
pub mod case_record;
/// The clock: the one place that reads the time.
pub mod clock;
/// The link worker's conversation notes on a case.
pub mod conversation;
/// Data-subject rights (export, erasure), audit views, the retention job.
pub mod data_subject;
/// Deterministic demo data for Düsseldorf and Norddjurs.
pub mod demo;
/// The directory's use cases: member, public and case-based search over a kept index.
pub mod directory;
/// E-mail to providers through the programme's SMTP relay: the outbox's delivery job.
pub mod email;
/// A storage failure as the layers above the app see it (its kind, not the store's type).
pub mod error;
/// The follow-up job: unanswered onward referrals lapse (`lotse jobs run`, and inside `serve`).
pub mod follow_up;
/// The app's handle ([`App`]) that the web layer holds, and what use cases run against.
pub mod handle;
/// The directory as Open Referral HSDS 3.0: the public read API's use cases and the mapping.
pub mod hsds;
/// Every user's inbox of what is new for them, derived from the events.
pub mod inbox;
/// Intake at the link facility: people who come without a prescription.
pub mod intake;
/// Named system jobs: the one place that makes a system job's scope.
mod jobs;
/// The member's "something new is waiting" e-mail: the address on the account page.
pub mod notification;
/// Keeping the directory current: editing, verifying, pausing, ending and merging offers; the
/// review list and the duplicate finder.
pub mod offer_edit;
/// The directory search: a per-programme index of offers, matching and explanations.
pub mod offer_search;
/// Onward referrals sent to providers with the person's sharing consent; the providers'
/// answers through their signed links or recorded by the link worker.
pub mod onward;
/// The signed-in user's programme overview.
pub mod overview;
/// Password hashing (argon2id).
pub mod password;
/// Password reset through a coordinator's one-time code.
pub mod password_reset;
/// The prescriber's minute: register, consent, prescribe; the practice's board.
pub mod prescribe;
/// Who a use case acts for: a signed-in member, an API client or a capability's holder.
pub mod principal;
/// A coordinator's settings of the programme's link work (calendar, deadlines, attempts).
pub mod programme_settings;
/// Questionnaires on a case: what is offered, answers with the person, self-completion links.
pub mod questionnaires;
/// The link worker's first steps on a referral: accept, redirect, contact attempts, unreachable.
pub mod re_referral;
pub mod referral_work;
/// The pseudonymised research export (people with research consent only).
pub mod research_export;
/// The person's search profile: interests, distance, accessibility, cost, free times.
pub mod search_profile;
/// The TOTP second factor: pending sign-ins, set-up and verification.
pub mod second_factor;
/// The person's shortlist of offers: proposed, accepted or declined.
pub mod shortlist;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{FailureKind, StoreFailure};
pub use handle::{App, Handle};
