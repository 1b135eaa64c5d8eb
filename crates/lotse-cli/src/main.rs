//! `lotse`: one binary for serving, seeding, migrating, backing up and administering.

mod cli;
mod config;
mod export;
mod import;
mod progress;
mod run;
mod server;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the C library's allocator: a page allocates and frees many small
/// strings and rows, and glibc's malloc spent about a tenth of a worklist request's time
/// (BENCHMARKS.md). With the crate's `override` feature (the workspace's Cargo.toml) it also
/// answers the C library's `malloc` and `free`, which the bundled SQLite calls: under glibc a
/// writer's page cache was returned to the kernel and faulted in again statement after
/// statement (at scale 400 the first follow-up job after seeding took 113 s, 87 of them in the
/// kernel; 26 s with the override), and the worklist and the board served 7-12 % more
/// requests on one core (BENCHMARKS.md, 2026-12-07).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
