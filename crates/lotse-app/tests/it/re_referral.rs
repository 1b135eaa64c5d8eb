//! Re-referral, on both engines: the person of a case closed at the facility is taken on again
//! by a link worker of that facility (a new case, accepted, with a new care consent; the same
//! person); an open case is refused naming its state, wrong fields are named, other roles and
//! facilities find nothing, and a refusal writes nothing.

use lotse_app::FixedClock;
use lotse_app::case_record;
use lotse_app::re_referral::{self, ReReferralForm};
use lotse_app::referral_work::{self, WorkError, WorkStep};
use lotse_domain::consent::ConsentPurpose;
use lotse_domain::field::FieldProblem;
use lotse_domain::referral::{ClosingReason, ReferralState};
use lotse_domain::user::Role;
use lotse_store::Db;
use lotse_testkit::world::World;
use lotse_testkit::{fixed_now, storage_test};

use crate::data_protection::as_member;

/// Rows of the tables a re-referral writes to: people, cases, referrals, consents.
async fn counts(db: &Db) -> [i64; 4] {
    let mut out = [0; 4];
    for (i, table) in ["patient", "case_file", "referral", "consent"].iter().enumerate() {
        let sql = format!("select count(*) from {table}");
        out[i] = lotse_store::on_pool!(db, p => sqlx::query_scalar(&sql).fetch_one(p).await).unwrap();
    }
    out
}

fn form(source: &str, care: bool, given_by: &str) -> ReReferralForm {
    ReReferralForm {
        source: source.into(),
        care,
        research: false,
        given_by: given_by.into(),
    }
}

storage_test!(async fn a_closed_case_is_taken_on_again_as_a_new_case_of_the_same_person(db) {
    let world = World::build(db, "rereferral").await;
    let clock = FixedClock::new(fixed_now());
    let lotsin = as_member(db, &world, "lotsin-wieder", Role::LinkWorker, Some(world.orgs.facility)).await;
    let issued = world.issued_case(db, "Wieder", world.orgs.facility).await;
    let case = issued.case;
    referral_work::accept(&db.db, &clock, &lotsin, case, 1).await.unwrap();

    // Still open: refused, naming where it stands.
    let before = counts(&db.db).await;
    let open = re_referral::re_refer(&db.db, &clock, &lotsin, "", case, &form("self", true, "")).await;
    assert!(
        matches!(open, Err(WorkError::Refused { state: ReferralState::Accepted, step: WorkStep::ReRefer })),
        "{open:?}"
    );
    assert_eq!(counts(&db.db).await, before, "a refusal writes nothing");

    let care_consents = |record: &case_record::CaseRecord| {
        record.consents.iter().filter(|c| c.purpose == ConsentPurpose::Care).count()
    };
    let first = case_record::view_case(&db.db, &clock, &lotsin, case).await.unwrap();
    let steps = referral_work::next_steps(&db.db, &clock, &lotsin, case).await.unwrap().unwrap();
    referral_work::close(&db.db, &clock, &lotsin, case, ClosingReason::GoalsMet, steps.version)
        .await
        .unwrap();

    // Every wrong field at once; nothing written.
    let before = counts(&db.db).await;
    let Err(WorkError::Invalid(errors)) =
        re_referral::re_refer(&db.db, &clock, &lotsin, "", case, &form("doctor", false, "neighbour")).await
    else {
        panic!("wrong fields must be refused");
    };
    let named: Vec<(&str, FieldProblem)> = errors.iter().map(|e| (e.field.as_str(), e.problem)).collect();
    assert_eq!(
        named,
        vec![
            ("source", FieldProblem::UnknownCode),
            ("consent_care", FieldProblem::ConsentRequired),
            ("consent_given_by", FieldProblem::UnknownCode),
        ]
    );
    assert_eq!(counts(&db.db).await, before);

    // Another facility's link worker, the prescriber, the provider: not found, nothing written.
    let elsewhere = as_member(db, &world, "lotsin-anderswo", Role::LinkWorker, Some(world.orgs.other_facility)).await;
    let doctor = as_member(db, &world, "dr-wieder", Role::Prescriber, Some(world.orgs.practice)).await;
    let provider = as_member(db, &world, "traeger-wieder", Role::OfferProvider, Some(world.orgs.provider)).await;
    for who in [&elsewhere, &doctor, &provider] {
        let refused = re_referral::re_refer(&db.db, &clock, who, "", case, &form("self", true, "")).await;
        assert!(matches!(refused, Err(WorkError::NotFound)), "{refused:?}");
    }
    assert_eq!(counts(&db.db).await, before);

    // Taken on again: a new case, accepted at once; a new referral and care consent; no new person.
    let new_case = re_referral::re_refer(&db.db, &clock, &lotsin, "", case, &form("social-services", true, "legal_representative"))
        .await
        .unwrap();
    assert_ne!(new_case, case);
    let after = counts(&db.db).await;
    assert_eq!(after, [before[0], before[1] + 1, before[2] + 1, before[3] + 1], "{before:?} → {after:?}");
    let steps = referral_work::next_steps(&db.db, &clock, &lotsin, new_case).await.unwrap().unwrap();
    assert_eq!(steps.state, ReferralState::Accepted);
    assert!(steps.steps.contains(&WorkStep::Reached), "{steps:?}");
    let record = case_record::view_case(&db.db, &clock, &lotsin, new_case).await.unwrap();
    assert_eq!(
        (record.identity.given_name.as_str(), record.identity.family_name.as_str()),
        ("Ilse", "Wieder"),
        "the same person"
    );
    let states: Vec<&str> = record.referrals.iter().map(|r| r.state.as_str()).collect();
    assert!(states.contains(&"closed") && states.contains(&"accepted"), "{states:?}");
    assert_eq!(care_consents(&record), care_consents(&first) + 1, "one new care consent");

    // The person now has an open case here: the closed one cannot be taken on a second time.
    let twice = re_referral::re_refer(&db.db, &clock, &lotsin, "", case, &form("self", true, "")).await;
    assert!(matches!(twice, Err(WorkError::NotFound)), "{twice:?}");
});
