//! Closing a case and the message back to the practice, on both engines: the link worker
//! closes with a reason, closing again is refused naming the state, and the prescribing
//! practice then reads what was agreed, what came of the offers and the scores with their
//! change; another practice gets nothing.

use lotse_app::FixedClock;
use lotse_app::action_plan;
use lotse_app::onward;
use lotse_app::prescribe;
use lotse_app::questionnaires;
use lotse_app::referral_work::{self, WorkError, WorkStep};
use lotse_domain::action_plan::ActionPlanInput;
use lotse_domain::consent::SharedField;
use lotse_domain::message_back::ScoreChange;
use lotse_domain::onward_referral::{OnwardReferralState, ProviderAnswer};
use lotse_domain::questionnaire::{Instrument, Timepoint};
use lotse_domain::referral::{ClosingReason, ReferralState};
use lotse_domain::user::Role;
use lotse_testkit::world::World;
use lotse_testkit::{fixed_now, storage_test};
use time::Duration;

use crate::data_protection::as_member;
use crate::onward::{accepted, send, sharing};

fn answers(values: [u8; 5]) -> Vec<String> {
    values.iter().map(ToString::to_string).collect()
}

storage_test!(async fn a_closed_case_sends_its_message_back_to_the_practice(db) {
    let world = World::build(db, "closure").await;
    let clock = FixedClock::new(fixed_now());
    let (issued, onward, lotsin) = accepted(db, &world, "Abschluss").await;
    let case = issued.case;
    // Baseline WHO-5: raw score 8 (of 25; the stored total is the raw score).
    questionnaires::record(&db.db, &clock, &lotsin, case, Instrument::Who5, Timepoint::Baseline, &answers([2, 2, 2, 1, 1]))
        .await
        .unwrap();
    let plan = ActionPlanInput {
        goals: "Wieder unter Leute kommen\nEinmal die Woche singen".into(),
        milestones: vec![("Zur ersten Probe gehen".into(), "10.11.2026".into())],
        obstacles: String::new(),
        review_on: "03.12.2026".into(),
    };
    action_plan::save(&db.db, &clock, &lotsin, case, &plan, 0).await.unwrap();
    onward::send(&db.db, &clock, &lotsin, case, onward, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();
    onward::record_answer(&db.db, &clock, &lotsin, case, onward, ProviderAnswer::Attended, 3)
        .await
        .unwrap();
    // Follow-up WHO-5 three months later: raw score 15.
    clock.advance(Duration::days(90));
    questionnaires::record(&db.db, &clock, &lotsin, case, Instrument::Who5, Timepoint::FollowUp, &answers([3, 3, 3, 3, 3]))
        .await
        .unwrap();

    let doctor = as_member(db, &world, "dr-abschluss", Role::Prescriber, Some(world.orgs.practice)).await;
    let board = prescribe::board(&db.db, &clock, &doctor, None, 100).await.unwrap();
    let row = board.rows.iter().find(|r| r.case == Some(case)).unwrap();
    let before = prescribe::view(&db.db, &clock, &doctor, row.prescription).await.unwrap();
    assert_eq!(before.message_back, None, "no message back before the case closes");

    let steps = referral_work::next_steps(&db.db, &clock, &lotsin, case).await.unwrap().unwrap();
    assert!(steps.steps.contains(&WorkStep::Close), "{steps:?}");
    referral_work::close(&db.db, &clock, &lotsin, case, ClosingReason::GoalsMet, steps.version)
        .await
        .unwrap();
    // Closing again: refused, naming where it stands; nothing written.
    let again = referral_work::close(&db.db, &clock, &lotsin, case, ClosingReason::Other, steps.version + 1).await;
    assert!(
        matches!(
            again,
            Err(WorkError::Refused { state: ReferralState::Closed(ClosingReason::GoalsMet), step: WorkStep::Close })
        ),
        "{again:?}"
    );

    let view = prescribe::view(&db.db, &clock, &doctor, row.prescription).await.unwrap();
    assert_eq!(view.row.state.as_deref(), Some("closed"));
    assert_eq!(view.row.closing_reason.as_deref(), Some("goals_met"));
    let message = view.message_back.expect("the message back");
    assert_eq!(message.reason, ClosingReason::GoalsMet);
    assert_eq!(message.closed_at, fixed_now() + Duration::days(90));
    assert_eq!(message.goals, ["Wieder unter Leute kommen", "Einmal die Woche singen"]);
    assert_eq!(message.offers.len(), 1);
    assert_eq!(message.offers[0].2, OnwardReferralState::Attending);
    assert_eq!(
        message.scores,
        [ScoreChange {
            instrument: Instrument::Who5,
            baseline: Some(800),
            follow_up: Some(1500),
            change: Some(700),
        }]
    );
    assert!(view.timeline.iter().any(|(_, kind)| kind == "referral.closed"), "{:?}", view.timeline);

    // Another practice's prescriber sees nothing of it.
    let other = as_member(db, &world, "dr-anders", Role::Prescriber, Some(world.orgs.other_practice)).await;
    assert!(prescribe::view(&db.db, &clock, &other, row.prescription).await.is_err());
});
