//! Keeping the directory current: a provider edits its own offer and the next search shows it;
//! others are refused like a missing offer and audited; a stale version changes nothing;
//! coordinators verify, pause, resume, end and merge, each change an event and an audit entry;
//! the review list's boundary; the duplicate finder on stored offers.

use lotse_app::FixedClock;
use lotse_app::directory::{self, Directories};
use lotse_app::offer_edit::{self, Curation, EditError};
use lotse_app::offer_search::SearchRequest;
use lotse_app::principal::Principal;
use lotse_domain::field::FieldProblem;
use lotse_domain::id::OfferId;
use lotse_domain::offer::OfferStatus;
use lotse_domain::offer_edit::OfferEdit;
use lotse_domain::user::Role;
use lotse_testkit::world::World;
use lotse_testkit::{TestDb, fixed_now, storage_test};
use time::Duration;

use crate::data_protection::as_member;

async fn count(db: &TestDb, sql: &'static str) -> i64 {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
}

async fn denials(db: &TestDb) -> i64 {
    count(
        db,
        "select count(*) from audit_entry where action = 'access_denied' and object_kind = 'offer'",
    )
    .await
}

async fn offer_updates(db: &TestDb) -> i64 {
    count(
        db,
        "select count(*) from audit_entry where action = 'update' and object_kind = 'offer'",
    )
    .await
}

async fn stored(db: &TestDb, world: &World, id: OfferId) -> lotse_store::offer::StoredOffer {
    let mut tx = db.db.begin_read().await.unwrap();
    let s = lotse_store::offer::get_offer(&mut tx, &world.scope, id).await.unwrap();
    tx.commit().await.unwrap();
    s
}

async fn event_kinds(db: &TestDb, world: &World, id: OfferId) -> Vec<(i64, String, String)> {
    let mut tx = db.db.begin_read().await.unwrap();
    let events = lotse_store::event::list_stream(&mut tx, &world.scope, "offer", id.as_uuid())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    events
        .into_iter()
        .map(|e| (e.stream_version, e.kind, e.actor))
        .collect()
}

async fn titles(db: &TestDb, dirs: &Directories, clock: &FixedClock, who: &Principal, text: &str) -> Vec<String> {
    let request = SearchRequest {
        text: text.to_owned(),
        ..SearchRequest::default()
    };
    let answer = directory::search(&db.db, dirs, clock, who, &request).await.unwrap();
    answer.matches.iter().map(|m| m.listing.offer.title.clone()).collect()
}

/// The other provider's offer of the world ("Offenes Singen").
async fn other_offer(db: &TestDb, world: &World) -> OfferId {
    let mut tx = db.db.begin_read().await.unwrap();
    let all = lotse_store::offer::load_offers(&mut tx, &world.scope).await.unwrap();
    tx.commit().await.unwrap();
    all.iter()
        .find(|o| o.offer.provider == world.orgs.other_provider)
        .unwrap()
        .offer
        .id
}

fn actor(p: &Principal) -> String {
    p.scope().actor().reference()
}

storage_test!(async fn a_provider_edits_its_own_offer_and_the_next_search_shows_it(db) {
    let world = World::build(db, "edit-own").await;
    let clock = FixedClock::new(fixed_now());
    let dirs = Directories::default();
    let provider = as_member(db, &world, "anbieter", Role::OfferProvider, Some(world.orgs.provider)).await;
    assert_eq!(titles(db, &dirs, &clock, &provider, "Spaziergruppe").await, ["Spaziergruppe"]);

    let editable = offer_edit::offer_for_edit(&db.db, &clock, &provider, world.offer).await.unwrap();
    assert!(!editable.may_curate, "a provider edits, it does not curate");
    let mut edit = OfferEdit::of(&editable.offer);
    edit.title = "Spaziergruppe am Rhein".into();
    edit.min_age = "60".into();
    edit.languages = vec!["de".into(), "tr".into()];
    let version = offer_edit::edit(&db.db, &clock, &provider, world.offer, editable.version, &edit).await.unwrap();
    assert_eq!(version, editable.version + 1);

    let after = stored(db, &world, world.offer).await;
    assert_eq!(after.version, version);
    assert_eq!(after.offer.title, "Spaziergruppe am Rhein");
    assert_eq!(after.offer.ages.min, Some(60));
    assert_eq!(after.offer.provider, world.orgs.provider, "the provider stays");
    assert_eq!(event_kinds(db, &world, world.offer).await, [(version, "offer.updated".to_owned(), actor(&provider))]);
    assert_eq!(offer_updates(db).await, 1);
    // The next search in the same process finds the new title.
    assert_eq!(titles(db, &dirs, &clock, &provider, "Rhein").await, ["Spaziergruppe am Rhein"]);
});

storage_test!(async fn others_are_refused_like_a_missing_offer_and_nothing_changes(db) {
    let world = World::build(db, "edit-denied").await;
    let clock = FixedClock::new(fixed_now());
    let other_provider =
        as_member(db, &world, "andere", Role::OfferProvider, Some(world.orgs.other_provider)).await;
    let link_worker = as_member(db, &world, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let provider = as_member(db, &world, "anbieter", Role::OfferProvider, Some(world.orgs.provider)).await;
    let before = stored(db, &world, world.offer).await;
    let mut edit = OfferEdit::of(&before.offer);
    edit.title = "Übernommen".into();

    for (who, label) in [(&other_provider, "another provider"), (&link_worker, "a link worker")] {
        let denied = denials(db).await;
        let result = offer_edit::edit(&db.db, &clock, who, world.offer, before.version, &edit).await;
        assert!(matches!(result, Err(EditError::NotFound)), "{label}: {result:?}");
        let read = offer_edit::offer_for_edit(&db.db, &clock, who, world.offer).await;
        assert!(matches!(read, Err(EditError::NotFound)), "{label}: {read:?}");
        assert_eq!(denials(db).await, denied + 2, "{label}: each refusal is audited");
    }
    // A provider may edit but not curate; an unknown offer is refused and audited too.
    let denied = denials(db).await;
    let verify = offer_edit::curate(&db.db, &clock, &provider, world.offer, before.version, Curation::Verify).await;
    assert!(matches!(verify, Err(EditError::NotFound)), "{verify:?}");
    let unknown = OfferId::from_uuid(uuid::Uuid::new_v4());
    let missing = offer_edit::edit(&db.db, &clock, &provider, unknown, 1, &edit).await;
    assert!(matches!(missing, Err(EditError::NotFound)), "{missing:?}");
    assert_eq!(denials(db).await, denied + 2);

    // Wrong fields: every one named, nothing saved.
    let mut bad = OfferEdit::of(&before.offer);
    bad.title = String::new();
    bad.min_age = "70".into();
    bad.max_age = "20".into();
    bad.sessions.push(lotse_domain::offer_edit::SessionInput {
        weekday: "2".into(),
        opens_at: "16:00".into(),
        closes_at: "15:00".into(),
    });
    let Err(EditError::Invalid(fields)) = offer_edit::edit(&db.db, &clock, &provider, world.offer, before.version, &bad).await
    else {
        panic!("refused")
    };
    let fields: Vec<(&str, FieldProblem)> = fields.iter().map(|f| (f.field.as_str(), f.problem)).collect();
    assert_eq!(
        fields,
        [
            ("title", FieldProblem::Required),
            ("max_age", FieldProblem::AgesReversed),
            ("sessions[0].closes_at", FieldProblem::SessionEndsBeforeStart),
        ]
    );

    // A stale version: a conflict naming the current one, nothing changed.
    offer_edit::edit(&db.db, &clock, &provider, world.offer, before.version, &edit).await.unwrap();
    let stale = offer_edit::edit(&db.db, &clock, &provider, world.offer, before.version, &edit).await;
    assert!(
        matches!(stale, Err(EditError::Conflict { current_version }) if current_version == before.version + 1),
        "{stale:?}"
    );
    let zero = offer_edit::edit(&db.db, &clock, &provider, world.offer, 0, &edit).await;
    assert!(matches!(zero, Err(EditError::BadVersion)), "{zero:?}");
    assert_eq!(stored(db, &world, world.offer).await.version, before.version + 1);
    assert_eq!(event_kinds(db, &world, world.offer).await.len(), 1, "only the one edit is an event");
    assert_eq!(offer_updates(db).await, 1);
});

storage_test!(async fn coordinators_verify_pause_resume_end_and_merge(db) {
    let world = World::build(db, "curate").await;
    let now = fixed_now();
    let clock = FixedClock::new(now);
    let coordinator = as_member(db, &world, "koordination", Role::Coordinator, None).await;
    let survivor = other_offer(db, &world).await;
    let v = stored(db, &world, world.offer).await.version;
    assert!(offer_edit::offer_for_edit(&db.db, &clock, &coordinator, world.offer).await.unwrap().may_curate);

    let v = offer_edit::curate(&db.db, &clock, &coordinator, world.offer, v, Curation::Verify).await.unwrap();
    assert_eq!(stored(db, &world, world.offer).await.offer.last_verified, Some(now.date()));
    let v = offer_edit::curate(&db.db, &clock, &coordinator, world.offer, v, Curation::Pause).await.unwrap();
    assert_eq!(stored(db, &world, world.offer).await.offer.status, OfferStatus::Paused);
    let again = offer_edit::curate(&db.db, &clock, &coordinator, world.offer, v, Curation::Pause).await;
    assert!(matches!(again, Err(EditError::Transition(_))), "{again:?}");
    let v = offer_edit::curate(&db.db, &clock, &coordinator, world.offer, v, Curation::Resume).await.unwrap();
    // Merging into itself or an unknown offer is refused; into the other offer it ends.
    let itself = offer_edit::curate(&db.db, &clock, &coordinator, world.offer, v, Curation::MergeInto(world.offer)).await;
    assert!(matches!(itself, Err(EditError::Transition(_))), "{itself:?}");
    let unknown = Curation::MergeInto(OfferId::from_uuid(uuid::Uuid::new_v4()));
    let nowhere = offer_edit::curate(&db.db, &clock, &coordinator, world.offer, v, unknown).await;
    assert!(matches!(nowhere, Err(EditError::NotFound)), "{nowhere:?}");
    let v = offer_edit::curate(&db.db, &clock, &coordinator, world.offer, v, Curation::MergeInto(survivor))
        .await
        .unwrap();
    let merged = stored(db, &world, world.offer).await;
    assert_eq!((merged.offer.status, merged.merged_into, merged.version), (OfferStatus::Ended, Some(survivor), v));
    let kinds: Vec<String> = event_kinds(db, &world, world.offer).await.into_iter().map(|(_, k, _)| k).collect();
    assert_eq!(kinds, ["offer.verified", "offer.paused", "offer.resumed", "offer.merged"]);
    assert_eq!(offer_updates(db).await, 4, "one audit entry per change");
    // An ended offer takes no more changes.
    let edit = OfferEdit::of(&merged.offer);
    let ended = offer_edit::edit(&db.db, &clock, &coordinator, world.offer, v, &edit).await;
    assert!(matches!(ended, Err(EditError::Transition(_))), "{ended:?}");
    let end = offer_edit::curate(&db.db, &clock, &coordinator, world.offer, v, Curation::End).await;
    assert!(matches!(end, Err(EditError::Transition(_))), "{end:?}");
    // Nothing can be merged into an ended offer.
    let sv = stored(db, &world, survivor).await.version;
    let into_ended = offer_edit::curate(&db.db, &clock, &coordinator, survivor, sv, Curation::MergeInto(world.offer)).await;
    assert!(matches!(into_ended, Err(EditError::Transition(_))), "{into_ended:?}");
    let sv = offer_edit::curate(&db.db, &clock, &coordinator, survivor, sv, Curation::End).await.unwrap();
    assert_eq!(stored(db, &world, survivor).await.version, sv);
});

async fn verified_on(db: &TestDb, world: &World, id: OfferId, day: Option<time::Date>) {
    let mut tx = db.db.begin().await.unwrap();
    let mut s = lotse_store::offer::get_offer(&mut tx, &world.scope, id).await.unwrap();
    s.offer.last_verified = day;
    lotse_store::offer::update_offer(&mut tx, &world.scope, &s.offer, s.version)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

storage_test!(async fn the_review_list_holds_offers_verified_more_than_the_programme_days_ago(db) {
    let world = World::build(db, "review").await;
    let today = fixed_now().date();
    let clock = FixedClock::new(fixed_now());
    let dirs = Directories::default();
    lotse_store::on_pool!(&db.db, p => sqlx::query("update programme set offer_review_days = 30 where slug = 'review'")
        .execute(p).await.map(|_| ()))
    .unwrap();
    let other = other_offer(db, &world).await;
    // Exactly 30 days ago: not yet due; 31 days ago: due.
    verified_on(db, &world, world.offer, Some(today - Duration::days(30))).await;
    verified_on(db, &world, other, Some(today - Duration::days(31))).await;
    let coordinator = as_member(db, &world, "koordination", Role::Coordinator, None).await;
    let list = offer_edit::review_list(&db.db, &dirs, &clock, &coordinator).await.unwrap();
    assert_eq!(list.review_days, 30);
    assert_eq!(list.items.iter().map(|i| i.id).collect::<Vec<_>>(), [other]);

    // A day later both are due; verifying one takes it off the list at once.
    let tomorrow = FixedClock::new(fixed_now() + Duration::days(1));
    let list = offer_edit::review_list(&db.db, &dirs, &tomorrow, &coordinator).await.unwrap();
    assert_eq!(list.items.iter().map(|i| i.id).collect::<Vec<_>>(), [other, world.offer], "oldest first");
    let item = list.items.first().unwrap();
    offer_edit::curate(&db.db, &tomorrow, &coordinator, item.id, item.version, Curation::Verify).await.unwrap();
    let list = offer_edit::review_list(&db.db, &dirs, &tomorrow, &coordinator).await.unwrap();
    assert_eq!(list.items.iter().map(|i| i.id).collect::<Vec<_>>(), [world.offer]);

    // Only coordinators see it.
    let link_worker = as_member(db, &world, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let refused = offer_edit::review_list(&db.db, &dirs, &clock, &link_worker).await;
    assert!(matches!(refused, Err(EditError::NotFound)), "{refused:?}");
});

storage_test!(async fn the_duplicate_finder_proposes_stored_look_alikes_until_merged(db) {
    let world = World::build(db, "duplicates").await;
    let clock = FixedClock::new(fixed_now());
    let dirs = Directories::default();
    let coordinator = as_member(db, &world, "koordination", Role::Coordinator, None).await;
    assert!(offer_edit::duplicates(&db.db, &dirs, &clock, &coordinator).await.unwrap().is_empty());
    // The same provider adds "Spaziergruppe!" beside its "Spaziergruppe".
    let mut copy = stored(db, &world, world.offer).await.offer;
    copy.id = OfferId::from_uuid(uuid::Uuid::new_v4());
    copy.title = "Spaziergruppe!".into();
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::offer::insert_offers(&mut tx, &world.scope, std::slice::from_ref(&copy)).await.unwrap();
    tx.commit().await.unwrap();
    let pairs = offer_edit::duplicates(&db.db, &dirs, &clock, &coordinator).await.unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    let pair = pairs.first().unwrap();
    let mut ids = [pair.first.id, pair.second.id];
    ids.sort();
    let mut want = [world.offer, copy.id];
    want.sort();
    assert_eq!(ids, want);
    assert!(pair.same_provider);
    offer_edit::curate(&db.db, &clock, &coordinator, copy.id, 1, Curation::MergeInto(world.offer)).await.unwrap();
    assert!(offer_edit::duplicates(&db.db, &dirs, &clock, &coordinator).await.unwrap().is_empty());
    let provider = as_member(db, &world, "anbieter", Role::OfferProvider, Some(world.orgs.provider)).await;
    let refused = offer_edit::duplicates(&db.db, &dirs, &clock, &provider).await;
    assert!(matches!(refused, Err(EditError::NotFound)), "{refused:?}");
});

storage_test!(async fn a_new_postcode_moves_the_offer_to_its_centroid_or_is_refused(db) {
    let world = World::build(db, "edit-postcode").await;
    let clock = FixedClock::new(fixed_now());
    let provider = as_member(db, &world, "anbieter", Role::OfferProvider, Some(world.orgs.provider)).await;
    let with_postcode = |offer: &lotse_domain::offer::Offer, code: &str| {
        let mut edit = OfferEdit::of(offer);
        edit.street = "Kölner Straße 1".into();
        edit.city = "Düsseldorf".into();
        edit.postcode = code.into();
        edit
    };
    // Without a postcode table any postcode is taken, and the point stays as it was.
    let s = stored(db, &world, world.offer).await;
    let v = offer_edit::edit(&db.db, &clock, &provider, world.offer, s.version, &with_postcode(&s.offer, "12345"))
        .await
        .unwrap();
    assert_eq!(stored(db, &world, world.offer).await.offer.location, s.offer.location);

    let centroid = lotse_domain::area::GeoPoint::parse(51.2217, 6.7762).unwrap();
    let table = [lotse_domain::area::Postcode {
        code: lotse_domain::area::PostcodeCode::parse("40210").unwrap(),
        centroid,
        areas: Vec::new(),
    }];
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::postcode::upsert_postcodes(&mut tx, &world.scope, &table).await.unwrap();
    tx.commit().await.unwrap();
    let s = stored(db, &world, world.offer).await;
    let unknown = offer_edit::edit(&db.db, &clock, &provider, world.offer, v, &with_postcode(&s.offer, "99999")).await;
    let Err(EditError::Invalid(fields)) = unknown else { panic!("refused: {unknown:?}") };
    assert_eq!(fields.first().map(|f| (f.field.as_str(), f.problem)), Some(("postcode", FieldProblem::UnknownPostcode)));
    offer_edit::edit(&db.db, &clock, &provider, world.offer, v, &with_postcode(&s.offer, "40210")).await.unwrap();
    let moved = stored(db, &world, world.offer).await.offer;
    assert_eq!((moved.location, moved.address.map(|a| a.postcode)), (Some(centroid), Some("40210".to_owned())));
});

/// A session of an existing account (the demo's named accounts have a known username).
async fn session_of(db: &TestDb, username: &str, programme: lotse_domain::id::ProgrammeId) -> Principal {
    let user: uuid::Uuid =
        lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select user_id from user_account where username = $1")
        .bind(username)
        .fetch_one(p)
        .await)
        .unwrap();
    let token = uuid::Uuid::new_v4().simple().to_string();
    let record = lotse_store::session::SessionRecord {
        user: lotse_domain::id::UserId::from_uuid(user),
        programme,
        expires_at: fixed_now() + Duration::days(30),
    };
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::session::insert(&mut tx, &lotse_app::auth::token_hash(&token), &record, fixed_now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    lotse_app::auth::session(&db.db, &FixedClock::new(fixed_now()), &token)
        .await
        .unwrap()
        .unwrap()
        .principal()
}

storage_test!(async fn in_the_demo_providers_edit_and_coordinators_have_offers_to_review_and_merge(db) {
    let clock = FixedClock::new(fixed_now());
    let options = lotse_app::demo::DemoOptions { scale: 1, seed: 42, as_of: time::macros::date!(2026 - 11 - 02) };
    lotse_app::demo::seed(&db.db, &clock, options, &mut |_, _| {}).await.unwrap();
    let dirs = Directories::default();
    for (slug, provider, coordinator) in [
        ("duesseldorf", "anbieter.duesseldorf", "koordination.duesseldorf"),
        ("norddjurs", "tilbud.norddjurs", "koordinator.norddjurs"),
    ] {
        let programme = lotse_store::programme::find_by_slug(&db.db, &lotse_domain::programme::ProgrammeSlug::parse(slug).unwrap())
            .await
            .unwrap()
            .unwrap();
        let provider = session_of(db, provider, programme.id).await;
        let organisation = provider.membership().and_then(lotse_domain::user::Membership::organisation).unwrap();
        let scope = lotse_testkit::system_scope(lotse_domain::actor::SystemJob::Demo, programme.id);
        let mut tx = db.db.begin_read().await.unwrap();
        let offers = lotse_store::offer::load_offers(&mut tx, &scope).await.unwrap();
        tx.commit().await.unwrap();
        let own = offers
            .iter()
            .find(|o| o.offer.provider == organisation && o.offer.status != OfferStatus::Ended)
            .unwrap_or_else(|| panic!("{slug}: the demo provider has an offer to edit"));
        let mut edit = OfferEdit::of(&own.offer);
        edit.waiting_list = "2".into();
        offer_edit::edit(&db.db, &clock, &provider, own.offer.id, own.version, &edit).await.unwrap();

        let coordinator = session_of(db, coordinator, programme.id).await;
        let review = offer_edit::review_list(&db.db, &dirs, &clock, &coordinator).await.unwrap();
        assert!(!review.items.is_empty(), "{slug}: offers are due for review");
        let pairs = offer_edit::duplicates(&db.db, &dirs, &clock, &coordinator).await.unwrap();
        assert!(!pairs.is_empty(), "{slug}: the finder proposes duplicates");
    }
});
