//! `cargo xtask ci`: the checks CI runs, in order, each timed. Green here means green in CI.
//!
//! Steps: fmt, clippy (`-D warnings`), the layering check, the check of where access-granting
//! constructors are called (`grants.rs`), the migration pairing check, the whole test suite (SQLite and, via `LOTSE_TEST_POSTGRES_URL`, PostgreSQL), the sqlmap
//! scan (`scripts/sqlmap.sh`) and the API fuzzing (`scripts/schemathesis.sh`). Only std + anyhow.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Where the constructors that grant access may be called.
mod grants;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci [--skip-tests]   run what CI runs, in order, stopping at the first failure:
                        fmt         cargo fmt --all -- --check
                        clippy      cargo clippy --workspace --all-targets --locked -- -D warnings
                        layering    lotse-domain must not depend on sqlx, axum or tokio;
                                    lotse-store must not depend on axum (cargo tree -e normal -i);
                                    lotse-web must not depend directly on lotse-store or sqlx
                                    (cargo tree -e normal --depth 1); the lotse binary is built
                                    without any test-support feature (cargo tree -e normal,features)
                        grants      access-granting constructors (ProgrammeScope::for_system,
                                    User/Membership/ApiClient::from_storage, the app's JobToken)
                                    appear only in the files and job entry points listed in
                                    xtask/src/grants.rs
                        migrations  migrations/sqlite and migrations/postgres hold the same
                                    NNNN_name.sql files
                        tests       cargo test --workspace --locked (left out by --skip-tests)
                        sqlmap      scripts/sqlmap.sh against a served demo (left out by
                                    --skip-tests; needs python3; under CI=true never skipped)
                        schemathesis  scripts/schemathesis.sh: /api/v1 against its OpenAPI
                                    document, one API client per role (left out by
                                    --skip-tests; needs python3; under CI=true never skipped)
  sqlmap              only the sqlmap scan (builds lotse, installs sqlmap into .venv-tools/)
  schemathesis        only the API fuzzing (builds lotse, installs schemathesis into
                      .venv-tools/)
  help                print this text

environment:
  LOTSE_TEST_POSTGRES_URL   PostgreSQL for the postgres test variants, e.g.
                            postgres://postgres@127.0.0.1:5432/postgres
                            (unset: the variants are skipped; with CI=true, `ci` fails instead)
  CI=true                   strict mode: PostgreSQL required, insta fails on changed snapshots
  CARGO                     the cargo to run (set by `cargo xtask`; default `cargo`)";

const POSTGRES_URL_VAR: &str = "LOTSE_TEST_POSTGRES_URL";

/// Dependencies a crate must never reach through normal (non-dev, non-build) edges.
const FORBIDDEN_DEPENDENCIES: [(&str, &str); 4] = [
    ("lotse-domain", "sqlx"),
    ("lotse-domain", "axum"),
    ("lotse-domain", "tokio"),
    ("lotse-store", "axum"),
];

/// Direct (normal) dependencies a crate must not have: it may still reach them through a crate
/// it depends on (lotse-web reaches lotse-store through lotse-app), but cannot name them.
const FORBIDDEN_DIRECT_DEPENDENCIES: [(&str, &str); 2] = [("lotse-web", "lotse-store"), ("lotse-web", "sqlx")];

/// The package whose normal build must not enable a `test-support` feature: the `lotse` binary.
const BINARY_PACKAGE: &str = "lotse-cli";

const MIGRATIONS_DIR: &str = "crates/lotse-store/migrations";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut args = args.iter().map(String::as_str);
    match args.next() {
        None | Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("ci") => {
            let mut skip_tests = false;
            for arg in args {
                match arg {
                    "--skip-tests" => skip_tests = true,
                    "--help" | "-h" => {
                        println!("{USAGE}");
                        return ExitCode::SUCCESS;
                    }
                    other => return usage_error(&format!("unknown option `{other}` for `ci`")),
                }
            }
            match ci(skip_tests) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("xtask ci: FAILED: {error:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Some("sqlmap") => match sqlmap() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("xtask sqlmap: FAILED: {error:#}");
                ExitCode::FAILURE
            }
        },
        Some("schemathesis") => match schemathesis() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("xtask schemathesis: FAILED: {error:#}");
                ExitCode::FAILURE
            }
        },
        Some(other) => usage_error(&format!("unknown command `{other}`")),
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("xtask: {message}\n\n{USAGE}");
    ExitCode::from(2)
}

/// The workspace root: the parent of the xtask crate.
/// The workspace: the parent of xtask's manifest directory as `cargo run` names it when it
/// starts this binary, else as it was when the binary was built. The run-time value comes
/// first because cargo reuses a build of the same sources made in another checkout sharing the
/// target directory (a CI clone), whose path the compile-time value would still name.
fn root() -> PathBuf {
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn cargo_program() -> String {
    std::env::var("CARGO")
        .ok()
        .filter(|cargo| !cargo.is_empty())
        .unwrap_or_else(|| "cargo".to_owned())
}

/// `cargo <args>` in the workspace root, echoed first so logs show what ran.
fn cargo(args: &[&str]) -> Command {
    println!("    $ cargo {}", args.join(" "));
    let mut cmd = Command::new(cargo_program());
    cmd.args(args).current_dir(root());
    cmd
}

fn run_cargo(args: &[&str]) -> anyhow::Result<()> {
    let status = cargo(args)
        .status()
        .with_context(|| format!("cannot start `{}`", cargo_program()))?;
    if !status.success() {
        bail!("`cargo {}` exited with {status}", args.join(" "));
    }
    Ok(())
}

fn in_ci() -> bool {
    // The same rule as `lotse_testkit::in_ci`.
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Steps run in order, each announced and timed; the first failure stops the run.
#[derive(Default)]
struct Steps {
    done: Vec<(&'static str, Duration)>,
}

impl Steps {
    fn run(&mut self, name: &'static str, step: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<()> {
        println!("==> {name}");
        let started = Instant::now();
        let result = step();
        let elapsed = started.elapsed();
        match result {
            Ok(()) => {
                println!("<== {name}: {:.1}s", elapsed.as_secs_f64());
                self.done.push((name, elapsed));
                Ok(())
            }
            Err(error) => {
                println!("<== {name}: {:.1}s (FAILED)", elapsed.as_secs_f64());
                Err(error.context(format!("step `{name}` failed after {:.1}s", elapsed.as_secs_f64())))
            }
        }
    }

    fn summary(&self) -> String {
        self.done
            .iter()
            .map(|(name, elapsed)| format!("{name} {:.1}s", elapsed.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn ci(skip_tests: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    println!(
        "xtask ci: workspace {}, cargo `{}`, CI={}",
        root().display(),
        cargo_program(),
        in_ci()
    );
    // Decide about PostgreSQL before spending minutes on clippy: CI without it fails at once.
    let postgres = if skip_tests { None } else { Some(postgres_configured()?) };

    let mut steps = Steps::default();
    steps.run("fmt", || run_cargo(&["fmt", "--all", "--", "--check"]))?;
    steps.run("clippy", || {
        run_cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ])
    })?;
    steps.run("layering", layering)?;
    steps.run("grants", || grants::check(&root()))?;
    steps.run("migrations", migrations)?;
    match postgres {
        Some(postgres) => {
            steps.run("tests", || tests(postgres))?;
            steps.run("sqlmap", sqlmap)?;
            steps.run("schemathesis", schemathesis)?;
        }
        None => println!("--- tests, sqlmap and schemathesis skipped (--skip-tests)"),
    }
    println!(
        "xtask ci: all {} steps passed in {:.1}s ({})",
        steps.done.len(),
        started.elapsed().as_secs_f64(),
        steps.summary()
    );
    Ok(())
}

/// `scripts/sqlmap.sh` with the debug `lotse` the tests built (built here if missing). Outside
/// CI a machine without python3 skips with a message; under CI=true that is a failure.
fn sqlmap() -> anyhow::Result<()> {
    run_python_tool(
        "sqlmap",
        &[&["scripts/sqlmap.sh", "--self-test"], &["scripts/sqlmap.sh"]],
    )
}

/// `scripts/schemathesis.sh` with the debug `lotse` (built here if missing), as [`sqlmap`].
fn schemathesis() -> anyhow::Result<()> {
    run_python_tool("schemathesis", &[&["scripts/schemathesis.sh"]])
}

/// Runs the scripts of a step that needs python3 (each `bash <args>`, with `LOTSE_BIN` set to
/// the debug `lotse`, built here if missing), stopping at the first failure.
fn run_python_tool(step: &str, scripts: &[&[&str]]) -> anyhow::Result<()> {
    let python = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !python {
        if in_ci() {
            bail!("step `{step}` cannot run: CI=true but python3 is missing (.ci/run installs it)");
        }
        println!("--- {step} skipped: python3 not found (install python3 and python3-venv to run it)");
        return Ok(());
    }
    run_cargo(&["build", "--locked", "-p", "lotse-cli"])?;
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    let binary = target.join("debug").join("lotse");
    for args in scripts {
        println!("    $ bash {}", args.join(" "));
        let status = Command::new("bash")
            .args(*args)
            .current_dir(root())
            .env("LOTSE_BIN", &binary)
            .status()
            .context("cannot start bash")?;
        if !status.success() {
            bail!("`bash {}` exited with {status}", args.join(" "));
        }
    }
    Ok(())
}

/// Whether the PostgreSQL test variants will run; an error if CI would silently skip them.
fn postgres_configured() -> anyhow::Result<bool> {
    if std::env::var_os(POSTGRES_URL_VAR).is_some_and(|url| !url.is_empty()) {
        println!("xtask ci: {POSTGRES_URL_VAR} is set: the PostgreSQL test variants will run");
        return Ok(true);
    }
    if in_ci() {
        bail!(
            "step `tests` cannot run: CI=true but {POSTGRES_URL_VAR} is unset or empty; CI must run the \
             PostgreSQL suite (e.g. {POSTGRES_URL_VAR}=postgres://postgres@127.0.0.1:5432/postgres)"
        );
    }
    println!(
        "xtask ci: warning: {POSTGRES_URL_VAR} is unset: the PostgreSQL test variants will be skipped \
         (each prints `skipped: no PostgreSQL`)"
    );
    Ok(false)
}

/// `cargo tree -p <crate> -e normal -i <dep>` must show nothing: a printed tree is a violation.
fn layering() -> anyhow::Result<()> {
    let mut violations = Vec::new();
    for (package, dependency) in FORBIDDEN_DEPENDENCIES {
        let output = cargo(&["tree", "--locked", "-p", package, "-e", "normal", "-i", dependency])
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("cannot start `{}`", cargo_program()))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        match Reach::of(output.status.success(), &stdout, &stderr, dependency) {
            Reach::Absent => println!("    ok: {package} does not depend on {dependency}"),
            Reach::Present => {
                println!("    VIOLATION: {package} depends on {dependency}:\n{stdout}");
                violations.push(format!("{package} -> {dependency}"));
            }
            Reach::Unknown => bail!(
                "`cargo tree -p {package} -i {dependency}` failed ({}) without saying that {dependency} \
                 is absent:\n{stderr}",
                output.status
            ),
        }
    }
    for (package, dependency) in FORBIDDEN_DIRECT_DEPENDENCIES {
        let stdout = cargo_tree(&["-p", package, "-e", "normal", "--depth", "1", "--prefix", "none"])?;
        if direct_dependencies(&stdout).contains(&dependency) {
            println!("    VIOLATION: {package} depends directly on {dependency}");
            violations.push(format!("{package} -> {dependency} (direct)"));
        } else {
            println!("    ok: {package} does not depend directly on {dependency}");
        }
    }
    let stdout = cargo_tree(&["-p", BINARY_PACKAGE, "-e", "normal,features", "--prefix", "none"])?;
    let test_support = test_support_features(&stdout);
    if test_support.is_empty() {
        println!("    ok: {BINARY_PACKAGE} is built without a test-support feature");
    } else {
        println!(
            "    VIOLATION: {BINARY_PACKAGE} is built with {}",
            test_support.join(", ")
        );
        violations.push(format!("{BINARY_PACKAGE} with {}", test_support.join(", ")));
    }
    if !violations.is_empty() {
        bail!("forbidden dependencies: {}", violations.join(", "));
    }
    Ok(())
}

/// `cargo tree --locked <args>`'s standard output; a failure is an error.
fn cargo_tree(args: &[&str]) -> anyhow::Result<String> {
    let mut all = vec!["tree", "--locked"];
    all.extend_from_slice(args);
    let output = cargo(&all)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot start `{}`", cargo_program()))?;
    if !output.status.success() {
        bail!(
            "`cargo {}` failed ({}):\n{}",
            all.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The package names in `cargo tree --depth 1 --prefix none` output, without the root (the
/// first line).
fn direct_dependencies(tree: &str) -> Vec<&str> {
    tree.lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().next())
        .collect()
}

/// The `<package> feature "test-support"` lines of `cargo tree -e features --prefix none`.
fn test_support_features(tree: &str) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter(|line| line.contains("feature \"test-support\""))
        .map(|line| line.trim().to_owned())
        .collect();
    found.sort();
    found.dedup();
    found
}

/// What `cargo tree -p <crate> -e normal -i <dep>` says about `<dep>`.
#[derive(Debug, PartialEq, Eq)]
enum Reach {
    /// Not in the crate's graph (cargo: "did not match any packages", non-zero exit), or in it
    /// only through dev or build edges (cargo: "nothing to print", exit zero, empty stdout).
    Absent,
    /// cargo printed an inverted tree: the crate reaches the dependency.
    Present,
    /// cargo failed for another reason (stale lock file, no network, ...): not a pass.
    Unknown,
}

impl Reach {
    fn of(success: bool, stdout: &str, stderr: &str, dependency: &str) -> Self {
        if success {
            if stdout.trim().is_empty() {
                Self::Absent
            } else {
                Self::Present
            }
        } else if stderr.contains(&format!("`{dependency}` did not match any packages")) {
            Self::Absent
        } else {
            Self::Unknown
        }
    }
}

/// `NNNN_name.sql`: four digits, an underscore, a name of ASCII letters, digits and underscores.
fn is_migration_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".sql") else {
        return false;
    };
    let Some((number, label)) = stem.split_once('_') else {
        return false;
    };
    number.len() == 4
        && number.bytes().all(|b| b.is_ascii_digit())
        && !label.is_empty()
        && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn migration_names(engine: &str) -> anyhow::Result<BTreeSet<String>> {
    let dir = root().join(MIGRATIONS_DIR).join(engine);
    let mut names = BTreeSet::new();
    let mut bad = Vec::new();
    let mut numbers = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let name = entry
            .with_context(|| format!("cannot read {}", dir.display()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !is_migration_name(&name) {
            bad.push(name);
            continue;
        }
        // sqlx orders by the number and refuses two migrations with the same one.
        let number = name.split_once('_').map_or("", |(number, _)| number).to_owned();
        if !numbers.insert(number) {
            bad.push(format!("{name} (number used twice)"));
        }
        names.insert(name);
    }
    if !bad.is_empty() {
        bail!("{MIGRATIONS_DIR}/{engine}: not named NNNN_name.sql: {}", bad.join(", "));
    }
    if names.is_empty() {
        bail!("{MIGRATIONS_DIR}/{engine} holds no migrations");
    }
    Ok(names)
}

/// Both engines carry the same migrations, by file name.
fn migrations() -> anyhow::Result<()> {
    let sqlite = migration_names("sqlite")?;
    let postgres = migration_names("postgres")?;
    if sqlite != postgres {
        let only = |a: &BTreeSet<String>, b: &BTreeSet<String>| a.difference(b).cloned().collect::<Vec<_>>().join(", ");
        bail!(
            "migrations are not paired: only in sqlite: [{}]; only in postgres: [{}]",
            only(&sqlite, &postgres),
            only(&postgres, &sqlite)
        );
    }
    println!(
        "    ok: {} paired migrations in {MIGRATIONS_DIR}/{{sqlite,postgres}} ({})",
        sqlite.len(),
        sqlite.iter().cloned().collect::<Vec<_>>().join(", ")
    );
    Ok(())
}

/// Totals summed over every `test result:` line of `cargo test` (one per test binary and doctest run).
#[derive(Default)]
struct TestTotals {
    binaries: u64,
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl TestTotals {
    /// Reads `test result: ok. 5 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s`.
    fn add_line(&mut self, line: &str) {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return;
        };
        self.binaries += 1;
        let counts = rest.split_once(". ").map_or(rest, |(_, counts)| counts);
        for part in counts.split(';') {
            let Some((number, label)) = part.trim().split_once(' ') else {
                continue;
            };
            let Ok(number) = number.parse::<u64>() else {
                continue;
            };
            match label {
                "passed" => self.passed += number,
                "failed" => self.failed += number,
                "ignored" => self.ignored += number,
                _ => {}
            }
        }
    }
}

/// `cargo test --workspace --locked`, its output passed through and summed up in one line.
fn tests(postgres: bool) -> anyhow::Result<()> {
    let mut child = cargo(&["test", "--workspace", "--locked"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start `{}`", cargo_program()))?;
    let mut totals = TestTotals::default();
    let relayed = child
        .stdout
        .take()
        .context("cargo test has no stdout pipe")
        .and_then(|stdout| relay(stdout, &mut totals));
    if let Err(error) = relayed {
        // Do not leave the test run behind; its own outcome no longer matters.
        child.kill().ok();
        child.wait().ok();
        return Err(error);
    }
    let status = child.wait().context("cannot wait for cargo test")?;
    let summary = format!(
        "tests: {} passed, {} failed, {} ignored in {} test binaries and doctest runs; PostgreSQL variants {}",
        totals.passed,
        totals.failed,
        totals.ignored,
        totals.binaries,
        if postgres {
            "ran"
        } else {
            "skipped (LOTSE_TEST_POSTGRES_URL unset)"
        }
    );
    println!("    {summary}");
    if !status.success() {
        bail!("`cargo test --workspace --locked` exited with {status} ({summary})");
    }
    Ok(())
}

/// Copies the child's stdout to ours line by line (so it stays live) and counts the results.
fn relay(stdout: impl std::io::Read, totals: &mut TestTotals) -> anyhow::Result<()> {
    let mut reader = BufReader::new(stdout);
    let mut out = std::io::stdout();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader
            .read_until(b'\n', &mut line)
            .context("cannot read cargo test output")?
            == 0
        {
            return Ok(());
        }
        out.write_all(&line)
            .and_then(|()| out.flush())
            .context("cannot write to stdout")?;
        totals.add_line(&String::from_utf8_lossy(&line));
    }
}

#[cfg(test)]
mod tests {
    use super::{Reach, TestTotals, direct_dependencies, is_migration_name, test_support_features};

    #[test]
    fn a_direct_dependency_is_found_and_the_root_is_not_one() {
        let tree = "lotse-web v0.1.0 (/w/crates/lotse-web)\naxum v0.8.9\nlotse-app v0.1.0 (/w/crates/lotse-app)\nlotse-store v0.1.0 (/w/crates/lotse-store)\n";
        let direct = direct_dependencies(tree);
        assert!(direct.contains(&"lotse-store"));
        assert!(!direct.contains(&"lotse-web"));
        assert!(!direct_dependencies("lotse-web v0.1.0\nlotse-app v0.1.0\n").contains(&"lotse-store"));
    }

    #[test]
    fn a_test_support_feature_in_the_binary_is_found() {
        let clean = "lotse-cli v0.1.0\nlotse-store feature \"default\"\nlotse-store v0.1.0\n";
        assert!(test_support_features(clean).is_empty());
        let leaked = "lotse-store feature \"test-support\"\nlotse-store feature \"test-support\"\nx\n";
        assert_eq!(
            test_support_features(leaked),
            vec!["lotse-store feature \"test-support\"".to_owned()]
        );
    }

    #[test]
    fn migration_names() {
        for good in ["0001_foundation.sql", "0042_add_index_2.sql", "9999_X.sql"] {
            assert!(is_migration_name(good), "{good}");
        }
        for bad in [
            "0001_foundation.SQL",
            "001_short.sql",
            "00001_long.sql",
            "0001_.sql",
            "0001.sql",
            "0001_a.up.sql",
            "0001_a-b.sql",
            "ü001_x.sql",
            "0001_ü.sql",
            ".gitkeep",
            "README.md",
        ] {
            assert!(!is_migration_name(bad), "{bad}");
        }
    }

    #[test]
    fn test_result_lines_are_summed() {
        let mut totals = TestTotals::default();
        totals.add_line("running 3 tests\n");
        totals.add_line(
            "test result: ok. 5 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s\n",
        );
        totals.add_line(
            "test result: FAILED. 2 passed; 3 failed; 0 ignored; 0 measured; 4 filtered out; finished in 1.2s",
        );
        totals
            .add_line("test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s");
        assert_eq!(
            (totals.binaries, totals.passed, totals.failed, totals.ignored),
            (3, 7, 3, 1)
        );
    }

    #[test]
    fn cargo_tree_outcomes() {
        let missing = "error: package ID specification `sqlx` did not match any packages\n";
        assert_eq!(Reach::of(false, "", missing, "sqlx"), Reach::Absent);
        assert_eq!(
            Reach::of(true, "", "warning: nothing to print.\n", "proptest"),
            Reach::Absent
        );
        let tree = "sqlx v0.8.6\n└── lotse-store v0.1.0 (/work/main/crates/lotse-store)\n";
        assert_eq!(Reach::of(true, tree, "", "sqlx"), Reach::Present);
        // Another package's spec not matching is not this dependency's absence.
        let other = "error: package ID specification `lotse-domian` did not match any packages\n";
        assert_eq!(Reach::of(false, "", other, "sqlx"), Reach::Unknown);
        let stale = "error: the lock file /work/main/Cargo.lock needs to be updated but --locked was passed\n";
        assert_eq!(Reach::of(false, "", stale, "tokio"), Reach::Unknown);
    }
}
