//! Questionnaire responses are stored with their score and the version of the rules it was
//! scored by; answers the rules leave unscored keep the version and no total.

use lotse_domain::id::QuestionnaireResponseId;
use lotse_domain::questionnaire::{Answers, Instrument, QuestionnaireResponse, Timepoint};
use lotse_testkit::world::World;
use lotse_testkit::{fixed_now, storage_test};

use crate::fixtures::access;

type Stored = (
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    sqlx::types::Json<serde_json::Value>,
);

storage_test!(async fn scores_are_stored_with_the_version_of_their_rules(db) {
    let world = World::build(db, "scores").await;
    let response = |instrument, items: Vec<Option<u8>>| QuestionnaireResponse {
        id: QuestionnaireResponseId::from_uuid(uuid::Uuid::new_v4()),
        programme: world.programme.id,
        case: world.case,
        timepoint: Timepoint::Baseline,
        answers: Answers::parse(instrument, items).unwrap(),
        answered_at: fixed_now(),
 answered_by: lotse_domain::questionnaire::AnsweredBy::LinkWorkerWithPerson,
    };
    let responses = [
        // WHO-5 3+3+2+2+2 = 12: poor well-being; percentage 48.
        response(Instrument::Who5, vec![Some(3), Some(3), Some(2), Some(2), Some(2)]),
        // One item missing: the WHO-5 has no published imputation, so no score.
        response(Instrument::Who5, vec![Some(3), None, Some(2), Some(2), Some(2)]),
        // SWEMWBS raw 28 → metric 25.03 (the published conversion table).
        response(Instrument::Swemwbs, vec![Some(4); 7]),
    ];
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::person::insert_questionnaire_responses(&mut tx, &world.scope, access(), &responses).await.unwrap();
    tx.commit().await.unwrap();
    let mut stored = Vec::new();
    for r in &responses {
        let row: Stored = lotse_store::on_pool!(&db.db, p => sqlx::query_as(
            "select instrument, instrument_version, score_total, score_band, score_measures from questionnaire_response where response_id = $1",
        )
        .bind(r.id.as_uuid())
        .fetch_one(p)
        .await)
        .unwrap();
        stored.push(row);
    }
    let who5 = Instrument::Who5.version().to_owned();
    assert_eq!((stored[0].1.as_ref(), stored[0].2, stored[0].3.as_deref()), (Some(&who5), Some(1200), Some("poor_well_being")));
    assert_eq!(stored[0].4.0, serde_json::json!([{"code": "percentage", "hundredths": 4800, "band": null}]));
    assert_eq!((stored[1].1.as_ref(), stored[1].2, stored[1].3.as_deref()), (Some(&who5), None, None));
    assert_eq!(stored[2].2, Some(2503));
    assert_eq!(stored[2].1.as_deref(), Some(Instrument::Swemwbs.version()));
});
