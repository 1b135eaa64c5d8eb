//! Use-case tests on both engines.

mod admin;
mod demo;
