//! `/api/v1/prescriptions` for a practice's own software (scope `prescription:write`, the
//! policy's `Prescribe`; the client acts for one practice): prescribe for a person the practice
//! knows or registers now, with the consents given at prescription time, and read the
//! practice's board and one prescription with its timeline. The same use cases as the pages
//! `/prescriptions`, so the same checks, events and audit entries apply. A prescription names
//! its prescriber: the client sends the username of a prescriber of its practice (`prescriber`);
//! the audit entries name the client.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use lotse_app::prescribe::{self, BoardRow, PrescribeError, PrescribeForm};
use lotse_domain::id::{PatientId, PrescriptionId};
use lotse_domain::prescribing::{ConsentInput, PrescriptionInput, RegistrationInput};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::body::Reader;
use super::link_work::field_problems;
use super::{ApiContext, ApiError, Candidate, FieldProblem, json_with, parse_path_id, require_json, timestamp};
use crate::AppState;

/// The most rows a page of the board answer holds.
const BOARD_LIMIT: i64 = 200;

fn prescribe_error(err: PrescribeError) -> ApiError {
    match err {
        PrescribeError::NotFound => ApiError::NotFound,
        PrescribeError::Invalid(errors) => field_problems(&errors, api_field),
        PrescribeError::PossibleDuplicates(people) => ApiError::PossibleDuplicates(
            people
                .into_iter()
                .map(|p| Candidate {
                    patient_id: p.patient.to_string(),
                    name: p.name,
                    birth_date: p.birth_date.to_string(),
                    case_ids: None,
                })
                .collect(),
        ),
        PrescribeError::Store(e) => e.into(),
    }
}

/// The API's name of a field the use case names.
fn api_field(field: &str) -> String {
    match field {
        "given_name" | "family_name" | "birth_date" | "phone" | "postcode" | "language" | "other_languages"
        | "gender" => format!("person.{field}"),
        "link_facility" => "link_facility_id".to_owned(),
        other => other
            .strip_prefix("consent_")
            .map_or_else(|| other.to_owned(), |c| format!("consents.{c}")),
    }
}

/// A row of the practice's board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardItem {
    /// The prescription.
    #[schema(format = Uuid)]
    pub prescription_id: String,
    /// Its code (on the sheet).
    pub code: String,
    /// The person.
    #[schema(format = Uuid)]
    pub patient_id: String,
    /// The person's name.
    pub name: String,
    /// `routine` or `soon`.
    pub urgency: String,
    /// When it was issued.
    #[schema(format = DateTime)]
    pub issued_at: String,
    /// The referral's state (`issued`, `accepted`, `contacted`, `plan_agreed`, `connected`,
    /// `closed` …); `null` while the prescription stays in the practice (no transfer consent).
    pub state: Option<String>,
    /// Why it closed, once closed.
    pub closing_reason: Option<String>,
    /// The last concern the link worker raised (`safeguarding`, `health_worse`), if any.
    pub concern: Option<ConcernDocument>,
    /// The last change.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A concern raised with the prescriber.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConcernDocument {
    /// Its kind.
    pub kind: String,
    /// When it was raised.
    #[schema(format = DateTime)]
    pub raised_at: String,
}

fn board_item(row: BoardRow) -> BoardItem {
    BoardItem {
        prescription_id: row.prescription.to_string(),
        code: row.code,
        patient_id: row.patient.to_string(),
        name: format!("{} {}", row.given_name, row.family_name),
        urgency: row.urgency,
        issued_at: timestamp(row.issued_at),
        state: row.state,
        closing_reason: row.closing_reason,
        concern: row.concern.map(|(kind, at)| ConcernDocument {
            kind,
            raised_at: timestamp(at),
        }),
        updated_at: timestamp(row.updated_at),
    }
}

/// The practice's board.
#[derive(Debug, Serialize, ToSchema)]
pub struct Board {
    /// Its prescriptions, the latest change first (at most 200).
    pub items: Vec<BoardItem>,
    /// When more follow: the id to pass as `after` for the next page (the last item's).
    pub next_after: Option<uuid::Uuid>,
}

/// `GET /api/v1/prescriptions`: the practice's board, as the page `/prescriptions`, a page at a
/// time (`?after=` the `next_after` of the page before).
#[utoipa::path(
    get,
    path = "/api/v1/prescriptions",
    tag = "prescribing",
    security(("bearer" = ["prescription:write"])),
    params(("after" = Option<uuid::Uuid>, Query, description = "The page after this prescription: the previous page's `next_after`")),
    responses(
        (status = 200, description = "The board", body = Board, content_type = "application/json"),
        (status = 400, description = "`after` is not a prescription id", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The client acts for no practice", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn board(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let after = match crate::prescriptions::board_after(query.as_deref()) {
        Ok(after) => after,
        Err(message) => {
            return ctx.fail(
                &state,
                ApiError::InvalidFields(vec![FieldProblem {
                    field: "after".to_owned(),
                    message,
                }]),
            );
        }
    };
    match prescribe::board(&state.app, state.clock.as_ref(), &ctx.principal, after, BOARD_LIMIT).await {
        Ok(page) => {
            let next_after = page.rows.last().filter(|_| page.more).map(|r| r.prescription.as_uuid());
            json_with(
                StatusCode::OK,
                &Board {
                    items: page.rows.into_iter().map(board_item).collect(),
                    next_after,
                },
            )
        }
        Err(e) => ctx.fail(&state, prescribe_error(e)),
    }
}

/// One prescription with its timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrescriptionDocument {
    /// As on the board.
    #[serde(flatten)]
    pub row: BoardItem,
    /// The person's language (the sheet's).
    pub language: String,
    /// The link facility it lies with, once it left the practice.
    pub facility: Option<String>,
    /// The referral's events, oldest first.
    pub timeline: Vec<super::TimelineView>,
    /// Once the case is closed, the message back to the practice; `null` before.
    pub message_back: Option<MessageBackDocument>,
}

/// The message back to the practice when the case closed: why and when, what was agreed, what
/// came of the offers the person wanted, the outcome scores with their change.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageBackDocument {
    /// When the case was closed.
    #[schema(format = DateTime)]
    pub closed_at: String,
    /// Why (`goals_met`, `declined`, `no_contact`, `moved`, `referred_to_other_care`,
    /// `consent_withdrawn`, `died`, `other`).
    pub closing_reason: String,
    /// The latest plan's goals, in the person's words (empty without a plan).
    pub goals: Vec<String>,
    /// The offers the person agreed to, oldest first.
    pub offers: Vec<OfferOutcome>,
    /// Each questionnaire with a scored response.
    pub scores: Vec<ScoreOutcome>,
}

/// What came of one offer the person agreed to.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferOutcome {
    /// The offer's title.
    pub offer: String,
    /// Its provider.
    pub provider: String,
    /// The onward referral's state (`attending`, `ended`, `did_not_attend`, `lapsed`, …).
    pub state: String,
    /// Why attendance ended, once `ended`.
    pub end_reason: Option<String>,
}

/// One questionnaire's outcome: scores in points (two decimals at most), the change is
/// follow-up minus baseline (whether a rise is better depends on the instrument).
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreOutcome {
    /// The instrument (`who5`, `ucla3`, `djg6`, `ons4`, `swemwbs`).
    pub instrument: String,
    /// The first scored baseline response.
    pub baseline: Option<f64>,
    /// The last scored follow-up after it.
    pub follow_up: Option<f64>,
    /// `follow_up − baseline`, when both exist.
    pub change: Option<f64>,
}

fn message_back_document(m: prescribe::MessageBack) -> MessageBackDocument {
    #[expect(
        clippy::cast_precision_loss,
        reason = "scores are small: hundredths of at most a few hundred points"
    )]
    let points = |h: i64| h as f64 / 100.0;
    MessageBackDocument {
        closed_at: timestamp(m.closed_at),
        closing_reason: m.reason.code().to_owned(),
        goals: m.goals,
        offers: m
            .offers
            .into_iter()
            .map(|(offer, provider, state)| OfferOutcome {
                offer,
                provider,
                state: state.code().to_owned(),
                end_reason: state.end_reason().map(|r| r.code().to_owned()),
            })
            .collect(),
        scores: m
            .scores
            .into_iter()
            .map(|s| ScoreOutcome {
                instrument: s.instrument.code().to_owned(),
                baseline: s.baseline.map(points),
                follow_up: s.follow_up.map(points),
                change: s.change.map(points),
            })
            .collect(),
    }
}

/// `GET /api/v1/prescriptions/{prescription_id}`: one of the practice's prescriptions, with the
/// referral's timeline and, once the case is closed, the message back.
#[utoipa::path(
    get,
    path = "/api/v1/prescriptions/{prescription_id}",
    tag = "prescribing",
    security(("bearer" = ["prescription:write"])),
    params(("prescription_id" = uuid::Uuid, Path, description = "The prescription id")),
    responses(
        (status = 200, description = "The prescription", body = PrescriptionDocument, content_type = "application/json"),
        (status = 400, description = "The id is malformed", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such prescription, or not the client's practice's", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn prescription(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(prescription_id): Path<String>,
) -> Response {
    let id = match parse_path_id("prescription_id", &prescription_id) {
        Ok(id) => PrescriptionId::from_uuid(id),
        Err(e) => return ctx.fail(&state, e),
    };
    match prescribe::view(&state.app, state.clock.as_ref(), &ctx.principal, id).await {
        Ok(view) => json_with(
            StatusCode::OK,
            &PrescriptionDocument {
                row: board_item(view.row),
                language: view.language,
                facility: view.facility.map(|(name, _)| name),
                timeline: view
                    .timeline
                    .into_iter()
                    .map(|(at, kind)| super::TimelineView {
                        at: timestamp(at),
                        kind,
                    })
                    .collect(),
                message_back: view.message_back.map(message_back_document),
            },
        ),
        Err(e) => ctx.fail(&state, prescribe_error(e)),
    }
}

/// A new person (minimal data).
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRequest {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub birth_date: String,
    /// Phone.
    pub phone: Option<String>,
    /// Postcode (one of the programme's; it decides the area).
    pub postcode: Option<String>,
    /// The person's language, BCP 47 (`de`, `da`, `en`, `tr`, `ar`, `uk`, `ru`, `pl`): the sheet
    /// is printed in it.
    pub language: String,
    /// Further languages the person speaks.
    pub other_languages: Option<Vec<String>>,
    /// `female`, `male`, `diverse` or `not_stated`.
    pub gender: Option<String>,
}

/// The consents the person gave at prescription time (nothing is assumed: each is `false`
/// unless sent as `true`).
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentsRequest {
    /// Release from medical confidentiality: the link facility may receive the prescription.
    /// Without it the prescription stays in the practice.
    pub transfer: Option<bool>,
    /// The link worker may accompany the person (needs `transfer`).
    pub care: Option<bool>,
    /// Research (optional; needs `transfer`).
    pub research: Option<bool>,
    /// Who gave them: `person`, `parent_or_guardian` or `legal_representative`.
    pub given_by: String,
}

/// A prescription.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrescriptionRequest {
    /// The username of the prescriber who prescribes: a prescriber of the client's practice.
    pub prescriber: String,
    /// A person the practice prescribed for before (then `person` is ignored).
    #[schema(format = Uuid)]
    pub patient_id: Option<String>,
    /// A new person (required without `patient_id`).
    pub person: Option<PersonRequest>,
    /// Register as a new person although the practice knows someone of that name and birth
    /// date (after a 409 with `candidates`).
    pub confirmed_new: Option<bool>,
    /// Need-domain codes (at least one: `loneliness`, `low-mood`, `physical-activity`, …).
    pub need_domains: Vec<String>,
    /// A short reason (sealed at rest).
    pub reason: Option<String>,
    /// `routine` (the default) or `soon`.
    pub urgency: Option<String>,
    /// The link facility (required with `transfer`): its id, or `suggest` for the facility the
    /// programme suggests for the person (one for their age group, nearest their home; the
    /// prescription read back names it, `facility`).
    pub link_facility_id: Option<String>,
    /// The consents.
    pub consents: ConsentsRequest,
}

/// What was issued.
#[derive(Debug, Serialize, ToSchema)]
pub struct Issued {
    /// The prescription.
    #[schema(format = Uuid)]
    pub prescription_id: String,
    /// Its code (on the sheet).
    pub code: String,
    /// The person.
    #[schema(format = Uuid)]
    pub patient_id: String,
    /// The case at the link facility (with transfer consent).
    #[schema(format = Uuid)]
    pub case_id: Option<String>,
    /// The referral (with transfer consent).
    #[schema(format = Uuid)]
    pub referral_id: Option<String>,
}

const PERSON_FIELDS: [&str; 8] = [
    "given_name",
    "family_name",
    "birth_date",
    "phone",
    "postcode",
    "language",
    "other_languages",
    "gender",
];

pub(super) fn person_of(r: &mut Reader, value: Option<&Value>) -> RegistrationInput {
    let empty = Map::new();
    let map = match value {
        Some(Value::Object(map)) => map,
        None | Some(Value::Null) => &empty,
        Some(_) => {
            r.wrong("person");
            &empty
        }
    };
    for key in map.keys() {
        if !PERSON_FIELDS.contains(&key.as_str()) {
            r.problems.push((format!("person.{key}"), "api-field-unknown"));
        }
    }
    let mut text = |field: &str| r.string(&format!("person.{field}"), map.get(field), true);
    let person = RegistrationInput {
        given_name: text("given_name"),
        family_name: text("family_name"),
        birth_date: text("birth_date"),
        phone: text("phone"),
        postcode: text("postcode"),
        language: text("language"),
        other_languages: Vec::new(),
        gender: text("gender"),
    };
    RegistrationInput {
        other_languages: r.strings("person.other_languages", map.get("other_languages"), true),
        ..person
    }
}

fn consents_of(r: &mut Reader, value: Option<&Value>) -> ConsentInput {
    let empty = Map::new();
    let map = if let Some(Value::Object(map)) = value {
        map
    } else {
        r.wrong("consents");
        &empty
    };
    for key in map.keys() {
        if !["transfer", "care", "research", "given_by"].contains(&key.as_str()) {
            r.problems.push((format!("consents.{key}"), "api-field-unknown"));
        }
    }
    ConsentInput {
        transfer: r.boolean("consents.transfer", map.get("transfer")),
        care: r.boolean("consents.care", map.get("care")),
        research: r.boolean("consents.research", map.get("research")),
        given_by: r.string("consents.given_by", map.get("given_by"), true),
    }
}

fn parse_prescription(body: &[u8]) -> Result<PrescribeForm, ApiError> {
    let (mut r, map) = Reader::object(
        body,
        &[
            "prescriber",
            "patient_id",
            "person",
            "confirmed_new",
            "need_domains",
            "reason",
            "urgency",
            "link_facility_id",
            "consents",
        ],
        &["prescriber", "need_domains", "consents"],
    )?;
    let prescriber = r.string("prescriber", map.get("prescriber"), false);
    let patient = r.string("patient_id", map.get("patient_id"), true);
    let patient = if patient.is_empty() {
        None
    } else if let Some(id) = lotse_domain::id::parse_canonical(&patient) {
        Some(PatientId::from_uuid(id))
    } else {
        r.problems.push(("patient_id".to_owned(), "api-field-not-id"));
        None
    };
    let person = person_of(&mut r, map.get("person"));
    let confirmed_new = r.boolean("confirmed_new", map.get("confirmed_new"));
    let urgency = r.string("urgency", map.get("urgency"), true);
    let facility = r.string("link_facility_id", map.get("link_facility_id"), true);
    if !facility.is_empty()
        && facility != lotse_domain::prescribing::SUGGEST_FACILITY
        && lotse_domain::id::parse_canonical(&facility).is_none()
    {
        r.problems.push(("link_facility_id".to_owned(), "api-field-not-id"));
    }
    let prescription = PrescriptionInput {
        need_domains: r.strings("need_domains", map.get("need_domains"), false),
        reason: r.string("reason", map.get("reason"), true),
        urgency: if urgency.is_empty() {
            "routine".to_owned()
        } else {
            urgency
        },
        link_facility: facility,
        consents: consents_of(&mut r, map.get("consents")),
    };
    r.finish(PrescribeForm {
        patient,
        person,
        confirmed_new,
        prescription,
        prescriber,
    })
}

/// `POST /api/v1/prescriptions`: prescribes for a person the practice knows (`patient_id`) or
/// registers now (`person`), with the consents given. With transfer consent the referral goes
/// to the link facility at once (`case_id` and `referral_id` in the answer); without it the
/// prescription stays in the practice.
#[utoipa::path(
    post,
    path = "/api/v1/prescriptions",
    tag = "prescribing",
    security(("bearer" = ["prescription:write"])),
    request_body(content = PrescriptionRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The prescription is issued", body = Issued, content_type = "application/json"),
        (status = 400, description = "The body is malformed, or a field is wrong: each is named", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The client acts for no practice, or the patient is not the practice's", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The practice knows a person with this name and birth date: the candidates are listed", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn prescribe(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match require_json(&headers).and_then(|()| parse_prescription(&body)) {
        Ok(f) => f,
        Err(e) => return ctx.fail(&state, e),
    };
    match prescribe::prescribe(&state.app, state.clock.as_ref(), &ctx.principal, &form).await {
        Ok(issued) => json_with(
            StatusCode::CREATED,
            &Issued {
                prescription_id: issued.prescription.to_string(),
                code: issued.code.to_string(),
                patient_id: issued.patient.to_string(),
                case_id: issued.case.map(|c| c.to_string()),
                referral_id: issued.referral.map(|r| r.to_string()),
            },
        ),
        Err(e) => ctx.fail(&state, prescribe_error(e)),
    }
}

/// `GET /api/v1/prescriptions/{prescription_id}/sheet.pdf`: the prescription sheet to hand to
/// the person (code and QR code, what happens next, the facility's contact), in the person's
/// language, as the page's download. Never cached.
#[utoipa::path(
    get,
    path = "/api/v1/prescriptions/{prescription_id}/sheet.pdf",
    tag = "prescribing",
    security(("bearer" = ["prescription:write"])),
    params(("prescription_id" = uuid::Uuid, Path, description = "The prescription id")),
    responses(
        (status = 200, description = "The sheet", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "The id is malformed", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such prescription, or not the client's practice's", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn sheet(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(prescription_id): Path<String>,
) -> Response {
    let id = match parse_path_id("prescription_id", &prescription_id) {
        Ok(id) => PrescriptionId::from_uuid(id),
        Err(e) => return ctx.fail(&state, e),
    };
    let view = match prescribe::view(&state.app, state.clock.as_ref(), &ctx.principal, id).await {
        Ok(view) => view,
        Err(e) => return ctx.fail(&state, prescribe_error(e)),
    };
    match crate::prescriptions::sheet_pdf(view).await {
        Ok((code, bytes)) => crate::prescriptions::pdf_response(bytes, &format!("rezept-{code}.pdf")),
        Err(reason) => {
            tracing::error!(%reason, "sheet not rendered");
            ctx.fail(&state, ApiError::Internal)
        }
    }
}
