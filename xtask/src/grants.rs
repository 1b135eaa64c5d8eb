//! Where the constructors that grant access may be called.
//!
//! A `ProgrammeScope` for a system job, a `User` or `Membership` that `authorize_membership`
//! trusts, and an `ApiClient` whose scope is trusted are built by `pub` functions: Rust cannot
//! limit a `pub fn` to one other crate. The compiler keeps the fields private; this check keeps
//! the constructors' names out of every file but the listed ones. An associated function cannot
//! be imported under another name, so a call always spells the name: a file that does not
//! contain it does not call it.
//!
//! The system jobs' token (`lotse-app`'s `JobToken`) is `pub(crate)`; its constructor may be
//! called only in the job entry points listed here, by file and function.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Names of `pub` constructors that grant access, and the only files (relative to the
/// workspace root) that may contain them, their definitions included.
pub const RESTRICTED_NAMES: [(&str, &[&str]); 2] = [
    (
        "for_system",
        &[
            "crates/lotse-domain/src/actor.rs",
            "crates/lotse-domain/src/test_support.rs",
            "crates/lotse-app/src/jobs.rs",
        ],
    ),
    (
        "from_storage",
        &[
            "crates/lotse-domain/src/user.rs",
            "crates/lotse-domain/src/api_client.rs",
            "crates/lotse-store/src/user.rs",
            "crates/lotse-store/src/api_client.rs",
        ],
    ),
];

/// The constructor of `lotse-app`'s `JobToken`.
pub const JOB_START: &str = "start_job";

/// The file that defines [`JOB_START`].
pub const JOB_TOKEN_FILE: &str = "crates/lotse-app/src/jobs.rs";

/// The job entry points: the only (file, function) pairs that start a job.
pub const JOB_ENTRY_POINTS: [(&str, &str); 25] = [
    ("crates/lotse-app/src/admin.rs", "add_user"),
    ("crates/lotse-app/src/admin.rs", "verify_audit"),
    ("crates/lotse-app/src/admin.rs", "verify_audit_against"),
    ("crates/lotse-app/src/admin.rs", "audit_checkpoints"),
    ("crates/lotse-app/src/admin.rs", "set_privacy_at"),
    ("crates/lotse-app/src/admin.rs", "set_link_work"),
    ("crates/lotse-app/src/admin.rs", "set_target_groups"),
    ("crates/lotse-app/src/admin.rs", "reseal_identities"),
    ("crates/lotse-app/src/api_client.rs", "add"),
    ("crates/lotse-app/src/api_client.rs", "list"),
    ("crates/lotse-app/src/api_client.rs", "revoke"),
    ("crates/lotse-app/src/area_import.rs", "import_areas"),
    ("crates/lotse-app/src/data_subject.rs", "run_retention"),
    ("crates/lotse-app/src/demo/plan.rs", "seed"),
    ("crates/lotse-app/src/directory.rs", "public_scope"),
    ("crates/lotse-app/src/directory.rs", "index_for"),
    ("crates/lotse-app/src/directory.rs", "public_indexes"),
    ("crates/lotse-app/src/email.rs", "deliver"),
    ("crates/lotse-app/src/follow_up.rs", "run"),
    ("crates/lotse-app/src/hsds/export.rs", "export"),
    ("crates/lotse-app/src/hsds/import.rs", "import"),
    ("crates/lotse-app/src/overview.rs", "public_programmes"),
    ("crates/lotse-app/src/password_reset.rs", "issue_as_admin"),
    ("crates/lotse-app/src/questionnaires.rs", "import_wording"),
    ("crates/lotse-app/src/research_export.rs", "research_export"),
];

/// Runs the check over every `.rs` file under `crates/`.
pub fn check(root: &Path) -> anyhow::Result<()> {
    let mut files = Vec::new();
    collect(&root.join("crates"), root, &mut files)?;
    let problems = violations(&files);
    if problems.is_empty() {
        println!(
            "    ok: {} files; {} restricted names and {} job entry points where they belong",
            files.len(),
            RESTRICTED_NAMES.len(),
            JOB_ENTRY_POINTS.len()
        );
        return Ok(());
    }
    for problem in &problems {
        println!("    VIOLATION: {problem}");
    }
    anyhow::bail!(
        "{} access-granting constructors used where they may not be",
        problems.len()
    )
}

/// Every `.rs` file under `dir` as (path relative to `root` with `/`, text).
fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let path: PathBuf = entry.with_context(|| format!("cannot read {}", dir.display()))?.path();
        if path.is_dir() {
            collect(&path, root, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, text));
        }
    }
    Ok(())
}

/// What is wrong in a set of (path, text) files; empty when all is well.
pub fn violations(files: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, text) in files {
        for (name, allowed) in RESTRICTED_NAMES {
            if !allowed.contains(&path.as_str())
                && let Some(&at) = name_sites(text, name).first()
            {
                problems.push(format!(
                    "{path}:{}: `{name}` may appear only in {}",
                    line_of(text, at),
                    allowed.join(", ")
                ));
            }
        }
        if path == JOB_TOKEN_FILE {
            continue;
        }
        for at in name_sites(text, JOB_START) {
            let function = enclosing_fn(text, at).unwrap_or("(no function)");
            if !JOB_ENTRY_POINTS.contains(&(path.as_str(), function)) {
                problems.push(format!(
                    "{path}:{}: `{JOB_START}` in `{function}`, which is not a listed job entry point",
                    line_of(text, at)
                ));
            }
        }
    }
    for (path, function) in JOB_ENTRY_POINTS {
        let starts = files.iter().any(|(p, text)| {
            p == path
                && name_sites(text, JOB_START)
                    .into_iter()
                    .any(|at| enclosing_fn(text, at) == Some(function))
        });
        if !starts {
            problems.push(format!(
                "{path}: the listed job entry point `{function}` starts no job: update the list in xtask/src/grants.rs"
            ));
        }
    }
    problems
}

const fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Byte offsets where `name` occurs as a whole identifier.
fn name_sites(text: &str, name: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    text.match_indices(name)
        .map(|(at, _)| at)
        .filter(|&at| {
            let before = at
                .checked_sub(1)
                .and_then(|i| bytes.get(i))
                .is_some_and(|&b| is_ident(b));
            let after = bytes.get(at + name.len()).is_some_and(|&b| is_ident(b));
            !before && !after
        })
        .collect()
}

/// The name of the last `fn` declared before `at` (the function a call sits in).
fn enclosing_fn(text: &str, at: usize) -> Option<&str> {
    let head = text.get(..at)?;
    let start = name_sites(head, "fn").into_iter().next_back()? + 2;
    let rest = head.get(start..)?.trim_start();
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    rest.get(..end).filter(|name| !name.is_empty())
}

fn line_of(text: &str, at: usize) -> usize {
    text.get(..at).map_or(0, |head| head.matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> (String, String) {
        (path.to_owned(), text.to_owned())
    }

    /// The allowed files with a use each, and every entry point starting its job.
    fn clean() -> Vec<(String, String)> {
        let mut files = vec![
            file("crates/lotse-domain/src/actor.rs", "pub const fn for_system() {}"),
            file("crates/lotse-store/src/user.rs", "User::from_storage(id)"),
        ];
        for (path, function) in JOB_ENTRY_POINTS {
            let existing = files.iter_mut().find(|(p, _)| p == path);
            let body = format!(
                "\npub async fn {function}(db: &Db) {{\n    let job = JobToken::start_job(SystemJob::Admin);\n}}\n"
            );
            match existing {
                Some((_, text)) => text.push_str(&body),
                None => files.push(file(path, &body)),
            }
        }
        files
    }

    #[test]
    fn the_listed_places_pass() {
        assert_eq!(violations(&clean()), Vec::<String>::new());
    }

    #[test]
    fn a_system_scope_made_in_the_web_layer_fails() {
        let mut files = clean();
        files.push(file(
            "crates/lotse-web/src/cases.rs",
            "fn h() {\n    let s = ProgrammeScope::for_system(SystemJob::Admin, p);\n}",
        ));
        let problems = violations(&files);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("crates/lotse-web/src/cases.rs:2: `for_system`"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_user_built_outside_the_store_fails_and_longer_names_do_not_count() {
        let mut files = clean();
        files.push(file(
            "crates/lotse-app/src/auth.rs",
            "let u = User::from_storage(id, name, d, m);",
        ));
        files.push(file(
            "crates/lotse-app/src/other.rs",
            "fn from_storage_like() {} // for_systems",
        ));
        let problems = violations(&files);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("crates/lotse-app/src/auth.rs:1: `from_storage`"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_job_started_outside_an_entry_point_fails() {
        let mut files = clean();
        let admin = files
            .iter_mut()
            .find(|(p, _)| p == "crates/lotse-app/src/admin.rs")
            .map(|(_, text)| text)
            .unwrap();
        admin.push_str("\nfn helper() {\n    JobToken::start_job(SystemJob::Admin);\n}\n");
        files.push(file(
            "crates/lotse-app/src/case_record.rs",
            "pub async fn view_case() {\n    let job = JobToken::start_job(SystemJob::Admin);\n}",
        ));
        let problems = violations(&files);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("in `helper`")), "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("case_record.rs:2") && p.contains("in `view_case`")),
            "{problems:?}"
        );
    }

    #[test]
    fn an_entry_point_that_no_longer_starts_its_job_fails() {
        let mut files = clean();
        files.retain(|(p, _)| p != "crates/lotse-app/src/overview.rs");
        let problems = violations(&files);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("`public_programmes` starts no job"),
            "{problems:?}"
        );
    }

    #[test]
    fn the_enclosing_function_is_the_last_fn_before_the_call() {
        let text = "fn a() {}\npub(crate) async fn b_2<T>(x: T) {\n    call();\n}";
        let at = text.find("call").unwrap();
        assert_eq!(enclosing_fn(text, at), Some("b_2"));
        assert_eq!(enclosing_fn("call()", 0), None);
        assert_eq!(line_of(text, at), 3);
    }
}
