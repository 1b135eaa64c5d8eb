//! `/hsds` over the demo, on both engines: every service, organization, list page and taxonomy
//! the feed gives validates against the official HSDS 3.0 schemas (copied into
//! `interop/hsds-3.0/`) in strict mode, with unknown properties forbidden; the filters agree
//! with an oracle computed here from the stored offers; bad parameters are a 400 naming each.

use std::collections::{BTreeMap, BTreeSet};

use lotse_app::demo::DemoOptions;
use lotse_store::on_pool;
use lotse_testkit::storage_test;
use serde_json::{Map, Value, json};
use time::macros::date;

use crate::app::{TestApp, text};

const SCHEMA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../interop/hsds-3.0/schema");

fn read(name: &str) -> Value {
    let path = format!("{SCHEMA_DIR}/{name}");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Strict mode, written here (not the server's copy): every object schema that lists its
/// properties allows no other property.
fn strict(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (key, value) in map.iter_mut() {
                match (key.as_str(), value) {
                    ("properties", Value::Object(props)) => props.values_mut().for_each(strict),
                    (_, v) => strict(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strict),
        _ => {}
    }
}

/// A modular schema made self-contained: `"x.json"` references point into `$defs`.
fn modular(name: &str) -> Value {
    fn rewrite(v: &mut Value) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get_mut("$ref")
                    && let Some(stem) = r.strip_suffix(".json")
                {
                    *r = format!("#/$defs/{stem}");
                }
                map.values_mut().for_each(rewrite);
            }
            Value::Array(items) => items.iter_mut().for_each(rewrite),
            _ => {}
        }
    }
    let mut defs = Map::new();
    for entry in std::fs::read_dir(SCHEMA_DIR).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        if let Some(stem) = file.strip_suffix(".json")
            && stem != "openapi"
        {
            let mut s = read(&file);
            rewrite(&mut s);
            defs.insert(stem.to_owned(), s);
        }
    }
    let mut root = defs[name].clone();
    root.as_object_mut()
        .unwrap()
        .insert("$defs".into(), Value::Object(defs));
    root
}

/// A page of `items`; definitions the item schema refers to (`#/definitions/…`,
/// `#/$defs/…`) move to the page's root, where those references point.
fn page_of(mut items: Value) -> Value {
    let definitions = items.as_object_mut().unwrap().remove("definitions");
    let defs = items.as_object_mut().unwrap().remove("$defs");
    let mut page = json!({
        "type": "object",
        "required": ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"],
        "properties": {
            "total_items": {"type": "integer"}, "total_pages": {"type": "integer"},
            "page_number": {"type": "integer"}, "size": {"type": "integer"},
            "first_page": {"type": "boolean"}, "last_page": {"type": "boolean"}, "empty": {"type": "boolean"},
            "contents": {"type": "array", "items": items}
        }
    });
    if let Some(d) = definitions {
        page["definitions"] = d;
    }
    if let Some(d) = defs {
        page["$defs"] = d;
    }
    page
}

struct Checker {
    validator: jsonschema::Validator,
    name: &'static str,
}

impl Checker {
    fn new(name: &'static str, mut schema: Value) -> Self {
        strict(&mut schema);
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        Self { validator, name }
    }

    fn check(&self, what: &str, instance: &Value) {
        let errors: Vec<String> = self
            .validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{what} is not a valid {}: {errors:#?}", self.name);
    }
}

async fn json_of(app: &TestApp, path: &str) -> Value {
    let response = app.get(path, &[("accept-language", "de")]).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["access-control-allow-origin"], "*", "{path}");
    assert!(response.headers().get("set-cookie").is_none(), "{path} sets no cookie");
    serde_json::from_str(&text(response).await).unwrap()
}

/// Every page of a list.
async fn all_pages(app: &TestApp, path: &str, page_check: &Checker) -> Vec<Value> {
    let mut items = Vec::new();
    let sep = if path.contains('?') { '&' } else { '?' };
    for n in 1.. {
        let page = json_of(app, &format!("{path}{sep}per_page=100&page={n}")).await;
        page_check.check(&format!("{path} page {n}"), &page);
        items.extend(page["contents"].as_array().unwrap().iter().cloned());
        assert_eq!(page["page_number"], n);
        if page["last_page"] == true {
            assert_eq!(page["total_items"].as_u64().unwrap() as usize, items.len(), "{path}");
            break;
        }
    }
    items
}

async fn demo_app(db: &lotse_testkit::TestDb) -> TestApp {
    let clock = lotse_app::FixedClock::new(lotse_testkit::fixed_now());
    let options = DemoOptions {
        scale: 1,
        seed: 7,
        as_of: date!(2026 - 11 - 02),
    };
    lotse_app::demo::seed(&db.db, &clock, options, &mut |_, _| {})
        .await
        .unwrap();
    TestApp::new(db).await
}

/// Listed offers by the store: (offer id, provider id) of published, active offers of public
/// programmes.
async fn listed(app: &TestApp) -> Vec<(uuid::Uuid, uuid::Uuid)> {
    on_pool!(&app.db, p => sqlx::query_as(
        "select o.offer_id, o.provider_id from offer o join programme p on p.programme_key = o.programme_key \
         where p.public_directory = $1 and o.published = $1 and o.status = 'active' order by o.offer_id",
    ).bind(true).fetch_all(p).await)
    .unwrap()
}

storage_test!(async fn every_answer_of_the_demo_s_feed_validates_strictly_against_the_official_schemas(db) {
    let app = demo_app(db).await;
    let listed = listed(&app).await;
    assert!(listed.len() > 150, "the demo lists offers: {}", listed.len());

    let root = json_of(&app, "/hsds/").await;
    assert_eq!(root["version"], "3.0");
    assert!(root["openapi_url"].as_str().unwrap().ends_with("/api/openapi.json"));

    // Compiled schemas for services (list and full), modular ones for the rest.
    let service_full = Checker::new("service", read("compiled/service_with_definitions.json"));
    let service_page = Checker::new("page of services", page_of(read("compiled/service_list.json")));
    let services = all_pages(&app, "/hsds/services", &service_page).await;
    let ids: BTreeSet<String> = services.iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
    let expected: BTreeSet<String> = listed.iter().map(|(o, _)| o.to_string()).collect();
    assert_eq!(ids, expected, "the feed lists exactly the published, active offers of public programmes");
    let mut nested_parts = BTreeMap::new();
    for id in &ids {
        let service = json_of(&app, &format!("/hsds/services/{id}")).await;
        service_full.check(&format!("service {id}"), &service);
        for part in ["schedules", "languages", "service_at_locations", "attributes", "cost_options", "phones"] {
            *nested_parts.entry(part).or_insert(0) += usize::from(service.get(part).is_some());
        }
    }
    // The check can fail: a property HSDS does not define, a wrong enum value, a missing field.
    let sample = json_of(&app, &format!("/hsds/services/{}", ids.first().unwrap())).await;
    for (what, doctored) in [
        ("unknown property", { let mut s = sample.clone(); s["open_places"] = json!(3); s }),
        ("unknown nested property", { let mut s = sample.clone(); s["schedules"][0]["weekday"] = json!("TU"); s }),
        ("status outside the enum", { let mut s = sample.clone(); s["status"] = json!("paused"); s }),
        ("missing name", { let mut s = sample.clone(); s.as_object_mut().unwrap().remove("name"); s }),
        ("id not a UUID", { let mut s = sample.clone(); s["id"] = json!("offer-1"); s }),
    ] {
        assert!(!service_full.validator.is_valid(&doctored), "{what} passed the strict check");
    }
    for (part, n) in &nested_parts {
        assert!(*n > 0, "no service has {part}: the check would not see them");
    }
    let full_page = Checker::new("page of full services", page_of(read("compiled/service_with_definitions.json")));
    let full = all_pages(&app, "/hsds/services?full=true", &full_page).await;
    assert_eq!(full.len(), ids.len());

    let sal_page = Checker::new("page of services at locations", page_of(read("compiled/service_at_location_list.json")));
    let sals = all_pages(&app, "/hsds/service_at_locations", &sal_page).await;
    assert!(!sals.is_empty());
    let sal = Checker::new("service at location", modular("service_at_location"));
    let first = sals[0]["id"].as_str().unwrap();
    let one = json_of(&app, &format!("/hsds/service_at_locations/{first}")).await;
    Checker::new("page item", read("compiled/service_at_location_list.json")).check(first, &one);
    sal.check(first, &json!({"id": one["id"], "service_id": one["service_id"], "location_id": one["location_id"], "location": one["location"]}));

    let org_page = Checker::new("page of organizations", page_of(read("compiled/organization_list.json")));
    let orgs = all_pages(&app, "/hsds/organizations", &org_page).await;
    let providers: BTreeSet<String> = listed.iter().map(|(_, p)| p.to_string()).collect();
    let org_ids: BTreeSet<String> = orgs.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(org_ids, providers, "organizations are the providers of listed offers");
    // An organization with its services: the modular organization schema plus the `services`
    // array the compiled HSDS organization schema adds.
    let mut with_services = modular("organization");
    with_services["properties"]["services"] = json!({"type": "array", "items": {"$ref": "#/$defs/service"}});
    let org = Checker::new("organization with services", with_services);
    for id in org_ids.iter().take(25) {
        for query in ["", "?full_service=true"] {
            let o = json_of(&app, &format!("/hsds/organizations/{id}{query}")).await;
            org.check(&format!("organization {id}{query}"), &o);
            assert!(!o["services"].as_array().unwrap().is_empty());
        }
    }

    let taxonomy_page = Checker::new("page of taxonomies", page_of(modular("taxonomy")));
    let taxonomies = all_pages(&app, "/hsds/taxonomies", &taxonomy_page).await;
    assert_eq!(taxonomies.len(), 4);
    let term_page = Checker::new("page of taxonomy terms", page_of(modular("taxonomy_term")));
    let terms = all_pages(&app, "/hsds/taxonomy_terms", &term_page).await;
    assert_eq!(terms.len(), 14 + 9 + 9 + 6);
    let loneliness = terms.iter().find(|t| t["code"] == "loneliness").unwrap();
    assert_eq!(loneliness["name"], "Einsamkeit", "names follow Accept-Language");
    let one = json_of(&app, &format!("/hsds/taxonomy_terms/{}", loneliness["id"].as_str().unwrap())).await;
    Checker::new("taxonomy term", modular("taxonomy_term")).check("term", &one);
});

/// Every service id a filtered list gives, over all its pages.
async fn ids_of(app: &TestApp, query: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for n in 1.. {
        let page = json_of(app, &format!("/hsds/services?{query}&per_page=100&page={n}")).await;
        for s in page["contents"].as_array().unwrap() {
            assert!(
                ids.insert(s["id"].as_str().unwrap().to_owned()),
                "{query}: a service twice"
            );
        }
        if page["last_page"] == true {
            assert_eq!(page["total_items"].as_u64().unwrap() as usize, ids.len(), "{query}");
            return ids;
        }
    }
    unreachable!()
}

/// Great-circle distance in metres (haversine, mean Earth radius): the oracle's own formula.
fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

storage_test!(async fn the_feed_s_filters_agree_with_an_oracle_over_the_stored_offers(db) {
    use lotse_domain::actor::SystemJob;
    use lotse_domain::need::NeedDomain;
    use time::Weekday;

    let app = demo_app(db).await;
    let mut offers = Vec::new();
    let mut postcode = None;
    for programme in lotse_store::programme::list(&app.db).await.unwrap() {
        if !programme.public_directory {
            continue;
        }
        let scope = lotse_testkit::system_scope(SystemJob::PublicDirectory, programme.id);
        let mut tx = app.db.begin().await.unwrap();
        let stored = lotse_store::offer::load_offers(&mut tx, &scope).await.unwrap();
        if programme.slug.as_str() == "duesseldorf" {
            let codes = lotse_store::postcode::list_postcodes(&mut tx, &scope).await.unwrap();
            let p = codes.into_iter().find(|p| p.code.as_str() == "40210").unwrap();
            postcode = Some((p.centroid.lat(), p.centroid.lon()));
        }
        tx.commit().await.unwrap();
        offers.extend(stored.into_iter().map(|s| s.offer).filter(|o| o.published && o.status.code() == "active"));
    }
    let expect = |keep: &dyn Fn(&lotse_domain::offer::Offer) -> bool| -> BTreeSet<String> {
        offers.iter().filter(|o| keep(o)).map(|o| o.id.as_uuid().to_string()).collect()
    };
    let term = |taxonomy: &str, code: &str| {
        let ns = lotse_app::hsds::taxonomy::NAMESPACE;
        uuid::Uuid::new_v5(&ns, format!("{taxonomy}/{code}").as_bytes())
    };
    let provider = offers[0].provider.as_uuid();
    let since = time::macros::datetime!(2026-06-01 0:00 UTC);
    let fourteen = time::macros::time!(14:00);
    let home = postcode.unwrap();
    let cases: Vec<(String, BTreeSet<String>)> = vec![
        (
            format!("taxonomy_term_id={}", term("lotse-need-domain", "loneliness")),
            expect(&|o| o.need_domains.contains(&NeedDomain::Loneliness)),
        ),
        (
            format!("taxonomy_term_id={}", term("lotse-accessibility", "step-free")),
            expect(&|o| o.accessibility.iter().any(|f| f.code() == "step-free")),
        ),
        (
            format!("taxonomy_id={}", uuid::Uuid::new_v5(&lotse_app::hsds::taxonomy::NAMESPACE, b"lotse-accessibility")),
            expect(&|o| !o.accessibility.is_empty()),
        ),
        (format!("organization_id={provider}"), expect(&|o| o.provider.as_uuid() == provider)),
        ("minimum_age=60".to_owned(), expect(&|o| o.ages.min.is_some_and(|m| m >= 60))),
        ("maximum_age=27".to_owned(), expect(&|o| o.ages.max.is_some_and(|m| m <= 27))),
        (
            "day=TU&start_time=14:00".to_owned(),
            expect(&|o| o.schedule.iter().any(|s| s.weekday == Weekday::Tuesday && s.opens_at >= fourteen)),
        ),
        (
            "end_time=12:00".to_owned(),
            expect(&|o| o.schedule.iter().any(|s| s.closes_at <= time::macros::time!(12:00))),
        ),
        ("modified_after=2026-06-01".to_owned(), expect(&|o| o.updated_at >= since)),
        (
            "postcode=40210&proximity=2000".to_owned(),
            expect(&|o| o.location.is_some_and(|p| metres(home, (p.lat(), p.lon())) <= 2000.0)),
        ),
    ];
    for (query, expected) in cases {
        assert!(!expected.is_empty(), "{query}: the oracle finds nothing, the case shows nothing");
        assert!(expected.len() < offers.len(), "{query}: the oracle keeps everything");
        let found = ids_of(&app, &query).await;
        assert_eq!(found, expected, "{query}");
    }
    // Nearest first from a postcode when there are no words.
    let page = json_of(&app, "/hsds/services?postcode=40210&proximity=3000&per_page=100&full=true").await;
    let distances: Vec<f64> = page["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let l = &s["service_at_locations"][0]["location"];
            metres(home, (l["latitude"].as_f64().unwrap(), l["longitude"].as_f64().unwrap()))
        })
        .collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1] + 1.0), "{distances:?}");
});

storage_test!(async fn bad_parameters_are_a_400_naming_each_and_unknown_records_a_404(db) {
    let app = TestApp::new(db).await;
    let en = [("accept-language", "en")];
    let problem = |body: &str| -> Value { serde_json::from_str(body).unwrap() };
    // The longest URI a request can carry here is below 64 KiB (the `http` crate refuses longer
    // ones before any handler runs); 60,000 characters of search stand for "huge".
    let huge = "a".repeat(60_000);
    let cases: Vec<(String, Vec<&str>)> = vec![
        ("per_page=100000&page=0".into(), vec!["page", "per_page"]),
        ("per_page=&page=-1".into(), vec!["page", "per_page"]),
        ("minimal=yes&full=1&format=xml".into(), vec!["minimal", "full", "format"]),
        ("day=Tuesday&start_time=25:00&end_time=9".into(), vec!["day", "start_time", "end_time"]),
        ("taxonomy_id=3fa85f64-5717-4562-b3fc-2c963f66afa6&taxonomy_term_id=x".into(), vec!["taxonomy_id", "taxonomy_term_id"]),
        ("organization_id=42&modified_after=yesterday".into(), vec!["organization_id", "modified_after"]),
        ("minimum_age=-1&maximum_age=151".into(), vec!["minimum_age", "maximum_age"]),
        ("proximity=500".into(), vec!["proximity"]),
        ("postcode=99999".into(), vec!["postcode"]),
        ("page=1&page=2".into(), vec!["page"]),
        (format!("search={huge}"), vec!["search"]),
        ("search=%FF%FE".into(), vec!["query"]),
    ];
    for (query, fields) in cases {
        let response = app.get(&format!("/hsds/services?{query}"), &en).await;
        let shown = query.chars().take(60).collect::<String>();
        assert_eq!(response.status(), 400, "{shown}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let body = problem(&text(response).await);
        let named: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        let mut named_sorted = named.clone();
        named_sorted.sort_unstable();
        let mut want = fields.clone();
        want.sort_unstable();
        assert_eq!(named_sorted, want, "{shown}: {body}");
        for e in body["errors"].as_array().unwrap() {
            assert!(e["message"].as_str().unwrap().starts_with(e["field"].as_str().unwrap()), "{e}");
        }
    }
    let response = app.get("/hsds/services?per_page=100000", &[("accept-language", "de")]).await;
    let body = problem(&text(response).await);
    assert_eq!(body["errors"][0]["message"], "per_page muss eine ganze Zahl von 1 bis 100 sein.");

    for path in [
        "/hsds/services/not-a-uuid",
        "/hsds/services/3FA85F6457174562B3FC2C963F66AFA6",
        "/hsds/organizations/1",
        "/hsds/taxonomies/x",
    ] {
        assert_eq!(app.get(path, &en).await.status(), 400, "{path}");
    }
    let unknown = uuid::Uuid::new_v4();
    for path in ["services", "organizations", "taxonomies", "taxonomy_terms", "service_at_locations"] {
        let response = app.get(&format!("/hsds/{path}/{unknown}"), &en).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
    }
    assert_eq!(app.request(axum::http::Method::POST, "/hsds/services", "{}", &en).await.status(), 405);
});
