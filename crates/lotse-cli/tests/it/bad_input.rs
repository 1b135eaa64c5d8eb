//! Bad input: one clear line, a non-zero exit, no panic, no backtrace, nothing half-written.

use crate::server::lotse;

async fn run(args: &[&str]) -> (i32, String, String) {
    let out = lotse().args(args).output().await.unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_clean(stderr: &str) {
    assert!(
        !stderr.contains("panicked") && !stderr.contains("stack backtrace") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_malformed_flag_is_a_usage_error() {
    let (code, _, stderr) = run(&["serve", "--addr"]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("a value is required for '--addr <ADDR>'"), "{stderr}");
    let (code, _, stderr) = run(&["demo", "--scale", "0"]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("0 is not in 1..=1000"), "{stderr}");
    let (code, _, stderr) = run(&["demo", "--as-of", "22.11.2026"]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("expected a date like 2026-11-22"), "{stderr}");
}

#[tokio::test]
async fn an_unknown_database_scheme_is_named() {
    let (code, _, stderr) = run(&["migrate", "--database-url", "mysql://root:secret@localhost/db"]).await;
    assert_eq!(code, 1);
    assert!(stderr.starts_with("error: invalid database URL"), "{stderr}");
    assert!(!stderr.contains("secret"), "the password is not echoed: {stderr}");
    assert_clean(&stderr);
}

#[tokio::test]
async fn an_unreachable_postgres_is_one_clear_line() {
    let (code, _, stderr) = run(&["migrate", "--database-url", "postgres://lotse:secret@127.0.0.1:1/lotse"]).await;
    assert_eq!(code, 1);
    assert!(
        stderr.contains("cannot open the database postgres://lotse:***@127.0.0.1:1/lotse"),
        "{stderr}"
    );
    assert!(stderr.contains("check that PostgreSQL is running"), "{stderr}");
    assert!(!stderr.contains("secret"));
    assert_clean(&stderr);
}

#[tokio::test]
async fn a_database_in_a_missing_directory_is_refused_without_creating_it() {
    let dir = std::env::temp_dir().join(format!("lotse-missing-{}", uuid::Uuid::new_v4()));
    let url = format!("sqlite:{}/lotse.db", dir.display());
    let (code, _, stderr) = run(&["migrate", "--database-url", &url]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(!dir.exists());
    assert_clean(&stderr);
}

#[tokio::test]
async fn an_unwritable_database_file_is_named() {
    let dir = std::env::temp_dir().join(format!("lotse-ro-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("lotse.db");
    std::fs::write(&file, b"").unwrap();
    // A directory where the database file should be: cannot be opened as a file by anyone, root included.
    let blocked = dir.join("blocked.db");
    std::fs::create_dir_all(&blocked).unwrap();
    let url = format!("sqlite:{}", blocked.display());
    let (code, _, stderr) = run(&["migrate", "--database-url", &url]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot open the database"), "{stderr}");
    assert_clean(&stderr);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_corrupt_backup_is_refused_and_the_database_kept() {
    let dir = std::env::temp_dir().join(format!("lotse-restore-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("lotse.db");
    let url = format!("sqlite:{}", db.display());
    let (code, _, _) = run(&["migrate", "--database-url", &url]).await;
    assert_eq!(code, 0);
    let corrupt = dir.join("backup.db");
    std::fs::write(&corrupt, b"SQLite format 3\0 but then garbage").unwrap();
    let before = std::fs::read(&db).unwrap();
    let (code, _, stderr) = run(&["restore", corrupt.to_str().unwrap(), "--database-url", &url]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("is not a usable Lotse backup"), "{stderr}");
    assert!(stderr.contains("the database was not changed"), "{stderr}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert_clean(&stderr);
    // A backup never overwrites an existing file.
    let (code, _, stderr) = run(&["backup", corrupt.to_str().unwrap(), "--database-url", &url]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("exists already"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_config_file_with_a_typo_is_refused() {
    let dir = std::env::temp_dir().join(format!("lotse-config-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("lotse.toml");
    std::fs::write(&file, "databse_url = \"sqlite:x.db\"\n").unwrap();
    let (code, _, stderr) = run(&["migrate", "--config", file.to_str().unwrap()]).await;
    assert_eq!(code, 1);
    assert!(
        stderr.contains("is invalid") && stderr.contains("unknown field `databse_url`"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn the_config_example_is_printed() {
    let (code, stdout, _) = run(&["config", "example"]).await;
    assert_eq!(code, 0);
    assert!(stdout.contains("database_url = \"sqlite:lotse.db\""));
}

lotse_testkit::storage_test!(async fn research_export_writes_four_files_and_never_overwrites(db) {
    lotse_testkit::world::World::build(db, "study").await;
    let url = db.url.expose().to_owned();
    let base = std::env::temp_dir().join(format!("lotse-research-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir(&base).unwrap();
    let dir = base.join("export");
    let run = |args: Vec<String>| async move {
        let out = crate::server::lotse().args(args).output().await.unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let args = |programme: &str| vec!["export".into(), "research".into(), "--programme".into(), programme.into(), dir.display().to_string(), "--database-url".into(), url.clone()];

    let (ok, _, err) = run(args("nowhere")).await;
    assert!(!ok && err.contains("no programme \"nowhere\""), "{err}");
    assert!(!dir.exists(), "nothing written for an unknown programme");

    let (ok, out, err) = run(args("study")).await;
    assert!(ok, "{err}");
    assert!(out.contains("study: 1 people with research consent, 1 referrals, 0 questionnaire responses"), "{out}");
    let mut files: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files, ["DATA_DICTIONARY.md", "people.csv", "questionnaire_responses.csv", "referrals.csv"]);
    let people = std::fs::read_to_string(dir.join("people.csv")).unwrap();
    assert_eq!(people, "pseudonym,age_band,gender,language\nR00001,65-79,female,de\n");
    let responses = std::fs::read_to_string(dir.join("questionnaire_responses.csv")).unwrap();
    assert_eq!(responses, "pseudonym,instrument,timepoint,answers,answered_on\n", "a header even when empty");

    let (ok, _, err) = run(args("study")).await;
    assert!(!ok && err.contains("exists; choose a new directory"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("people.csv")).unwrap(), people, "the first export is untouched");
    let leftovers = std::fs::read_dir(&base).unwrap().count();
    assert_eq!(leftovers, 1, "no staging directory left behind");
    std::fs::remove_dir_all(&base).unwrap();
});

lotse_testkit::storage_test!(async fn programme_set_changes_privacy_settings_or_nothing(db) {
    db.programme("p-one").await;
    let url = db.url.expose().to_owned();
    let run = |args: &[&str]| {
        let mut all: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        all.extend(["--database-url".to_owned(), url.clone()]);
        async move {
            let out = crate::server::lotse().args(all).output().await.unwrap();
            (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
        }
    };
    let (ok, _, err) = run(&["programme", "set", "p-one", "--retention-days", "5"]).await;
    assert!(!ok && err.contains("retention is 30 to 36,500 days, got 5"), "{err}");
    let (ok, _, err) = run(&["programme", "set", "nowhere", "--second-factor", "required"]).await;
    assert!(!ok && err.contains("no programme \"nowhere\""), "{err}");
    let (ok, _, err) = run(&["programme", "set", "p-one", "--second-factor", "sometimes"]).await;
    assert!(!ok && err.contains("invalid value 'sometimes'"), "{err}");
    let programme = lotse_store::programme::list(&db.db).await.unwrap().remove(0);
    assert_eq!((programme.second_factor_required, programme.retention_days), (false, 3650), "nothing changed");

    // A wrong holiday calendar refuses the whole command: the retention given with it too.
    let (ok, _, err) = run(&["programme", "set", "p-one", "--retention-days", "400", "--holiday-calendar", "bavaria"]).await;
    assert!(
        !ok && err.contains("--holiday-calendar \"bavaria\" is not known: it must be one of de-nw, dk, weekends-only"),
        "{err}"
    );
    let programme = lotse_store::programme::list(&db.db).await.unwrap().remove(0);
    assert_eq!(programme.retention_days, 3650, "nothing changed");

    let (ok, out, err) = run(&["programme", "set", "p-one", "--second-factor", "required", "--retention-days", "730"]).await;
    assert!(ok, "{err}");
    let before = lotse_store::programme::list(&db.db).await.unwrap().remove(0).holiday_calendar;
    let deadlines = "first contact within 5 working days, a new attempt after 2, the baseline questionnaire within 10, \
                     unreachable after 3 attempts, a provider silent after 5 and its onward referral lapsed after 15 \
                     working days, a follow-up questionnaire every 12 weeks";
    assert_eq!(
        out.trim(),
        format!("p-one: second factor required, retention 730 days, holiday calendar {}, {deadlines}", before.code())
    );
    let programme = lotse_store::programme::list(&db.db).await.unwrap().remove(0);
    assert_eq!((programme.second_factor_required, programme.retention_days), (true, 730));
    let (ok, out, err) = run(&["programme", "set", "p-one", "--holiday-calendar", "dk"]).await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), format!("p-one: second factor required, retention 730 days, holiday calendar dk, {deadlines}"));
    let programme = lotse_store::programme::list(&db.db).await.unwrap().remove(0);
    assert_eq!(programme.holiday_calendar, lotse_domain::calendar::HolidayCalendar::Denmark);

    // The deadlines: a wrong one refuses the whole command (each named), a right one is kept.
    let (ok, _, err) = run(&["programme", "set", "p-one", "--first-contact-days", "0", "--contact-attempts", "drei", "--retention-days", "400"]).await;
    assert!(!ok, "{err}");
    assert!(err.contains("--first-contact-days \"0\" is out of range: it must be a whole number from 1 to 30"), "{err}");
    assert!(err.contains("--contact-attempts \"drei\" is not a whole number: it must be a whole number from 1 to 10"), "{err}");
    let unchanged = lotse_store::programme::list(&db.db).await.unwrap().remove(0);
    assert_eq!(unchanged, programme, "nothing changed");
    let (ok, out, err) = run(&["programme", "set", "p-one", "--first-contact-days", "7", "--contact-attempts", "4"]).await;
    assert!(ok, "{err}");
    assert!(out.contains("first contact within 7 working days") && out.contains("unreachable after 4 attempts"), "{out}");
    let programme = lotse_store::programme::list(&db.db).await.unwrap().remove(0);
    assert_eq!(programme.next_action.first_contact_working_days, 7);
    assert_eq!(programme.contact_attempts_before_unreachable, 4);
    assert_eq!(programme.next_action.baseline_questionnaire_working_days, 10, "the others kept");

    // The silence and the lapse: the lapse must come after the silence, else nothing changes.
    let (ok, _, err) = run(&["programme", "set", "p-one", "--provider-silent-days", "10", "--lapse-days", "10"]).await;
    assert!(!ok, "{err}");
    assert!(
        err.contains("--lapse-days \"10\" does not come after the silence: it must be a whole number from 2 to 60, and more than --provider-silent-days (10)"),
        "{err}"
    );
    assert_eq!(lotse_store::programme::list(&db.db).await.unwrap().remove(0), programme, "nothing changed");
    let (ok, out, err) = run(&["programme", "set", "p-one", "--provider-silent-days", "3", "--lapse-days", "8"]).await;
    assert!(ok, "{err}");
    assert!(out.contains("a provider silent after 3 and its onward referral lapsed after 8 working days"), "{out}");
    let programme = lotse_store::programme::list(&db.db).await.unwrap().remove(0);
    assert_eq!(
        (programme.next_action.provider_silent_working_days, programme.next_action.onward_lapse_working_days),
        (3, 8)
    );
});

lotse_testkit::storage_test!(async fn organisation_set_names_whom_a_facility_is_for_or_changes_nothing(db) {
    let (programme, scope) = db.programme("p-org").await;
    let facility = lotse_domain::organisation::Organisation {
        id: lotse_domain::id::OrganisationId::from_uuid(uuid::Uuid::new_v4()),
        programme: programme.id,
        kind: lotse_domain::organisation::OrganisationKind::LinkFacility,
        name: "zentrum plus Flingern".into(),
        area: None,
    };
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::directory::insert_organisations(&mut tx, &scope, &[facility], lotse_testkit::fixed_now()).await.unwrap();
    tx.commit().await.unwrap();
    let url = db.url.expose().to_owned();
    let run = |groups: &str, name: &str| {
        let all = [
            "organisation", "set", "--programme", "p-org", "--organisation", name, "--target-groups", groups,
            "--database-url", &url,
        ]
        .map(str::to_owned);
        async move {
            let out = crate::server::lotse().args(all).output().await.unwrap();
            (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
        }
    };
    let stored = || async {
        let mut tx = db.db.begin_read().await.unwrap();
        let places = lotse_store::directory::link_facility_places(&mut tx, &scope).await.unwrap();
        tx.commit().await.unwrap();
        places.into_iter().next().unwrap().target_groups
    };
    let (ok, _, err) = run("older-people,pensioners", "zentrum plus Flingern").await;
    assert!(!ok && err.contains("unknown target group \"pensioners\": the groups are everyone, older-people"), "{err}");
    assert_clean(&err);
    let (ok, _, err) = run("older-people", "zentrum plus Bilk").await;
    assert!(!ok && err.contains("no organisation named \"zentrum plus Bilk\""), "{err}");
    assert!(stored().await.is_empty(), "nothing changed");

    let (ok, out, err) = run("older-people, carers", "zentrum plus Flingern").await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "zentrum plus Flingern: target groups older-people, carers");
    assert_eq!(
        stored().await,
        [lotse_domain::offer::TargetGroup::OlderPeople, lotse_domain::offer::TargetGroup::Carers]
    );
    let (ok, out, _) = run("", "zentrum plus Flingern").await;
    assert!(ok);
    assert_eq!(out.trim(), "zentrum plus Flingern: target groups (everyone)");
    assert!(stored().await.is_empty());
});

#[tokio::test]
async fn restore_refuses_paths_that_are_not_backups_and_keeps_the_database() {
    let dir = std::env::temp_dir().join(format!("lotse-traversal-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let db = dir.join("lotse.db");
    let url = format!("sqlite:{}", db.display());
    assert_eq!(run(&["migrate", "--database-url", &url]).await.0, 0);
    let before = std::fs::read(&db).unwrap();
    let text_file = dir.join("notes.txt");
    std::fs::write(&text_file, "root:x:0:0:root:/root:/bin/bash\n").unwrap();
    let climbing = format!("{}/sub/../../{}/nowhere.db", dir.display(), "..");
    let candidates = [
        dir.join("sub").display().to_string(),
        text_file.display().to_string(),
        climbing,
        format!("{}/sub/../lotse.db-missing", dir.display()),
    ];
    for path in &candidates {
        let (code, _, stderr) = run(&["restore", path, "--database-url", &url]).await;
        assert_eq!(code, 1, "{path}");
        assert!(
            stderr.contains("the database was not changed")
                || stderr.contains("does not exist")
                || stderr.contains("not a usable Lotse backup"),
            "{path}: {stderr}"
        );
        assert_clean(&stderr);
        assert_eq!(std::fs::read(&db).unwrap(), before, "{path}: the database is untouched");
    }
    std::fs::remove_dir_all(&dir).ok();
}
