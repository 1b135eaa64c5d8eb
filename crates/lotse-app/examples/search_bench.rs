//! The in-process directory search benchmark (BENCHMARKS.md, "Directory search"): builds the
//! index of both demo programmes from a database, reports build time and memory, then runs a
//! fixed list of 100 realistic link-worker queries (60 German, 40 Danish: words, a 5 km radius
//! from a postcode, two facet filters, top 20 with facet counts) and reports p50, p99 and max
//! per query over all rounds. Run it through `scripts/bench-search.sh`; never in CI.
//!
//! Usage: `search_bench DATABASE_URL [ROUNDS]`.

use std::time::Instant;

use lotse_store::{DatabaseUrl, Db};

/// The server's allocator (`lotse-cli`), so that memory is measured as it serves.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "shared/bench_queries.rs"]
mod bench_queries;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a short list"
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: search_bench DATABASE_URL [ROUNDS]")?;
    let rounds: usize = args.next().map_or(Ok(20), |r| r.parse())?;
    let db = Db::connect(&DatabaseUrl::parse(&url)?, lotse_store::db::PoolSettings::default()).await?;
    let today = lotse_app::Clock::now(&lotse_app::SystemClock).date();
    let mut times = Vec::new();
    let mut totals = Vec::new();
    for (slug, list) in bench_queries::programmes() {
        let before = rss_kib();
        let start = Instant::now();
        let index = lotse_app::directory::index_for(&db, slug, today).await?;
        let build = start.elapsed();
        let after = rss_kib();
        let (load, make) = index.build_times();
        println!(
            "{slug}: {} offers indexed in {:.3} s (reading the store {:.3} s, documents and index {:.3} s); resident memory {} KiB → {} KiB (+{} KiB)",
            index.len(),
            build.as_secs_f64(),
            load.as_secs_f64(),
            make.as_secs_f64(),
            before,
            after,
            after.saturating_sub(before)
        );
        for r in &list {
            let answer = index.search(r)?;
            totals.push(answer.total);
        }
        for _ in 0..rounds {
            for r in &list {
                let start = Instant::now();
                let answer = index.search(r)?;
                times.push(start.elapsed().as_secs_f64() * 1000.0);
                std::hint::black_box(answer);
            }
        }
    }
    times.sort_by(f64::total_cmp);
    totals.sort_unstable();
    println!(
        "{} searches ({} queries × {rounds} rounds): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; matches per query: median {}, max {}",
        times.len(),
        totals.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or(f64::NAN),
        totals.get(totals.len() / 2).copied().unwrap_or(0),
        totals.last().copied().unwrap_or(0),
    );
    db.close().await;
    Ok(())
}
