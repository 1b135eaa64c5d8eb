//! TOTP secrets at rest: sealed with the data keys, bound to the account.

use lotse_domain::id::UserId;
use lotse_domain::user::Username;
use lotse_store::credential;
use lotse_store::{StoreError, on_pool};
use lotse_testkit::{fixed_now, storage_test};
use uuid::Uuid;

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

async fn user(db: &lotse_store::Db, name: &str) -> UserId {
    let id = UserId::from_uuid(Uuid::new_v4());
    let mut tx = db.begin().await.unwrap();
    lotse_store::user::insert(
        &mut tx,
        id,
        &Username::parse(name).unwrap(),
        "Demo Person",
        "x",
        fixed_now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn stored(db: &lotse_store::Db, id: UserId) -> Vec<u8> {
    on_pool!(db, p => sqlx::query_scalar("select secret from user_second_factor where user_id = $1").bind(id.as_uuid()).fetch_one(p).await).unwrap()
}

storage_test!(async fn a_totp_secret_is_stored_sealed_and_read_back(db) {
    let lea = user(&db.db, "lea").await;
    let mut tx = db.db.begin().await.unwrap();
    credential::begin_second_factor(&mut tx, lea, SECRET, fixed_now()).await.unwrap();
    tx.commit().await.unwrap();
    let raw = stored(&db.db, lea).await;
    assert_eq!(lotse_store::crypto::DataKeys::key_id(&raw), Some("test"));
    assert!(!raw.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()), "{raw:?}");
    assert_eq!(credential::second_factor(&db.db, lea).await.unwrap().unwrap().secret, SECRET);

    // Bound to its account: copied to another account's row, it does not open.
    let ben = user(&db.db, "ben").await;
    on_pool!(&db.db, p => sqlx::query("insert into user_second_factor (user_id, secret, confirmed_at, last_used_step, created_at) values ($1, $2, null, 0, $3)")
        .bind(ben.as_uuid()).bind(&raw).bind(fixed_now()).execute(p).await.map(|r| r.rows_affected())).unwrap();
    let err = credential::second_factor(&db.db, ben).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
});

storage_test!(async fn plain_secrets_are_sealed_once_and_never_read_as_plain_text(db) {
    let lea = user(&db.db, "lea").await;
    // A secret written before sealing existed.
    on_pool!(&db.db, p => sqlx::query("insert into user_second_factor (user_id, secret, confirmed_at, last_used_step, created_at) values ($1, $2, null, 0, $3)")
        .bind(lea.as_uuid()).bind(lotse_store::crypto::DataKeys::unsealed(SECRET)).bind(fixed_now()).execute(p).await.map(|r| r.rows_affected())).unwrap();
    let err = credential::second_factor(&db.db, lea).await.unwrap_err().to_string();
    assert!(err.contains("stored unencrypted") && err.contains("lotse keys rotate"), "{err}");
    assert_eq!(credential::seal_plain_secrets(&db.db).await.unwrap(), 1);
    assert_eq!(lotse_store::crypto::DataKeys::key_id(&stored(&db.db, lea).await), Some("test"));
    assert_eq!(credential::second_factor(&db.db, lea).await.unwrap().unwrap().secret, SECRET);
    assert_eq!(credential::seal_plain_secrets(&db.db).await.unwrap(), 0, "idempotent");
    assert_eq!(credential::reseal_secrets(&db.db).await.unwrap(), 0, "all under the current key");

    // Rotation: a new first key re-seals it; the old key is then no longer needed.
    let new = lotse_store::crypto::DataKeys::generate_spec("k2");
    let rotated = lotse_store::Db::connect(&db.url, lotse_store::db::PoolSettings::default()).await.unwrap()
        .with_keys(lotse_store::crypto::DataKeys::parse(&format!("{new},{}", lotse_testkit::TEST_DATA_KEYS)).unwrap());
    assert_eq!(credential::seal_plain_secrets(&rotated).await.unwrap(), 0);
    assert_eq!(credential::reseal_secrets(&rotated).await.unwrap(), 1);
    rotated.close().await;
    assert_eq!(lotse_store::crypto::DataKeys::key_id(&stored(&db.db, lea).await), Some("k2"));
    let only_new = lotse_store::Db::connect(&db.url, lotse_store::db::PoolSettings::default()).await.unwrap()
        .with_keys(lotse_store::crypto::DataKeys::parse(&new).unwrap());
    assert_eq!(credential::second_factor(&only_new, lea).await.unwrap().unwrap().secret, SECRET);
    only_new.close().await;

    // Without data keys the factor is refused with the data-key message, never read.
    let bare = lotse_store::Db::connect(&db.url, lotse_store::db::PoolSettings::default()).await.unwrap();
    let err = credential::second_factor(&bare, lea).await.unwrap_err();
    assert!(matches!(err, StoreError::NoDataKey), "{err}");
    let mut tx = bare.begin().await.unwrap();
    let err = credential::begin_second_factor(&mut tx, lea, SECRET, fixed_now()).await.unwrap_err();
    assert!(matches!(err, StoreError::NoDataKey), "{err}");
    drop(tx);
    bare.close().await;
});
