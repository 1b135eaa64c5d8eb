//! Capabilities: stored without their secret, used once (one statement, so of two parallel
//! uses exactly one succeeds), revocable, expiring, scoped to their programme.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::capability::{CapabilityPurpose, CapabilityToken, Refusal};
use lotse_domain::id::CapabilityId;
use lotse_store::capability::{self, NewCapability};
use lotse_store::{Db, on_pool};
use lotse_testkit::{fixed_now, storage_test};
use time::Duration;
use uuid::Uuid;

const PURPOSE: CapabilityPurpose = CapabilityPurpose::OnwardReferralAnswer;

async fn issue(db: &Db, scope: &ProgrammeScope, lifetime: Duration) -> CapabilityToken {
    let id = CapabilityId::from_uuid(Uuid::new_v4());
    let token = CapabilityToken::new(id, [7; 32]);
    let new = NewCapability {
        id,
        purpose: PURPOSE,
        object: Uuid::new_v4(),
        secret_hash: token.secret_hash(),
        created_at: fixed_now(),
        expires_at: fixed_now() + lifetime,
    };
    let mut tx = db.begin().await.unwrap();
    capability::insert(&mut tx, scope, &new).await.unwrap();
    tx.commit().await.unwrap();
    token
}

async fn redeem(db: &Db, scope: &ProgrammeScope, id: CapabilityId, minutes: i64) -> bool {
    let mut tx = db.begin().await.unwrap();
    let used = capability::redeem(&mut tx, scope, id, fixed_now() + Duration::minutes(minutes))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    used
}

storage_test!(async fn a_capability_is_stored_without_its_secret_and_used_once(db) {
    let (_, scope) = db.programme("cap").await;
    let token = issue(&db.db, &scope, Duration::hours(1)).await;
    let texts: Vec<String> = on_pool!(&db.db, p => sqlx::query_scalar("select secret_hash from capability").fetch_all(p).await).unwrap();
    assert_eq!(texts, vec![token.secret_hash()]);
    assert!(!texts[0].contains(&token.text()[32..]), "the secret is stored");
    let stored = capability::find(&db.db, token.id()).await.unwrap().unwrap();
    assert_eq!(stored.created_by, "system:admin");
    assert!(stored.check(&token, PURPOSE, fixed_now()).is_ok());

    assert!(redeem(&db.db, &scope, token.id(), 1).await);
    assert!(!redeem(&db.db, &scope, token.id(), 2).await, "a second use");
    let stored = capability::find(&db.db, token.id()).await.unwrap().unwrap();
    assert_eq!(stored.check(&token, PURPOSE, fixed_now()), Err(Refusal::Used));
});

storage_test!(async fn of_two_parallel_uses_exactly_one_succeeds(db) {
    let (_, scope) = db.programme("cap").await;
    for _ in 0..5 {
        let token = issue(&db.db, &scope, Duration::hours(1)).await;
        let (a, b) = tokio::join!(
            redeem(&db.db, &scope, token.id(), 1),
            redeem(&db.db, &scope, token.id(), 1)
        );
        assert!(a ^ b, "both or neither succeeded: {a} {b}");
    }
});

storage_test!(async fn a_revoked_an_expired_or_a_foreign_capability_is_not_used(db) {
    let (_, scope) = db.programme("cap").await;
    let (_, other) = db.programme("other").await;

    let revoked = issue(&db.db, &scope, Duration::hours(1)).await;
    let mut tx = db.db.begin().await.unwrap();
    assert!(!capability::revoke(&mut tx, &other, revoked.id(), fixed_now()).await.unwrap(), "another programme's");
    assert!(capability::revoke(&mut tx, &scope, revoked.id(), fixed_now()).await.unwrap());
    assert!(!capability::revoke(&mut tx, &scope, revoked.id(), fixed_now()).await.unwrap(), "twice");
    tx.commit().await.unwrap();
    assert!(!redeem(&db.db, &scope, revoked.id(), 1).await);

    let expiring = issue(&db.db, &scope, Duration::minutes(10)).await;
    assert!(!redeem(&db.db, &scope, expiring.id(), 10).await, "at its expiry");

    let foreign = issue(&db.db, &scope, Duration::hours(1)).await;
    assert!(!redeem(&db.db, &other, foreign.id(), 1).await, "with another programme's scope");
    let mut tx = db.db.begin().await.unwrap();
    assert!(capability::get(&mut tx, &other, foreign.id()).await.unwrap().is_none());
    assert!(capability::get(&mut tx, &scope, foreign.id()).await.unwrap().is_some());
    tx.commit().await.unwrap();
    assert!(redeem(&db.db, &scope, foreign.id(), 1).await);
});

storage_test!(async fn a_capability_is_expired_in_the_second_after_its_expiry(db) {
    // SQLite stores times as RFC 3339 text with as many fraction digits as they need: as text,
    // `…:00Z` sorts after `…:00.5Z`, so a plain comparison would still accept this use.
    let (_, scope) = db.programme("cap").await;
    let token = issue(&db.db, &scope, Duration::hours(1)).await;
    let mut tx = db.db.begin().await.unwrap();
    let late = fixed_now() + Duration::hours(1) + Duration::milliseconds(500);
    assert!(!capability::redeem(&mut tx, &scope, token.id(), late).await.unwrap(), "used half a second after expiry");
    let early = fixed_now() + Duration::hours(1) - Duration::milliseconds(500);
    assert!(capability::redeem(&mut tx, &scope, token.id(), early).await.unwrap(), "used half a second before expiry");
    tx.commit().await.unwrap();
});
