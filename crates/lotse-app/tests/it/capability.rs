//! Capabilities through the use cases: issued with the secret returned once, verified, used
//! once, revoked; refusals audited as the capability, with ids only.

use lotse_app::FixedClock;
use lotse_app::access::AccessError;
use lotse_app::capability;
use lotse_app::principal::Principal;
use lotse_domain::capability::{CapabilityPurpose, CapabilityToken};
use lotse_domain::policy::{Action, Subject};
use lotse_store::Db;
use lotse_testkit::{fixed_now, storage_test};
use time::Duration;
use uuid::Uuid;

const PURPOSE: CapabilityPurpose = CapabilityPurpose::OnwardReferralAnswer;

/// (actor, action, object kind) of every audit entry, in order.
async fn audit(db: &Db) -> Vec<(String, String, String)> {
    lotse_store::on_pool!(db, p => sqlx::query_as("select actor, action, object_kind from audit_entry order by programme_key, seq").fetch_all(p).await)
        .unwrap()
}

storage_test!(async fn a_capability_verifies_until_it_is_used_and_acts_as_itself(db) {
    let (_, scope) = db.programme("cap").await;
    let clock = FixedClock::new(fixed_now());
    let object = Uuid::new_v4();
    let issued = capability::issue(&db.db, &clock, &scope, PURPOSE, object, Duration::days(7)).await.unwrap();
    assert_eq!(issued.expires_at, fixed_now() + Duration::days(7));
    let token = issued.token.text();

    let verified = capability::verify(&db.db, &clock, &token, PURPOSE).await.unwrap().unwrap();
    assert_eq!(verified.object(), object);
    let principal = Principal::capability(verified.clone());
    assert_eq!(principal.scope().actor().reference(), format!("capability:{}", issued.id));
    assert!(principal.membership().is_none());
    assert!(!principal.may(Action::ViewCase), "a capability does no member's action");
    assert!(!principal.decide(Action::ViewProgramme, Subject::Programme(scope.programme())).is_allowed());

    // Verifying twice uses nothing up; the use does, once.
    assert!(capability::verify(&db.db, &clock, &token, PURPOSE).await.unwrap().is_some());
    let mut tx = db.db.begin().await.unwrap();
    assert!(capability::redeem(&mut tx, fixed_now(), &verified).await.unwrap());
    assert!(!capability::redeem(&mut tx, fixed_now(), &verified).await.unwrap());
    tx.commit().await.unwrap();
    assert!(capability::verify(&db.db, &clock, &token, PURPOSE).await.unwrap().is_none(), "used");

    let id = issued.id.to_string();
    let entries = audit(&db.db).await;
    let expected = [
        ("system:admin".to_owned(), "create", "capability"),
        (format!("capability:{id}"), "update", "capability"),
        (format!("capability:{id}"), "access_denied", "capability"),
    ];
    let got: Vec<(String, &str, &str)> = entries
        .iter()
        .filter(|(_, _, kind)| kind == "capability")
        .map(|(a, b, c)| (a.clone(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(got, expected.to_vec());
});

storage_test!(async fn capability_ids_are_time_ordered_so_their_audit_entries_lie_together(db) {
    let (_, scope) = db.programme("cap").await;
    let clock = FixedClock::new(fixed_now());
    let mut ids = Vec::new();
    for _ in 0..20 {
        let issued = capability::issue(&db.db, &clock, &scope, PURPOSE, Uuid::new_v4(), Duration::hours(1)).await.unwrap();
        assert_eq!(issued.id.as_uuid().get_version_num(), 7, "{}", issued.id);
        ids.push(issued.id.as_uuid());
    }
    // Each one after the one before: the actors `capability:<id>` sort in the order issued.
    assert!(ids.windows(2).all(|w| w[0].to_string() < w[1].to_string()), "{ids:?}");
});

storage_test!(async fn every_bad_link_is_refused_alike_and_refusals_do_not_flood_the_audit(db) {
    let (_, scope) = db.programme("cap").await;
    let clock = FixedClock::new(fixed_now());
    let issued = capability::issue(&db.db, &clock, &scope, PURPOSE, Uuid::new_v4(), Duration::hours(1)).await.unwrap();
    let token = issued.token.text();
    let wrong_secret = CapabilityToken::new(issued.id, [1; 32]).text();
    let unknown = CapabilityToken::new(lotse_domain::id::CapabilityId::from_uuid(Uuid::new_v4()), [1; 32]).text();
    for bad in ["", "x", &token[..95], &token.to_uppercase(), &wrong_secret, &unknown, &wrong_secret, &wrong_secret] {
        assert!(capability::verify(&db.db, &clock, bad, PURPOSE).await.unwrap().is_none(), "{bad}");
    }
    let denials = audit(&db.db).await.into_iter().filter(|(_, action, _)| action == "access_denied").count();
    assert_eq!(denials, 1, "one entry per capability and window; none for an unknown or malformed link");

    let later = FixedClock::new(fixed_now() + Duration::hours(1));
    assert!(capability::verify(&db.db, &later, &token, PURPOSE).await.unwrap().is_none(), "expired");

    assert!(capability::verify(&db.db, &clock, &token, PURPOSE).await.unwrap().is_some());
    assert!(capability::revoke(&db.db, &clock, &scope, issued.id).await.unwrap());
    assert!(!capability::revoke(&db.db, &clock, &scope, issued.id).await.unwrap(), "twice");
    assert!(capability::verify(&db.db, &clock, &token, PURPOSE).await.unwrap().is_none(), "revoked");
    let updates = audit(&db.db).await.into_iter().filter(|(actor, action, _)| actor == "system:admin" && action == "update").count();
    assert_eq!(updates, 1, "the revocation, by the revoker");
});

storage_test!(async fn a_lifetime_outside_the_bounds_is_refused_and_nothing_is_written(db) {
    let (_, scope) = db.programme("cap").await;
    let clock = FixedClock::new(fixed_now());
    for lifetime in [Duration::ZERO, Duration::seconds(59), Duration::days(31), Duration::days(-1)] {
        let err = capability::issue(&db.db, &clock, &scope, PURPOSE, Uuid::new_v4(), lifetime).await.unwrap_err();
        assert!(matches!(err, AccessError::Invalid(ref m) if m.contains("30 days")), "{err}");
    }
    let rows: i64 = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from capability").fetch_one(p).await).unwrap();
    assert_eq!(rows, 0);
});
