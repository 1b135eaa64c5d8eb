//! Use-case tests on both engines.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failed step must stop the test with its message"
)]

mod admin;
mod area_import;
mod capability;
mod case_work;
mod closure;
mod data_protection;
mod demo;
mod email;
mod follow_up;
mod hsds_interchange;
mod inbox;
mod next_action;
mod offer_edit;
mod offer_search;
mod onward;
mod prescribing;
mod re_referral;
mod referral_work;
mod relationships;
