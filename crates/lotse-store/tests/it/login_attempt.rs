//! Sign-in counters: counted before the check, locked at the limit, a new window after it.

use lotse_store::login_attempt::{self, Limits};
use lotse_testkit::{fixed_now, storage_test};

const LIMITS: Limits = Limits {
    max_failures: 3,
    window: time::Duration::minutes(15),
    lockout: time::Duration::minutes(10),
};

storage_test!(async fn counters_lock_at_the_limit_and_start_again_after_it(db) {
    let now = fixed_now();
    let count = |at: time::OffsetDateTime| async move {
        let mut tx = db.db.begin().await.unwrap();
        let counted = login_attempt::count(&mut tx, "k", at, &LIMITS).await.unwrap();
        tx.commit().await.unwrap();
        counted
    };
    let first = count(now).await;
    assert_eq!((first.failures, first.refused, first.locks(&LIMITS)), (1, false, false));
    count(now).await;
    let third = count(now).await;
    assert!(third.locks(&LIMITS) && !third.refused, "the third is checked and locks");
    assert_eq!(third.locked_until, Some(now + LIMITS.lockout));
    let fourth = count(now + time::Duration::minutes(9)).await;
    assert!(fourth.refused && !fourth.locks(&LIMITS), "locked: refused unchecked");
    // After the lock: a new window.
    let after = count(now + time::Duration::minutes(11)).await;
    assert_eq!((after.failures, after.refused), (1, false));
    // A right attempt takes its count back (and the lock it made).
    let mut tx = db.db.begin().await.unwrap();
    login_attempt::uncount(&mut tx, "k", &LIMITS).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(login_attempt::find(&db.db, "k").await.unwrap().unwrap().failures, 0);
    // Expired counters go.
    let mut tx = db.db.begin().await.unwrap();
    let later = now + time::Duration::minutes(11) + LIMITS.window;
    assert_eq!(login_attempt::delete_expired(&mut tx, later, LIMITS.window).await.unwrap(), 1);
    tx.commit().await.unwrap();
    assert!(login_attempt::find(&db.db, "k").await.unwrap().is_none());
});

storage_test!(async fn a_refusal_is_audited_once_per_period(db) {
    let now = fixed_now();
    let mut tx = db.db.begin().await.unwrap();
    login_attempt::count(&mut tx, "k", now, &LIMITS).await.unwrap();
    let minute = time::Duration::minutes(1);
    assert!(login_attempt::take_refusal_audit(&mut tx, "k", now, minute).await.unwrap());
    assert!(!login_attempt::take_refusal_audit(&mut tx, "k", now + time::Duration::seconds(59), minute).await.unwrap());
    assert!(login_attempt::take_refusal_audit(&mut tx, "k", now + minute, minute).await.unwrap());
    assert!(!login_attempt::take_refusal_audit(&mut tx, "unknown", now, minute).await.unwrap());
    tx.commit().await.unwrap();
});
