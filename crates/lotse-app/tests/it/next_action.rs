//! The link worker's worklist ordered by next action, on both engines: referrals in every
//! state with events at chosen dates around Easter 2026 (an NRW programme: Karfreitag 3 April
//! and Ostermontag 6 April are holidays), read at a fixed clock, give the order, kinds, due
//! dates and counts written out below by hand; the kind filter keeps one kind and refuses an
//! unknown one; the programme's holiday calendar moves a due date; the next action kept on
//! each referral's row follows a plan, an erasure and the upkeep of an older database.

use lotse_app::FixedClock;
use lotse_app::access::AccessError;
use lotse_app::case_record::{self, Worklist};
use lotse_domain::audit::AuditPurpose;
use lotse_domain::id::{CaseId, QuestionnaireResponseId};
use lotse_domain::next_action::NextActionKind as K;
use lotse_domain::questionnaire::{Answers, Instrument, QuestionnaireResponse, Timepoint};
use lotse_domain::referral::{ClosingReason, ReferralEvent as E};
use lotse_domain::user::Role;
use lotse_store::audit::Access;
use lotse_testkit::world::World;
use lotse_testkit::{TestDb, storage_test};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

use crate::data_protection::as_member;

/// Wednesday 1 April 2026, 12:00 in Düsseldorf (CEST, UTC+2).
const NOW: OffsetDateTime = datetime!(2026-04-01 10:00 UTC);

/// A time on a day of March or April 2026, UTC.
fn t(month: u8, day: u8, hour: u8) -> OffsetDateTime {
    let month = time::Month::try_from(month).unwrap();
    Date::from_calendar_date(2026, month, day)
        .unwrap()
        .with_hms(hour, 0, 0)
        .unwrap()
        .assume_utc()
}

/// The cases: family name and referral history. All at the world's second facility, which
/// holds nothing else.
fn histories(world: &World) -> Vec<(&'static str, Vec<(E, OffsetDateTime)>)> {
    let issued = |at| {
        (
            E::Issued {
                link_facility: world.orgs.other_facility,
            },
            at,
        )
    };
    vec![
        // Issued Monday 30 March: accept by the next working day, Tuesday 31 March (overdue).
        ("Anna", vec![issued(t(3, 30, 8))]),
        // Issued 31 March at 22:30 UTC, which is already 1 April in Düsseldorf: due Thursday 2 April.
        ("Bert", vec![issued(datetime!(2026-03-31 22:30 UTC))]),
        // Accepted Monday 23 March: first contact due 5 working days later, Monday 30 March;
        // today is after that.
        ("Clara", vec![issued(t(3, 20, 8)), (E::Accepted, t(3, 23, 9))]),
        // Accepted Monday 30 March: 31 March, 1, 2, (3 and 6 April are holidays), 7, 8 April.
        ("Dora", vec![issued(t(3, 27, 8)), (E::Accepted, t(3, 30, 9))]),
        // A failed attempt on Tuesday 31 March: the next is due 2 working days later, 2 April
        // (a tie with Bert; a new referral comes first).
        (
            "Emil",
            vec![
                issued(t(3, 20, 8)),
                (E::Accepted, t(3, 23, 9)),
                (E::ContactAttemptFailed, t(3, 31, 9)),
            ],
        ),
        // Contacted Tuesday 31 March, no baseline questionnaire: due 10 working days later
        // (1, 2, 7, 8, 9, 10, 13, 14, 15, 16 April).
        (
            "Frida",
            vec![
                issued(t(3, 13, 8)),
                (E::Accepted, t(3, 16, 9)),
                (E::Contacted, t(3, 31, 9)),
            ],
        ),
        // Contacted, baseline questionnaire done (added below, Wednesday 25 March): the follow-up
        // questionnaire 12 weeks later, Wednesday 17 June.
        (
            "Gustav",
            vec![
                issued(t(3, 13, 8)),
                (E::Accepted, t(3, 16, 9)),
                (E::Contacted, t(3, 20, 9)),
            ],
        ),
        // Unreachable after three attempts, no follow-up scheduled: nothing due.
        (
            "Hanna",
            vec![
                issued(t(3, 13, 8)),
                (E::Accepted, t(3, 16, 9)),
                (E::ContactAttemptFailed, t(3, 17, 9)),
                (E::ContactAttemptFailed, t(3, 19, 9)),
                (E::ContactAttemptFailed, t(3, 23, 9)),
                (E::MarkedUnreachable { attempts_required: 3 }, t(3, 24, 9)),
            ],
        ),
        // Closed: not on the worklist.
        (
            "Ingo",
            vec![
                issued(t(3, 13, 8)),
                (
                    E::Closed {
                        reason: ClosingReason::Declined,
                    },
                    t(3, 16, 9),
                ),
            ],
        ),
    ]
}

/// The expected worklist, written by hand from the rules (not computed): family name, kind
/// and due date (`None`: nothing due).
fn oracle() -> Vec<(&'static str, Option<(K, Date)>)> {
    vec![
        ("Clara", Some((K::FirstContactOverdue, date!(2026 - 03 - 30)))),
        ("Anna", Some((K::New, date!(2026 - 03 - 31)))),
        ("Bert", Some((K::New, date!(2026 - 04 - 02)))),
        ("Emil", Some((K::ContactAttemptDue, date!(2026 - 04 - 02)))),
        ("Dora", Some((K::FirstContactDue, date!(2026 - 04 - 08)))),
        ("Frida", Some((K::QuestionnaireDue, date!(2026 - 04 - 16)))),
        ("Gustav", Some((K::QuestionnaireDue, date!(2026 - 06 - 17)))),
        ("Hanna", None),
    ]
}

/// Builds the cases; returns the case of each family name.
async fn build(db: &TestDb, world: &World) -> Vec<(&'static str, CaseId)> {
    let mut cases = Vec::new();
    for (family, history) in histories(world) {
        let made = world
            .case_with_history(db, family, world.orgs.other_facility, history)
            .await;
        cases.push((family, made.case));
    }
    let gustav = cases.iter().find(|(f, _)| *f == "Gustav").unwrap().1;
    let response = QuestionnaireResponse {
        id: QuestionnaireResponseId::from_uuid(uuid::Uuid::new_v4()),
        programme: world.programme.id,
        case: gustav,
        timepoint: Timepoint::Baseline,
        answers: Answers::parse(Instrument::Who5, vec![Some(3); 5]).unwrap(),
        answered_at: t(3, 25, 9),
        answered_by: lotse_domain::questionnaire::AnsweredBy::LinkWorkerWithPerson,
    };
    // A follow-up response does not count as the baseline.
    let frida = cases.iter().find(|(f, _)| *f == "Frida").unwrap().1;
    let follow_up = QuestionnaireResponse {
        id: QuestionnaireResponseId::from_uuid(uuid::Uuid::new_v4()),
        case: frida,
        timepoint: Timepoint::FollowUp,
        ..response.clone()
    };
    let access = Access {
        at: t(3, 25, 9),
        purpose: AuditPurpose::Care,
    };
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::person::insert_questionnaire_responses(&mut tx, &world.scope, access, &[response, follow_up])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    cases
}

/// The worklist as (family name, kind and due date).
fn seen(list: &Worklist) -> Vec<(String, Option<(K, Date)>)> {
    list.rows
        .iter()
        .map(|r| {
            let family = r.name.rsplit(' ').next().unwrap().to_owned();
            (family, r.next.map(|n| (n.kind, n.due_on)))
        })
        .collect()
}

fn expected(rows: &[(&'static str, Option<(K, Date)>)]) -> Vec<(String, Option<(K, Date)>)> {
    rows.iter().map(|(f, n)| ((*f).to_owned(), *n)).collect()
}

storage_test!(async fn the_link_workers_worklist_is_ordered_by_next_action(db) {
    let world = World::build(db, "next-action").await;
    build(db, &world).await;
    let clock = FixedClock::new(NOW);
    let lotsin = as_member(db, &world, "lotsin-next", Role::LinkWorker, Some(world.orgs.other_facility)).await;

    let list = case_record::next_action_worklist(&db.db, &clock, &lotsin, 100, None).await.unwrap();
    assert_eq!(list.today, date!(2026 - 04 - 01));
    assert_eq!(seen(&list), expected(&oracle()));
    let overdue: Vec<bool> = list.rows.iter().filter_map(|r| r.next).map(|n| n.is_overdue(list.today)).collect();
    assert_eq!(overdue, [true, true, false, false, false, false, false]);
    assert_eq!(
        list.counts,
        [
            (K::FirstContactOverdue, 1),
            (K::New, 2),
            (K::FirstContactDue, 1),
            (K::ContactAttemptDue, 1),
            (K::ProviderSilent, 0),
            (K::NextOfferDue, 0),
            (K::PlanReviewDue, 0),
            (K::FollowUpDue, 0),
            (K::QuestionnaireDue, 2),
        ]
    );
    // The plain worklist gives the same order to a link worker.
    let plain = case_record::worklist(&db.db, &clock, &lotsin, 100).await.unwrap();
    assert_eq!(plain, list.rows);
    // The limit cuts after ordering.
    let two = case_record::next_action_worklist(&db.db, &clock, &lotsin, 2, None).await.unwrap();
    assert_eq!(seen(&two), expected(&oracle()[..2]));
    assert_eq!(two.counts, list.counts, "counts are over all open cases");
});

storage_test!(async fn the_worklist_filters_by_kind_and_refuses_an_unknown_kind(db) {
    let world = World::build(db, "next-filter").await;
    build(db, &world).await;
    let clock = FixedClock::new(NOW);
    let lotsin = as_member(db, &world, "lotsin-filter", Role::LinkWorker, Some(world.orgs.other_facility)).await;

    let kind = case_record::parse_kind("new").unwrap();
    let list = case_record::next_action_worklist(&db.db, &clock, &lotsin, 100, Some(kind)).await.unwrap();
    let only_new: Vec<_> = oracle().into_iter().filter(|(_, n)| n.is_some_and(|(k, _)| k == K::New)).collect();
    assert_eq!(seen(&list), expected(&only_new));
    assert_eq!(list.counts.iter().map(|(_, n)| n).sum::<usize>(), 7, "counts ignore the filter");
    let overdue = case_record::parse_kind("first_contact_overdue").unwrap();
    let list = case_record::next_action_worklist(&db.db, &clock, &lotsin, 100, Some(overdue)).await.unwrap();
    assert_eq!(seen(&list), expected(&oracle()[..1]));

    let Err(AccessError::Invalid(message)) = case_record::parse_kind("urgent") else {
        panic!("an unknown kind must be refused");
    };
    assert!(message.contains("urgent") && message.contains("first_contact_overdue"), "{message}");
});

storage_test!(async fn the_programmes_holiday_calendar_moves_a_due_date(db) {
    let world = World::build(db, "next-holiday").await;
    build(db, &world).await;
    let clock = FixedClock::new(NOW);
    let lotsin = as_member(db, &world, "lotsin-holiday", Role::LinkWorker, Some(world.orgs.other_facility)).await;
    let dora = |list: &Worklist| {
        seen(list).into_iter().find(|(f, _)| f == "Dora").and_then(|(_, n)| n).unwrap()
    };
    let nrw = case_record::next_action_worklist(&db.db, &clock, &lotsin, 100, None).await.unwrap();
    assert_eq!(dora(&nrw), (K::FirstContactDue, date!(2026 - 04 - 08)), "Karfreitag and Ostermontag skipped");

    // The operator's command reschedules the open cases it kept on their rows.
    let calendar = lotse_app::admin::LinkWorkChanges {
        holiday_calendar: Some("weekends-only".to_owned()),
        ..Default::default()
    };
    lotse_app::admin::set_link_work(&db.db, &clock, world.programme.slug.as_str(), &calendar)
        .await
        .unwrap();
    let plain = case_record::next_action_worklist(&db.db, &clock, &lotsin, 100, None).await.unwrap();
    assert_eq!(dora(&plain), (K::FirstContactDue, date!(2026 - 04 - 06)), "without holidays: Easter Monday");
    // Frida's baseline questionnaire (ten working days after contact) crossed Easter too: two
    // days earlier without the holidays. The due dates before Good Friday stay.
    let mut without_holidays = oracle();
    for (family, next) in &mut without_holidays {
        match *family {
            "Dora" => *next = Some((K::FirstContactDue, date!(2026 - 04 - 06))),
            "Frida" => *next = Some((K::QuestionnaireDue, date!(2026 - 04 - 14))),
            _ => {}
        }
    }
    without_holidays.sort_by_key(|(_, next)| (next.is_none(), next.map(|(_, due)| due)));
    assert_eq!(seen(&plain), expected(&without_holidays));

    // The programme's own deadline: first contact within ten working days of acceptance
    // (Monday 30 March) instead of five is Monday 13 April without holidays.
    let deadline = lotse_app::admin::LinkWorkChanges {
        first_contact_working_days: Some("10".to_owned()),
        ..Default::default()
    };
    let changed = lotse_app::admin::set_link_work(&db.db, &clock, world.programme.slug.as_str(), &deadline)
        .await
        .unwrap();
    assert_eq!(changed.next_action.first_contact_working_days, 10);
    assert_eq!(changed.next_action.baseline_questionnaire_working_days, 10, "the others kept");
    let later = case_record::next_action_worklist(&db.db, &clock, &lotsin, 100, None).await.unwrap();
    assert_eq!(dora(&later), (K::FirstContactDue, date!(2026 - 04 - 13)));
    assert_counts_kept(db).await;

    // A wrong value changes nothing and names the option.
    let wrong = lotse_app::admin::LinkWorkChanges {
        first_contact_working_days: Some("31".to_owned()),
        holiday_calendar: Some("de-nw".to_owned()),
        ..Default::default()
    };
    let Err(lotse_app::admin::AdminError::Invalid(message)) =
        lotse_app::admin::set_link_work(&db.db, &clock, world.programme.slug.as_str(), &wrong).await
    else {
        panic!("31 days must be refused");
    };
    assert!(message.contains("--first-contact-days") && message.contains("1 to 30"), "{message}");
    let unchanged = case_record::next_action_worklist(&db.db, &clock, &lotsin, 100, None).await.unwrap();
    assert_eq!(dora(&unchanged), (K::FirstContactDue, date!(2026 - 04 - 13)));
});

/// Clears the next action every referral keeps on its row and leaves the upkeep task a
/// database from before migration 0032 has.
/// The counts the triggers keep in `next_action_count` (migration 0035) equal those counted
/// from the referral rows themselves, per programme, facility, kind and (first contacts) due
/// date; no bucket is left at zero.
async fn assert_counts_kept(db: &TestDb) {
    type Bucket = (i64, uuid::Uuid, String, String, i64);
    let kept: Vec<Bucket> = lotse_store::on_pool!(&db.db, p => sqlx::query_as(
        "select programme_key, link_facility_id, kind, cast(due as text), n from next_action_count \
         order by 1, 2, 3, 4",
    ).fetch_all(p).await)
    .unwrap();
    let rows: Vec<(i64, uuid::Uuid, String, String)> = lotse_store::on_pool!(&db.db, p => sqlx::query_as(
        "select programme_key, link_facility_id, next_action_kind, cast(next_action_due as text) from referral \
         where next_action_kind is not null and next_action_due is not null",
    ).fetch_all(p).await)
    .unwrap();
    let mut counted: std::collections::BTreeMap<(i64, uuid::Uuid, String, String), i64> =
        std::collections::BTreeMap::new();
    for (programme, facility, kind, due) in rows {
        let due = if kind == "first_contact_due" {
            due
        } else {
            "0001-01-01".to_owned()
        };
        *counted.entry((programme, facility, kind, due)).or_default() += 1;
    }
    let counted: Vec<Bucket> = counted.into_iter().map(|((p, f, k, d), n)| (p, f, k, d, n)).collect();
    assert_eq!(kept, counted, "next_action_count against the referral rows");
}

async fn forget_next_actions(db: &TestDb) {
    lotse_store::on_pool!(&db.db, p => sqlx::query("update referral set next_action_kind = null, next_action_due = null")
        .execute(p)
        .await
        .map(|_| ()))
    .unwrap();
    lotse_store::on_pool!(&db.db, p => sqlx::query("insert into store_upkeep (task) values ('next_action')")
        .execute(p)
        .await
        .map(|_| ()))
    .unwrap();
}

storage_test!(async fn an_older_database_gets_its_next_actions_when_it_is_migrated(db) {
    let world = World::build(db, "next-upkeep").await;
    build(db, &world).await;
    let clock = FixedClock::new(NOW);
    let lotsin = as_member(db, &world, "lotsin-upkeep", Role::LinkWorker, Some(world.orgs.other_facility)).await;
    forget_next_actions(db).await;
    let empty = case_record::next_action_worklist(&db.db, &clock, &lotsin, 100, None).await.unwrap();
    assert!(empty.rows.iter().all(|r| r.next.is_none()), "nothing stored, nothing due");
    assert_eq!(lotse_store::migrate::run(&db.db).await.unwrap(), 0, "no migration left");
    let list = case_record::next_action_worklist(&db.db, &clock, &lotsin, 100, None).await.unwrap();
    assert_eq!(seen(&list), expected(&oracle()));
    let left: i64 = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from store_upkeep").fetch_one(p).await).unwrap();
    assert_eq!(left, 0, "the task is done once");
    assert_counts_kept(db).await;
});

storage_test!(async fn a_plan_and_an_erasure_change_what_is_due(db) {
    let world = World::build(db, "next-plan").await;
    let cases = build(db, &world).await;
    let clock = FixedClock::new(NOW);
    let lotsin = as_member(db, &world, "lotsin-plan", Role::LinkWorker, Some(world.orgs.other_facility)).await;
    let case_of = |family: &str| cases.iter().find(|(f, _)| *f == family).unwrap().1;
    // Gustav (contacted, baseline done) had the follow-up questionnaire due in June; a plan
    // with an earlier review date makes the review his next action.
    let input = lotse_domain::action_plan::ActionPlanInput {
        goals: "Wieder im Chor singen".into(),
        milestones: vec![("Chorprobe anschauen".into(), "08.04.2026".into())],
        obstacles: String::new(),
        review_on: "10.04.2026".into(),
    };
    lotse_app::action_plan::save(&db.db, &clock, &lotsin, case_of("Gustav"), &input, 0).await.unwrap();
    let list = case_record::next_action_worklist(&db.db, &clock, &lotsin, 100, None).await.unwrap();
    let gustav = seen(&list).into_iter().find(|(f, _)| f == "Gustav").unwrap();
    assert_eq!(gustav.1, Some((K::PlanReviewDue, date!(2026 - 04 - 10))));
    assert_eq!(list.counts.iter().find(|(k, _)| *k == K::PlanReviewDue).unwrap().1, 1);
    // A second version (the plan is agreed already: no step of the referral) moves the review.
    let later = lotse_domain::action_plan::ActionPlanInput {
        review_on: "17.04.2026".into(),
        ..input
    };
    lotse_app::action_plan::save(&db.db, &clock, &lotsin, case_of("Gustav"), &later, 1).await.unwrap();
    let list = case_record::next_action_worklist(&db.db, &clock, &lotsin, 100, None).await.unwrap();
    let gustav = seen(&list).into_iter().find(|(f, _)| f == "Gustav").unwrap();
    assert_eq!(gustav.1, Some((K::PlanReviewDue, date!(2026 - 04 - 17))));

    // Clara (first contact overdue) is erased: she leaves the list and its counts.
    let patient = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar::<_, uuid::Uuid>(
        "select patient_id from case_file where case_id = $1",
    ).bind(case_of("Clara").as_uuid()).fetch_one(p).await).unwrap();
    let access = Access { at: t(4, 1, 9), purpose: AuditPurpose::Care };
    let mut tx = db.db.begin().await.unwrap();
    let mut codes = || uuid::Uuid::new_v4().simple().to_string();
    lotse_store::record::erase(
        &mut tx,
        &world.scope,
        access,
        lotse_domain::id::PatientId::from_uuid(patient),
        &mut codes,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let list = case_record::next_action_worklist(&db.db, &clock, &lotsin, 100, None).await.unwrap();
    assert!(seen(&list).iter().all(|(f, _)| f != "Clara"), "{:?}", seen(&list));
    assert_eq!(list.counts.first(), Some(&(K::FirstContactOverdue, 0)));
    assert_counts_kept(db).await;
});

storage_test!(async fn other_roles_keep_the_newest_change_first(db) {
    let world = World::build(db, "next-roles").await;
    build(db, &world).await;
    let clock = FixedClock::new(NOW);
    let gp = as_member(db, &world, "dr-next", Role::Prescriber, Some(world.orgs.practice)).await;
    let rows = case_record::worklist(&db.db, &clock, &gp, 100).await.unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.next.is_none()));
    assert!(rows.windows(2).all(|w| w[0].updated_at >= w[1].updated_at), "newest change first");
    let list = case_record::next_action_worklist(&db.db, &clock, &gp, 100, None).await.unwrap();
    assert!(list.rows.is_empty());
});

storage_test!(async fn only_the_people_shown_are_audited(db) {
    let world = World::build(db, "next-audit").await;
    build(db, &world).await;
    let clock = FixedClock::new(NOW);
    let lotsin = as_member(db, &world, "lotsin-audit", Role::LinkWorker, Some(world.orgs.other_facility)).await;
    let seq = || async {
        lotse_store::on_pool!(&db.db, p => sqlx::query_scalar::<_, i64>("select max(seq) from audit_entry").fetch_one(p).await).unwrap()
    };
    let before = seq().await;
    let two = case_record::next_action_worklist(&db.db, &clock, &lotsin, 2, None).await.unwrap();
    assert_eq!(two.rows.len(), 2);
    assert_eq!(seq().await, before + 1, "one entry for the view");
    let listed: i64 = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar(
        "select count(*) from audit_object o join audit_entry e on e.programme_key = o.programme_key and e.seq = o.seq \
         where e.seq = $1 and e.action = 'read' and e.object_kind = 'patient'",
    ).bind(before + 1).fetch_one(p).await).unwrap();
    assert_eq!(listed, 2, "the two people shown, not all eight read for ordering");
});

storage_test!(async fn steps_taken_one_by_one_give_the_next_action_of_the_same_history(db) {
    // The worklist reads the times of the latest acceptance, failed attempt and contact from
    // the referral's row: kept by `referral::apply` step by step, and written at once when a
    // whole history is inserted. Both must give the same next action.
    let world = World::build(db, "next-action-steps").await;
    let facility = world.orgs.other_facility;
    let issued = (E::Issued { link_facility: facility }, t(3, 27, 8));
    let steps = [
        (E::Accepted, t(3, 30, 9)),
        (E::ContactAttemptFailed, t(3, 31, 9)),
        (E::Contacted, t(4, 1, 8)),
    ];
    let lotsin = as_member(db, &world, "lotsin-steps", Role::LinkWorker, Some(facility)).await;
    let clock = FixedClock::new(NOW);
    for n in 1..=steps.len() {
        let whole: Vec<_> = std::iter::once(issued).chain(steps[..n].iter().copied()).collect();
        world.case_with_history(db, &format!("Ganz{n}"), facility, whole).await;
        let walked = world.case_with_history(db, &format!("Schritt{n}"), facility, vec![issued]).await;
        for (version, (event, at)) in (1..).zip(&steps[..n]) {
            let mut tx = db.db.begin().await.unwrap();
            let access = Access { at: *at, purpose: AuditPurpose::Care };
            let recorded = lotse_store::referral::Recorded { event: *event, actor: world.scope.actor().reference(), at: *at };
            lotse_store::referral::apply(&mut tx, &world.scope, access, walked.referral, version, recorded).await.unwrap();
            tx.commit().await.unwrap();
        }
        let list = case_record::next_action_worklist(&db.db, &clock, &lotsin, 100, None).await.unwrap();
        let next_of = |family: String| list.rows.iter().find(|r| r.name.ends_with(&family)).and_then(|r| r.next);
        let (whole, walked) = (next_of(format!("Ganz{n}")), next_of(format!("Schritt{n}")));
        assert!(whole.is_some(), "after {n} steps something is due");
        assert_eq!(walked, whole, "after {n} steps");
        assert_counts_kept(db).await;
    }
});

storage_test!(async fn a_redirected_referral_moves_its_count_to_the_new_facility(db) {
    let world = World::build(db, "next-redirect").await;
    let cases = build(db, &world).await;
    let clock = FixedClock::new(NOW);
    let here = as_member(db, &world, "lotsin-here", Role::LinkWorker, Some(world.orgs.other_facility)).await;
    let there = as_member(db, &world, "lotsin-there", Role::LinkWorker, Some(world.orgs.facility)).await;
    let new_of = |list: &Worklist| list.counts.iter().find(|(k, _)| *k == K::New).unwrap().1;
    let before = case_record::next_action_worklist(&db.db, &clock, &there, 100, None).await.unwrap();
    assert_eq!(new_of(&before), 0);
    // Anna's referral is new (issued 30 March): redirected to the other facility, it is new there.
    let anna = cases.iter().find(|(f, _)| *f == "Anna").unwrap().1;
    lotse_app::referral_work::redirect(
        &db.db,
        &clock,
        &here,
        anna,
        world.orgs.facility,
        lotse_domain::referral::RedirectReason::WrongArea,
        1,
    )
    .await
    .unwrap();
    let here_now = case_record::next_action_worklist(&db.db, &clock, &here, 100, None).await.unwrap();
    let there_now = case_record::next_action_worklist(&db.db, &clock, &there, 100, None).await.unwrap();
    assert_eq!((new_of(&here_now), new_of(&there_now)), (1, 1));
    let has_anna = |list: &Worklist| list.rows.iter().any(|r| r.name.ends_with("Anna"));
    assert_eq!((has_anna(&here_now), has_anna(&there_now)), (false, true));
    assert_counts_kept(db).await;
});
