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
/// (BENCHMARKS.md).
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
