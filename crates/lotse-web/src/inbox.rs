//! `GET /inbox`: what is new for the signed-in user (`lotse_app::inbox`), newest first, the new
//! ones marked; each item links to its case, prescription or offer. Opening it marks it seen.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fluent_bundle::FluentValue;
use lotse_app::auth::SessionUser;
use lotse_app::inbox::{self, InboxLink};

use crate::AppState;
use crate::csrf::CsrfToken;
use crate::error::WebError;
use crate::page::{Page, event_key, render_private, timestamp};

/// One item as shown: when, what, where it leads, whether it is new.
struct ItemView {
    at: String,
    what: String,
    href: String,
    new: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    page: Page,
    /// "3 new since 2 December 2026, 10:15" (or since the start).
    summary: String,
    items: Vec<ItemView>,
}

/// `GET /inbox`: the user's inbox (every member; the route needs `ViewProgramme`).
pub async fn page(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let opened = inbox::open(&state.app, state.clock.as_ref(), &user.principal()).await?;
    let page = Page::new(&state, &headers, "/inbox", Some(&user), &csrf);
    let new = i64::try_from(opened.new).unwrap_or(i64::MAX);
    let summary = match opened.seen_before {
        Some(seen) => page.text_with(
            "inbox-new-since",
            &[
                ("count", FluentValue::from(new)),
                ("since", FluentValue::from(timestamp(seen))),
            ],
        ),
        None => page.text_with("inbox-new-first", &[("count", FluentValue::from(new))]),
    };
    let items = opened
        .items
        .iter()
        .map(|item| ItemView {
            at: timestamp(item.at),
            what: page.t(&event_key(&item.kind)),
            href: match item.link {
                InboxLink::Case(case) => format!("/cases/{case}"),
                InboxLink::Prescription(prescription) => format!("/prescriptions/{prescription}"),
                InboxLink::Offer(offer) => format!("/offers/{offer}"),
            },
            new: item.new,
        })
        .collect();
    render_private(&InboxPage { page, summary, items }, StatusCode::OK)
}
