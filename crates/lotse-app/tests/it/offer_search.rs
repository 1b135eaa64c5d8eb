//! The directory search over the demo: filters agree with a brute-force oracle written here,
//! every result says why it was chosen, spelling variants meet, capacity counts, edits show.

use lotse_app::FixedClock;
use lotse_app::demo::DemoOptions;
use lotse_app::offer_search::{DirectoryIndex, Order, Origin, Reason, SearchError, SearchRequest};
use lotse_domain::actor::SystemJob;
use lotse_domain::area::GeoPoint;
use lotse_domain::need::NeedDomain;
use lotse_domain::offer::{AccessibilityFeature, CostKind, OfferStatus};
use lotse_domain::programme::ProgrammeSlug;
use lotse_store::offer::StoredOffer;
use lotse_testkit::{TestDb, fixed_now, storage_test};
use time::macros::date;

/// Haversine, written here again so the oracle shares no code with the index.
fn metres(a: GeoPoint, b: GeoPoint) -> f64 {
    let (p1, p2) = (a.lat().to_radians(), b.lat().to_radians());
    let h =
        ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * ((b.lon() - a.lon()).to_radians() / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

async fn demo(db: &TestDb) -> (DirectoryIndex, Vec<StoredOffer>, lotse_domain::actor::ProgrammeScope) {
    let clock = FixedClock::new(fixed_now());
    let options = DemoOptions {
        scale: 2,
        seed: 11,
        as_of: date!(2026 - 11 - 02),
    };
    lotse_app::demo::seed(&db.db, &clock, options, &mut |_, _| {})
        .await
        .unwrap();
    let programme = lotse_store::programme::find_by_slug(&db.db, &ProgrammeSlug::parse("duesseldorf").unwrap())
        .await
        .unwrap()
        .unwrap();
    let scope = lotse_testkit::system_scope(SystemJob::Admin, programme.id);
    let index = DirectoryIndex::build(&db.db, &scope, date!(2026 - 11 - 02))
        .await
        .unwrap();
    let mut tx = db.db.begin_read().await.unwrap();
    let offers = lotse_store::offer::load_offers(&mut tx, &scope).await.unwrap();
    tx.commit().await.unwrap();
    (index, offers, scope)
}

fn all_pages(index: &DirectoryIndex, mut r: SearchRequest) -> Vec<lotse_app::offer_search::Match> {
    r.per_page = 7;
    let mut out = Vec::new();
    for page in 1.. {
        r.page = page;
        let answer = index.search(&r).unwrap();
        if answer.matches.is_empty() {
            break;
        }
        out.extend(answer.matches);
    }
    out
}

storage_test!(async fn a_free_step_free_turkish_offer_against_loneliness_near_home_is_found_and_explained(db) {
    let (index, offers, _) = demo(db).await;
    // Home: the postcode of the first offer that meets every constraint but distance, so the
    // answer is never empty whatever the demo draws.
    let first = offers
        .iter()
        .map(|s| &s.offer)
        .find(|o| {
            o.published
                && o.status == OfferStatus::Active
                && o.need_domains.contains(&NeedDomain::Loneliness)
                && o.languages.iter().any(|l| l == "tr")
                && o.accessibility.contains(&AccessibilityFeature::StepFree)
                && o.cost.kind == CostKind::Free
        })
        .expect("the demo holds a free, step-free, Turkish-speaking offer against loneliness");
    let home = index.postcode_point(&first.address.as_ref().unwrap().postcode).unwrap();
    let request = SearchRequest {
        origin: Some(Origin::Home(home)),
        radius_m: Some(2000),
        needs: vec![NeedDomain::Loneliness],
        languages: vec!["tr".into()],
        accessibility: vec![AccessibilityFeature::StepFree],
        max_cost: Some(CostKind::Free),
        ..SearchRequest::default()
    };
    let found = all_pages(&index, request.clone());
    let mut expected: Vec<_> = offers
        .iter()
        .map(|s| &s.offer)
        .filter(|o| o.published && o.status == OfferStatus::Active)
        .filter(|o| o.need_domains.contains(&NeedDomain::Loneliness))
        .filter(|o| o.languages.iter().any(|l| l == "tr"))
        .filter(|o| o.accessibility.contains(&AccessibilityFeature::StepFree))
        .filter(|o| o.cost.kind == CostKind::Free)
        .filter(|o| o.location.is_some_and(|p| metres(p, home) <= 2000.0))
        .map(|o| o.id)
        .collect();
    expected.sort_unstable();
    let mut got: Vec<_> = found.iter().map(|m| m.listing.offer.id).collect();
    got.sort_unstable();
    assert!(!expected.is_empty(), "the demo holds such an offer");
    assert_eq!(got, expected);
    assert_eq!(index.search(&request).unwrap().total, expected.len());
    for m in &found {
        let d = m.distance_m.unwrap();
        assert!(d <= 2000.0, "{d}");
        assert!(m.reasons.iter().any(|r| matches!(r, Reason::Distance { from_home: true, .. })), "{:?}", m.reasons);
        assert!(m.reasons.contains(&Reason::Speaks(vec!["tr".into()])), "{:?}", m.reasons);
        assert!(m.reasons.contains(&Reason::Cost(CostKind::Free)), "{:?}", m.reasons);
        assert!(m.reasons.contains(&Reason::Accessible(vec![AccessibilityFeature::StepFree])), "{:?}", m.reasons);
        assert!(
            m.reasons.iter().any(|r| matches!(r, Reason::Matches { needs, .. } if needs == &[NeedDomain::Loneliness])),
            "{:?}",
            m.reasons
        );
    }
    // By distance: nearest first.
    let by_distance = all_pages(&index, SearchRequest { order: Order::Distance, ..request });
    let d: Vec<f64> = by_distance.iter().map(|m| m.distance_m.unwrap()).collect();
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
});

storage_test!(async fn spelling_variants_meet_and_facets_count_what_matches(db) {
    let (index, offers, _) = demo(db).await;
    let listed = |o: &&lotse_domain::offer::Offer| o.published && o.status == OfferStatus::Active;
    // The quarter with an umlaut that most listed offers are named after.
    let mut quarters: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for o in offers.iter().map(|s| &s.offer).filter(listed) {
        if let Some((_, q)) = o.title.rsplit_once(" – ")
            && q.contains('ü')
        {
            *quarters.entry(q).or_default() += 1;
        }
    }
    let (quarter, flingern) = quarters.into_iter().max_by_key(|(q, n)| (*n, *q)).unwrap();
    for text in [quarter.to_owned(), quarter.replace('ü', "ue"), quarter.replace('ü', "u").to_lowercase()] {
        let answer = index.search(&SearchRequest { text: text.clone(), ..SearchRequest::default() }).unwrap();
        assert!(answer.total >= flingern, "{text}: {} < {flingern}", answer.total);
    }
    // Reply times and acceptance come from the demo's onward referrals and their events.
    let answered: Vec<_> = offers
        .iter()
        .filter_map(|s| index.listing_of(s.offer.id))
        .filter(|l| l.answers.answered > 0)
        .collect();
    assert!(!answered.is_empty());
    assert!(answered.iter().all(|l| l.answers.median_reply_days.is_some_and(|d| d >= 0.0)));
    let all = index.search(&SearchRequest::default()).unwrap();
    let listed_count = offers.iter().map(|s| &s.offer).filter(listed).count();
    assert_eq!(all.total, listed_count);
    for (need, count) in &all.needs {
        let expected = offers.iter().map(|s| &s.offer).filter(listed).filter(|o| o.need_domains.contains(need)).count();
        assert_eq!(*count as usize, expected, "{need:?}");
    }
    for (cost, count) in &all.costs {
        let expected = offers.iter().map(|s| &s.offer).filter(listed).filter(|o| o.cost.kind == *cost).count();
        assert_eq!(*count as usize, expected, "{cost:?}");
    }
});

storage_test!(async fn a_full_offer_sinks_below_an_open_one_and_an_edit_shows_at_once(db) {
    let (mut index, offers, _) = demo(db).await;
    let listed: Vec<_> = offers
        .iter()
        .filter(|s| s.offer.published && s.offer.status == OfferStatus::Active)
        .take(2)
        .cloned()
        .collect();
    let (mut a, mut b) = (listed[0].clone(), listed[1].clone());
    for (s, open) in [(&mut a, Some(0)), (&mut b, Some(4))] {
        s.offer.title = "Boulefreunde Volmerswerth".into();
        s.offer.capacity.open_places = open;
        s.offer.capacity.waiting_list = if open == Some(0) { 5 } else { 0 };
        index.upsert(s.offer.clone(), s.version + 1, lotse_store::offer_answers::AnswerStats::default());
    }
    let answer = index.search(&SearchRequest { text: "Boulefreunde".into(), ..SearchRequest::default() }).unwrap();
    let ids: Vec<_> = answer.matches.iter().map(|m| m.listing.offer.id).collect();
    assert_eq!(ids, vec![b.offer.id, a.offer.id], "the open one first");
    assert!(answer.matches[1].reasons.contains(&Reason::Full { waiting_list: 5 }));
    assert!(answer.matches[0].reasons.contains(&Reason::OpenPlaces(4)));
    // A typo still finds it.
    let typo = index.search(&SearchRequest { text: "Boulefreunds".into(), ..SearchRequest::default() }).unwrap();
    assert_eq!(typo.total, 2);
});

storage_test!(async fn a_search_that_cannot_be_answered_says_why(db) {
    let (index, _, _) = demo(db).await;
    let err = index.search(&SearchRequest { origin: Some(Origin::Postcode("99999".into())), ..SearchRequest::default() }).unwrap_err();
    assert_eq!(err, SearchError::UnknownPostcode("99999".into()));
    let err = index.search(&SearchRequest { origin: Some(Origin::Postcode("9;9".into())), ..SearchRequest::default() }).unwrap_err();
    assert!(matches!(err, SearchError::BadPostcode(_)), "{err:?}");
    assert_eq!(index.search(&SearchRequest { radius_m: Some(500), ..SearchRequest::default() }).unwrap_err(), SearchError::RadiusWithoutOrigin);
    assert_eq!(index.search(&SearchRequest { order: Order::Distance, ..SearchRequest::default() }).unwrap_err(), SearchError::DistanceWithoutOrigin);
    // A huge page number or page size is clamped, not refused.
    let far = index.search(&SearchRequest { page: u32::MAX, per_page: u32::MAX, ..SearchRequest::default() }).unwrap();
    assert!(far.matches.is_empty());
    let big = index.search(&SearchRequest { per_page: 100_000, ..SearchRequest::default() }).unwrap();
    assert_eq!(big.matches.len(), 100);
});

/// Median reply days per offer, computed here from the onward referrals' events: from the
/// `sent` event to the first provider answer after it (the oracle for the kept reply times).
async fn reply_days_from_events(db: &TestDb, programme_key: i64) -> std::collections::BTreeMap<uuid::Uuid, f64> {
    let payload = match db.db.engine() {
        lotse_store::db::Engine::Sqlite => "e.payload",
        lotse_store::db::Engine::Postgres => "e.payload::text",
    };
    let sql = format!(
        "select w.offer_id, e.stream_id, e.stream_version, {payload}, e.occurred_at from event e \
         join onward_referral w on w.programme_key = e.programme_key and w.onward_referral_id = e.stream_id \
         where e.programme_key = $1 and e.stream = 2 order by e.stream_id, e.stream_version"
    );
    let rows: Vec<(uuid::Uuid, uuid::Uuid, i64, String, time::OffsetDateTime)> =
        lotse_store::on_pool!(&db.db, p => sqlx::query_as(&sql).bind(programme_key).fetch_all(p).await).unwrap();
    let answers = [
        "acknowledged",
        "declined_by_provider",
        "attendance_started",
        "did_not_attend",
    ];
    let mut per_referral: std::collections::BTreeMap<
        uuid::Uuid,
        (uuid::Uuid, Option<time::OffsetDateTime>, Option<time::OffsetDateTime>),
    > = std::collections::BTreeMap::new();
    for (offer, stream, _, payload, at) in rows {
        let kind: serde_json::Value = serde_json::from_str(&payload).unwrap();
        let kind = kind["type"].as_str().unwrap_or_default().to_owned();
        let entry = per_referral.entry(stream).or_insert((offer, None, None));
        if kind == "sent" && entry.1.is_none() {
            entry.1 = Some(at);
        } else if answers.contains(&kind.as_str()) && entry.1.is_some() && entry.2.is_none() {
            entry.2 = Some(at);
        }
    }
    let mut days: std::collections::BTreeMap<uuid::Uuid, Vec<f64>> = std::collections::BTreeMap::new();
    for (offer, sent, answered) in per_referral.into_values() {
        if let (Some(s), Some(a)) = (sent, answered) {
            days.entry(offer).or_default().push((a - s).as_seconds_f64() / 86_400.0);
        }
    }
    days.into_iter()
        .map(|(offer, mut d)| {
            d.sort_by(f64::total_cmp);
            let n = d.len();
            let median = if n % 2 == 1 {
                d[n / 2]
            } else {
                f64::midpoint(d[n / 2 - 1], d[n / 2])
            };
            (offer, median)
        })
        .collect()
}

/// Per offer (answered, taken, lapsed) from the onward referrals' states, by a table written
/// here: a provider's answer is an acknowledgement, attendance or a decline; all but the
/// decline count as taken.
async fn counts_from_states(
    db: &lotse_testkit::TestDb,
    key: i64,
) -> std::collections::BTreeMap<uuid::Uuid, (u32, u32, u32)> {
    const TABLE: &[(&str, (u32, u32, u32))] = &[
        ("acknowledged", (1, 1, 0)),
        ("attending", (1, 1, 0)),
        ("ended", (1, 1, 0)),
        ("did_not_attend", (1, 1, 0)),
        ("declined_by_provider", (1, 0, 0)),
        ("lapsed", (0, 0, 1)),
    ];
    let rows: Vec<(uuid::Uuid, String)> = lotse_store::on_pool!(&db.db, p => sqlx::query_as(
        "select offer_id, state from onward_referral where programme_key = $1",
    )
    .bind(key)
    .fetch_all(p)
    .await)
    .unwrap();
    let mut out = std::collections::BTreeMap::new();
    for (offer, state) in rows {
        if let Some((_, (a, t, l))) = TABLE.iter().find(|(s, _)| *s == state) {
            let e: &mut (u32, u32, u32) = out.entry(offer).or_default();
            *e = (e.0 + a, e.1 + t, e.2 + l);
        }
    }
    out
}

storage_test!(async fn kept_answer_figures_agree_with_the_events_and_migrations_0023_and_0025_fill_them_in(db) {
    let (_, _, scope) = demo(db).await;
    let key: i64 = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select programme_key from programme where slug = 'duesseldorf'")
        .fetch_one(p).await).unwrap();
    let expected = reply_days_from_events(db, key).await;
    assert!(expected.len() > 20, "the demo has answered onward referrals: {}", expected.len());
    let expected_counts = counts_from_states(db, key).await;
    assert!(expected_counts.values().any(|c| c.2 > 0) && expected_counts.values().any(|c| c.0 > c.1));
    let kept = |stats: &std::collections::HashMap<lotse_domain::id::OfferId, lotse_store::offer_answers::AnswerStats>| {
        stats
            .iter()
            .filter_map(|(o, s)| Some((o.as_uuid(), s.median_reply_days?)))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let counts = |stats: &std::collections::HashMap<lotse_domain::id::OfferId, lotse_store::offer_answers::AnswerStats>| {
        stats
            .iter()
            .map(|(o, s)| (o.as_uuid(), (s.answered, s.taken, s.lapsed)))
            .filter(|(_, c)| *c != (0, 0, 0))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let stats = async || {
        let mut tx = db.db.begin_read().await.unwrap();
        let s = lotse_store::offer_answers::answer_stats(&mut tx, &scope).await.unwrap();
        tx.commit().await.unwrap();
        s
    };
    let check = |got: &std::collections::HashMap<lotse_domain::id::OfferId, lotse_store::offer_answers::AnswerStats>, when: &str| {
        let medians = kept(got);
        assert_eq!(medians.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>(), "{when}");
        for (offer, days) in &medians {
            assert!((days - expected[offer]).abs() < 1e-6, "{when}: {offer}: {days} vs {}", expected[offer]);
        }
        assert_eq!(counts(got), expected_counts, "{when}");
    };
    check(&stats().await, "kept as the onward referrals were written");

    // Forget them, run the migrations' statements that fill them in, and read again.
    lotse_store::on_pool!(&db.db, p => sqlx::query("update onward_referral set sent_at = null, answered_at = null")
        .execute(p).await.map(|_| ())).unwrap();
    lotse_store::on_pool!(&db.db, p => sqlx::query("delete from offer_answers").execute(p).await.map(|_| ())).unwrap();
    assert!(stats().await.is_empty(), "nothing kept, nothing read");
    let engine = match db.db.engine() {
        lotse_store::db::Engine::Sqlite => "sqlite",
        lotse_store::db::Engine::Postgres => "postgres",
    };
    for (migration, verb) in [("0023_onward_reply_times", "update"), ("0025_offer_answers", "insert")] {
        let file = std::fs::read_to_string(format!(
            "{}/../lotse-store/migrations/{engine}/{migration}.sql",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let code: String = file.lines().filter(|l| !l.starts_with("--")).collect::<Vec<_>>().join("\n");
        for statement in code.split(';').map(str::trim).filter(|s| s.starts_with(verb)) {
            lotse_store::on_pool!(&db.db, p => sqlx::query(statement).execute(p).await.map(|_| ())).unwrap();
        }
    }
    check(&stats().await, "filled in by migrations 0023 and 0025");
});
