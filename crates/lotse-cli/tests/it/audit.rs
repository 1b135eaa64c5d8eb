//! `lotse audit verify` and `lotse user add` through the real binary.

use lotse_store::on_pool;
use lotse_testkit::storage_test;
use tokio::io::AsyncWriteExt;

use crate::server::lotse;

async fn verify(url: &str) -> (bool, String) {
    let out = lotse()
        .args(["audit", "verify", "--database-url", url])
        .output()
        .await
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

storage_test!(async fn verify_names_the_first_altered_entry(db) {
    db.programme("p-one").await;
    let url = db.url.expose().to_owned();
    for name in ["lea", "ben", "ida"] {
        let mut child = lotse()
            .args(["user", "add", "--programme", "p-one", "--username", name, "--name", "Demo Person", "--role", "link-worker", "--password-stdin", "--database-url", &url])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"a long enough password\n").await.unwrap();
        let out = child.wait_with_output().await.unwrap();
        assert!(out.status.success(), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("created user {name}")));
    }
    let (ok, out) = verify(&url).await;
    assert!(ok, "{out}");
    assert!(out.contains("p-one: ok, 3 entries"), "{out}");

    db.skip_audit_check();
    on_pool!(&db.db, p => sqlx::query("update audit_entry set purpose = 'care' where seq = 2").execute(p).await.map(|r| r.rows_affected())).unwrap();
    let (ok, out) = verify(&url).await;
    assert!(!ok);
    assert!(out.contains("p-one: BROKEN after 1 good entries: entry 2 was altered"), "{out}");
});

#[tokio::test]
async fn user_add_refuses_a_short_password_and_writes_nothing() {
    let db = lotse_testkit::TestDb::sqlite().await;
    db.programme("p-one").await;
    let dir = std::env::temp_dir().join(format!("lotse-pw-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pw");
    std::fs::write(&file, "short\n").unwrap();
    let out = lotse()
        .args([
            "user",
            "add",
            "--programme",
            "p-one",
            "--username",
            "lea",
            "--name",
            "Lea",
            "--role",
            "link-worker",
        ])
        .args([
            "--password-file",
            file.to_str().unwrap(),
            "--database-url",
            db.url.expose(),
        ])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: a password needs at least 12 characters"
    );
    assert_eq!(lotse_store::user::count(&db.db).await.unwrap(), 0);
    let out = lotse()
        .args([
            "user",
            "add",
            "--programme",
            "p-one",
            "--username",
            "lea",
            "--name",
            "Lea",
            "--role",
            "nurse",
            "--password-stdin",
        ])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "an unknown role is a usage error");
    std::fs::remove_dir_all(&dir).ok();
}

storage_test!(async fn retention_run_reports_each_programme_and_keeps_the_chain_intact(db) {
    lotse_testkit::world::World::build(db, "kept").await;
    let url = db.url.expose().to_owned();
    let out = lotse().args(["retention", "run", "--database-url", &url]).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout.contains("kept: 0 people anonymised (retention 3650 days after the last referral closed)"),
        "{stdout}"
    );
    let (ok, verified) = verify(&url).await;
    assert!(ok, "{verified}");
});

storage_test!(async fn user_reset_issues_a_code_that_also_removes_the_second_factor(db) {
    db.programme("p-one").await;
    let url = db.url.expose().to_owned();
    let mut child = lotse()
        .args(["user", "add", "--programme", "p-one", "--username", "lea", "--name", "Demo Person", "--role", "coordinator", "--password-stdin", "--database-url", &url])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"a long enough password\n").await.unwrap();
    assert!(child.wait_with_output().await.unwrap().status.success());
    let lea: uuid::Uuid = on_pool!(&db.db, p => sqlx::query_scalar("select user_id from user_account where username = 'lea'").fetch_one(p).await).unwrap();
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::credential::begin_second_factor(&mut tx, lotse_domain::id::UserId::from_uuid(lea), "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", lotse_testkit::fixed_now()).await.unwrap();
    tx.commit().await.unwrap();

    let unknown = lotse().args(["user", "reset", "nobody", "--database-url", &url]).output().await.unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no user \"nobody\""), "{unknown:?}");

    let out = lotse().args(["user", "reset", "lea", "--second-factor", "--database-url", &url]).output().await.unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let code = stdout.lines().find_map(|l| l.strip_prefix("reset code: ")).unwrap().trim().to_owned();
    assert!(stdout.contains("second factor"), "{stdout}");
    let (issued_by, action): (String, String) = on_pool!(&db.db, p => sqlx::query_as("select actor, action from audit_entry order by seq desc limit 1").fetch_one(p).await).unwrap();
    assert_eq!((issued_by.as_str(), action.as_str()), ("system:admin", "password_reset_issued"));

    let clock = lotse_app::clock::SystemClock;
    lotse_app::password_reset::redeem(&db.db, &clock, lotse_app::auth::Throttle::default(), "lea", &code, "a brand new passphrase", "a brand new passphrase", None).await.unwrap();
    let factors: i64 = on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from user_second_factor").fetch_one(p).await).unwrap();
    assert_eq!(factors, 0, "the installation admin's code removes the second factor");
});

// ---- Checkpoints: the chain anchored outside the database ----

/// A checkpoint key for tests, known to everyone: never use it for a real installation.
const CHECKPOINT_KEY: &str = "c1:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

/// Runs `lotse` with the test checkpoint key.
async fn keyed(args: &[&str]) -> (bool, String, String) {
    let out = lotse()
        .env("LOTSE_AUDIT_CHECKPOINT_KEY", CHECKPOINT_KEY)
        .args(args)
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `lotse audit checkpoint`, written to a fresh file; returns the file.
async fn checkpoint(url: &str) -> std::path::PathBuf {
    let (file, err) = try_checkpoint(url).await;
    assert!(err.is_none(), "{err:?}");
    file
}

/// Like [`checkpoint`], leaving the assertion to the caller (so a test can first show what
/// plain verification misses).
async fn try_checkpoint(url: &str) -> (std::path::PathBuf, Option<String>) {
    let (ok, out, err) = keyed(&["audit", "checkpoint", "--database-url", url]).await;
    let file = std::env::temp_dir().join(format!("lotse-checkpoint-{}", uuid::Uuid::new_v4()));
    std::fs::write(&file, &out).unwrap();
    (file, (!ok).then_some(err))
}

async fn verify_against(url: &str, file: &std::path::Path) -> (bool, String, String) {
    keyed(&[
        "audit",
        "verify",
        "--checkpoint",
        file.to_str().unwrap(),
        "--database-url",
        url,
    ])
    .await
}

type Row = (i64, time::OffsetDateTime, String, String, String, uuid::Uuid, String);

/// What an attacker with write access to the database does: keeps the entries `keep` chooses
/// (renumbered from 1), recomputes every hash, and moves the head to the new last entry.
async fn rewrite_chain(db: &lotse_testkit::TestDb, slug: &str, keep: impl Fn(i64, &str) -> bool) -> i64 {
    let programme: uuid::Uuid = on_pool!(&db.db, p => sqlx::query_scalar("select programme_id from programme where slug = $1").bind(slug).fetch_one(p).await).unwrap();
    let rows: Vec<Row> = on_pool!(&db.db, p => sqlx::query_as(
        "select seq, at, actor, action, object_kind, object_id, purpose from audit_entry where programme_key = (select programme_key from programme where programme_id = $1) order by seq",
    ).bind(programme).fetch_all(p).await).unwrap();
    // The records listed by entries about several: kept with their entries, renumbered too.
    let listed: Vec<(i64, uuid::Uuid)> = on_pool!(&db.db, p => sqlx::query_as(
        "select seq, object_id from audit_object where programme_key = (select programme_key from programme where programme_id = $1) order by seq, object_id",
    ).bind(programme).fetch_all(p).await)
    .unwrap();
    let kept = rows
        .into_iter()
        .filter(|r| keep(r.0, &r.3))
        .map(|r| lotse_domain::audit::NewAuditEntry {
            at: r.1,
            actor: r.2,
            action: r.3,
            object_kind: r.4,
            object_id: r.5,
            purpose: r.6,
            reference: None,
            objects: listed
                .iter()
                .filter(|(seq, _)| *seq == r.0)
                .map(|(_, id)| *id)
                .collect(),
        });
    let pid = lotse_domain::id::ProgrammeId::from_uuid(programme);
    let chained = lotse_domain::audit::chain(pid, 0, lotse_domain::audit::GENESIS_HASH, kept);
    on_pool!(&db.db, p => sqlx::query("delete from audit_object where programme_key = (select programme_key from programme where programme_id = $1)").bind(programme).execute(p).await.map(|r| r.rows_affected())).unwrap();
    on_pool!(&db.db, p => sqlx::query("delete from audit_entry where programme_key = (select programme_key from programme where programme_id = $1)").bind(programme).execute(p).await.map(|r| r.rows_affected())).unwrap();
    for e in &chained {
        on_pool!(&db.db, p => sqlx::query(
            "insert into audit_entry (programme_key, seq, at, actor, action, object_kind, object_id, purpose, prev_hash, hash, objects) \
             values ((select programme_key from programme where programme_id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(programme).bind(e.seq).bind(e.entry.at).bind(&e.entry.actor).bind(&e.entry.action)
        .bind(&e.entry.object_kind).bind(e.entry.object_id).bind(&e.entry.purpose).bind(hex::decode(&e.prev_hash).unwrap()).bind(hex::decode(&e.hash).unwrap())
        .bind((!e.entry.objects.is_empty()).then(|| e.entry.objects.iter().flat_map(|id| *id.as_bytes()).collect::<Vec<u8>>()))
        .execute(p).await.map(|r| r.rows_affected())).unwrap();
        for id in &e.entry.objects {
            on_pool!(&db.db, p => sqlx::query("insert into audit_object (programme_key, seq, object_id) values ((select programme_key from programme where programme_id = $1), $2, $3)")
                .bind(programme).bind(e.seq).bind(id).execute(p).await.map(|r| r.rows_affected())).unwrap();
        }
    }
    let (last_seq, last_hash) = chained
        .last()
        .map_or((0, lotse_domain::audit::GENESIS_HASH.to_owned()), |e| {
            (e.seq, e.hash.clone())
        });
    on_pool!(&db.db, p => sqlx::query("update audit_chain set last_seq = $2, last_hash = $3 where programme_id = $1")
        .bind(programme).bind(last_seq).bind(hex::decode(&last_hash).unwrap()).execute(p).await.map(|r| r.rows_affected()))
    .unwrap();
    last_seq
}

async fn entries_of(db: &lotse_testkit::TestDb, action: &str) -> i64 {
    on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from audit_entry where action = $1").bind(action).fetch_one(p).await).unwrap()
}

/// Records `n` refusals (`access_denied`) in the programme, as the web layer does.
async fn refusals(db: &lotse_testkit::TestDb, slug: &str, n: usize) {
    let programme: uuid::Uuid = on_pool!(&db.db, p => sqlx::query_scalar("select programme_id from programme where slug = $1").bind(slug).fetch_one(p).await).unwrap();
    let scope = lotse_testkit::system_scope(
        lotse_domain::actor::SystemJob::Admin,
        lotse_domain::id::ProgrammeId::from_uuid(programme),
    );
    let access = lotse_store::audit::Access {
        at: lotse_testkit::fixed_now(),
        purpose: lotse_domain::audit::AuditPurpose::Care,
    };
    let mut tx = db.db.begin().await.unwrap();
    // One entry per refused request, as the web layer writes them.
    for _ in 0..n {
        lotse_store::audit::record(
            &mut tx,
            &scope,
            access,
            lotse_domain::audit::AuditAction::AccessDenied,
            lotse_domain::audit::ObjectKind::Patient,
            [uuid::Uuid::new_v4()],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

storage_test!(async fn rewriting_the_chain_passes_plain_verify_but_not_the_checkpoint(db) {
    lotse_testkit::world::World::build(db, "anchored").await;
    refusals(db, "anchored", 3).await;
    lotse_testkit::world::World::build(db, "other").await;
    refusals(db, "anchored", 4).await;
    let url = db.url.expose().to_owned();
    let (file, checkpoint_failed) = try_checkpoint(&url).await;
    let total: i64 = on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from audit_entry a join programme p on p.programme_key = a.programme_key where p.slug = 'anchored'").fetch_one(p).await).unwrap();

    // Delete every `access_denied` entry, recompute every hash and the head.
    db.skip_audit_check();
    assert_eq!(entries_of(db, "access_denied").await, 7);
    let last = rewrite_chain(db, "anchored", |_, action| action != "access_denied").await;
    assert_eq!(entries_of(db, "access_denied").await, 0);
    let (ok, out) = verify(&url).await;
    assert!(ok, "plain verify cannot see a rewrite: {out}");
    assert!(out.contains(&format!("anchored: ok, {last} entries")), "{out}");

    assert!(checkpoint_failed.is_none(), "{checkpoint_failed:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 2, "one line per programme: {text}");
    assert!(text.lines().all(|l| l.starts_with("lotse-audit-checkpoint/1 programme=")), "{text}");
    assert!(text.contains(" slug=anchored ") && text.contains(&format!(" seq={total} ")), "{text}");
    let (ok, out, err) = verify_against(&url, &file).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "anchored: BROKEN after {last} good entries: the chain ends at entry {last} but the checkpoint records entry {total}: entries were removed or the chain was rewritten"
        )),
        "{out}{err}"
    );

    // The same rewrite, then padded with made-up entries up to the checkpoint's length.
    let padded = rewrite_chain(db, "anchored", |_, _| true).await;
    assert_eq!(padded, last);
    let programme: uuid::Uuid = on_pool!(&db.db, p => sqlx::query_scalar("select programme_id from programme where slug = 'anchored'").fetch_one(p).await).unwrap();
    let filler = (padded..total).map(|_| lotse_domain::audit::NewAuditEntry::new(
        lotse_testkit::fixed_now(),
        &lotse_domain::actor::Actor::System(lotse_domain::actor::SystemJob::Admin),
        lotse_domain::audit::AuditAction::Update,
        lotse_domain::audit::ObjectKind::Programme,
        programme,
        lotse_domain::audit::AuditPurpose::Administration,
    ));
    let scope = lotse_testkit::system_scope(lotse_domain::actor::SystemJob::Admin, lotse_domain::id::ProgrammeId::from_uuid(programme));
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::audit::append(&mut tx, &scope, filler.collect()).await.unwrap();
    tx.commit().await.unwrap();
    let (ok, out) = verify(&url).await;
    assert!(ok && out.contains(&format!("anchored: ok, {total} entries")), "{out}");
    let (ok, out, _) = verify_against(&url, &file).await;
    assert!(out.contains("other: ok,") && out.contains("extends the checkpoint"), "the untouched programme: {out}");
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "anchored: BROKEN after {} good entries: entry {total} does not match the checkpoint: the chain was rewritten up to there",
            total - 1
        )),
        "{out}"
    );
    std::fs::remove_file(&file).ok();
});

storage_test!(async fn dropping_the_last_entries_and_moving_the_head_back_is_caught(db) {
    lotse_testkit::world::World::build(db, "anchored").await;
    let url = db.url.expose().to_owned();
    let (file, checkpoint_failed) = try_checkpoint(&url).await;
    let total: i64 = on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from audit_entry a join programme p on p.programme_key = a.programme_key where p.slug = 'anchored'").fetch_one(p).await).unwrap();
    db.skip_audit_check();
    // Drop the last 5 entries and move the head back (the remaining hashes stay valid).
    on_pool!(&db.db, p => sqlx::query("delete from audit_object where seq > $1").bind(total - 5).execute(p).await.map(|r| r.rows_affected())).unwrap();
    on_pool!(&db.db, p => sqlx::query("delete from audit_entry where seq > $1").bind(total - 5).execute(p).await.map(|r| r.rows_affected())).unwrap();
    let hash: Vec<u8> = on_pool!(&db.db, p => sqlx::query_scalar("select hash from audit_entry where seq = $1").bind(total - 5).fetch_one(p).await).unwrap();
    on_pool!(&db.db, p => sqlx::query("update audit_chain set last_seq = $1, last_hash = $2").bind(total - 5).bind(&hash).execute(p).await.map(|r| r.rows_affected())).unwrap();
    let (ok, out) = verify(&url).await;
    assert!(ok, "plain verify cannot see a truncation with a moved head: {out}");
    assert!(checkpoint_failed.is_none(), "{checkpoint_failed:?}");
    let (ok, out, _) = verify_against(&url, &file).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "anchored: BROKEN after {0} good entries: the chain ends at entry {0} but the checkpoint records entry {total}",
            total - 5
        )),
        "{out}"
    );
    std::fs::remove_file(&file).ok();
});

storage_test!(async fn a_checkpoint_still_verifies_after_more_entries(db) {
    lotse_testkit::world::World::build(db, "anchored").await;
    db.programme("later").await;
    let url = db.url.expose().to_owned();
    let file = checkpoint(&url).await;
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 2);
    let out = lotse().args(["retention", "run", "--database-url", &url]).output().await.unwrap();
    assert!(out.status.success());
    lotse_app::admin::set_privacy(&db.db, &lotse_app::clock::FixedClock::new(lotse_testkit::fixed_now()), "anchored", Some(true), None).await.unwrap();
    let (ok, out, err) = verify_against(&url, &file).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("anchored: ok,") && out.contains("extends the checkpoint at entry"), "{out}");
    assert!(out.contains("later: ok, 0 entries"), "{out}");
    std::fs::remove_file(&file).ok();
});

storage_test!(async fn a_forged_or_malformed_checkpoint_is_refused(db) {
    lotse_testkit::world::World::build(db, "anchored").await;
    let url = db.url.expose().to_owned();
    let file = checkpoint(&url).await;
    let good = std::fs::read_to_string(&file).unwrap();
    let seq: i64 = good.split(" seq=").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let cases = [
        // Someone without the key moves the checkpoint back to hide later deletions.
        (good.replace(&format!(" seq={seq} "), &format!(" seq={} ", seq - 1)), "line 1: the MAC does not match"),
        (good.replace(" mac=", " mac=00"), "line 1: the MAC does not match"),
        (good.replace(" key=c1 ", " key=c9 "), "line 1: made with checkpoint key \"c9\", which is not configured"),
        ("not a checkpoint\n".to_owned(), "line 1: not a checkpoint line"),
        (format!("{good}{good}"), "line 2: programme anchored appears twice"),
        (String::new(), "holds no checkpoint"),
        ("\u{0}\u{ff}garbage".to_owned(), "line 1: not a checkpoint line"),
    ];
    for (text, expected) in cases {
        std::fs::write(&file, &text).unwrap();
        let (ok, out, err) = verify_against(&url, &file).await;
        assert!(!ok, "{text}: {out}");
        assert!(err.contains(expected) && err.contains(&file.display().to_string()), "{text}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // Another key (someone who made their own checkpoint) is refused too.
    std::fs::write(&file, &good).unwrap();
    let other = "c1:404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";
    let out = lotse()
        .env("LOTSE_AUDIT_CHECKPOINT_KEY", other)
        .args(["audit", "verify", "--checkpoint", file.to_str().unwrap(), "--database-url", &url])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1: the MAC does not match"), "{out:?}");
    std::fs::remove_file(&file).ok();
});

storage_test!(async fn serve_logs_a_checkpoint_at_start_and_every_interval(db) {
    lotse_testkit::world::World::build(db, "anchored").await;
    let url = db.url.expose().to_owned();
    let log = std::env::temp_dir().join(format!("lotse-serve-log-{}", uuid::Uuid::new_v4()));
    // The key and the interval through the config file (`start_logging` builds the command).
    let config = std::env::temp_dir().join(format!("lotse-{}.toml", uuid::Uuid::new_v4()));
    let key_file = std::env::temp_dir().join(format!("lotse-ck-{}", uuid::Uuid::new_v4()));
    std::fs::write(&key_file, CHECKPOINT_KEY).unwrap();
    std::fs::write(
        &config,
        format!("log_format = \"json\"\naudit_checkpoint_secs = 1\naudit_checkpoint_key_file = \"{}\"\n", key_file.display()),
    )
    .unwrap();
    let server = crate::server::start_logging(&url, &["--config", config.to_str().unwrap()], Some(&log)).await;
    // Poll the log (deadline 60 s) for two checkpoints: one at start, one a second later.
    let started = std::time::Instant::now();
    let lines = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<String> = text
            .lines()
            .filter(|l| l.contains("\"message\":\"audit checkpoint\""))
            .map(str::to_owned)
            .collect();
        if lines.len() >= 2 || started.elapsed() > std::time::Duration::from_mins(1) {
            break lines;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    println!("two checkpoints logged after {} ms", started.elapsed().as_millis());
    drop(server);
    assert!(lines.len() >= 2, "{lines:?}");
    // The follow-up job ran at start as well (every 900 s by default), one line per programme.
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let job = text.lines().find(|l| l.contains("\"message\":\"follow-up job\"")).unwrap_or_default();
    for field in ["\"job.programme\":\"anchored\"", "\"job.lapsed\":0", "\"job.skipped\":false"] {
        assert!(job.contains(field), "{field} in {text}");
    }
    let event = &lines[0];
    for field in ["\"audit.programme\":\"anchored\"", "\"audit.seq\":", "\"audit.checkpoint\":\"lotse-audit-checkpoint/1 "] {
        assert!(event.contains(field), "{field} in {event}");
    }
    // The logged line is a checkpoint file's line as it is.
    let line = event.split("\"audit.checkpoint\":\"").nth(1).unwrap().split('"').next().unwrap();
    let file = std::env::temp_dir().join(format!("lotse-checkpoint-{}", uuid::Uuid::new_v4()));
    std::fs::write(&file, format!("{line}\n")).unwrap();
    let (ok, out, err) = verify_against(&url, &file).await;
    assert!(ok && out.contains("anchored: ok,") && out.contains("extends the checkpoint"), "{out}{err}");
    for f in [&log, &config, &key_file, &file] {
        std::fs::remove_file(f).ok();
    }
});

storage_test!(async fn jobs_run_lapses_an_unanswered_onward_referral_once_and_keeps_the_chain_intact(db) {
    use lotse_domain::onward_referral::OnwardReferralEvent as E;
    use lotse_store::referral::{NewOnwardReferral, Recorded};
    let world = lotse_testkit::world::World::build(db, "jobs").await;
    // An onward referral sent in January 2026 and never answered: long past its lapse.
    let at = |day: u8| time::Date::from_calendar_date(2026, time::Month::January, day).unwrap().midnight().assume_utc();
    let recorded = |event, day| Recorded { event, actor: "system:test".to_owned(), at: at(day) };
    let sent = NewOnwardReferral {
        id: lotse_domain::id::OnwardReferralId::from_uuid(uuid::Uuid::new_v4()),
        case: world.case,
        history: vec![
            recorded(E::Proposed { offer: world.offer }, 5),
            recorded(E::AcceptedByPerson, 6),
            recorded(E::Sent, 7),
        ],
    };
    let mut tx = db.db.begin().await.unwrap();
    let access = lotse_store::audit::Access { at: at(7), purpose: lotse_domain::audit::AuditPurpose::Care };
    lotse_store::referral::insert_onward_many(&mut tx, &world.scope, access, &[sent]).await.unwrap();
    tx.commit().await.unwrap();
    let url = db.url.expose().to_owned();
    let out = lotse().args(["jobs", "run", "--database-url", &url]).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.contains("jobs: 1 onward referrals lapsed"), "{stdout}");
    // How long the job took (no relay: no e-mail job).
    let took = stdout.lines().find_map(|l| l.strip_prefix("follow-up job: ")).unwrap_or_else(|| panic!("{stdout}"));
    assert!(took.ends_with(" s") && took.trim_end_matches(" s").parse::<f64>().is_ok(), "{took}");
    assert!(!stdout.contains("e-mail job:"), "{stdout}");
    let out = lotse().args(["jobs", "run", "--database-url", &url]).output().await.unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("jobs: 0 onward referrals lapsed"), "{out:?}");
    let lapsed: i64 = on_pool!(&db.db, p => sqlx::query_scalar(
        "select count(*) from audit_entry where actor = 'system:follow-up' and object_kind = 'onward_referral'"
    ).fetch_one(p).await).unwrap();
    assert_eq!(lapsed, 1, "audited once, as the job");
    let (ok, verified) = verify(&url).await;
    assert!(ok, "{verified}");
});
