//! The storage suite: written once, run on SQLite and PostgreSQL (`<test>::sqlite`,
//! `<test>::postgres`).

mod audit;
mod backup;
mod fixtures;
mod migrations;
mod referral;
mod scoping;
