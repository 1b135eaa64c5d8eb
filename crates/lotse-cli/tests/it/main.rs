//! Process-level tests of the real `lotse` binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failed step must stop the test with its message"
)]

mod api_client;
mod audit;
mod bad_input;
mod connections;
mod crash;
mod files;
mod import;
mod instances;
mod keys;
mod migrate;
mod restore;
mod server;
