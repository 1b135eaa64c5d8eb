//! `POST /api/v1/cases`: a link facility's software registers a person who comes without a
//! prescription (on their own, sent by social services or by a pharmacy), or who brings a
//! prescription sheet their practice could not send (`source` `prescriber`, its
//! `prescription_code` and their own `consents.transfer`), with their consent to be
//! accompanied, naming the link worker who records it (`recorded_by`). The same use case
//! as the intake page (`lotse_app::intake`): the case opens at the client's facility, accepted.
//! `POST /api/v1/cases/{case_id}/re-referrals` takes the person of a closed case on again (the
//! re-referral page's use case, `lotse_app::re_referral`).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use lotse_app::intake::{self, Intake, IntakeForm};
use lotse_app::re_referral::{self, ReReferralForm};
use lotse_domain::id::CaseId;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::body::Reader;
use super::link_work::{field_problems, work_error};
use super::prescribing::{PersonRequest, person_of};
use super::{ApiContext, ApiError, Candidate, json_with, parse_path_id, require_json};
use crate::AppState;

/// The consents given at intake (nothing is assumed: each is `false` unless sent as `true`).
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeConsents {
    /// With a `prescription_code` (required then): the person agrees that the facility receives
    /// the prescription from the practice and that the practice sees how it goes on.
    pub transfer: Option<bool>,
    /// The link worker may accompany the person (required).
    pub care: Option<bool>,
    /// Research (optional).
    pub research: Option<bool>,
    /// Who gave them: `person` (the default), `parent_or_guardian` or `legal_representative`.
    pub given_by: Option<String>,
}

/// The consents given again at a re-referral (each `false` unless sent as `true`).
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReReferralConsents {
    /// The link worker may accompany the person (required).
    pub care: Option<bool>,
    /// Research (optional).
    pub research: Option<bool>,
    /// Who gave them: `person` (the default), `parent_or_guardian` or `legal_representative`.
    pub given_by: Option<String>,
}

/// A person registered at the link facility.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeRequest {
    /// The username of the link worker who records the consent: one of the client's facility.
    pub recorded_by: String,
    /// The person.
    pub person: PersonRequest,
    /// Where they come from: `self`, `social-services`, `pharmacy`, or `prescriber` (they bring
    /// a prescription sheet: its `prescription_code` is required).
    pub source: String,
    /// With source `prescriber`: the code on the sheet. It opens nothing by itself: only a
    /// prescription with this code for the person named (name and birth date as the practice
    /// registered them) that reached no facility yet is taken over, for that person.
    pub prescription_code: Option<String>,
    /// The consents.
    pub consents: IntakeConsents,
    /// Register as a new person although the facility holds someone of that name and birth
    /// date (after a 409 with `candidates`).
    pub confirmed_new: Option<bool>,
}

/// The case opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    /// The new case at the client's facility (its referral is accepted).
    #[schema(format = Uuid)]
    pub case_id: String,
}

/// The API's name of a field the use case names.
fn api_field(field: &str) -> String {
    match field {
        "given_name" | "family_name" | "birth_date" | "phone" | "postcode" | "language" | "other_languages"
        | "gender" => format!("person.{field}"),
        other => other
            .strip_prefix("consent_")
            .map_or_else(|| other.to_owned(), |c| format!("consents.{c}")),
    }
}

fn parse(body: &[u8]) -> Result<(String, IntakeForm), ApiError> {
    let (mut r, map) = Reader::object(
        body,
        &[
            "recorded_by",
            "person",
            "source",
            "prescription_code",
            "consents",
            "confirmed_new",
        ],
        &["recorded_by", "person", "source", "consents"],
    )?;
    let recorded_by = r.string("recorded_by", map.get("recorded_by"), false);
    let person = person_of(&mut r, map.get("person"));
    let source = r.string("source", map.get("source"), false);
    let prescription_code = r.string("prescription_code", map.get("prescription_code"), true);
    let empty = Map::new();
    let consents = consents_of(&mut r, &map, &empty, &["transfer", "care", "research", "given_by"]);
    let form = IntakeForm {
        person,
        source,
        prescription_code,
        transfer: r.boolean("consents.transfer", consents.get("transfer")),
        care: r.boolean("consents.care", consents.get("care")),
        research: r.boolean("consents.research", consents.get("research")),
        given_by: r.string("consents.given_by", consents.get("given_by"), true),
        confirmed_new: r.boolean("confirmed_new", map.get("confirmed_new")),
    };
    r.finish((recorded_by, form))
}

/// `POST /api/v1/cases`: registers a person who comes without a prescription, or with a
/// prescription sheet their practice could not send (see the module documentation). A person the facility already holds with that name and birth date is 409
/// with the `candidates` and their `case_ids`; nothing is registered until `confirmed_new`.
#[utoipa::path(
    post,
    path = "/api/v1/cases",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    request_body(content = IntakeRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The person is registered and the case opened", body = Registered, content_type = "application/json"),
        (status = 400, description = "The body is malformed, or a field is wrong: each is named", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The client acts for no link facility", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The facility holds a person with this name and birth date: the candidates are listed", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (recorded_by, form) = match require_json(&headers).and_then(|()| parse(&body)) {
        Ok(parsed) => parsed,
        Err(e) => return ctx.fail(&state, e),
    };
    match intake::register_for(&state.app, state.clock.as_ref(), &ctx.principal, &recorded_by, &form).await {
        Ok(Intake::Registered(case)) => json_with(
            StatusCode::CREATED,
            &Registered {
                case_id: case.to_string(),
            },
        ),
        Ok(Intake::PossibleDuplicates(known)) => ctx.fail(
            &state,
            ApiError::PossibleDuplicates(
                known
                    .into_iter()
                    .map(|k| Candidate {
                        patient_id: k.patient.to_string(),
                        name: k.name,
                        birth_date: k.birth_date.to_string(),
                        case_ids: Some(k.cases.iter().map(ToString::to_string).collect()),
                    })
                    .collect(),
            ),
        ),
        Err(lotse_app::referral_work::WorkError::Invalid(errors)) => {
            ctx.fail(&state, field_problems(&errors, api_field))
        }
        Err(e) => ctx.fail(&state, work_error(&state, ctx.language, e)),
    }
}

/// A person of a closed case taken on again at the link facility.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReReferralRequest {
    /// The username of the link worker who records the consent: one of the client's facility.
    pub recorded_by: String,
    /// Where they come from this time: `self`, `social-services` or `pharmacy`.
    pub source: String,
    /// The consents, given again.
    pub consents: ReReferralConsents,
}

/// The consents of a body (`consents`, with the `keys` allowed), each wrong key named.
fn consents_of<'a>(
    r: &mut Reader,
    map: &'a Map<String, Value>,
    empty: &'a Map<String, Value>,
    keys: &[&str],
) -> &'a Map<String, Value> {
    let consents = if let Some(Value::Object(consents)) = map.get("consents") {
        consents
    } else {
        r.wrong("consents");
        empty
    };
    for key in consents.keys() {
        if !keys.contains(&key.as_str()) {
            r.problems.push((format!("consents.{key}"), "api-field-unknown"));
        }
    }
    consents
}

fn parse_re_referral(body: &[u8]) -> Result<(String, ReReferralForm), ApiError> {
    let (mut r, map) = Reader::object(
        body,
        &["recorded_by", "source", "consents"],
        &["recorded_by", "source", "consents"],
    )?;
    let recorded_by = r.string("recorded_by", map.get("recorded_by"), false);
    let source = r.string("source", map.get("source"), false);
    let empty = Map::new();
    let consents = consents_of(&mut r, &map, &empty, &["care", "research", "given_by"]);
    let form = ReReferralForm {
        source,
        care: r.boolean("consents.care", consents.get("care")),
        research: r.boolean("consents.research", consents.get("research")),
        given_by: r.string("consents.given_by", consents.get("given_by"), true),
    };
    r.finish((recorded_by, form))
}

/// `POST /api/v1/cases/{case_id}/re-referrals`: the person of a case closed at the client's
/// facility comes back; a new case opens for them there, accepted, with their new consent. The
/// person is not registered again and the closed case stays as it is.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/re-referrals",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(("case_id" = uuid::Uuid, Path, description = "The closed case")),
    request_body(content = ReReferralRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The new case is open", body = Registered, content_type = "application/json"),
        (status = 400, description = "The body or id is malformed, or a field is wrong: each is named", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none closed at the client's facility", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case is still open: the detail says where it stands", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn re_refer(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = parse_path_id("case_id", &case_id).and_then(|case| {
        require_json(&headers)?;
        parse_re_referral(&body).map(|(named, form)| (CaseId::from_uuid(case), named, form))
    });
    let (case, recorded_by, form) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => return ctx.fail(&state, e),
    };
    match re_referral::re_refer(
        &state.app,
        state.clock.as_ref(),
        &ctx.principal,
        &recorded_by,
        case,
        &form,
    )
    .await
    {
        Ok(case) => json_with(
            StatusCode::CREATED,
            &Registered {
                case_id: case.to_string(),
            },
        ),
        Err(lotse_app::referral_work::WorkError::Invalid(errors)) => {
            ctx.fail(&state, field_problems(&errors, api_field))
        }
        Err(e) => ctx.fail(&state, work_error(&state, ctx.language, e)),
    }
}
