//! `cargo xtask ci`: the checks CI runs, in order, each timed.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context, bail};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cmd.current_dir(root());
    cmd
}

fn run(name: &str, mut cmd: Command) -> anyhow::Result<()> {
    let status = cmd.status().with_context(|| format!("{name}: cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("{name} failed ({status})");
    }
    Ok(())
}

fn step(name: &str, f: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<()> {
    println!("==> {name}");
    let started = Instant::now();
    let result = f();
    println!(
        "<== {name}: {:.1}s{}",
        started.elapsed().as_secs_f64(),
        if result.is_ok() { "" } else { " (FAILED)" }
    );
    result
}

/// `lotse-domain` must not reach I/O crates; `lotse-store` must not reach HTTP.
fn layering() -> anyhow::Result<()> {
    let forbidden = [
        ("lotse-domain", "sqlx"),
        ("lotse-domain", "axum"),
        ("lotse-domain", "tokio"),
        ("lotse-store", "axum"),
    ];
    for (package, dependency) in forbidden {
        let output = cargo()
            .args(["tree", "--locked", "-p", package, "-e", "normal", "-i", dependency])
            .output()
            .with_context(|| format!("cannot run cargo tree for {package}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let absent = stdout.trim().is_empty()
            || stderr.contains("did not match any packages")
            || stderr.contains("nothing to print");
        if !absent {
            bail!("{package} depends on {dependency}:\n{stdout}");
        }
        println!("    {package} does not depend on {dependency}");
    }
    Ok(())
}

/// Migration files are paired by name and numbered `NNNN_name.sql`.
#[expect(
    clippy::case_sensitive_file_extension_comparisons,
    reason = "the name must end in exactly `.sql`"
)]
fn migrations() -> anyhow::Result<()> {
    let names = |engine: &str| -> anyhow::Result<Vec<String>> {
        let dir = root().join("crates/lotse-store/migrations").join(engine);
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            let (number, rest) = name.split_at(name.len().min(5));
            let ok = number.len() == 5
                && number.get(..4).is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
                && number.ends_with('_')
                && rest.ends_with(".sql")
                && rest.len() > 4;
            if !ok {
                bail!("{engine}/{name} is not named NNNN_name.sql");
            }
            names.push(name);
        }
        names.sort();
        Ok(names)
    };
    let (sqlite, postgres) = (names("sqlite")?, names("postgres")?);
    if sqlite != postgres {
        bail!("migrations are not paired:\n  sqlite:   {sqlite:?}\n  postgres: {postgres:?}");
    }
    println!("    {} paired migrations", sqlite.len());
    Ok(())
}

fn tests() -> anyhow::Result<()> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    match std::env::var("LOTSE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => println!("    PostgreSQL variants run against LOTSE_TEST_POSTGRES_URL"),
        _ if ci => bail!("CI=true but LOTSE_TEST_POSTGRES_URL is unset: the PostgreSQL suite must run in CI"),
        _ => println!("    warning: LOTSE_TEST_POSTGRES_URL is unset: PostgreSQL variants will print 'skipped'"),
    }
    let mut cmd = cargo();
    cmd.args(["test", "--workspace", "--locked"]);
    run("tests", cmd)
}

fn ci(skip_tests: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    step("fmt", || {
        let mut cmd = cargo();
        cmd.args(["fmt", "--all", "--", "--check"]);
        run("fmt", cmd)
    })?;
    step("clippy", || {
        let mut cmd = cargo();
        cmd.args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]);
        run("clippy", cmd)
    })?;
    step("layering", layering)?;
    step("migrations", migrations)?;
    if skip_tests {
        println!("    tests skipped (--skip-tests)");
    } else {
        step("tests", tests)?;
    }
    println!("xtask ci: all steps passed in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["ci"] => ci(false),
        ["ci", "--skip-tests"] => ci(true),
        [] | ["help" | "--help" | "-h"] => {
            println!(
                "usage: cargo xtask ci [--skip-tests]\n\n  ci   fmt, clippy -D warnings, layering check, migration pairing, tests on both engines"
            );
            Ok(())
        }
        other => Err(anyhow::anyhow!("unknown arguments {other:?}; try `cargo xtask help`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}
