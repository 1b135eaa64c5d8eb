//! The directory pages: the public search finds an offer despite a typo and says why, a bad
//! parameter is a 400 naming field and value with the form kept, an offer that is not listed or
//! a programme without a public directory is a 404, and a member's search reaches only their
//! programme.

use lotse_domain::offer::OfferStatus;
use lotse_testkit::storage_test;
use lotse_testkit::world::World;

use crate::app::{TestApp, text};

storage_test!(async fn the_public_directory_finds_offers_and_says_why(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "dir-a").await;
    let en = [("accept-language", "en")];
    let page = text(app.get("/directory", &en).await).await;
    assert!(page.contains("/directory/dir-a"), "{page}");

    // "Spaziergrupe": one letter missing, still found; the reasons name cost and the need.
    let response = app.get("/directory/dir-a?q=Spaziergrupe&need=loneliness", &en).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("cache-control").unwrap(), "public, max-age=60");
    let page = text(response).await;
    assert!(page.contains("<h2>1 offer</h2>"), "{page}");
    assert!(page.contains("Spaziergruppe"), "{page}");
    assert!(page.contains("free · matches: loneliness, Spaziergrupe"), "{page}");
    let offer = format!("/directory/dir-a/offers/{}", a.offer.as_uuid());
    assert!(page.contains(&offer), "{page}");
    let page = text(app.get(&offer, &en).await).await;
    assert!(page.contains("<h1>Spaziergruppe</h1>"), "{page}");

    // A bad parameter: 400, the field and value named, the words kept in the form.
    let response = app.get("/directory/dir-a?q=Chor&radius=500", &en).await;
    assert_eq!(response.status(), 400);
    let page = text(response).await;
    assert!(page.contains("Within (km): 500 is out of range (0.1–100)"), "{page}");
    assert!(page.contains("value=\"Chor\""), "{page}");
    let response = app.get("/directory/dir-a?postcode=99999", &en).await;
    assert_eq!(response.status(), 400);
    assert!(text(response).await.contains("“99999” is not a known postcode"));
    let response = app.get("/directory/dir-a?per_page=100000", &en).await;
    assert_eq!(response.status(), 200, "a page size is clamped, not refused");

    // An unknown programme or offer: 404.
    assert_eq!(app.get("/directory/nowhere", &en).await.status(), 404);
    assert_eq!(app.get("/directory/dir-a/offers/not-an-id", &en).await.status(), 404);
    let unknown = format!("/directory/dir-a/offers/{}", uuid::Uuid::new_v4());
    assert_eq!(app.get(&unknown, &en).await.status(), 404);
});

storage_test!(async fn a_paused_offer_and_a_closed_directory_stay_out_of_public_view(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "dir-b").await;
    let en = [("accept-language", "en")];
    let mut tx = db.db.begin().await.unwrap();
    let mut stored = lotse_store::offer::get_offer(&mut tx, &a.scope, a.offer).await.unwrap();
    stored.offer.status = OfferStatus::Paused;
    lotse_store::offer::update_offer(&mut tx, &a.scope, &stored.offer, stored.version).await.unwrap();
    tx.commit().await.unwrap();
    let page = text(app.get("/directory/dir-b?q=Spaziergruppe", &en).await).await;
    assert!(page.contains("<h2>0 offers</h2>"), "an edit shows at the next search: {page}");
    let offer = format!("/directory/dir-b/offers/{}", a.offer.as_uuid());
    assert_eq!(app.get(&offer, &en).await.status(), 404);

    lotse_store::on_pool!(&db.db, p => sqlx::query("update programme set public_directory = $1 where slug = 'dir-b'")
        .bind(false).execute(p).await.map(|_| ()))
    .unwrap();
    assert_eq!(app.get("/directory/dir-b", &en).await.status(), 404);
});
