//! `/hsds`: the directory as an Open Referral HSDS 3.0 read API with the ORUK 3.0 filters. Open
//! (no sign-in, no cookies), `Access-Control-Allow-Origin: *`, offers only, never a person.
//! Errors are problem+json with one entry per wrong parameter, in the caller's language
//! (`Accept-Language`; English when none matches). Names of taxonomy terms follow the same
//! language. The use cases are in [`lotse_app::hsds`].

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fluent_bundle::FluentValue;
use lotse_app::hsds::map::Nesting;
use lotse_app::hsds::model::{ApiInfo, Page, TaxonomyTerm};
use lotse_app::hsds::taxonomy::{Term, Vocabulary};
use lotse_app::hsds::{DEFAULT_PER_PAGE, Feed, HSDS_VERSION, HsdsError, Labels, ServiceQuery};
use lotse_app::offer_search::MAX_PER_PAGE;
use lotse_domain::id::OfferId;
use lotse_domain::programme::Language;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, Time, Weekday};
use uuid::Uuid;

use crate::AppState;
use crate::api::{FieldProblem, PROBLEM_JSON, Problem};
use crate::i18n::I18n;

/// The longest `search` accepted (characters).
pub const MAX_SEARCH_CHARS: usize = 500;
/// The highest page number accepted.
pub const MAX_PAGE: u32 = 1_000_000;
/// The largest `proximity` accepted (metres).
pub const MAX_PROXIMITY_M: u32 = 500_000;

/// Translations in one language, as the feed's labels.
struct FeedLabels {
    i18n: Arc<I18n>,
    language: Language,
}

impl Labels for FeedLabels {
    fn label(&self, key: &str) -> String {
        self.i18n.text(self.language, key)
    }

    fn language(&self) -> &str {
        self.language.tag()
    }
}

/// The feed's words in English, for `lotse export hsds` (an export is the same in every
/// installation).
pub fn english_labels() -> Result<impl Labels, crate::i18n::I18nError> {
    Ok(FeedLabels {
        i18n: Arc::new(I18n::load()?),
        language: Language::English,
    })
}

fn labels(state: &AppState, headers: &HeaderMap) -> FeedLabels {
    FeedLabels {
        i18n: Arc::clone(&state.i18n),
        language: crate::api::language(headers),
    }
}

/// A wrong parameter: its name, the message key and the message's arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct BadParam {
    /// The parameter.
    pub field: String,
    /// The message key.
    pub key: &'static str,
    /// Arguments besides `field`.
    pub args: Vec<(&'static str, String)>,
}

fn bad(field: &str, key: &'static str) -> BadParam {
    BadParam {
        field: field.to_owned(),
        key,
        args: Vec::new(),
    }
}

/// Why a feed request failed, as its answer.
enum Failure {
    Bad(Vec<BadParam>),
    NotFound,
    Unavailable,
}

impl Failure {
    fn respond(self, state: &AppState, headers: &HeaderMap, path: &str) -> Response {
        let language = crate::api::language(headers);
        let i18n = &state.i18n;
        let (status, kind, errors) = match self {
            Self::Bad(params) => (
                StatusCode::BAD_REQUEST,
                "invalid",
                Some(
                    params
                        .into_iter()
                        .map(|p| {
                            let mut args: Vec<(&str, FluentValue<'_>)> =
                                vec![("field", FluentValue::from(p.field.clone()))];
                            args.extend(p.args.into_iter().map(|(k, v)| (k, FluentValue::from(v))));
                            FieldProblem {
                                message: i18n.text_with(language, p.key, &args),
                                field: p.field,
                            }
                        })
                        .collect(),
                ),
            ),
            Self::NotFound => (StatusCode::NOT_FOUND, "not-found", None),
            Self::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", None),
        };
        let detail = match (&errors, kind) {
            (Some(_), _) => i18n.text(language, "api-invalid"),
            (None, "not-found") => i18n.text(language, "hsds-not-found"),
            _ => i18n.text(language, &format!("api-{kind}")),
        };
        let problem = Problem {
            kind: format!("urn:lotse:problem:{kind}"),
            title: i18n.text(language, &format!("api-{kind}-title")),
            status: status.as_u16(),
            detail,
            instance: Some(path.to_owned()),
            errors,
            candidates: None,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        (status, [(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))], body).into_response()
    }
}

impl From<HsdsError> for Failure {
    fn from(e: HsdsError) -> Self {
        match e {
            HsdsError::Invalid { field, message } => {
                let key = if message.contains("not known") {
                    "hsds-error-unknown-postcode"
                } else if field == "proximity" {
                    "hsds-error-proximity-needs-postcode"
                } else {
                    "hsds-error-bad-postcode"
                };
                Self::Bad(vec![bad(field, key)])
            }
            HsdsError::Directory(e) => e.into(),
        }
    }
}

impl From<lotse_app::directory::DirectoryError> for Failure {
    fn from(e: lotse_app::directory::DirectoryError) -> Self {
        use lotse_app::directory::DirectoryError as E;
        match e {
            E::NotFound | E::Search(_) => Self::NotFound,
            E::Store(s) => {
                tracing::warn!(error = %s, "hsds: store failed");
                Self::Unavailable
            }
        }
    }
}

fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            StatusCode::OK,
            [
                (CONTENT_TYPE, HeaderValue::from_static("application/json")),
                (CACHE_CONTROL, HeaderValue::from_static("public, max-age=60")),
            ],
            body,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The parameters of a list request, read one by one (unknown names are ignored; a name
/// given twice is refused).
struct Params {
    pairs: Vec<(String, String)>,
    problems: Vec<BadParam>,
}

impl Params {
    fn read(query: Option<&str>) -> Result<Self, Failure> {
        // Decoded strictly: a percent-encoded byte sequence that is not UTF-8 is refused, not
        // replaced.
        let decode = |s: &str| -> Option<String> {
            let s = s.replace('+', " ");
            percent_encoding::percent_decode_str(&s)
                .decode_utf8()
                .ok()
                .map(std::borrow::Cow::into_owned)
        };
        let pairs: Vec<(String, String)> = query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (name, value) = p.split_once('=').unwrap_or((p, ""));
                Some((decode(name)?, decode(value)?))
            })
            .collect::<Option<_>>()
            .ok_or_else(|| Failure::Bad(vec![bad("query", "hsds-error-query")]))?;
        let mut problems = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (name, _) in &pairs {
            if !seen.insert(name.as_str()) && !problems.iter().any(|p: &BadParam| &p.field == name) {
                problems.push(bad(name, "hsds-error-twice"));
            }
        }
        Ok(Self { pairs, problems })
    }

    /// A text parameter: an empty value is no value.
    fn raw(&self, name: &str) -> Option<&str> {
        self.value(name).filter(|v| !v.trim().is_empty())
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// A typed parameter: present means it must parse (an empty value too is wrong).
    fn take<T>(&mut self, name: &str, parse: impl Fn(&str) -> Result<T, BadParam>) -> Option<T> {
        let value = self.value(name)?.to_owned();
        match parse(&value) {
            Ok(v) => Some(v),
            Err(p) => {
                self.problems.push(BadParam {
                    field: name.to_owned(),
                    ..p
                });
                None
            }
        }
    }

    fn integer(&mut self, name: &str, min: u32, max: u32) -> Option<u32> {
        self.take(name, |v| {
            Some(v)
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<u32>().ok())
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| BadParam {
                    field: String::new(),
                    key: "hsds-error-integer",
                    args: vec![("min", min.to_string()), ("max", max.to_string())],
                })
        })
    }

    fn boolean(&mut self, name: &str) -> bool {
        self.take(name, |v| match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(bad("", "hsds-error-boolean")),
        })
        .unwrap_or(false)
    }

    fn uuid(&mut self, name: &str) -> Option<Uuid> {
        self.take(name, |v| parse_uuid(v).ok_or_else(|| bad("", "hsds-error-uuid")))
    }

    /// `page` and `per_page`, with their defaults.
    fn paging(&mut self) -> (u32, u32) {
        (
            self.integer("page", 1, MAX_PAGE).unwrap_or(1),
            self.integer("per_page", 1, MAX_PER_PAGE).unwrap_or(DEFAULT_PER_PAGE),
        )
    }

    /// `taxonomy_id`: one of the four taxonomies.
    fn vocabulary(&mut self) -> Option<Vocabulary> {
        let id = self.uuid("taxonomy_id")?;
        let v = Vocabulary::by_id(id);
        if v.is_none() {
            self.problems.push(bad("taxonomy_id", "hsds-error-taxonomy"));
        }
        v
    }

    fn finish<T>(self, value: T) -> Result<T, Failure> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(Failure::Bad(self.problems))
        }
    }
}

fn parse_day(v: &str) -> Result<Weekday, BadParam> {
    Ok(match v {
        "MO" => Weekday::Monday,
        "TU" => Weekday::Tuesday,
        "WE" => Weekday::Wednesday,
        "TH" => Weekday::Thursday,
        "FR" => Weekday::Friday,
        "SA" => Weekday::Saturday,
        "SU" => Weekday::Sunday,
        _ => return Err(bad("", "hsds-error-day")),
    })
}

/// A UUID in its hyphenated form only (as the schemas' `format: uuid`).
fn parse_uuid(v: &str) -> Option<Uuid> {
    (v.len() == 36).then(|| Uuid::parse_str(v).ok()).flatten()
}

fn parse_time(v: &str) -> Result<Time, BadParam> {
    let parts: Vec<&str> = v.split(':').collect();
    let number = |s: Option<&&str>, max: u8| -> Option<u8> {
        let s = s?;
        (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
            .filter(|n| *n <= max)
    };
    let ok = matches!(parts.len(), 2 | 3);
    let (h, m) = (number(parts.first(), 23), number(parts.get(1), 59));
    let s = if parts.len() == 3 {
        number(parts.get(2), 59)
    } else {
        Some(0)
    };
    match (ok, h, m, s) {
        (true, Some(h), Some(m), Some(s)) => Time::from_hms(h, m, s).map_err(|_| bad("", "hsds-error-time")),
        _ => Err(bad("", "hsds-error-time")),
    }
}

fn parse_datetime(v: &str) -> Result<OffsetDateTime, BadParam> {
    if let Ok(t) = OffsetDateTime::parse(v, &Rfc3339) {
        return Ok(t);
    }
    // A date alone means its start (UTC).
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(v, &format)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| bad("", "hsds-error-datetime"))
}

/// The shared parameters of `/hsds/services` and `/hsds/service_at_locations`.
fn service_query(params: &mut Params) -> ServiceQuery {
    let search = params.raw("search").unwrap_or_default().to_owned();
    if search.chars().count() > MAX_SEARCH_CHARS {
        params.problems.push(BadParam {
            field: "search".to_owned(),
            key: "hsds-error-too-long",
            args: vec![("max", MAX_SEARCH_CHARS.to_string())],
        });
    }
    let taxonomy = params.vocabulary();
    let term = params.uuid("taxonomy_term_id").and_then(|id| {
        let t = Term::by_id(id);
        if t.is_none() {
            params.problems.push(bad("taxonomy_term_id", "hsds-error-term"));
        }
        t
    });
    let postcode = params.raw("postcode").map(|p| p.trim().to_owned());
    let proximity = params.integer("proximity", 1, MAX_PROXIMITY_M);
    if proximity.is_some() && postcode.is_none() {
        params
            .problems
            .push(bad("proximity", "hsds-error-proximity-needs-postcode"));
    }
    let age =
        |params: &mut Params, name: &str| params.integer(name, 0, 150).map(|a| u8::try_from(a).unwrap_or(u8::MAX));
    let (page, per_page) = params.paging();
    ServiceQuery {
        page,
        per_page,
        taxonomy,
        term,
        organization: params.uuid("organization_id"),
        modified_after: params.take("modified_after", parse_datetime),
        minimum_age: age(params, "minimum_age"),
        maximum_age: age(params, "maximum_age"),
        day: params.take("day", parse_day),
        start_time: params.take("start_time", parse_time),
        end_time: params.take("end_time", parse_time),
        postcode,
        proximity,
        search,
    }
}

/// `GET /hsds` and `GET /hsds/`: what this API is. The profile is described by the OpenAPI
/// document itself (HSDS 3.0 with the ORUK 3.0 filters, see the `hsds` tag).
pub async fn root(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    let openapi_url = format!("{scheme}://{host}/api/openapi.json");
    json(&ApiInfo {
        version: HSDS_VERSION.to_owned(),
        profile: format!("{openapi_url}#hsds"),
        openapi_url,
    })
}

async fn feed(state: &AppState) -> Result<Feed, Failure> {
    Ok(Feed::open(&state.app, &state.directories, state.clock.as_ref()).await?)
}

/// `GET /hsds/services`.
pub async fn services(State(state): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    match services_answer(&state, &headers, query.as_deref()).await {
        Ok(r) => r,
        Err(f) => f.respond(&state, &headers, "/hsds/services"),
    }
}

async fn services_answer(state: &AppState, headers: &HeaderMap, query: Option<&str>) -> Result<Response, Failure> {
    let mut params = Params::read(query)?;
    let q = service_query(&mut params);
    let minimal = params.boolean("minimal");
    let full = params.boolean("full");
    let ndjson = params
        .take("format", |v| match v {
            "json" => Ok(false),
            "ndjson" => Ok(true),
            _ => Err(bad("", "hsds-error-format")),
        })
        .unwrap_or(false);
    let q = params.finish(q)?;
    let feed = feed(state).await?;
    let labels = labels(state, headers);
    let nesting = if full { Nesting::Full } else { Nesting::List };
    if ndjson {
        return ndjson_answer(feed, q, labels, nesting, minimal);
    }
    if minimal {
        return Ok(json(&feed.minimal(&q)?));
    }
    Ok(json(&feed.services(&q, &labels, nesting)?))
}

/// Every matching service, one JSON object per line, read from the index in windows of
/// [`MAX_PER_PAGE`] as the body is sent.
fn ndjson_answer(
    feed: Feed,
    query: ServiceQuery,
    labels: FeedLabels,
    nesting: Nesting,
    minimal: bool,
) -> Result<Response, Failure> {
    // Refuse a bad query before the body starts.
    feed.window(&query, 0, 0, |_, _| {})?;
    let state = (Arc::new(feed), Arc::new(query), Arc::new(labels), 0_usize, false);
    let stream = futures_util::stream::unfold(state, move |(feed, query, labels, offset, done)| async move {
        if done {
            return None;
        }
        let mut lines = Vec::new();
        let mut n = 0;
        let limit = MAX_PER_PAGE as usize;
        let result = feed.window(&query, offset, limit, |p, l| {
            n += 1;
            let value = if minimal {
                serde_json::to_vec(&lotse_app::hsds::map::minimal(&l.offer))
            } else {
                let (country, currency) = lotse_app::hsds::map::country_and_currency(&p.time_zone);
                let ctx = lotse_app::hsds::map::Context {
                    country,
                    currency,
                    labels: labels.as_ref(),
                };
                serde_json::to_vec(&lotse_app::hsds::map::service(l, ctx, nesting))
            };
            if let Ok(mut line) = value {
                line.push(b'\n');
                lines.extend(line);
            }
        });
        match result {
            Ok(_) if n == 0 => None,
            Ok(_) => Some((
                Ok::<_, std::io::Error>(lines),
                (feed, query, labels, offset + n, n < limit),
            )),
            Err(e) => Some((
                Err(std::io::Error::other(e.to_string())),
                (feed, query, labels, offset, true),
            )),
        }
    });
    Ok((
        StatusCode::OK,
        [(CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"))],
        Body::from_stream(stream),
    )
        .into_response())
}

fn offer_id(raw: &str) -> Result<OfferId, Failure> {
    parse_uuid(raw)
        .map(OfferId::from_uuid)
        .ok_or_else(|| Failure::Bad(vec![bad("id", "hsds-error-uuid")]))
}

/// `GET /hsds/services/{id}`: one listed service, fully nested.
pub async fn service(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let path = format!("/hsds/services/{id}");
    let answer = async {
        let id = offer_id(&id)?;
        let feed = feed(&state).await?;
        feed.service(id, &labels(&state, &headers)).ok_or(Failure::NotFound)
    }
    .await;
    match answer {
        Ok(s) => json(&s),
        Err(f) => f.respond(&state, &headers, &path),
    }
}

/// `GET /hsds/service_at_locations`.
pub async fn service_at_locations(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let answer = async {
        let mut params = Params::read(query.as_deref())?;
        let q = service_query(&mut params);
        let q = params.finish(q)?;
        let feed = feed(&state).await?;
        Ok::<_, Failure>(json(&feed.service_at_locations(&q, &labels(&state, &headers))?))
    }
    .await;
    answer.unwrap_or_else(|f| f.respond(&state, &headers, "/hsds/service_at_locations"))
}

/// `GET /hsds/service_at_locations/{id}`.
pub async fn service_at_location(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/hsds/service_at_locations/{id}");
    let answer = async {
        let id = parse_uuid(&id).ok_or_else(|| Failure::Bad(vec![bad("id", "hsds-error-uuid")]))?;
        let feed = feed(&state).await?;
        feed.service_at_location(id, &labels(&state, &headers))
            .ok_or(Failure::NotFound)
    }
    .await;
    match answer {
        Ok(s) => json(&s),
        Err(f) => f.respond(&state, &headers, &path),
    }
}

/// `GET /hsds/organizations`: providers with a listed offer, by name.
pub async fn organizations(State(state): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let answer = async {
        let mut params = Params::read(query.as_deref())?;
        let (page, per_page) = params.paging();
        let search = params.raw("search").unwrap_or_default().to_owned();
        if search.chars().count() > MAX_SEARCH_CHARS {
            params.problems.push(BadParam {
                field: "search".to_owned(),
                key: "hsds-error-too-long",
                args: vec![("max", MAX_SEARCH_CHARS.to_string())],
            });
        }
        let _ = params.boolean("full");
        params.finish(())?;
        let feed = feed(&state).await?;
        Ok::<_, Failure>(json(&feed.organizations(&search, page, per_page)))
    }
    .await;
    answer.unwrap_or_else(|f| f.respond(&state, &headers, "/hsds/organizations"))
}

/// `GET /hsds/organizations/{id}`: one organization with its listed services.
pub async fn organization(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let path = format!("/hsds/organizations/{id}");
    let answer = async {
        let mut params = Params::read(query.as_deref())?;
        let full_service = params.boolean("full_service");
        let _ = params.boolean("full");
        params.finish(())?;
        let id = parse_uuid(&id).ok_or_else(|| Failure::Bad(vec![bad("id", "hsds-error-uuid")]))?;
        let feed = feed(&state).await?;
        feed.organization(id, &labels(&state, &headers), full_service)
            .ok_or(Failure::NotFound)
    }
    .await;
    match answer {
        Ok(o) => json(&o),
        Err(f) => f.respond(&state, &headers, &path),
    }
}

fn page_params(query: Option<&str>) -> Result<(u32, u32), Failure> {
    let mut params = Params::read(query)?;
    let paging = params.paging();
    params.finish(paging)
}

fn paged<T: Clone>(all: &[T], page: u32, per_page: u32) -> Page<T> {
    let start = (page as usize - 1).saturating_mul(per_page as usize);
    let contents = all.iter().skip(start).take(per_page as usize).cloned().collect();
    Page::new(contents, all.len() as u64, u64::from(page), u64::from(per_page))
}

/// `GET /hsds/taxonomies`: need domains, categories, target groups, accessibility.
pub async fn taxonomies(State(state): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    match page_params(query.as_deref()) {
        Ok((page, per_page)) => {
            let labels = labels(&state, &headers);
            let all: Vec<_> = Vocabulary::ALL.iter().map(|v| v.taxonomy(&labels)).collect();
            json(&paged(&all, page, per_page))
        }
        Err(f) => f.respond(&state, &headers, "/hsds/taxonomies"),
    }
}

/// `GET /hsds/taxonomies/{id}`.
pub async fn taxonomy(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let found = parse_uuid(&id)
        .ok_or_else(|| Failure::Bad(vec![bad("id", "hsds-error-uuid")]))
        .and_then(|id| Vocabulary::by_id(id).ok_or(Failure::NotFound));
    match found {
        Ok(v) => json(&v.taxonomy(&labels(&state, &headers))),
        Err(f) => f.respond(&state, &headers, &format!("/hsds/taxonomies/{id}")),
    }
}

/// `GET /hsds/taxonomy_terms`: every term of every taxonomy (`taxonomy_id` keeps one's).
pub async fn taxonomy_terms(State(state): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let answer = (|| {
        let mut params = Params::read(query.as_deref())?;
        let (page, per_page) = params.paging();
        let vocabulary = params.vocabulary();
        params.finish((page, per_page, vocabulary))
    })();
    match answer {
        Ok((page, per_page, vocabulary)) => {
            let labels = labels(&state, &headers);
            let all: Vec<TaxonomyTerm> = Term::all()
                .into_iter()
                .filter(|t| vocabulary.is_none_or(|v| t.vocabulary == v))
                .map(|t| t.taxonomy_term(&labels))
                .collect();
            json(&paged(&all, page, per_page))
        }
        Err(f) => f.respond(&state, &headers, "/hsds/taxonomy_terms"),
    }
}

/// `GET /hsds/taxonomy_terms/{id}`.
pub async fn taxonomy_term(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let found = parse_uuid(&id)
        .ok_or_else(|| Failure::Bad(vec![bad("id", "hsds-error-uuid")]))
        .and_then(|id| Term::by_id(id).ok_or(Failure::NotFound));
    match found {
        Ok(t) => json(&t.taxonomy_term(&labels(&state, &headers))),
        Err(f) => f.respond(&state, &headers, &format!("/hsds/taxonomy_terms/{id}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_times_parse_as_oruk_writes_them() {
        assert_eq!(parse_day("TU"), Ok(Weekday::Tuesday));
        assert_eq!(parse_day("SU"), Ok(Weekday::Sunday));
        for wrong in ["", "T", "TUX", "tu", "Tuesday", "DI", "7", " TU"] {
            assert!(parse_day(wrong).is_err(), "{wrong}");
        }
        assert_eq!(parse_time("14:00"), Ok(Time::from_hms(14, 0, 0).unwrap()));
        assert_eq!(parse_time("23:59:59"), Ok(Time::from_hms(23, 59, 59).unwrap()));
        for wrong in [
            "",
            "24:00",
            "9:00",
            "14",
            "14:60",
            "14:00:60",
            "14:00:00:00",
            "ab:cd",
            " 14:00",
        ] {
            assert!(parse_time(wrong).is_err(), "{wrong}");
        }
        assert!(parse_datetime("2026-12-01T10:00:00Z").is_ok());
        assert_eq!(
            parse_datetime("2026-12-01").map(OffsetDateTime::unix_timestamp),
            Ok(1_796_083_200)
        );
        assert!(parse_datetime("yesterday").is_err());
        let id = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
        assert!(parse_uuid(id).is_some());
        for wrong in [
            "",
            "3fa85f6457174562b3fc2c963f66afa6",
            "{3fa85f64-5717-4562-b3fc-2c963f66afa6}",
            "x",
        ] {
            assert!(parse_uuid(wrong).is_none(), "{wrong}");
        }
    }
}
