//! The follow-up job with a moved clock, on both engines: an onward referral sent and not
//! answered puts "provider silent" on the worklist after the programme's N working days and
//! lapses after M (its links stop, the worklist says to pick the next offer), written and
//! audited as `system:follow-up`; a second run changes nothing; an answered one never lapses;
//! on PostgreSQL a runner holding the lock makes another skip. A conversation note naming the
//! next conversation puts "follow-up due" on the worklist until a later note.
//!
//! The dates are counted by hand on the NRW calendar: `fixed_now` is Monday 2 November 2026,
//! 09:30 UTC, and November 2026 has no public holiday in North Rhine-Westphalia.

use lotse_app::FixedClock;
use lotse_app::admin::{self, LinkWorkChanges};
use lotse_app::capability;
use lotse_app::email::Relays;
use lotse_app::follow_up::{self, FollowUpReport};
use lotse_app::onward::{self, OnwardError};
use lotse_domain::capability::CapabilityPurpose;
use lotse_domain::consent::SharedField;
use lotse_domain::field::FieldProblem;
use lotse_domain::onward_referral::{OnwardReferralState, ProviderAnswer};
use lotse_store::Engine;
use lotse_testkit::world::{IssuedCase, World};
use lotse_testkit::{TestDb, fixed_now, storage_test};
use time::macros::date;
use time::{Date, Duration};

use crate::onward::{accepted, audit_after, events, send, sharing};

/// The next action stored on the case's referral: (kind, due date).
async fn next_action(db: &TestDb, issued: &IssuedCase) -> (Option<String>, Option<Date>) {
    lotse_store::on_pool!(&db.db, p => sqlx::query_as(
        "select next_action_kind, next_action_due from referral where referral_id = $1"
    )
    .bind(issued.referral.as_uuid())
    .fetch_one(p)
    .await)
    .unwrap()
}

/// What the job did in the world's programme.
fn report_of(reports: &[FollowUpReport], world: &World) -> FollowUpReport {
    reports
        .iter()
        .find(|r| r.programme == world.programme.slug.as_str())
        .cloned()
        .unwrap()
}

/// The baseline questionnaire far off (60 working days), so the onward referral's actions are
/// the case's next ones.
async fn late_baseline(db: &TestDb, world: &World, clock: &FixedClock) {
    let changes = LinkWorkChanges {
        baseline_questionnaire_working_days: Some("60".into()),
        ..LinkWorkChanges::default()
    };
    admin::set_link_work(&db.db, clock, world.programme.slug.as_str(), &changes)
        .await
        .unwrap();
}

/// The clock at 09:30 UTC on `day`.
fn at(day: Date) -> FixedClock {
    FixedClock::new(day.with_time(time::macros::time!(09:30)).assume_utc())
}

storage_test!(async fn an_unanswered_onward_referral_is_flagged_then_lapses_and_a_second_run_changes_nothing(db) {
    let world = World::build(db, "follow-up-lapse").await;
    let clock = FixedClock::new(fixed_now());
    late_baseline(db, &world, &clock).await;
    let (issued, onward, lotsin) = accepted(db, &world, "Stille").await;
    let link = onward::send(&db.db, &clock, &lotsin, issued.case, onward, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();
    // Sent Monday 2 November: silent after 5 working days, Monday 9 November.
    assert_eq!(
        next_action(db, &issued).await,
        (Some("provider_silent".into()), Some(date!(2026 - 11 - 09)))
    );
    // The programme's N moves it: 3 working days, Thursday 5 November.
    let changes = LinkWorkChanges {
        provider_silent_working_days: Some("3".into()),
        ..LinkWorkChanges::default()
    };
    admin::set_link_work(&db.db, &clock, world.programme.slug.as_str(), &changes)
        .await
        .unwrap();
    assert_eq!(
        next_action(db, &issued).await,
        (Some("provider_silent".into()), Some(date!(2026 - 11 - 05)))
    );

    // M = 15 working days: it lapses on Monday 23 November, not on Friday the 20th.
    let audited = audit_after(db, 0).await.len();
    let friday = at(date!(2026 - 11 - 20));
    let reports = follow_up::run(&db.db, &friday, &Relays::none()).await.unwrap();
    assert_eq!(report_of(&reports, &world), FollowUpReport { programme: world.programme.slug.as_str().into(), lapsed: 0, reminded: 0, skipped: false });
    assert_eq!(audit_after(db, 0).await.len(), audited, "a run that lapses nothing writes nothing");

    let monday = at(date!(2026 - 11 - 23));
    let reports = follow_up::run(&db.db, &monday, &Relays::none()).await.unwrap();
    assert_eq!(report_of(&reports, &world).lapsed, 1);
    let written: Vec<(String, String, String)> = audit_after(db, audited).await;
    assert_eq!(
        written,
        vec![
            ("system:follow-up".into(), "update".into(), "onward_referral".into()),
            ("system:follow-up".into(), "update".into(), "capability".into()),
        ]
    );
    let detail = onward::detail(&db.db, &monday, &lotsin, issued.case, onward).await.unwrap();
    assert_eq!(detail.state, OnwardReferralState::Lapsed);
    let last = events(db, &world, onward).await.pop().unwrap();
    assert!(last.0.contains("\"lapsed\""), "{last:?}");
    assert_eq!(last.1, "system:follow-up");
    // The provider's link stops with it.
    let verified = capability::verify(&db.db, &monday, &link.token.text(), CapabilityPurpose::OnwardReferralAnswer)
        .await
        .unwrap();
    assert!(verified.is_none(), "the link of a lapsed onward referral works no more");
    // No onward referral is open: the worklist says to pick the next offer, from the lapse on.
    assert_eq!(
        next_action(db, &issued).await,
        (Some("next_offer_due".into()), Some(date!(2026 - 11 - 23)))
    );
    // A late answer is refused where it stands.
    let late = onward::record_answer(&db.db, &monday, &lotsin, issued.case, onward, ProviderAnswer::Accept, detail.version).await;
    assert!(matches!(late, Err(OnwardError::Refused(OnwardReferralState::Lapsed))), "{late:?}");

    // Idempotent: the same run again, and a later one, change nothing.
    let audited = audit_after(db, 0).await.len();
    for clock in [monday, at(date!(2027 - 02 - 01))] {
        let reports = follow_up::run(&db.db, &clock, &Relays::none()).await.unwrap();
        assert_eq!(report_of(&reports, &world).lapsed, 0);
    }
    assert_eq!(audit_after(db, 0).await.len(), audited);
    assert_eq!(events(db, &world, onward).await.len(), usize::try_from(detail.version).unwrap());
});

storage_test!(async fn an_answered_onward_referral_never_lapses(db) {
    let world = World::build(db, "follow-up-answered").await;
    let clock = FixedClock::new(fixed_now());
    late_baseline(db, &world, &clock).await;
    let (issued, onward, lotsin) = accepted(db, &world, "Antwort").await;
    onward::send(&db.db, &clock, &lotsin, issued.case, onward, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();
    onward::record_answer(&db.db, &clock, &lotsin, issued.case, onward, ProviderAnswer::Accept, 3)
        .await
        .unwrap();
    // Answered: no provider to chase, nothing to replace (the baseline is the next action).
    assert_eq!(next_action(db, &issued).await.0.as_deref(), Some("questionnaire_due"));
    let much_later = FixedClock::new(fixed_now() + Duration::days(120));
    let reports = follow_up::run(&db.db, &much_later, &Relays::none()).await.unwrap();
    assert_eq!(report_of(&reports, &world).lapsed, 0);
    let detail = onward::detail(&db.db, &much_later, &lotsin, issued.case, onward).await.unwrap();
    assert_eq!(detail.state, OnwardReferralState::Acknowledged);
});

storage_test!(async fn a_runner_holding_the_programmes_lock_makes_another_skip(db) {
    let world = World::build(db, "follow-up-lock").await;
    let clock = FixedClock::new(fixed_now());
    let (issued, onward, lotsin) = accepted(db, &world, "Sperre").await;
    onward::send(&db.db, &clock, &lotsin, issued.case, onward, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();
    let due = at(date!(2026 - 11 - 23));
    if db.db.engine() == Engine::Postgres {
        // Another instance's runner, mid-run.
        let mut other = db.db.begin().await.unwrap();
        assert!(lotse_store::follow_up::try_lock(&mut other, &world.scope).await.unwrap());
        let reports = follow_up::run(&db.db, &due, &Relays::none()).await.unwrap();
        assert_eq!(report_of(&reports, &world), FollowUpReport { programme: world.programme.slug.as_str().into(), lapsed: 0, reminded: 0, skipped: true });
        // Ended (a commit: it wrote nothing), which releases the lock at once; a dropped
        // transaction is rolled back later, when sqlx next uses its connection.
        other.commit().await.unwrap();
    } else {
        eprintln!("SQLite: one process serves the file, and its write transaction is the lock");
    }
    let reports = follow_up::run(&db.db, &due, &Relays::none()).await.unwrap();
    assert_eq!(report_of(&reports, &world).lapsed, 1);
});

storage_test!(async fn the_next_follow_up_questionnaire_is_due_the_programmes_weeks_after_the_latest(db) {
    let world = World::build(db, "follow-up-questionnaire").await;
    let clock = FixedClock::new(fixed_now());
    let (issued, _, lotsin) = accepted(db, &world, "Fragebogen").await;
    // Contacted Monday 2 November: the baseline is due 10 working days later, Monday 16th.
    assert_eq!(
        next_action(db, &issued).await,
        (Some("questionnaire_due".into()), Some(date!(2026 - 11 - 16)))
    );
    let answers: Vec<String> = ["3", "3", "2", "2", "3"].iter().map(ToString::to_string).collect();
    lotse_app::questionnaires::record(
        &db.db,
        &clock,
        &lotsin,
        issued.case,
        lotse_domain::questionnaire::Instrument::Who5,
        lotse_domain::questionnaire::Timepoint::Baseline,
        &answers,
    )
    .await
    .unwrap();
    // Then the follow-up: 12 weeks after the baseline, Monday 25 January 2027.
    assert_eq!(
        next_action(db, &issued).await,
        (Some("questionnaire_due".into()), Some(date!(2027 - 01 - 25)))
    );
    // The programme's interval moves it: 4 weeks, Monday 30 November.
    let changes = LinkWorkChanges {
        follow_up_questionnaire_weeks: Some("4".into()),
        ..LinkWorkChanges::default()
    };
    admin::set_link_work(&db.db, &clock, world.programme.slug.as_str(), &changes)
        .await
        .unwrap();
    assert_eq!(
        next_action(db, &issued).await,
        (Some("questionnaire_due".into()), Some(date!(2026 - 11 - 30)))
    );
});

storage_test!(async fn a_backlog_lapses_in_batches_until_nothing_is_due(db) {
    use lotse_domain::onward_referral::OnwardReferralEvent as E;
    use lotse_store::referral::{NewOnwardReferral, Recorded};
    let world = World::build(db, "follow-up-backlog").await;
    // 450 onward referrals sent in January and never answered (nine batches of 50),
    // and one sent the day before the run, not yet due.
    let at = |day: u8| time::Date::from_calendar_date(2026, time::Month::January, day).unwrap().midnight().assume_utc();
    let sent = |days: &[(u8, u8, u8)]| -> Vec<NewOnwardReferral> {
        days.iter()
            .map(|&(p, a, s)| NewOnwardReferral {
                id: lotse_domain::id::OnwardReferralId::from_uuid(uuid::Uuid::new_v4()),
                case: world.case,
                history: vec![
                    Recorded { event: E::Proposed { offer: world.offer }, actor: "system:test".into(), at: at(p) },
                    Recorded { event: E::AcceptedByPerson, actor: "system:test".into(), at: at(a) },
                    Recorded { event: E::Sent, actor: "system:test".into(), at: at(s) },
                ],
            })
            .collect()
    };
    let mut items = sent(&[(5, 6, 7); 450]);
    items.extend(sent(&[(27, 28, 29)]));
    let mut tx = db.db.begin().await.unwrap();
    let access = lotse_store::audit::Access { at: at(7), purpose: lotse_domain::audit::AuditPurpose::Care };
    lotse_store::referral::insert_onward_many(&mut tx, &world.scope, access, &items).await.unwrap();
    tx.commit().await.unwrap();
    // Friday 30 January 2026: the 450 are long due, the one sent on the 29th is not.
    let clock = at(30);
    let reports = follow_up::run(&db.db, &FixedClock::new(clock), &Relays::none()).await.unwrap();
    assert_eq!(report_of(&reports, &world).lapsed, 450);
    let still_sent = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar::<_, i64>(
        "select count(*) from onward_referral where state = 'sent'"
    ).fetch_one(p).await).unwrap();
    assert_eq!(still_sent, 1, "the one not yet due stays sent");
    let reports = follow_up::run(&db.db, &FixedClock::new(clock), &Relays::none()).await.unwrap();
    assert_eq!(report_of(&reports, &world).lapsed, 0);
});

storage_test!(async fn a_note_naming_the_next_conversation_puts_a_follow_up_on_the_worklist(db) {
    let world = World::build(db, "follow-up-conversation").await;
    let clock = FixedClock::new(fixed_now());
    let (issued, _, lotsin) = accepted(db, &world, "Gespraech").await;
    // Contacted Monday 2 November: the baseline questionnaire is the next action.
    let baseline = (Some("questionnaire_due".to_owned()), Some(date!(2026 - 11 - 16)));
    assert_eq!(next_action(db, &issued).await, baseline);

    // The next conversation on Thursday 5 November (as German practices write dates).
    lotse_app::conversation::add_note(&db.db, &clock, &lotsin, issued.case, "Will es sich überlegen.", "05.11.2026")
        .await
        .unwrap();
    assert_eq!(next_action(db, &issued).await, (Some("follow_up_due".into()), Some(date!(2026 - 11 - 05))));
    let notes = lotse_app::conversation::notes(&db.db, &clock, &lotsin, issued.case).await.unwrap().unwrap();
    assert_eq!(notes[0].follow_up_on, Some(date!(2026 - 11 - 05)));

    // Wrong days are refused, each named, with the text's problem too; nothing is written.
    let notes_before = crate::onward::count(db, "select count(*) from case_note").await;
    for (body, day, expected) in [
        ("Text", "2026-11-02", vec![("follow_up_on", FieldProblem::DateNotAfterToday)]),
        ("Text", "gestern", vec![("follow_up_on", FieldProblem::Date)]),
        ("Text", "2027-11-04", vec![("follow_up_on", FieldProblem::DateTooFar)]),
        ("  ", "31.02.2027", vec![("body", FieldProblem::Required), ("follow_up_on", FieldProblem::Date)]),
    ] {
        match lotse_app::conversation::add_note(&db.db, &clock, &lotsin, issued.case, body, day).await {
            Err(lotse_app::referral_work::WorkError::Invalid(fields)) => {
                let got: Vec<(&str, FieldProblem)> = fields.iter().map(|f| (f.field.as_str(), f.problem)).collect();
                assert_eq!(got, expected, "{body:?} {day:?}");
            }
            other => panic!("{day}: {other:?}"),
        }
    }
    assert_eq!(crate::onward::count(db, "select count(*) from case_note").await, notes_before);

    // The conversation took place: a later note without a next one clears the follow-up.
    let thursday = at(date!(2026 - 11 - 05));
    lotse_app::conversation::add_note(&db.db, &thursday, &lotsin, issued.case, "Gespräch geführt.", "")
        .await
        .unwrap();
    assert_eq!(next_action(db, &issued).await, baseline);
});
