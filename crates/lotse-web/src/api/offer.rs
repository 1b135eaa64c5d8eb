//! `GET` and `PUT /api/v1/offers/{offer_id}`: an offer as its provider (its own offers) or a
//! coordinator (any offer of the programme) reads and changes it, through the same use cases
//! as the edit form (`lotse_app::offer_edit`). `PUT` replaces the editable fields (the lists,
//! texts, codes and `waiting_list` are required; an optional field absent or `null` is cleared)
//! and names the version it was based on: a stale one is 409 and nothing changes; a wrong field
//! is 400 with each field named.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use lotse_app::offer_edit::{self, EditError, EditableOffer};
use lotse_domain::field::FieldError;
use lotse_domain::id::OfferId;
use lotse_domain::offer_edit::{OfferEdit, SessionInput};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::body::Reader;
use super::{ApiContext, ApiError, json, parse_path_id, require_json};
use crate::AppState;
use crate::offer_edit::problem_key;

/// A weekly session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionDocument {
    /// 1 (Monday) to 7 (Sunday).
    #[schema(minimum = 1, maximum = 7)]
    pub weekday: u8,
    /// When it starts, `HH:MM` (the programme's local time).
    #[schema(pattern = "^[0-9]{1,2}:[0-9]{2}$")]
    pub opens_at: String,
    /// When it ends, `HH:MM` (`24:00` for midnight); after `opens_at`.
    #[schema(pattern = "^[0-9]{1,2}:[0-9]{2}$")]
    pub closes_at: String,
}

/// The editable fields of an offer (the body of `PUT`, and part of what `GET` answers).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferChange {
    /// The version read (`PUT`: a stale one is refused with 409, nothing changed).
    #[schema(minimum = 1)]
    pub version: i64,
    /// The title (1 to 200 characters).
    pub title: String,
    /// The description (up to 5,000 characters).
    pub description: String,
    /// The category code (`group`, `course`, `sport`, `culture`, `counselling`, `self-help`,
    /// `volunteering`, `meeting-place`, `outdoors`).
    pub category: String,
    /// Need-domain codes (`loneliness` …).
    pub need_domains: Vec<String>,
    /// Target-group codes (`older-people` …).
    pub target_groups: Vec<String>,
    /// Languages spoken, BCP 47 (`de`, `tr`, `pt-BR`).
    pub languages: Vec<String>,
    /// Accessibility-feature codes (`step-free` …).
    pub accessibility: Vec<String>,
    /// The youngest age admitted (0–120).
    #[schema(minimum = 0, maximum = 120)]
    pub min_age: Option<u8>,
    /// The oldest age admitted (0–120, at least `min_age`).
    #[schema(minimum = 0, maximum = 120)]
    pub max_age: Option<u8>,
    /// The cost code (`free`, `reduced`, `paid`).
    pub cost: String,
    /// The full amount in cents.
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub cost_amount_cents: Option<u32>,
    /// A note on the cost.
    pub cost_note: Option<String>,
    /// Street and number.
    pub street: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Web address.
    pub url: Option<String>,
    /// Open places (`null`: not limited or not known).
    #[schema(minimum = 0, maximum = 100_000)]
    pub open_places: Option<u32>,
    /// People on the waiting list.
    #[schema(minimum = 0, maximum = 100_000)]
    pub waiting_list: u32,
    /// Weekly sessions (at most 21).
    pub sessions: Vec<SessionDocument>,
}

/// An offer as its editor reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferDocument {
    /// The offer.
    #[schema(format = Uuid)]
    pub offer_id: String,
    /// Its provider (an organisation of the programme).
    #[schema(format = Uuid)]
    pub provider_id: String,
    /// `active`, `paused` or `ended`.
    pub status: String,
    /// When its details were last verified (`YYYY-MM-DD`).
    pub last_verified: Option<String>,
    /// For a merged duplicate: the offer that remains.
    pub merged_into: Option<String>,
    /// The editable fields with the version.
    #[serde(flatten)]
    pub fields: OfferChange,
}

fn some(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

fn document(e: &EditableOffer) -> OfferDocument {
    let o = &e.offer;
    let edit = OfferEdit::of(o);
    OfferDocument {
        offer_id: o.id.to_string(),
        provider_id: o.provider.to_string(),
        status: o.status.code().to_owned(),
        last_verified: o.last_verified.map(|d| d.to_string()),
        merged_into: e.merged_into.map(|m| m.to_string()),
        fields: OfferChange {
            version: e.version,
            title: o.title.clone(),
            description: o.description.clone(),
            category: edit.category,
            need_domains: edit.need_domains,
            target_groups: edit.target_groups,
            languages: edit.languages,
            accessibility: edit.accessibility,
            min_age: o.ages.min,
            max_age: o.ages.max,
            cost: edit.cost,
            cost_amount_cents: o.cost.amount_cents,
            cost_note: o.cost.note.clone(),
            street: some(&edit.street),
            postcode: some(&edit.postcode),
            city: some(&edit.city),
            phone: o.contact.phone.clone(),
            email: o.contact.email.clone(),
            url: o.contact.url.clone(),
            open_places: o.capacity.open_places,
            waiting_list: o.capacity.waiting_list,
            sessions: o
                .schedule
                .iter()
                .zip(edit.sessions)
                .map(|(s, input)| SessionDocument {
                    weekday: s.weekday.number_from_monday(),
                    opens_at: input.opens_at,
                    closes_at: input.closes_at,
                })
                .collect(),
        },
    }
}

/// The fields of the body, in the order of [`OfferChange`].
const FIELDS: [&str; 22] = [
    "version",
    "title",
    "description",
    "category",
    "need_domains",
    "target_groups",
    "languages",
    "accessibility",
    "min_age",
    "max_age",
    "cost",
    "cost_amount_cents",
    "cost_note",
    "street",
    "postcode",
    "city",
    "phone",
    "email",
    "url",
    "open_places",
    "waiting_list",
    "sessions",
];

/// The fields that must be present (the others may be absent, which is `null`: none).
const REQUIRED: [&str; 11] = [
    "version",
    "title",
    "description",
    "category",
    "need_domains",
    "target_groups",
    "languages",
    "accessibility",
    "cost",
    "waiting_list",
    "sessions",
];

/// The body as an edit and the version it was based on.
fn parse_change(body: &[u8]) -> Result<(i64, OfferEdit), ApiError> {
    let (mut r, map) = Reader::object(body, &FIELDS, &REQUIRED)?;
    let get = |f: &str| map.get(f);
    let version = match get("version") {
        Some(Value::Number(n)) => n.as_i64().filter(|v| *v >= 1),
        _ => None,
    };
    if version.is_none() {
        r.problems.push(("version".to_owned(), "api-field-not-version"));
    }
    let cost_amount = match get("cost_amount_cents") {
        None | Some(Value::Null) => String::new(),
        Some(Value::Number(n)) => n.as_u64().map_or_else(
            || {
                r.problems.push(("cost_amount_cents".to_owned(), "field-error-amount"));
                String::new()
            },
            |c| format!("{}.{:02}", c / 100, c % 100),
        ),
        _ => r.wrong("cost_amount_cents"),
    };
    let mut sessions = Vec::new();
    match get("sessions") {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let field = |part: &str| format!("sessions[{i}].{part}");
                let Value::Object(s) = item else {
                    r.wrong(&format!("sessions[{i}]"));
                    continue;
                };
                if let Some(extra) = s
                    .keys()
                    .find(|k| !["weekday", "opens_at", "closes_at"].contains(&k.as_str()))
                {
                    r.problems.push((field(extra), "api-field-unknown"));
                }
                sessions.push(SessionInput {
                    weekday: r.integer(&field("weekday"), s.get("weekday"), false),
                    opens_at: r.string(&field("opens_at"), s.get("opens_at"), false),
                    closes_at: r.string(&field("closes_at"), s.get("closes_at"), false),
                });
            }
        }
        _ => {
            r.wrong("sessions");
        }
    }
    let edit = OfferEdit {
        title: r.string("title", get("title"), false),
        description: r.string("description", get("description"), false),
        category: r.string("category", get("category"), false),
        need_domains: r.strings("need_domains", get("need_domains"), false),
        target_groups: r.strings("target_groups", get("target_groups"), false),
        languages: r.strings("languages", get("languages"), false),
        accessibility: r.strings("accessibility", get("accessibility"), false),
        min_age: r.integer("min_age", get("min_age"), true),
        max_age: r.integer("max_age", get("max_age"), true),
        cost: r.string("cost", get("cost"), false),
        cost_amount,
        cost_note: r.string("cost_note", get("cost_note"), true),
        street: r.string("street", get("street"), true),
        postcode: r.string("postcode", get("postcode"), true),
        city: r.string("city", get("city"), true),
        phone: r.string("phone", get("phone"), true),
        email: r.string("email", get("email"), true),
        url: r.string("url", get("url"), true),
        open_places: r.integer("open_places", get("open_places"), true),
        waiting_list: r.integer("waiting_list", get("waiting_list"), false),
        sessions,
    };
    match version {
        Some(v) if r.problems.is_empty() => Ok((v, edit)),
        _ => Err(ApiError::Invalid(r.problems)),
    }
}

/// The API's name of a field the domain names (the amount is in cents here).
fn api_field(e: &FieldError) -> (String, &'static str) {
    let field = if e.field == "cost_amount" {
        "cost_amount_cents".to_owned()
    } else {
        e.field.clone()
    };
    (field, problem_key(e.problem))
}

impl From<EditError> for ApiError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::NotFound => Self::NotFound,
            EditError::Invalid(fields) => Self::Invalid(fields.iter().map(api_field).collect()),
            EditError::BadVersion => Self::Invalid(vec![("version".to_owned(), "api-field-not-version")]),
            EditError::Conflict { .. } | EditError::Transition(_) => Self::Conflict,
            EditError::Store(s) => s.into(),
        }
    }
}

/// `GET /api/v1/offers/{offer_id}`: the offer with its version, for its provider or a
/// coordinator.
#[utoipa::path(
    get,
    path = "/api/v1/offers/{offer_id}",
    tag = "offers",
    security(("bearer" = ["offer:write"])),
    params(("offer_id" = uuid::Uuid, Path, description = "The offer id")),
    responses(
        (status = 200, description = "The offer", body = OfferDocument, content_type = "application/json"),
        (status = 400, description = "The id is malformed", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such offer, or none the client may change", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_offer(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(offer_id): Path<String>,
) -> Response {
    let id = match parse_path_id("offer_id", &offer_id) {
        Ok(id) => OfferId::from_uuid(id),
        Err(e) => return ctx.fail(&state, e),
    };
    match offer_edit::offer_for_edit(&state.app, state.clock.as_ref(), &ctx.principal, id).await {
        Ok(offer) => json(&document(&offer)),
        Err(e) => ctx.fail(&state, e),
    }
}

/// `PUT /api/v1/offers/{offer_id}`: replaces the offer's editable fields; answers the offer as
/// now stored (with its new version).
#[utoipa::path(
    put,
    path = "/api/v1/offers/{offer_id}",
    tag = "offers",
    security(("bearer" = ["offer:write"])),
    params(("offer_id" = uuid::Uuid, Path, description = "The offer id")),
    request_body(content = OfferChange, content_type = "application/json"),
    responses(
        (status = 200, description = "The offer as changed", body = OfferDocument, content_type = "application/json"),
        (status = 400, description = "The body or id is malformed, or fields are wrong (each named)", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such offer, or none the client may change", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The offer was changed since the version given, or it has ended", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_offer(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(offer_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = parse_path_id("offer_id", &offer_id).and_then(|id| {
        require_json(&headers)?;
        let (version, edit) = parse_change(&body)?;
        Ok((OfferId::from_uuid(id), version, edit))
    });
    let (id, version, edit) = match parsed {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    let clock = state.clock.as_ref();
    match offer_edit::edit(&state.app, clock, &ctx.principal, id, version, &edit).await {
        Ok(_) => match offer_edit::offer_for_edit(&state.app, clock, &ctx.principal, id).await {
            Ok(offer) => json(&document(&offer)),
            Err(e) => ctx.fail(&state, e),
        },
        Err(e) => ctx.fail(&state, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_with_wrong_types_names_each_field() {
        let body = br#"{"version": 0, "title": 5, "description": "", "category": "group", "need_domains": "loneliness",
            "target_groups": [], "languages": ["de"], "accessibility": [], "min_age": 1.5, "max_age": null,
            "cost": "free", "cost_amount_cents": -3, "cost_note": null, "street": null, "postcode": null,
            "city": null, "phone": null, "email": null, "url": null, "open_places": null, "waiting_list": 0,
            "sessions": [{"weekday": "2", "opens_at": "14:00", "closes_at": "16:00"}]}"#;
        let Err(ApiError::Invalid(problems)) = parse_change(body) else {
            panic!("refused");
        };
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "version",
                "cost_amount_cents",
                "sessions[0].weekday",
                "title",
                "need_domains",
                "min_age"
            ]
        );
        let Err(ApiError::Invalid(problems)) = parse_change(br#"{"title": "x", "colour": "red"}"#) else {
            panic!("refused");
        };
        assert!(problems.contains(&("colour".to_owned(), "api-field-unknown")));
        assert!(problems.contains(&("sessions".to_owned(), "api-field-required")));
    }
}
