//! The HTTP suite, through the router (`oneshot`, no socket), on both engines.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failed step must stop the test with its message"
)]

mod access_matrix;
mod account;
mod api;
mod api_link_work;
mod app;
mod attacks;
mod auth;
mod browser;
mod capability;
mod case_work;
mod coordinator;
mod curation;
mod directory;
mod hardening;
mod hsds;
mod onward;
mod pages;
mod prescriptions;
mod referral_work;
mod settings;
mod worklist;
