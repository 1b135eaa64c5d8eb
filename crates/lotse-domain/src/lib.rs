//! Lotse's domain core: the types, lifecycles, events and rules of social prescribing.
//!
//! **Architecture invariant:** this crate does no I/O. No database, HTTP, file system,
//! environment or clock: time is always an argument (`now`), ids are made by the caller.
//! `cargo xtask ci` fails if it ever depends on sqlx, axum or tokio.

/// The action plan agreed with the person: goals, milestones, obstacles, review date.
pub mod action_plan;
/// Actors (users and named system jobs) and the programme scope every query needs.
pub mod actor;
/// API clients: a programme's machine callers, their scopes and the scope each needs.
pub mod api_client;
/// Areas and area sets: city → Stadtbezirk → Stadtteil, kommune → by.
pub mod area;
/// The tamper-evident audit log: entries, their hash chain and its verification.
pub mod audit;
/// Working days in a programme's time zone and holiday calendar.
pub mod calendar;
/// Capabilities: single-use signed links for one purpose and one object (no account).
pub mod capability;
/// A case: the link worker's file for one person in one programme.
pub mod case;
pub mod checkpoint;
/// Enums with a stable text code (`coded_enum!`).
pub mod code;
/// Consent by purpose, with text version, language, who gave and who recorded it.
pub mod consent;
/// E-mail to providers without an account: kinds, words, retries.
pub mod email;
/// The append-only event envelope shared by all lifecycles.
pub mod event;
/// Which link facility a prescription is suggested to go to: by target group, then distance.
pub mod facility_choice;
/// What is wrong with one field of a form or an API body.
pub mod field;
/// Typed ids (`ReferralId(Uuid)` …).
pub mod id;
/// What is new for a user: which events each role is told about.
pub mod inbox;
/// The message back to the practice when a case closes, and its score changes.
pub mod message_back;
/// The taxonomy of need domains.
pub mod need;
/// What a link worker must do next on a case, and by when: the worklist's order.
pub mod next_action;
/// Offers (Angebote / tilbud) in the directory.
pub mod offer;
/// Keeping offers current: the checked edit, the offer's events and status transitions.
pub mod offer_edit;
/// The onward referral lifecycle: from a case to one offer.
pub mod onward_referral;
/// Organisations and their kinds.
pub mod organisation;
/// Patients: identity kept apart from derived attributes used in reports.
pub mod patient;
/// The one authorization policy: role × relationship × programme.
pub mod policy;
/// The prescriber's form checked: the person, the consents, the prescription; blind-index text.
pub mod prescribing;
/// Prescriptions and their human-readable codes with a check character.
pub mod prescription;
/// Programmes (tenants) and their settings.
pub mod programme;
/// A programme's link-work settings as its coordinator changes them, checked field by field.
pub mod programme_settings;
/// Questionnaire responses (WHO-5, UCLA-3) as recorded answers.
pub mod questionnaire;
/// The referral lifecycle: issued → accepted → contacted → plan agreed → connected → closed.
pub mod referral;
/// A person's search profile: interests, travel distance, accessibility, cost, free times.
pub mod search_profile;
/// Scopes for tests: only with the `test-support` feature, which only `lotse-testkit` (a
/// dev-dependency) enables; the `lotse` binary is built without it.
#[cfg(feature = "test-support")]
pub mod test_support;
/// Users, roles and memberships.
pub mod user;
