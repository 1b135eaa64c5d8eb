//! Offers with everything that hangs off them, and postcodes: written, read back whole,
//! replaced under optimistic concurrency, and kept to their programme.

use lotse_domain::area::{Area, AreaKind, AreaSet, GeoPoint, Postcode, PostcodeCode};
use lotse_domain::id::{AreaId, AreaSetId, OfferId};
use lotse_domain::need::NeedDomain;
use lotse_domain::offer::{
    AccessibilityFeature, Address, AgeRange, Capacity, Cost, CostKind, Offer, OfferCategory, OfferContact, OfferStatus,
    OfferText, Session, TargetGroup,
};
use lotse_store::error::StoreError;
use lotse_testkit::{fixed_now, storage_test};
use time::Weekday;
use time::macros::{date, time};
use uuid::Uuid;

use crate::fixtures::facility;

fn full_offer(scope: &lotse_domain::actor::ProgrammeScope, provider: lotse_domain::id::OrganisationId) -> Offer {
    Offer {
        id: OfferId::from_uuid(Uuid::new_v4()),
        programme: scope.programme(),
        provider,
        title: "Türkischer Frauenchor".into(),
        description: "Wir singen jeden Dienstag.".into(),
        language: "de".into(),
        translations: vec![
            OfferText {
                language: "en".into(),
                title: "Turkish women's choir".into(),
                description: "We sing every Tuesday.".into(),
            },
            OfferText {
                language: "tr".into(),
                title: "Türk kadın korosu".into(),
                description: "Her salı şarkı söylüyoruz.".into(),
            },
        ],
        category: OfferCategory::Culture,
        need_domains: vec![NeedDomain::CreativityCulture, NeedDomain::Loneliness],
        target_groups: vec![TargetGroup::Migrants, TargetGroup::Women],
        languages: vec!["de".into(), "tr".into()],
        ages: AgeRange::parse(Some(18), Some(99)).unwrap(),
        area: None,
        location: Some(GeoPoint::parse(51.2062, 6.7766).unwrap()),
        address: Some(Address {
            street: "Bilker Allee 12".into(),
            postcode: "40217".into(),
            city: "Düsseldorf".into(),
        }),
        contact: OfferContact {
            phone: Some("0211 123 4567".into()),
            email: Some("chor@example.org".into()),
            url: Some("https://example.org/chor".into()),
        },
        schedule: vec![
            Session::parse(Weekday::Tuesday, time!(15:00), time!(17:00)).unwrap(),
            Session::parse(Weekday::Saturday, time!(10:30), time!(23:59:59)).unwrap(),
        ],
        cost: Cost {
            kind: CostKind::Reduced,
            amount_cents: Some(1500),
            note: Some("1 € mit Düsselpass".into()),
        },
        accessibility: vec![AccessibilityFeature::HearingLoop, AccessibilityFeature::StepFree],
        capacity: Capacity {
            open_places: Some(0),
            waiting_list: 4,
        },
        status: OfferStatus::Active,
        published: true,
        last_verified: Some(date!(2026 - 10 - 01)),
        updated_at: fixed_now(),
    }
}

storage_test!(async fn an_offer_reads_back_with_everything_that_hangs_off_it(db) {
    let (_, scope) = db.programme("p-one").await;
    let (_, other) = db.programme("p-two").await;
    let provider = facility(db, &scope).await;
    let offer = full_offer(&scope, provider);
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::offer::insert_offers(&mut tx, &scope, std::slice::from_ref(&offer)).await.unwrap();
    tx.commit().await.unwrap();
    // Lists come back in taxonomy order (the order the test wrote them in is not).
    let mut offer = offer;
    offer.normalise();

    let mut tx = db.db.begin().await.unwrap();
    let stored = lotse_store::offer::get_offer(&mut tx, &scope, offer.id).await.unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(stored.offer, offer);
    let all = lotse_store::offer::load_offers(&mut tx, &scope).await.unwrap();
    assert_eq!(all.iter().map(|o| &o.offer).collect::<Vec<_>>(), vec![&offer]);
    let err = lotse_store::offer::get_offer(&mut tx, &other, offer.id).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { kind: "offer" }), "{err:?}");
    assert!(lotse_store::offer::load_offers(&mut tx, &other).await.unwrap().is_empty());
});

storage_test!(async fn a_stale_offer_edit_is_refused_and_changes_nothing(db) {
    let (_, scope) = db.programme("p-one").await;
    let provider = facility(db, &scope).await;
    let offer = full_offer(&scope, provider);
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::offer::insert_offers(&mut tx, &scope, std::slice::from_ref(&offer)).await.unwrap();
    tx.commit().await.unwrap();

    let mut edited = offer.clone();
    edited.title = "Frauenchor Bilk".into();
    edited.schedule = vec![Session::parse(Weekday::Thursday, time!(18:00), time!(19:30)).unwrap()];
    edited.need_domains = vec![NeedDomain::LowMood];
    edited.translations.clear();
    edited.capacity = Capacity { open_places: Some(3), waiting_list: 0 };
    edited.normalise();
    let mut tx = db.db.begin().await.unwrap();
    assert_eq!(lotse_store::offer::update_offer(&mut tx, &scope, &edited, 1).await.unwrap(), 2);
    tx.commit().await.unwrap();

    let mut stale = offer.clone();
    stale.title = "Alter Stand".into();
    let mut tx = db.db.begin().await.unwrap();
    let err = lotse_store::offer::update_offer(&mut tx, &scope, &stale, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { kind: "offer", current_version: 2 }), "{err:?}");
    drop(tx);

    let mut tx = db.db.begin().await.unwrap();
    let stored = lotse_store::offer::get_offer(&mut tx, &scope, offer.id).await.unwrap();
    assert_eq!((stored.version, &stored.offer), (2, &edited));
    let mut unknown = edited.clone();
    unknown.id = OfferId::from_uuid(Uuid::new_v4());
    let err = lotse_store::offer::update_offer(&mut tx, &scope, &unknown, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { kind: "offer" }), "{err:?}");
});

async fn stamps(
    db: &lotse_store::Db,
    one: &lotse_domain::actor::ProgrammeScope,
    two: &lotse_domain::actor::ProgrammeScope,
) -> (i64, i64) {
    let mut tx = db.begin_read().await.unwrap();
    let a = lotse_store::offer::directory_stamp(&mut tx, one).await.unwrap();
    let b = lotse_store::offer::directory_stamp(&mut tx, two).await.unwrap();
    tx.commit().await.unwrap();
    (a, b)
}

storage_test!(async fn the_directory_stamp_moves_with_every_offer_write_and_only_in_its_programme(db) {
    let (_, scope) = db.programme("p-one").await;
    let (_, other) = db.programme("p-two").await;
    let provider = facility(db, &scope).await;
    let before = stamps(&db.db, &scope, &other).await;
    assert_eq!(before, (0, 0), "a programme without offers");
    let offer = full_offer(&scope, provider);
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::offer::insert_offers(&mut tx, &scope, std::slice::from_ref(&offer)).await.unwrap();
    tx.commit().await.unwrap();
    let inserted = stamps(&db.db, &scope, &other).await;
    assert!(inserted.0 > before.0 && inserted.1 == 0, "{inserted:?}");
    assert_eq!(stamps(&db.db, &scope, &other).await, inserted, "reading changes nothing");

    let mut edited = offer.clone();
    edited.title = "Frauenchor Bilk".into();
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::offer::update_offer(&mut tx, &scope, &edited, 1).await.unwrap();
    tx.commit().await.unwrap();
    let updated = stamps(&db.db, &scope, &other).await;
    assert!(updated.0 > inserted.0 && updated.1 == 0, "{updated:?}");

    // A refused (stale) edit and a rolled-back edit leave it where it was.
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::offer::update_offer(&mut tx, &scope, &offer, 1).await.unwrap_err();
    drop(tx);
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::offer::update_offer(&mut tx, &scope, &offer, 2).await.unwrap();
    drop(tx);
    assert_eq!(stamps(&db.db, &scope, &other).await, updated);
});

storage_test!(async fn postcodes_map_to_a_centroid_and_an_area_per_set(db) {
    let (_, scope) = db.programme("p-one").await;
    let (_, other) = db.programme("p-two").await;
    let set = AreaSet { id: AreaSetId::from_uuid(Uuid::new_v4()), programme: scope.programme(), name: "Stadtteile".into() };
    let bilk = Area {
        id: AreaId::from_uuid(Uuid::new_v4()),
        programme: scope.programme(),
        area_set: set.id,
        parent: None,
        kind: AreaKind::Quarter,
        name: "Bilk".into(),
        centroid: GeoPoint::parse(51.2062, 6.7766).unwrap(),
        deprivation: None,
    };
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::directory::insert_area_sets(&mut tx, &scope, std::slice::from_ref(&set)).await.unwrap();
    lotse_store::directory::insert_areas(&mut tx, &scope, std::slice::from_ref(&bilk)).await.unwrap();
    let code = PostcodeCode::parse("40217").unwrap();
    let first = Postcode { code: code.clone(), centroid: GeoPoint::parse(51.2, 6.77).unwrap(), areas: vec![(set.id, bilk.id)] };
    lotse_store::postcode::upsert_postcodes(&mut tx, &scope, std::slice::from_ref(&first)).await.unwrap();
    tx.commit().await.unwrap();

    // A second import of the same code replaces its centroid and its areas.
    let moved = Postcode { centroid: GeoPoint::parse(51.21, 6.78).unwrap(), areas: Vec::new(), ..first.clone() };
    let mut tx = db.db.begin().await.unwrap();
    assert_eq!(lotse_store::postcode::find_postcode(&mut tx, &scope, &code).await.unwrap(), Some(first));
    lotse_store::postcode::upsert_postcodes(&mut tx, &scope, std::slice::from_ref(&moved)).await.unwrap();
    assert_eq!(lotse_store::postcode::list_postcodes(&mut tx, &scope).await.unwrap(), vec![moved]);
    assert_eq!(lotse_store::postcode::find_postcode(&mut tx, &other, &code).await.unwrap(), None);
    assert!(lotse_store::postcode::list_postcodes(&mut tx, &other).await.unwrap().is_empty());
    assert_eq!(lotse_store::directory::list_areas(&mut tx, &scope).await.unwrap(), vec![bilk]);
    assert_eq!(lotse_store::directory::list_area_sets(&mut tx, &scope).await.unwrap(), vec![set]);
});
