//! Re-referral (`/cases/{id}/re-refer`): a link worker takes the person of a closed case on
//! again, with where they come from this time and their new consent to be accompanied; the new
//! case opens (303 to it). A wrong field shows the form again with what was chosen and one
//! message per field (400); a case still open is refused with its state (409).

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fluent_bundle::FluentValue;
use lotse_app::auth::SessionUser;
use lotse_app::re_referral::{self, ReReferralForm};
use lotse_app::referral_work::WorkError;
use lotse_domain::field::FieldError;
use lotse_domain::id::CaseId;

use crate::AppState;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::page::{Page, form_one, form_pairs, parse_id, render_private, see_other, state_key};
use crate::prescriptions::{Choice, giver_choices, messages};

#[derive(Template)]
#[template(path = "re_refer.html")]
struct ReReferPage {
    page: Page,
    case_id: String,
    errors: Vec<String>,
    notice: Option<String>,
    givers: Vec<Choice>,
    /// Sources (code, label, chosen).
    sources: Vec<(&'static str, String, bool)>,
    care: bool,
    research: bool,
    /// The consent texts in the sheet's other languages (the page reads nothing of the person,
    /// so not knowing their language, in the sheet's order).
    consent_texts: Vec<crate::prescriptions::ConsentTexts>,
    consent_texts_open: bool,
}

fn re_refer_page(
    page: Page,
    case: CaseId,
    form: &ReReferralForm,
    errors: &[FieldError],
    notice: Option<String>,
) -> ReReferPage {
    ReReferPage {
        case_id: case.to_string(),
        errors: messages(&page, errors),
        notice,
        givers: giver_choices(&page, &form.given_by),
        sources: crate::intake::source_choices(&page, &lotse_app::intake::SOURCES, &form.source),
        care: form.care,
        research: form.research,
        consent_texts: crate::prescriptions::consent_texts(&page, page.lang_tag()),
        consent_texts_open: false,
        page,
    }
}

/// `GET /cases/{id}/re-refer`: the form (nothing ticked in advance; it shows nothing of the
/// person, so it reads nothing).
pub async fn form(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let case = CaseId::from_uuid(parse_id(&id)?);
    let page = Page::new(&state, &headers, &format!("/cases/{case}/re-refer"), Some(&user), &csrf);
    render_private(
        &re_refer_page(page, case, &ReReferralForm::default(), &[], None),
        StatusCode::OK,
    )
}

/// `POST /cases/{id}/re-refer`: takes the person on again (303 to the new case).
pub async fn re_refer(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = form_pairs(&body)?;
    csrf::verify_signed_in(&state, &user, &headers, &form_one(&pairs, "csrf")).await?;
    let case = CaseId::from_uuid(parse_id(&id)?);
    let form = ReReferralForm {
        source: form_one(&pairs, "source"),
        care: form_one(&pairs, "consent_care") == "yes",
        research: form_one(&pairs, "consent_research") == "yes",
        given_by: form_one(&pairs, "consent_given_by"),
    };
    let result = re_referral::re_refer(&state.app, state.clock.as_ref(), &user.principal(), "", case, &form).await;
    let page = Page::new(&state, &headers, &format!("/cases/{case}/re-refer"), Some(&user), &csrf);
    match result {
        Ok(new_case) => Ok(see_other(&format!("/cases/{new_case}"))),
        Err(WorkError::Invalid(errors)) => render_private(
            &re_refer_page(page, case, &form, &errors, None),
            StatusCode::BAD_REQUEST,
        ),
        Err(WorkError::Refused { state: now, step }) => {
            let text = page.text_with(
                "work-refused",
                &[
                    ("state", FluentValue::from(page.t(&state_key(now.code())))),
                    ("step", FluentValue::from(page.t(&format!("work-step-{}", step.code())))),
                ],
            );
            render_private(&re_refer_page(page, case, &form, &[], Some(text)), StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}
