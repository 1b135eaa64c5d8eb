use lotse_store::Engine;
use lotse_store::backup::{self, BackupError};
use lotse_testkit::storage_test;

use crate::fixtures::issued_referral;

storage_test!(async fn backup_and_restore_round_trip(db) {
    let (_, scope) = db.programme("p-one").await;
    let (id, _) = issued_referral(db, &scope).await;
    let dir = std::env::temp_dir().join(format!("lotse-backup-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("backup.db");
    let result = backup::backup(&db.db, &file).await;
    if db.engine() == Engine::Postgres {
        assert!(matches!(result, Err(BackupError::NotSqlite)));
        return;
    }
    result.unwrap();
    assert!(matches!(backup::backup(&db.db, &file).await, Err(BackupError::TargetExists(_))), "never overwrites");
    backup::check_backup(&file).await.unwrap();

    // Restore into a new location and read the referral back.
    let target = dir.join("restored.db");
    let keys = lotse_testkit::test_keys();
    assert!(has_sealed_identities(db).await, "the fixture's person has a sealed identity");
    {
        // Without the keys it was written with, or with others, nothing is restored.
        let err = backup::restore(&file, &target, None).await.unwrap_err().to_string();
        assert!(err.contains("no data key is at hand"), "{err}");
        let other = lotse_store::crypto::DataKeys::parse(&lotse_store::crypto::DataKeys::generate_spec("test")).unwrap();
        let err = backup::restore(&file, &target, Some(&other)).await.unwrap_err().to_string();
        assert!(err.contains("do not open with the data keys at hand"), "{err}");
        assert!(!target.exists(), "nothing restored");
    }
    backup::restore(&file, &target, Some(&keys)).await.unwrap();
    let url = lotse_store::DatabaseUrl::parse(&format!("sqlite:{}", target.display())).unwrap();
    let restored = lotse_store::Db::connect(&url, lotse_store::db::PoolSettings::default()).await.unwrap();
    let mut tx = restored.begin().await.unwrap();
    assert!(lotse_store::referral::get(&mut tx, &scope, id).await.is_ok());
    drop(tx);
    assert!(lotse_store::audit::verify(&restored, &scope).await.unwrap().broken.is_none());
    restored.close().await;

    // A corrupt file is refused and the target stays as it was.
    let corrupt = dir.join("corrupt.db");
    std::fs::write(&corrupt, b"this is not a database").unwrap();
    let before = std::fs::read(&target).unwrap();
    let err = backup::restore(&corrupt, &target, Some(&keys)).await.unwrap_err();
    assert!(err.to_string().contains("is not a usable Lotse backup"), "{err}");
    assert_eq!(std::fs::read(&target).unwrap(), before);
    let err = backup::restore(&dir.join("missing.db"), &target, Some(&keys)).await.unwrap_err();
    assert!(err.to_string().contains("no such file"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
});

async fn has_sealed_identities(db: &lotse_testkit::TestDb) -> bool {
    let stored: Vec<Vec<u8>> = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select family_name from patient_identity").fetch_all(p).await).unwrap();
    stored.iter().any(|f| lotse_store::crypto::DataKeys::is_sealed(f))
}
