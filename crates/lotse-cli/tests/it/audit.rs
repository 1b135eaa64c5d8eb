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
    lotse_app::password_reset::redeem(&db.db, &clock, lotse_app::auth::Throttle::default(), "lea", &code, "a brand new passphrase", "a brand new passphrase").await.unwrap();
    let factors: i64 = on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from user_second_factor").fetch_one(p).await).unwrap();
    assert_eq!(factors, 0, "the installation admin's code removes the second factor");
});
