//! The link worker's worklist page by next step: the column and the filter links in every UI
//! language, the overdue mark in words, the kind filter, and a 400 for an unknown kind; the
//! other roles' worklists have no next step.

use lotse_domain::user::Role;
use lotse_testkit::storage_test;
use lotse_testkit::world::World;

use crate::app::{TestApp, text};

storage_test!(async fn the_link_workers_worklist_shows_the_next_step_with_filters(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "next-page").await;
    // Issued on Saturday 3 October 2026 (also a holiday), 30 days before the test clock: to be
    // accepted by Monday 5 October, so overdue.
    world.issued_case(db, "Neumann", world.orgs.facility).await;
    let lotsin = world.member(db, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = app.session_for(lotsin, world.programme.id).await;

    let page = text(app.get("/cases", &[("cookie", &cookie), ("accept-language", "de")]).await).await;
    for expected in [
        "Nächster Schritt",
        "Neu: annehmen oder weiterleiten",
        "überfällig · fällig am 2026-10-05",
        "href=\"/cases?kind=new\"",
        "href=\"/cases?kind=first_contact_overdue\">Erstkontakt überfällig (0)</a>",
        "aria-current=\"page\"><strong>Alle",
        "Ilse Neumann",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    let page = text(app.get("/cases", &[("cookie", &cookie), ("accept-language", "da")]).await).await;
    assert!(page.contains("Næste skridt") && page.contains("Ny: modtag eller videresend") && page.contains("overskredet"), "{page}");
    let page = text(app.get("/cases", &[("cookie", &cookie), ("accept-language", "en")]).await).await;
    assert!(page.contains("Next step") && page.contains("New: accept or redirect") && page.contains("overdue · due 2026-10-05"), "{page}");

    let page = text(app.get("/cases?kind=new", &[("cookie", &cookie), ("accept-language", "en")]).await).await;
    assert!(page.contains("aria-current=\"page\"><strong>New: accept or redirect") && page.contains("Ilse Neumann"), "{page}");
    let page = text(app.get("/cases?kind=first_contact_overdue", &[("cookie", &cookie), ("accept-language", "en")]).await).await;
    assert!(!page.contains("Ilse Neumann"), "filtered out: {page}");

    let response = app.get("/cases?kind=urgent", &[("cookie", &cookie), ("accept-language", "en")]).await;
    assert_eq!(response.status(), 400);
});

storage_test!(async fn other_roles_worklists_have_no_next_step(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "next-page-gp").await;
    let gp = world.member(db, "praxis", Role::Prescriber, Some(world.orgs.practice)).await;
    let cookie = app.session_for(gp, world.programme.id).await;
    let page = text(app.get("/cases", &[("cookie", &cookie), ("accept-language", "de")]).await).await;
    assert!(!page.contains("Nächster Schritt") && !page.contains("?kind="), "{page}");
});
