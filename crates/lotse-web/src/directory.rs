//! The directory pages: a member's search (`/offers`), the search from a case that starts from
//! the person's profile (`/cases/{id}/offers`), an offer's page, and the public directory of
//! programmes with `public_directory` (`/directory`, no sign-in, no personal data). Plain GET
//! forms: the pages work without JavaScript, and `print=1` gives a printable list.
//!
//! Query parameters: `q` (words; longer than [`MAX_TEXT`] chars is cut), `postcode`, `lat` and
//! `lon` (together), `radius` (km, 0.1–100), repeated `need`, `category`, `lang`, `access`,
//! `target` (codes), `cost` (the highest: `free`, `reduced`, `paid`), repeated `day` (1 =
//! Monday … 7) and `part` (`morning`, `afternoon`, `evening`), `age` (0–120), repeated `area`
//! (ids), `sort` (`relevance`, `distance`), `page` (1–10,000), `per_page` (1–100, more is
//! clamped to 100). A bad value answers 400 with the search page naming the field and value.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fluent_bundle::FluentValue;
use lotse_app::auth::SessionUser;
use lotse_app::directory::{self, DirectoryError};
use lotse_app::offer_search::{Listing, Match, Order, Origin, Reason, SearchAnswer, SearchError, SearchRequest};
use lotse_domain::area::GeoPoint;
use lotse_domain::id::{AreaId, CaseId, OfferId};
use lotse_domain::need::NeedDomain;
use lotse_domain::offer::{AccessibilityFeature, CostKind, DayPart, OfferCategory, TargetGroup};
use lotse_domain::policy::{Action, Subject};
use time::Weekday;

use crate::AppState;
use crate::csrf::CsrfToken;
use crate::error::WebError;
use crate::page::{Page, parse_id, render, render_private};

/// The longest search text used; longer text is cut (documented clamp).
pub const MAX_TEXT: usize = 200;
/// The highest page number.
const MAX_PAGE: u32 = 10_000;

/// A parameter the page could not use: an i18n key, the field's label key, the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadParam {
    /// The query parameter (`radius`), for the API's field-precise problems.
    pub param: String,
    key: &'static str,
    field: &'static str,
    value: String,
    range: &'static str,
}

fn bad(key: &'static str, field: &'static str, value: &str, range: &'static str) -> BadParam {
    BadParam {
        param: String::new(),
        key,
        field,
        value: value.chars().take(60).collect(),
        range,
    }
}

fn weekday(n: u8) -> Option<Weekday> {
    let mut d = Weekday::Monday;
    for _ in 1..n {
        d = d.next();
    }
    (1..=7).contains(&n).then_some(d)
}

/// The search as the form gives it, kept to fill the form again.
#[derive(Debug, Clone, Default)]
pub struct SearchForm {
    /// The parsed request.
    pub request: SearchRequest,
    /// The postcode as typed.
    pub postcode: String,
    /// The radius as typed.
    pub radius: String,
    /// `print=1`.
    pub print: bool,
    /// The query string without `page` (for page links).
    pub base: String,
}

/// Applies one parameter to the form; `lat` and `lon` are kept aside until the end.
fn apply(
    form: &mut SearchForm,
    lat: &mut Option<f64>,
    lon: &mut Option<f64>,
    name: &str,
    value: &str,
) -> Result<(), BadParam> {
    let r = &mut form.request;
    let number = |field: &'static str, v: &str| {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| bad("dir-error-number", field, v, ""))
    };
    let v = value.trim();
    match name {
        "q" => r.text = v.chars().take(MAX_TEXT).collect(),
        "postcode" if !v.is_empty() => {
            form.postcode = v.chars().take(12).collect();
            r.origin = Some(Origin::Postcode(form.postcode.clone()));
        }
        "lat" if !v.is_empty() => *lat = Some(number("dir-postcode", v)?),
        "lon" if !v.is_empty() => *lon = Some(number("dir-postcode", v)?),
        "radius" if !v.is_empty() => {
            let km = number("dir-radius", v)?;
            if !(0.1..=100.0).contains(&km) {
                return Err(bad("dir-error-range", "dir-radius", v, "0.1–100"));
            }
            v.clone_into(&mut form.radius);
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "0.1 to 100 km in metres"
            )]
            let metres = (km * 1000.0).round() as u32;
            r.radius_m = Some(metres);
        }
        "need" => r
            .needs
            .push(NeedDomain::from_code(v).ok_or_else(|| bad("dir-error-code", "dir-need", v, ""))?),
        "category" => r
            .categories
            .push(OfferCategory::from_code(v).ok_or_else(|| bad("dir-error-code", "dir-category", v, ""))?),
        "lang" => {
            let ok = (2..=8).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphabetic() || c == '-');
            if !ok {
                return Err(bad("dir-error-code", "dir-language", v, ""));
            }
            r.languages.push(v.to_ascii_lowercase());
        }
        "access" => r
            .accessibility
            .push(AccessibilityFeature::from_code(v).ok_or_else(|| bad("dir-error-code", "dir-access", v, ""))?),
        "target" => r
            .target_groups
            .push(TargetGroup::from_code(v).ok_or_else(|| bad("dir-error-code", "offer-for", v, ""))?),
        "cost" if !v.is_empty() => {
            r.max_cost = Some(CostKind::from_code(v).ok_or_else(|| bad("dir-error-code", "dir-cost", v, ""))?);
        }
        "day" => r.weekdays.push(
            v.parse::<u8>()
                .ok()
                .and_then(weekday)
                .ok_or_else(|| bad("dir-error-range", "dir-weekday", v, "1–7"))?,
        ),
        "part" => r
            .day_parts
            .push(DayPart::from_code(v).ok_or_else(|| bad("dir-error-code", "dir-daypart", v, ""))?),
        "age" if !v.is_empty() => {
            r.age = Some(
                v.parse::<u8>()
                    .ok()
                    .filter(|a| *a <= 120)
                    .ok_or_else(|| bad("dir-error-range", "dir-age", v, "0–120"))?,
            );
        }
        "area" => r.areas.push(AreaId::from_uuid(
            uuid::Uuid::parse_str(v).map_err(|_| bad("dir-error-code", "dir-facets", v, ""))?,
        )),
        "sort" => {
            r.order = match v {
                "relevance" | "" => Order::Relevance,
                "distance" => Order::Distance,
                _ => return Err(bad("dir-error-code", "dir-sort", v, "")),
            }
        }
        "page" => {
            r.page = v
                .parse::<u32>()
                .ok()
                .filter(|p| (1..=MAX_PAGE).contains(p))
                .ok_or_else(|| bad("dir-error-range", "dir-page", v, "1–10000"))?;
        }
        "per_page" => {
            r.per_page = v
                .parse::<u32>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| bad("dir-error-range", "dir-results", v, "1–100"))?
                .min(100);
        }
        "print" => form.print = v == "1",
        _ => {}
    }
    Ok(())
}

/// Parses the query string of a search. A bad parameter is reported (the first one), and the
/// rest of the form is still filled, so the page shows what was asked.
pub fn parse_search(query: Option<&str>) -> (SearchForm, Option<BadParam>) {
    let pairs: Vec<(String, String)> = match serde_urlencoded::from_str(query.unwrap_or_default()) {
        Ok(p) => p,
        Err(_) => {
            return (
                SearchForm::default(),
                Some(bad("dir-error-code", "dir-text", query.unwrap_or_default(), "")),
            );
        }
    };
    let mut form = SearchForm::default();
    let mut first = None;
    let (mut lat, mut lon) = (None, None);
    for (name, value) in &pairs {
        if let Err(mut b) = apply(&mut form, &mut lat, &mut lon, name, value) {
            b.param.clone_from(name);
            first.get_or_insert(b);
        }
    }
    match (lat, lon) {
        (Some(lat), Some(lon)) => match GeoPoint::parse(lat, lon) {
            Ok(p) => form.request.origin = Some(Origin::Point(p)),
            Err(_) => {
                first.get_or_insert(BadParam {
                    param: "lat".to_owned(),
                    ..bad("dir-error-point", "dir-postcode", "", "")
                });
            }
        },
        (None, None) => {}
        _ => {
            first.get_or_insert(BadParam {
                param: "lat".to_owned(),
                ..bad("dir-error-point", "dir-postcode", "", "")
            });
        }
    }
    form.base = serde_urlencoded::to_string(
        pairs
            .iter()
            .filter(|(k, _)| k != "page" && k != "print")
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    (form, first)
}

/// A distance as people say it: 700 m, 2.3 km (with a decimal comma in German and Danish).
fn distance(metres: u32, lang: &str) -> String {
    if metres < 1000 {
        format!("{} m", (metres + 50) / 100 * 100)
    } else {
        let km = format!("{:.1} km", f64::from(metres) / 1000.0);
        if lang == "en" { km } else { km.replace('.', ",") }
    }
}

fn spoken(page: &Page, tag: &str) -> String {
    let key = format!("speaks-{tag}");
    let text = page.t(&key);
    if text == key { tag.to_owned() } else { text }
}

fn slot(page: &Page, day: Weekday, part: DayPart) -> String {
    format!(
        "{} {}",
        page.t(&format!("weekday-{}", day.number_from_monday())),
        page.t(&format!("daypart-{}", part.code()))
    )
}

/// The labels of a list of codes (`need-loneliness` …), joined with commas.
pub(crate) fn labels<'a>(page: &Page, prefix: &str, codes: impl Iterator<Item = &'a str>) -> String {
    codes
        .map(|c| page.t(&format!("{prefix}-{c}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The plain-language explanation of one result, in the page's language.
pub fn explain(page: &Page, reasons: &[Reason]) -> Vec<String> {
    let with = |key: &str, name: &str, value: String| page.text_with(key, &[(name, FluentValue::from(value))]);
    let count = |key: &str, n: u32| page.count(key, i64::from(n));
    reasons
        .iter()
        .map(|r| match r {
            Reason::Distance {
                metres,
                from_home: true,
            } => with("reason-distance-home", "distance", distance(*metres, page.lang_tag())),
            Reason::Distance {
                metres,
                from_home: false,
            } => with("reason-distance", "distance", distance(*metres, page.lang_tag())),
            Reason::Speaks(tags) => with(
                "reason-speaks",
                "languages",
                tags.iter().map(|t| spoken(page, t)).collect::<Vec<_>>().join(", "),
            ),
            Reason::Cost(kind) => page.t(&format!("cost-{}", kind.code())),
            Reason::Meets(slots) => slots
                .iter()
                .map(|(d, p)| slot(page, *d, *p))
                .collect::<Vec<_>>()
                .join(", "),
            Reason::Matches { needs, words } => {
                let what: Vec<String> = needs
                    .iter()
                    .map(|n| page.t(&format!("need-{}", n.code())))
                    .chain(words.iter().cloned())
                    .collect();
                with("reason-matches", "what", what.join(", "))
            }
            Reason::Accessible(features) => labels(page, "access", features.iter().map(|f| f.code())),
            Reason::OpenPlaces(n) => count("reason-open-places", *n),
            Reason::Full { waiting_list } => count("reason-full", *waiting_list),
            Reason::Answers { days } => count("reason-answers", *days),
            Reason::RarelyAnswers { per_cent } => count("reason-rarely-answers", *per_cent),
            Reason::NeedsReview => page.t("reason-needs-review"),
        })
        .collect()
}

/// One result line as the template shows it.
pub struct ResultRow {
    /// The offer's id (for the shortlist form).
    id: String,
    href: String,
    title: String,
    provider: String,
    area: String,
    why: String,
    address: String,
}

/// A facet choice: (param value, label, count, checked).
type Choice = (String, String, u32, bool);

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    page: Page,
    title: String,
    intro: String,
    action: String,
    form: SearchForm,
    error: Option<String>,
    total: i64,
    rows: Vec<ResultRow>,
    needs: Vec<Choice>,
    categories: Vec<Choice>,
    languages: Vec<Choice>,
    access: Vec<Choice>,
    costs: Vec<Choice>,
    days: Vec<Choice>,
    parts: Vec<Choice>,
    page_no: i64,
    previous: Option<String>,
    next: Option<String>,
    /// Where each result's "put on the shortlist" form posts, if it has one.
    shortlist: Option<String>,
    /// A search from a case: how the person's search profile applies.
    profile: Option<ProfileNote>,
}

fn rows(page: &Page, offer_base: &str, matches: &[Match]) -> Vec<ResultRow> {
    matches
        .iter()
        .map(|m| {
            let o = &m.listing.offer;
            ResultRow {
                id: o.id.as_uuid().to_string(),
                href: format!("{offer_base}/{}", o.id.as_uuid()),
                title: o.title.clone(),
                provider: m.listing.provider_name.clone(),
                area: m.listing.area_name.clone().unwrap_or_default(),
                why: explain(page, &m.reasons).join(" · "),
                address: o
                    .address
                    .as_ref()
                    .map(|a| format!("{}, {} {}", a.street, a.postcode, a.city))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

fn choices<T: Copy + PartialEq>(
    page: &Page,
    all: &[T],
    counts: &[(T, u32)],
    chosen: &[T],
    code: fn(T) -> &'static str,
    prefix: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|x| {
            let n = counts.iter().find(|(c, _)| c == x).map_or(0, |(_, n)| *n);
            let label = page.t(&format!("{prefix}-{}", code(*x)));
            (code(*x).to_owned(), label, n, chosen.contains(x))
        })
        .collect()
}

struct Frame {
    title: String,
    intro: String,
    action: String,
    offer_base: String,
    /// Where each result's "put on the shortlist" form posts (a link worker's search from a
    /// case); none elsewhere.
    shortlist: Option<String>,
    /// A search from a case: how the person's search profile applies.
    profile: Option<ProfileNote>,
}

/// How the person's search profile applies to a search from their case.
struct ProfileNote {
    /// The profile in one line (or that it is not applied).
    summary: String,
    /// The profile's form, for the link worker holding the case.
    edit: Option<String>,
    /// The same search with the profile off or on again: where, and its label.
    toggle: Option<(String, String)>,
    /// The profile is off for this search (the form keeps it off).
    off: bool,
}

fn directory_page(
    page: Page,
    frame: Frame,
    form: SearchForm,
    answer: Option<&SearchAnswer>,
    error: Option<String>,
) -> DirectoryPage {
    let r = &form.request;
    let empty = SearchAnswer {
        total: 0,
        matches: Vec::new(),
        needs: Vec::new(),
        categories: Vec::new(),
        languages: Vec::new(),
        accessibility: Vec::new(),
        costs: Vec::new(),
        slots: Vec::new(),
        areas: Vec::new(),
        target_groups: Vec::new(),
    };
    let a = answer.unwrap_or(&empty);
    let needs = choices(&page, &NeedDomain::ALL, &a.needs, &r.needs, NeedDomain::code, "need");
    let categories = choices(
        &page,
        OfferCategory::ALL,
        &a.categories,
        &r.categories,
        OfferCategory::code,
        "category",
    );
    let access = choices(
        &page,
        AccessibilityFeature::ALL,
        &a.accessibility,
        &r.accessibility,
        AccessibilityFeature::code,
        "access",
    );
    let costs = choices(
        &page,
        CostKind::ALL,
        &a.costs,
        r.max_cost.as_slice(),
        CostKind::code,
        "cost",
    );
    let mut languages: Vec<Choice> = a
        .languages
        .iter()
        .map(|(tag, n)| (tag.clone(), spoken(&page, tag), *n, r.languages.contains(tag)))
        .collect();
    languages.sort_by(|x, y| y.2.cmp(&x.2).then_with(|| x.0.cmp(&y.0)));
    let days: Vec<Choice> = (1..=7u8)
        .filter_map(|n| {
            let d = weekday(n)?;
            let count = a
                .slots
                .iter()
                .filter(|((day, _), _)| *day == d)
                .map(|(_, c)| *c)
                .max()
                .unwrap_or(0);
            Some((
                n.to_string(),
                page.t(&format!("weekday-{n}")),
                count,
                r.weekdays.contains(&d),
            ))
        })
        .collect();
    let parts: Vec<Choice> = DayPart::ALL
        .iter()
        .map(|p| {
            let count = a
                .slots
                .iter()
                .filter(|((_, part), _)| part == p)
                .map(|(_, c)| *c)
                .max()
                .unwrap_or(0);
            (
                p.code().to_owned(),
                page.t(&format!("daypart-{}", p.code())),
                count,
                r.day_parts.contains(p),
            )
        })
        .collect();
    let page_no = r.page.max(1);
    let per_page = if r.per_page == 0 {
        lotse_app::offer_search::DEFAULT_PER_PAGE
    } else {
        r.per_page
    };
    let link = |n: u32| {
        format!(
            "{}?{}{}page={n}",
            frame.action,
            form.base,
            if form.base.is_empty() { "" } else { "&" }
        )
    };
    let previous = (page_no > 1).then(|| link(page_no - 1));
    let next = (a.total > page_no as usize * per_page as usize).then(|| link(page_no + 1));
    DirectoryPage {
        rows: rows(&page, &frame.offer_base, &a.matches),
        shortlist: frame.shortlist.clone(),
        profile: frame.profile,
        total: i64::try_from(a.total).unwrap_or(i64::MAX),
        title: frame.title,
        intro: frame.intro,
        action: frame.action,
        form,
        error,
        needs,
        categories,
        languages,
        access,
        costs,
        days,
        parts,
        page_no: i64::from(page_no),
        previous,
        next,
        page,
    }
}

/// The message of a bad parameter, in the page's language.
pub fn bad_message(page: &Page, b: &BadParam) -> String {
    page.text_with(
        b.key,
        &[
            ("field", FluentValue::from(page.t(b.field))),
            ("value", FluentValue::from(b.value.clone())),
            ("range", FluentValue::from(b.range)),
        ],
    )
}

/// The message of a search the index refused, in the page's language.
pub fn search_error(page: &Page, e: &SearchError, form: &SearchForm) -> String {
    match e {
        SearchError::UnknownPostcode(_) | SearchError::BadPostcode(_) => {
            bad_message(page, &bad("dir-error-postcode", "dir-postcode", &form.postcode, ""))
        }
        SearchError::DistanceWithoutOrigin | SearchError::RadiusWithoutOrigin => page.t("dir-error-origin"),
        SearchError::UnknownArea(a) => bad_message(page, &bad("dir-error-code", "dir-facets", a, "")),
    }
}

/// Runs a search and renders its page: 400 with the message for a bad parameter or an
/// unanswerable search, the results otherwise.
async fn answer_page<F, Fut>(
    page: Page,
    frame: Frame,
    query: Option<&str>,
    private: bool,
    run: F,
) -> Result<Response, WebError>
where
    F: FnOnce(SearchRequest) -> Fut,
    Fut: Future<Output = Result<SearchAnswer, DirectoryError>>,
{
    let finish = |p: DirectoryPage, status: StatusCode| {
        if private {
            render_private(&p, status)
        } else {
            let mut r = render(&p)?;
            *r.status_mut() = status;
            Ok(r)
        }
    };
    let (form, problem) = parse_search(query);
    if let Some(b) = problem {
        let message = bad_message(&page, &b);
        return finish(
            directory_page(page, frame, form, None, Some(message)),
            StatusCode::BAD_REQUEST,
        );
    }
    match run(form.request.clone()).await {
        Ok(answer) => finish(directory_page(page, frame, form, Some(&answer), None), StatusCode::OK),
        Err(DirectoryError::Search(e)) => {
            let message = search_error(&page, &e, &form);
            finish(
                directory_page(page, frame, form, None, Some(message)),
                StatusCode::BAD_REQUEST,
            )
        }
        Err(DirectoryError::NotFound) => Err(WebError::NotFound),
        Err(DirectoryError::Store(e)) => Err(e.into()),
    }
}

/// `GET /offers`: a member searches the programme's directory.
pub async fn search(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let page = Page::new(&state, &headers, "/offers", Some(&user), &csrf);
    let frame = Frame {
        title: page.t("dir-title"),
        intro: page.t("dir-intro"),
        action: "/offers".into(),
        shortlist: None,
        offer_base: "/offers".into(),
        profile: None,
    };
    let principal = user.principal();
    answer_page(page, frame, query.as_deref(), true, |r| async move {
        directory::search(&state.app, &state.directories, state.clock.as_ref(), &principal, &r).await
    })
    .await
}

/// `GET /cases/{id}/offers`: the search from a case, measured from the person's home and ranked
/// by their profile (an audited read of the person's profile and prescriptions).
pub async fn case_search(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let case = CaseId::from_uuid(parse_id(&id)?);
    let principal = user.principal();
    let profile = directory::case_profile(&state.app, &state.directories, state.clock.as_ref(), &principal, case)
        .await
        .map_err(|e| match e {
            DirectoryError::Store(s) => WebError::from(s),
            _ => WebError::NotFound,
        })?;
    let path = format!("/cases/{}/offers", case.as_uuid());
    let page = Page::new(&state, &headers, &path, Some(&user), &csrf);
    let intro = match &profile.home_postcode {
        Some(p) if profile.home.is_some() => {
            page.text_with("dir-case-intro", &[("postcode", FluentValue::from(p.clone()))])
        }
        _ => page.t("dir-case-intro-no-home"),
    };
    let worker = user.membership.role() == lotse_domain::user::Role::LinkWorker;
    let shortlist = worker.then(|| format!("/cases/{}/shortlist", case.as_uuid()));
    // `profile=off`: this search without the person's search profile (the form keeps it off).
    let use_profile = !query
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .any(|pair| pair == "profile=off");
    let note = ProfileNote {
        summary: if use_profile {
            crate::search_profile::summary(&page, &profile.search)
        } else {
            page.t("sp-off")
        },
        edit: worker.then(|| format!("/cases/{}/search-profile", case.as_uuid())),
        toggle: if !use_profile {
            Some((path.clone(), page.t("sp-search-with")))
        } else if profile.search.is_empty() {
            None
        } else {
            Some((format!("{path}?profile=off"), page.t("sp-search-without")))
        },
        off: !use_profile,
    };
    let frame = Frame {
        title: page.t("dir-case-title"),
        intro,
        action: path,
        shortlist,
        offer_base: "/offers".into(),
        profile: Some(note),
    };
    answer_page(page, frame, query.as_deref(), true, |r| async move {
        directory::search_with_profile(
            &state.app,
            &state.directories,
            state.clock.as_ref(),
            &principal,
            &profile,
            &r,
            use_profile,
        )
        .await
    })
    .await
}

#[derive(Template)]
#[template(path = "offer.html")]
struct OfferPage {
    page: Page,
    back: String,
    /// The edit form's path, for the offer's provider and coordinators.
    edit: Option<String>,
    title: String,
    description: String,
    facts: Vec<(String, String)>,
}

fn offer_page(page: Page, back: String, listing: &Listing) -> OfferPage {
    let o = &listing.offer;
    let t = |k: &str| page.t(k);
    let mut facts = vec![(t("offer-provider"), listing.provider_name.clone())];
    if let Some(a) = &o.address {
        facts.push((t("offer-address"), format!("{}, {} {}", a.street, a.postcode, a.city)));
    }
    if let Some(p) = &o.contact.phone {
        facts.push((t("offer-phone"), p.clone()));
    }
    if let Some(e) = &o.contact.email {
        facts.push((t("offer-email"), e.clone()));
    }
    if let Some(u) = &o.contact.url {
        facts.push((t("offer-web"), u.clone()));
    }
    let when: Vec<String> = o
        .schedule
        .iter()
        .map(|s| {
            format!(
                "{} {}–{}",
                t(&format!("weekday-{}", s.weekday.number_from_monday())),
                hm(s.opens_at),
                hm(s.closes_at)
            )
        })
        .collect();
    if !when.is_empty() {
        facts.push((t("offer-when"), when.join(", ")));
    }
    let mut cost = t(&format!("cost-{}", o.cost.kind.code()));
    if let Some(c) = o.cost.amount_cents {
        cost = format!("{cost} ({},{:02})", c / 100, c % 100);
    }
    if let Some(n) = &o.cost.note {
        cost = format!("{cost} – {n}");
    }
    facts.push((t("offer-cost"), cost));
    let places = match o.capacity.open_places {
        Some(0) => page.count("reason-full", i64::from(o.capacity.waiting_list)),
        Some(n) => page.count("reason-open-places", i64::from(n)),
        None => String::new(),
    };
    if !places.is_empty() {
        facts.push((t("offer-places"), places));
    }
    let ages = match (o.ages.min, o.ages.max) {
        (Some(a), Some(b)) => page.text_with(
            "offer-ages-value",
            &[("from", FluentValue::from(a)), ("to", FluentValue::from(b))],
        ),
        (Some(a), None) => page.text_with("offer-ages-from", &[("from", FluentValue::from(a))]),
        (None, Some(b)) => page.text_with("offer-ages-to", &[("to", FluentValue::from(b))]),
        (None, None) => String::new(),
    };
    if !ages.is_empty() {
        facts.push((t("offer-ages"), ages));
    }
    facts.push((
        t("offer-languages"),
        o.languages
            .iter()
            .map(|l| spoken(&page, l))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    facts.push((
        t("offer-needs"),
        labels(&page, "need", o.need_domains.iter().map(|x| x.code())),
    ));
    facts.push((
        t("offer-for"),
        labels(&page, "target", o.target_groups.iter().map(|x| x.code())),
    ));
    facts.push((t("dir-category"), t(&format!("category-{}", o.category.code()))));
    if !o.accessibility.is_empty() {
        facts.push((
            t("dir-access"),
            labels(&page, "access", o.accessibility.iter().map(|x| x.code())),
        ));
    }
    facts.push((t("offer-status"), t(&format!("offer-status-{}", o.status.code()))));
    facts.push((
        t("offer-verified"),
        o.last_verified.map_or_else(|| t("offer-never-verified"), date_only),
    ));
    OfferPage {
        back,
        edit: None,
        title: o.title.clone(),
        description: o.description.clone(),
        facts,
        page,
    }
}

fn hm(t: time::Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn date_only(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `GET /offers/{id}`: one offer of the member's programme.
pub async fn offer(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = OfferId::from_uuid(parse_id(&id)?);
    let listing = directory::offer(
        &state.app,
        &state.directories,
        state.clock.as_ref(),
        &user.principal(),
        id,
    )
    .await
    .map_err(|e| match e {
        DirectoryError::Store(s) => WebError::from(s),
        _ => WebError::NotFound,
    })?;
    let page = Page::new(
        &state,
        &headers,
        &format!("/offers/{}", id.as_uuid()),
        Some(&user),
        &csrf,
    );
    let principal = user.principal();
    let may_edit = principal
        .decide(
            Action::ManageOffer,
            Subject::Offer(principal.scope().programme(), listing.offer.provider),
        )
        .is_allowed();
    let mut offer = offer_page(page, "/offers".into(), &listing);
    offer.edit = may_edit.then(|| format!("/offers/{}/edit", id.as_uuid()));
    render_private(&offer, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "directory_index.html")]
struct IndexPage {
    page: Page,
    programmes: Vec<(String, String)>,
}

/// `GET /directory`: the programmes with a public directory.
pub async fn public_index(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let programmes = state.public_counts.get(&state.app).await?;
    let page = Page::new(&state, &headers, "/directory", None, &csrf);
    let programmes = programmes
        .iter()
        .filter(|(p, _)| p.public_directory)
        .map(|(p, _)| (p.slug.as_str().to_owned(), p.name.clone()))
        .collect();
    render(&IndexPage { page, programmes })
}

/// `GET /directory/{slug}`: the public search of one programme.
pub async fn public_search(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let path = format!("/directory/{}", page_slug(&slug)?);
    let page = Page::new(&state, &headers, &path, None, &csrf);
    let frame = Frame {
        title: page.t("dir-public-title"),
        intro: String::new(),
        action: path.clone(),
        shortlist: None,
        offer_base: format!("{path}/offers"),
        profile: None,
    };
    let mut response = answer_page(page, frame, query.as_deref(), false, |r| async move {
        directory::public_search(&state.app, &state.directories, state.clock.as_ref(), &slug, &r)
            .await
            .map(|(_, answer)| answer)
    })
    .await?;
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("public, max-age=60"),
    );
    // The page is in the language the cookie or Accept-Language chose: a cached copy must not
    // answer another language.
    response.headers_mut().insert(
        axum::http::header::VARY,
        axum::http::HeaderValue::from_static("Cookie, Accept-Language"),
    );
    Ok(response)
}

fn page_slug(slug: &str) -> Result<&str, WebError> {
    let ok = !slug.is_empty()
        && slug.len() <= 40
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok { Ok(slug) } else { Err(WebError::NotFound) }
}

/// `GET /directory/{slug}/offers/{id}`: one listed offer, public.
pub async fn public_offer(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let slug = page_slug(&slug)?.to_owned();
    let id = OfferId::from_uuid(parse_id(&id)?);
    let (_, listing) = directory::public_offer(&state.app, &state.directories, state.clock.as_ref(), &slug, id)
        .await
        .map_err(|e| match e {
            DirectoryError::Store(s) => WebError::from(s),
            _ => WebError::NotFound,
        })?;
    let page = Page::new(
        &state,
        &headers,
        &format!("/directory/{slug}/offers/{}", id.as_uuid()),
        None,
        &csrf,
    );
    render(&offer_page(page, format!("/directory/{slug}"), &listing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_query_parses_or_names_its_bad_field() {
        let (form, problem) = parse_search(Some(
            "q=Chor&need=loneliness&need=nature&lang=tr&access=step-free&cost=free&postcode=40210&radius=2&day=2&part=afternoon&age=70&sort=distance&page=2&per_page=500",
        ));
        assert_eq!(problem, None);
        let r = &form.request;
        assert_eq!(r.text, "Chor");
        assert_eq!(r.needs, vec![NeedDomain::Loneliness, NeedDomain::Nature]);
        assert_eq!(r.languages, vec!["tr".to_owned()]);
        assert_eq!(r.max_cost, Some(CostKind::Free));
        assert_eq!(r.radius_m, Some(2000));
        assert_eq!((r.page, r.per_page, r.age), (2, 100, Some(70)));
        assert_eq!(r.weekdays, vec![Weekday::Tuesday]);
        assert!(!form.base.contains("page=2"), "{}", form.base);
        // (query, field label key, value) of the refusal.
        let table = [
            ("radius=500", "dir-radius", "500"),
            ("radius=abc", "dir-radius", "abc"),
            ("need=astrology", "dir-need", "astrology"),
            ("day=8", "dir-weekday", "8"),
            ("age=200", "dir-age", "200"),
            ("page=0", "dir-page", "0"),
            ("lat=51.2", "dir-postcode", ""),
            ("lat=95&lon=6", "dir-postcode", ""),
            ("sort=random", "dir-sort", "random"),
            ("lang=%3Cscript%3E", "dir-language", "<script>"),
        ];
        for (query, field, value) in table {
            let (form, problem) = parse_search(Some(&format!("q=kept&{query}")));
            let b = problem.unwrap();
            assert_eq!((b.field, b.value.as_str()), (field, value), "{query}");
            assert_eq!(form.request.text, "kept", "the rest of the form stays: {query}");
        }
        let long = format!("q={}", "a".repeat(10_000));
        assert_eq!(parse_search(Some(&long)).0.request.text.len(), MAX_TEXT);
    }

    #[test]
    fn distances_read_as_people_say_them() {
        assert_eq!(distance(0, "en"), "0 m");
        assert_eq!(distance(730, "de"), "700 m");
        assert_eq!(distance(760, "en"), "800 m");
        assert_eq!(distance(2340, "en"), "2.3 km");
        assert_eq!(distance(2340, "de"), "2,3 km");
        assert_eq!(distance(12_060, "da"), "12,1 km");
    }
}
