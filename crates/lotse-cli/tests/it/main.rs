//! Process-level tests of the real `lotse` binary.

mod bad_input;
mod crash;
mod server;
