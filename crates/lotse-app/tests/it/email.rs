//! E-mail to providers through an SMTP sink started by each test: the link when an onward
//! referral is sent, a reminder when the provider stays silent, nothing about the person, and
//! a refusing relay that loses nothing and is tried again later.

use lotse_app::email::{self, EmailReport, Relay, Relays, ResolveError};
use lotse_app::follow_up;
use lotse_app::notification::{self, NoticeError, NoticeSetting};
use lotse_app::onward::{self, ProviderEmailLine};
use lotse_app::principal::Principal;
use lotse_app::{App, FixedClock, capability};
use lotse_domain::capability::CapabilityPurpose;
use lotse_domain::consent::SharedField;
use lotse_domain::email::{EmailKind, EmailState};
use lotse_domain::field::FieldProblem;
use lotse_domain::onward_referral::{OnwardReferralState, ProviderAnswer};
use lotse_domain::user::Role;
use lotse_testkit::smtp_sink::SmtpSink;
use lotse_testkit::world::World;
use lotse_testkit::{TestDb, fixed_now, storage_test};
use time::Duration;

use crate::data_protection::as_member;
use crate::onward::{accepted, audit_after, count, send, sharing};

const PUBLIC_URL: &str = "https://lotse.test";
const ADDRESS: &str = "verein@example.org";

/// The world's programme with a relay to `sink`, and its offer with a contact address.
async fn relays_to(db: &TestDb, world: &World, sink: &SmtpSink) -> Relays {
    lotse_store::on_pool!(&db.db, p => sqlx::query("update offer set email = $1 where offer_id = $2")
        .bind(ADDRESS)
        .bind(world.offer.as_uuid())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    let relay = Relay::new(&sink.url(), "Lotse Test <lotse@example.org>").unwrap();
    Relays::resolve(
        &db.db,
        PUBLIC_URL,
        vec![(world.programme.slug.as_str().to_owned(), relay)],
    )
    .await
    .unwrap()
}

fn report(reports: &[EmailReport], world: &World) -> (usize, usize, usize) {
    let r = reports
        .iter()
        .find(|r| r.programme == world.programme.slug.as_str())
        .expect("the programme has a report");
    assert!(!r.skipped);
    (r.sent, r.failed, r.dropped)
}

/// The message's text with quoted-printable soft line breaks undone (the link is one line).
fn unfolded(data: &str) -> String {
    data.replace("=\r\n", "").replace("=3D", "=")
}

/// The token of the link in a message.
fn token_in(data: &str) -> String {
    let text = unfolded(data);
    let start = text
        .find(&format!("{PUBLIC_URL}/r/"))
        .expect("the message holds a link")
        + PUBLIC_URL.len()
        + 3;
    text[start..].chars().take_while(char::is_ascii_hexdigit).collect()
}

async fn emails_of(
    db: &TestDb,
    lotsin: &Principal,
    case: lotse_domain::id::CaseId,
    id: lotse_domain::id::OnwardReferralId,
) -> Vec<ProviderEmailLine> {
    let clock = FixedClock::new(fixed_now());
    onward::detail(&db.db, &clock, lotsin, case, id).await.unwrap().emails
}

storage_test!(async fn the_provider_gets_its_link_by_email_and_nothing_about_the_person(db) {
    let world = World::build(db, "email-link").await;
    let sink = SmtpSink::start().await;
    let relays = relays_to(db, &world, &sink).await;
    let app = App::new(db.db.clone()).with_email(relays.clone());
    let clock = FixedClock::new(fixed_now());
    let (issued, onward_id, lotsin) = accepted(db, &world, "Postfach").await;

    // Sent with the person's consent to share name and needs: an e-mail is due, in the same
    // transaction as `sent`.
    let link = onward::send(&app, &clock, &lotsin, issued.case, onward_id, send(sharing(&[SharedField::Name, SharedField::Needs]), 2))
        .await
        .unwrap();
    assert!(link.emailed);
    assert_eq!(count(db, "select count(*) from email_outbox where state = 'pending'").await, 1);
    assert!(sink.received().is_empty(), "nothing goes out before the job runs");

    let seen = audit_after(db, 0).await.len();
    let reports = email::deliver(&db.db, &clock, &relays).await.unwrap();
    assert_eq!(report(&reports, &world), (1, 0, 0));
    // Issuing its link is audited as the e-mail job, and nothing else was read or written.
    let entries = audit_after(db, seen).await;
    assert_eq!(entries, [("system:email".to_owned(), "create".to_owned(), "capability".to_owned())]);
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, [ADDRESS]);
    let text = unfolded(&received[0].data);
    // Nothing about the person, though the provider may see name and needs through the link.
    for personal in ["Ilse", "Postfach", "loneliness", "Einsamkeit"] {
        assert!(!text.contains(personal), "{personal:?} in the e-mail:\n{text}");
    }
    // The link works, and it is not the one the link worker was shown.
    let token = token_in(&received[0].data);
    assert_ne!(token, link.token.text());
    let verified = capability::verify(&db.db, &clock, &token, CapabilityPurpose::OnwardReferralAnswer)
        .await
        .unwrap()
        .expect("the e-mailed link works");
    let view = onward::by_link(&db.db, &clock, &Principal::capability(verified)).await.unwrap();
    assert_eq!(view.state, OnwardReferralState::Sent);

    // The link worker sees where it went; a second run sends nothing more.
    let emails = emails_of(db, &lotsin, issued.case, onward_id).await;
    assert_eq!(emails.len(), 1);
    assert_eq!((emails[0].kind, emails[0].state), (EmailKind::ProviderLink, EmailState::Sent));
    assert_eq!(emails[0].sent_to.as_deref(), Some(ADDRESS));
    let reports = email::deliver(&db.db, &clock, &relays).await.unwrap();
    assert_eq!(report(&reports, &world), (0, 0, 0));
    assert_eq!(sink.received().len(), 1);
});

storage_test!(async fn a_refusing_relay_loses_nothing_and_is_tried_again_later(db) {
    let world = World::build(db, "email-retry").await;
    let sink = SmtpSink::start().await;
    let relays = relays_to(db, &world, &sink).await;
    let app = App::new(db.db.clone()).with_email(relays.clone());
    let clock = FixedClock::new(fixed_now());
    let (issued, onward_id, lotsin) = accepted(db, &world, "Wiederholung").await;
    onward::send(&app, &clock, &lotsin, issued.case, onward_id, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();

    sink.refuse(true);
    let reports = email::deliver(&db.db, &clock, &relays).await.unwrap();
    assert_eq!(report(&reports, &world), (0, 1, 0));
    // The onward referral stays sent, the link made for the e-mail is stopped (only the link
    // worker's works), and the e-mail waits for its next try.
    let detail = onward::detail(&db.db, &clock, &lotsin, issued.case, onward_id).await.unwrap();
    assert_eq!(detail.state, OnwardReferralState::Sent);
    assert_eq!(count(db, "select count(*) from capability where revoked_at is not null").await, 1);
    assert_eq!(count(db, "select count(*) from capability where revoked_at is null").await, 1);
    assert_eq!(detail.emails.len(), 1);
    assert_eq!((detail.emails[0].state, detail.emails[0].attempts), (EmailState::Pending, 1));
    assert_eq!(detail.emails[0].note.as_deref(), Some("smtp_451"));

    // Not again before its time (5 minutes), even with the relay back.
    sink.refuse(false);
    let soon = FixedClock::new(fixed_now() + Duration::minutes(4));
    assert_eq!(report(&email::deliver(&db.db, &soon, &relays).await.unwrap(), &world), (0, 0, 0));
    let later = FixedClock::new(fixed_now() + Duration::minutes(5));
    assert_eq!(report(&email::deliver(&db.db, &later, &relays).await.unwrap(), &world), (1, 0, 0));
    assert_eq!(sink.received().len(), 1);
    let emails = emails_of(db, &lotsin, issued.case, onward_id).await;
    assert_eq!((emails[0].state, emails[0].attempts), (EmailState::Sent, 1));
});

storage_test!(async fn after_the_last_try_an_email_fails_for_good(db) {
    let world = World::build(db, "email-fail").await;
    let sink = SmtpSink::start().await;
    let relays = relays_to(db, &world, &sink).await;
    let app = App::new(db.db.clone()).with_email(relays.clone());
    let (issued, onward_id, lotsin) = accepted(db, &world, "Ausfall").await;
    let clock = FixedClock::new(fixed_now());
    onward::send(&app, &clock, &lotsin, issued.case, onward_id, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();
    sink.refuse(true);
    // Each try six hours after the last: every one is due.
    let mut failed = 0;
    for hours in 0..10 {
        let at = FixedClock::new(fixed_now() + Duration::hours(6 * hours));
        failed += report(&email::deliver(&db.db, &at, &relays).await.unwrap(), &world).1;
    }
    assert_eq!(failed, 8, "MAX_ATTEMPTS tries, then no more");
    let emails = emails_of(db, &lotsin, issued.case, onward_id).await;
    assert_eq!((emails[0].state, emails[0].attempts), (EmailState::Failed, 8));
    // Every link made for a try was stopped; the worklist still has the case (not tested here).
    assert_eq!(count(db, "select count(*) from capability where revoked_at is not null").await, 8);
});

storage_test!(async fn a_silent_provider_is_reminded_once_and_one_that_answered_is_not(db) {
    let world = World::build(db, "email-remind").await;
    let sink = SmtpSink::start().await;
    let relays = relays_to(db, &world, &sink).await;
    let app = App::new(db.db.clone()).with_email(relays.clone());
    let monday = FixedClock::new(fixed_now());
    let (silent_case, silent, lotsin) = accepted(db, &world, "Still").await;
    let (answering_case, answering, lotsin_b) = accepted(db, &world, "Antwort").await;
    onward::send(&app, &monday, &lotsin, silent_case.case, silent, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();
    onward::send(&app, &monday, &lotsin_b, answering_case.case, answering, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();
    assert_eq!(report(&email::deliver(&db.db, &monday, &relays).await.unwrap(), &world), (2, 0, 0));

    // Sent on Monday 2 November with N = 5 working days: silent from Monday 9 November.
    let friday = FixedClock::new(fixed_now() + Duration::days(4));
    let reports = follow_up::run(&db.db, &friday, &relays).await.unwrap();
    assert_eq!(reports.iter().map(|r| r.reminded).sum::<usize>(), 0);
    let next_monday = FixedClock::new(fixed_now() + Duration::days(7));
    let reports = follow_up::run(&db.db, &next_monday, &relays).await.unwrap();
    assert_eq!(reports.iter().map(|r| r.reminded).sum::<usize>(), 2);
    // However often the job runs: one reminder each.
    let reports = follow_up::run(&db.db, &next_monday, &relays).await.unwrap();
    assert_eq!(reports.iter().map(|r| r.reminded).sum::<usize>(), 0);

    // One provider answers (through a new link) before the reminder goes out.
    let answering_link = onward::change_links(&app, &next_monday, &lotsin_b, answering_case.case, answering, onward::LinkChange::Renew)
        .await
        .unwrap()
        .unwrap();
    let verified = capability::verify(&db.db, &next_monday, &answering_link.token.text(), CapabilityPurpose::OnwardReferralAnswer)
        .await
        .unwrap()
        .unwrap();
    onward::answer_by_link(&db.db, &next_monday, &Principal::capability(verified), ProviderAnswer::Accept, 3)
        .await
        .unwrap();

    let reports = email::deliver(&db.db, &next_monday, &relays).await.unwrap();
    assert_eq!(report(&reports, &world), (1, 0, 1), "the silent one reminded, the answered one dropped");
    let received = sink.received();
    assert_eq!(received.len(), 3);
    assert!(unfolded(&received[2].data).contains("Erinnerung"), "{}", received[2].data);
    let reminded = emails_of(db, &lotsin, silent_case.case, silent).await;
    assert_eq!(
        reminded.iter().map(|e| (e.kind, e.state)).collect::<Vec<_>>(),
        [(EmailKind::ProviderLink, EmailState::Sent), (EmailKind::ProviderReminder, EmailState::Sent)]
    );
    let dropped = emails_of(db, &lotsin_b, answering_case.case, answering).await;
    assert_eq!((dropped[1].state, dropped[1].note.as_deref()), (EmailState::Dropped, Some("answered")));
});

storage_test!(async fn a_closed_cases_provider_gets_no_email_no_reminder_and_no_working_link(db) {
    let world = World::build(db, "email-closed").await;
    let sink = SmtpSink::start().await;
    let relays = relays_to(db, &world, &sink).await;
    let app = App::new(db.db.clone()).with_email(relays.clone());
    let monday = FixedClock::new(fixed_now());
    let (closing, closing_id, lotsin) = accepted(db, &world, "Schluss").await;
    let (open, open_id, lotsin_b) = accepted(db, &world, "Offen").await;
    let link = onward::send(&app, &monday, &lotsin, closing.case, closing_id, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();
    onward::send(&app, &monday, &lotsin_b, open.case, open_id, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();

    // The person declines further support before the e-mails go out. The closing stops the
    // link the link worker was shown, in the same step, audited as the link worker.
    let version: i64 = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select version from referral where referral_id = $1")
        .bind(closing.referral.as_uuid())
        .fetch_one(p)
        .await)
    .unwrap();
    let seen = audit_after(db, 0).await.len();
    lotse_app::referral_work::close(&db.db, &monday, &lotsin, closing.case, lotse_domain::referral::ClosingReason::Declined, version)
        .await
        .unwrap();
    let actor = lotsin.scope().actor().reference();
    let written = audit_after(db, seen).await;
    assert!(
        written.contains(&(actor, "update".to_owned(), "capability".to_owned())),
        "{written:?}"
    );
    let verified = capability::verify(&db.db, &monday, &link.token.text(), CapabilityPurpose::OnwardReferralAnswer)
        .await
        .unwrap();
    assert!(verified.is_none(), "the link of a closed case works no more");

    // Its e-mail is dropped ("case_closed") and makes no link; the open case's goes out.
    let reports = email::deliver(&db.db, &monday, &relays).await.unwrap();
    assert_eq!(report(&reports, &world), (1, 0, 1));
    assert_eq!(sink.received().len(), 1);
    let note: Option<String> = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar(
        "select note from email_outbox where onward_referral_id = $1"
    )
    .bind(closing_id.as_uuid())
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(note.as_deref(), Some("case_closed"));
    let working = count(db, "select count(*) from capability where revoked_at is null").await;
    assert_eq!(working, 2, "the open case's two links (shown and e-mailed), none for the closed one");

    // Silent for weeks: only the open case's provider is reminded, and only it lapses.
    let next_monday = FixedClock::new(fixed_now() + Duration::days(7));
    let reports = follow_up::run(&db.db, &next_monday, &relays).await.unwrap();
    assert_eq!(reports.iter().map(|r| r.reminded).sum::<usize>(), 1);
    let much_later = FixedClock::new(fixed_now() + Duration::days(60));
    let reports = follow_up::run(&db.db, &much_later, &relays).await.unwrap();
    assert_eq!(reports.iter().map(|r| r.lapsed).sum::<usize>(), 1);
    let states: Vec<(String,)> = lotse_store::on_pool!(&db.db, p => sqlx::query_as(
        "select state from onward_referral where onward_referral_id in ($1, $2) order by case when onward_referral_id = $1 then 0 else 1 end"
    )
    .bind(closing_id.as_uuid())
    .bind(open_id.as_uuid())
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(states, [("sent".to_owned(),), ("lapsed".to_owned(),)]);
    let reminders = count(db, "select count(*) from email_outbox where kind = 'provider_reminder'").await;
    assert_eq!(reminders, 1);
});

storage_test!(async fn a_reminder_that_cannot_go_out_leaves_the_provider_silent_on_the_worklist(db) {
    let world = World::build(db, "email-remind-fails").await;
    let sink = SmtpSink::start().await;
    let relays = relays_to(db, &world, &sink).await;
    let app = App::new(db.db.clone()).with_email(relays.clone());
    let monday = FixedClock::new(fixed_now());
    let (issued, onward_id, lotsin) = accepted(db, &world, "Funkstille").await;
    onward::send(&app, &monday, &lotsin, issued.case, onward_id, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();
    assert_eq!(report(&email::deliver(&db.db, &monday, &relays).await.unwrap(), &world), (1, 0, 0));
    // Silent from Monday 9 November: the reminder is made due, and the relay refuses it.
    let next_monday = FixedClock::new(fixed_now() + Duration::days(7));
    let reports = follow_up::run(&db.db, &next_monday, &relays).await.unwrap();
    assert_eq!(reports.iter().map(|r| r.reminded).sum::<usize>(), 1);
    sink.refuse(true);
    assert_eq!(report(&email::deliver(&db.db, &next_monday, &relays).await.unwrap(), &world), (0, 1, 0));
    // Nothing is lost: the reminder waits for its next try, and the link worker's worklist
    // still says to call the provider.
    let emails = emails_of(db, &lotsin, issued.case, onward_id).await;
    assert_eq!((emails[1].kind, emails[1].state, emails[1].attempts), (EmailKind::ProviderReminder, EmailState::Pending, 1));
    let list = lotse_app::case_record::next_action_worklist(&db.db, &next_monday, &lotsin, 50, None).await.unwrap();
    let row = list.rows.iter().find(|r| r.case == issued.case).expect("the case is on the worklist");
    let next = row.next.expect("a next action");
    assert_eq!(next.kind, lotse_domain::next_action::NextActionKind::ProviderSilent);
    assert_eq!(next.due_on, time::macros::date!(2026 - 11 - 09));
});

storage_test!(async fn an_offer_without_an_address_drops_its_email(db) {
    let world = World::build(db, "email-noaddress").await;
    let sink = SmtpSink::start().await;
    let relays = relays_to(db, &world, &sink).await;
    lotse_store::on_pool!(&db.db, p => sqlx::query("update offer set email = null").execute(p).await.map(|r| r.rows_affected())).unwrap();
    let app = App::new(db.db.clone()).with_email(relays.clone());
    let clock = FixedClock::new(fixed_now());
    let (issued, onward_id, lotsin) = accepted(db, &world, "Adresslos").await;
    onward::send(&app, &clock, &lotsin, issued.case, onward_id, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();
    assert_eq!(report(&email::deliver(&db.db, &clock, &relays).await.unwrap(), &world), (0, 0, 1));
    assert!(sink.received().is_empty());
    let emails = emails_of(db, &lotsin, issued.case, onward_id).await;
    assert_eq!((emails[0].state, emails[0].note.as_deref()), (EmailState::Dropped, Some("no_address")));
    // Without a relay for the programme nothing is made due at all.
    let (other, other_id, lotsin_c) = accepted(db, &world, "Ohnerelais").await;
    let link = onward::send(&db.db, &clock, &lotsin_c, other.case, other_id, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();
    assert!(!link.emailed);
    assert!(emails_of(db, &lotsin_c, other.case, other_id).await.is_empty());
});

storage_test!(async fn relays_name_existing_programmes_and_a_public_address(db) {
    let world = World::build(db, "email-config").await;
    let relay = || Relay::new("smtp://127.0.0.1:2525", "lotse@example.org").unwrap();
    let unknown = Relays::resolve(&db.db, PUBLIC_URL, vec![("nirgendwo".to_owned(), relay())]).await;
    assert!(matches!(&unknown, Err(ResolveError::Config(e)) if e.to_string().contains("nirgendwo")), "{unknown:?}");
    let relative = Relays::resolve(&db.db, "lotse.test", vec![(world.programme.slug.as_str().to_owned(), relay())]).await;
    assert!(matches!(relative, Err(ResolveError::Config(_))));
    let fine = Relays::resolve(&db.db, "https://lotse.test/", vec![(world.programme.slug.as_str().to_owned(), relay())])
        .await
        .unwrap();
    assert!(fine.has(world.programme.id) && fine.has_slug(world.programme.slug.as_str()));
});

storage_test!(async fn a_member_who_asked_is_told_at_most_hourly_that_something_new_waits(db) {
    let world = World::build(db, "email-notice").await;
    let sink = SmtpSink::start().await;
    let relays = relays_to(db, &world, &sink).await;
    let app = App::new(db.db.clone()).with_email(relays.clone());
    let at = |minutes: i64| FixedClock::new(fixed_now() + Duration::minutes(minutes));
    let lotsin = as_member(db, &world, "lotsin-notice", Role::LinkWorker, Some(world.orgs.facility)).await;
    let provider = as_member(db, &world, "verein-notice", Role::OfferProvider, Some(world.orgs.provider)).await;

    // Only an address; only where the programme sends e-mail.
    let before = notification::get(&app, &at(0), &lotsin).await.unwrap();
    assert_eq!(before, NoticeSetting { available: true, address: None });
    for wrong in ["lotsin", "lotsin@", "zwei worte@example.org"] {
        let refused = notification::set(&app, &at(0), &lotsin, wrong).await;
        assert!(matches!(&refused, Err(NoticeError::Invalid(e)) if e.problem == FieldProblem::Email), "{wrong}: {refused:?}");
    }
    let no_relay = notification::set(&db.db, &at(0), &lotsin, "lotsin@example.org").await;
    assert!(matches!(no_relay, Err(NoticeError::Invalid(_))), "{no_relay:?}");
    notification::set(&app, &at(0), &lotsin, " lotsin@example.org ").await.unwrap();
    assert_eq!(notification::get(&app, &at(0), &lotsin).await.unwrap().address.as_deref(), Some("lotsin@example.org"));

    // Nothing new since the address was given: no notice.
    let notified = |reports: Vec<EmailReport>| reports.iter().map(|r| r.notified).sum::<usize>();
    assert_eq!(notified(email::deliver(&db.db, &at(1), &relays).await.unwrap()), 0);
    // The provider records attendance: news for the link worker.
    onward::answer_as_provider(&db.db, &at(2), &provider, world.onward, ProviderAnswer::Attended, 4).await.unwrap();
    let seen = audit_after(db, 0).await.len();
    assert_eq!(notified(email::deliver(&db.db, &at(3), &relays).await.unwrap()), 1);
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["lotsin@example.org"]);
    let text = unfolded(&received[0].data);
    assert!(text.contains(&format!("{PUBLIC_URL}/inbox")), "{text}");
    for personal in ["Ilse", lotse_testkit::world::PERSON_FAMILY, "attend", "Teilnahme"] {
        assert!(!text.contains(personal), "{personal:?} in the notice:\n{text}");
    }
    assert_eq!(
        audit_after(db, seen).await,
        [("system:email".to_owned(), "read".to_owned(), "user".to_owned())],
        "the job's reading of the address is audited, and nothing else happened"
    );

    // More news: not within the hour, then once.
    onward::answer_as_provider(&db.db, &at(4), &provider, world.onward, ProviderAnswer::Stopped, 5).await.unwrap();
    assert_eq!(notified(email::deliver(&db.db, &at(10), &relays).await.unwrap()), 0);
    assert_eq!(notified(email::deliver(&db.db, &at(64), &relays).await.unwrap()), 1);
    assert_eq!(sink.received().len(), 2);
    // Opened since, nothing new: no notice; the member turns it off.
    lotse_app::inbox::open(&db.db, &at(70), &lotsin).await.unwrap();
    assert_eq!(notified(email::deliver(&db.db, &at(200), &relays).await.unwrap()), 0);
    notification::set(&app, &at(201), &lotsin, "").await.unwrap();
    assert_eq!(notification::get(&app, &at(201), &lotsin).await.unwrap().address, None);
    assert_eq!(count(db, "select count(*) from notification_email").await, 0);
});

storage_test!(async fn a_relay_that_cannot_be_reached_is_tried_once_per_run(db) {
    let world = World::build(db, "email-down").await;
    // A sink started and stopped: nothing listens on its port now.
    let sink = SmtpSink::start().await;
    let relays = relays_to(db, &world, &sink).await;
    drop(sink);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let app = App::new(db.db.clone()).with_email(relays.clone());
    let clock = FixedClock::new(fixed_now());
    for family in ["Erster", "Zweiter"] {
        let (issued, onward_id, lotsin) = accepted(db, &world, family).await;
        onward::send(&app, &clock, &lotsin, issued.case, onward_id, send(sharing(&[SharedField::Name]), 2))
            .await
            .unwrap();
    }
    // One failed try; the other e-mail is left to its lease, untried.
    assert_eq!(report(&email::deliver(&db.db, &clock, &relays).await.unwrap(), &world), (0, 1, 0));
    assert_eq!(count(db, "select count(*) from email_outbox where attempts = 1 and note = 'connection'").await, 1);
    assert_eq!(count(db, "select count(*) from email_outbox where attempts = 0 and state = 'pending'").await, 1);
});
