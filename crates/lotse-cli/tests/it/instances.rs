//! Several instances over one database: an offer changed outside a running `lotse serve`
//! (here by the test, as by another instance) is found by that server's directory search
//! within 2 seconds.

use std::time::{Duration, Instant};

use lotse_testkit::storage_test;
use lotse_testkit::world::World;

use crate::server::{http, start};

async fn found(addr: &str, words: &str) -> bool {
    let page = http(
        addr,
        "GET",
        &format!("/directory/two?q={words}"),
        &[("accept-language", "en")],
        "",
    )
    .await
    .unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    page.body.contains("<h2>1 offer</h2>")
}

storage_test!(async fn an_offer_changed_elsewhere_is_found_within_two_seconds(db) {
    let a = World::build(db, "two").await;
    let one = start(db.url.expose(), &[]).await;
    let two = start(db.url.expose(), &[]).await;
    // Both servers have built their index.
    assert!(found(&one.addr, "Spaziergruppe").await);
    assert!(found(&two.addr, "Spaziergruppe").await);
    assert!(!found(&two.addr, "Mondscheinwanderung").await);

    let mut tx = db.db.begin().await.unwrap();
    let mut stored = lotse_store::offer::get_offer(&mut tx, &a.scope, a.offer).await.unwrap();
    stored.offer.title = "Mondscheinwanderung".into();
    lotse_store::offer::update_offer(&mut tx, &a.scope, &stored.offer, stored.version).await.unwrap();
    tx.commit().await.unwrap();
    let changed = Instant::now();

    for server in [&one, &two] {
        while !found(&server.addr, "Mondscheinwanderung").await {
            assert!(changed.elapsed() < Duration::from_secs(2), "not found within 2 s on {}", server.addr);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    println!("both servers found the edit {} ms after it was committed", changed.elapsed().as_millis());
    assert!(!found(&two.addr, "Spaziergruppe").await, "the old title is gone");
});
