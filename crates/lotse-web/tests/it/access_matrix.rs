//! The access matrix: every route × every role × own/other organisation × own/other programme,
//! sent through the real router, compared with the expectations written below — not derived
//! from the policy code, so a policy mistake shows as a difference.
//!
//! The table must name every route of `lotse_web::routes::specs()`: a new route without
//! declared expectations fails `every_route_has_expectations`.

use std::collections::BTreeSet;

use axum::http::{Method, header};
use lotse_domain::api_client::ApiScope;
use lotse_domain::id::{OrganisationId, ProgrammeId, UserId};
use lotse_domain::user::Role;
use lotse_testkit::world::{PERSON_FAMILY, World};
use lotse_testkit::{TestDb, fixed_now, storage_test};

use crate::app::{TestApp, text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Org {
    Own,
    Other,
    /// Programme-wide roles.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prog {
    Own,
    Other,
}

/// What came back, by class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// 2xx, or a redirect somewhere other than the sign-in page.
    Allowed,
    /// 303 to /login.
    SignIn,
    /// 403: the role never does this.
    Refused,
    /// 404: no relationship, another programme, or no such record.
    Hidden,
}

use Org as O;
use Prog as P;
use Role as R;

type Who = (Role, Org, Prog);

/// Which member routes' ids and bodies to use.
#[derive(Debug, Clone, Copy)]
enum Params {
    None,
    Case,
    CaseConsent,
    Person,
    SecondPerson,
    UserOfA,
    Tag,
    /// A (wrong) second-factor code in the body.
    Code,
    /// The first offer of programme A (and A's slug for the public directory).
    Offer,
    /// The HSDS service at location of that offer.
    HsdsPlace,
    /// The HSDS organization providing that offer.
    HsdsOrganization,
    /// An HSDS taxonomy.
    HsdsTaxonomy,
    /// An HSDS taxonomy term.
    HsdsTerm,
    /// The prescription of the first person of programme A (by A's practice).
    Prescription,
    /// The link facility of programme A.
    Facility,
}

/// One route's expectations.
struct Expect {
    method: Method,
    path: &'static str,
    /// Anyone may call it; no personal data.
    public: bool,
    /// The metrics: loopback or the token only, so through the router (no peer address, no
    /// token) nobody, signed in or not (404).
    metrics: bool,
    /// Roles that pass the first gate (others: 403).
    roles: &'static [Role],
    /// Callers that are allowed (others with a permitted role: 404).
    allow: &'static [Who],
    /// Callers who see the person's name in the answer (never anyone else).
    reveals_to: &'static [Who],
    params: Params,
    body: &'static str,
}

const CARE: &[Role] = &[R::Prescriber, R::LinkWorker, R::OfferProvider];
const ALL_ROLES: &[Role] = &R::ALL;
const CARE_OWN: &[Who] = &[
    (R::Prescriber, O::Own, P::Own),
    (R::LinkWorker, O::Own, P::Own),
    (R::OfferProvider, O::Own, P::Own),
];
const ANY_CARE: &[Who] = &[
    (R::Prescriber, O::Own, P::Own),
    (R::Prescriber, O::Other, P::Own),
    (R::Prescriber, O::Own, P::Other),
    (R::LinkWorker, O::Own, P::Own),
    (R::LinkWorker, O::Other, P::Own),
    (R::LinkWorker, O::Own, P::Other),
    (R::OfferProvider, O::Own, P::Own),
    (R::OfferProvider, O::Other, P::Own),
    (R::OfferProvider, O::Own, P::Other),
];
const ANYONE: &[Who] = &[
    (R::Prescriber, O::Own, P::Own),
    (R::Prescriber, O::Other, P::Own),
    (R::Prescriber, O::Own, P::Other),
    (R::LinkWorker, O::Own, P::Own),
    (R::LinkWorker, O::Other, P::Own),
    (R::LinkWorker, O::Own, P::Other),
    (R::OfferProvider, O::Own, P::Own),
    (R::OfferProvider, O::Other, P::Own),
    (R::OfferProvider, O::Own, P::Other),
    (R::Coordinator, O::None, P::Own),
    (R::Coordinator, O::None, P::Other),
    (R::Evaluator, O::None, P::Own),
    (R::Evaluator, O::None, P::Other),
    (R::OutcomePayer, O::None, P::Own),
    (R::OutcomePayer, O::None, P::Other),
];
const LINK_WORKER_OWN: &[Who] = &[(R::LinkWorker, O::Own, P::Own)];
/// Every member of programme A (the directory of A is theirs to search).
const ANYONE_OWN: &[Who] = &[
    (R::Prescriber, O::Own, P::Own),
    (R::Prescriber, O::Other, P::Own),
    (R::LinkWorker, O::Own, P::Own),
    (R::LinkWorker, O::Other, P::Own),
    (R::OfferProvider, O::Own, P::Own),
    (R::OfferProvider, O::Other, P::Own),
    (R::Coordinator, O::None, P::Own),
    (R::Evaluator, O::None, P::Own),
    (R::OutcomePayer, O::None, P::Own),
];
const COORDINATOR_OWN: &[Who] = &[(R::Coordinator, O::None, P::Own)];
/// Every prescriber: each sees its own practice's board and form.
const PRESCRIBERS: &[Who] = &[
    (R::Prescriber, O::Own, P::Own),
    (R::Prescriber, O::Other, P::Own),
    (R::Prescriber, O::Own, P::Other),
];
/// Every link worker, each in their own programme (intake is programme-wide).
const LINK_WORKERS: &[Who] = &[
    (R::LinkWorker, O::Own, P::Own),
    (R::LinkWorker, O::Other, P::Own),
    (R::LinkWorker, O::Own, P::Other),
];
/// The practice of programme A that prescribed for its people.
const PRACTICE_OWN: &[Who] = &[(R::Prescriber, O::Own, P::Own)];
/// The provider the world's onward referral was sent to (with the person's sharing consent).
const PROVIDER_OWN: &[Who] = &[(R::OfferProvider, O::Own, P::Own)];
/// Who may change the first offer of programme A: its provider and A's coordinator.
const OFFER_EDITORS: &[Who] = &[(R::OfferProvider, O::Own, P::Own), (R::Coordinator, O::None, P::Own)];
const COORDINATORS: &[Who] = &[(R::Coordinator, O::None, P::Own), (R::Coordinator, O::None, P::Other)];

const fn public(method: Method, path: &'static str, params: Params, body: &'static str) -> Expect {
    Expect {
        method,
        path,
        public: true,
        metrics: false,
        roles: &[],
        allow: &[],
        reveals_to: &[],
        params,
        body,
    }
}

const fn member(
    method: Method,
    path: &'static str,
    roles: &'static [Role],
    allow: &'static [Who],
    reveals_to: &'static [Who],
    params: Params,
) -> Expect {
    Expect {
        method,
        path,
        public: false,
        metrics: false,
        roles,
        allow,
        reveals_to,
        params,
        body: "",
    }
}

/// The expectations. Erasure comes last: it changes the second person.
fn matrix() -> Vec<Expect> {
    vec![
        public(Method::GET, "/healthz", Params::None, ""),
        public(Method::GET, "/readyz", Params::None, ""),
        Expect {
            metrics: true,
            public: false,
            ..public(Method::GET, "/metrics", Params::None, "")
        },
        public(Method::GET, "/", Params::None, ""),
        public(Method::GET, "/login", Params::None, ""),
        public(
            Method::POST,
            "/login",
            Params::None,
            "username=nobody&password=wrong+password+x",
        ),
        public(Method::GET, "/lang/{tag}", Params::Tag, ""),
        public(Method::GET, "/static/lotse.css", Params::None, ""),
        public(Method::GET, "/login/second-factor", Params::None, ""),
        public(Method::POST, "/login/second-factor", Params::None, "code=123456"),
        public(Method::GET, "/login/enrol", Params::None, ""),
        public(Method::POST, "/login/enrol", Params::None, "code=123456"),
        public(Method::GET, "/password-reset", Params::None, ""),
        public(
            Method::POST,
            "/password-reset",
            Params::None,
            "username=nobody&code=AAAA-BBBB-CCCC-DDDD&password=a+long+enough+password&repeat=a+long+enough+password",
        ),
        member(Method::GET, "/programme", ALL_ROLES, ANYONE, &[], Params::None),
        member(Method::GET, "/cases", CARE, ANY_CARE, CARE_OWN, Params::None),
        // The inbox names no one: kinds, dates and links (every member has one).
        member(Method::GET, "/inbox", ALL_ROLES, ANYONE, &[], Params::None),
        // Intake: the form, and a blank registration (400, the form again).
        member(
            Method::GET,
            "/cases/new",
            &[R::LinkWorker],
            LINK_WORKERS,
            &[],
            Params::None,
        ),
        member(
            Method::POST,
            "/cases/new",
            &[R::LinkWorker],
            LINK_WORKERS,
            &[],
            Params::None,
        ),
        member(
            Method::POST,
            "/cases/search",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            &[],
            Params::Case,
        ),
        member(Method::GET, "/cases/{id}", CARE, CARE_OWN, CARE_OWN, Params::Case),
        // Prescribing: each practice its own board; a prescription only its practice's.
        member(
            Method::GET,
            "/prescriptions",
            &[R::Prescriber],
            PRESCRIBERS,
            PRACTICE_OWN,
            Params::None,
        ),
        member(
            Method::GET,
            "/prescriptions/new",
            &[R::Prescriber],
            PRESCRIBERS,
            &[],
            Params::None,
        ),
        member(
            Method::POST,
            "/prescriptions",
            &[R::Prescriber],
            PRESCRIBERS,
            &[],
            Params::None,
        ),
        member(
            Method::GET,
            "/prescriptions/{id}",
            &[R::Prescriber],
            PRACTICE_OWN,
            PRACTICE_OWN,
            Params::Prescription,
        ),
        member(
            Method::GET,
            "/prescriptions/{id}/sheet.pdf",
            &[R::Prescriber],
            PRACTICE_OWN,
            &[],
            Params::Prescription,
        ),
        // The link worker's steps: a stale version (0) is answered 409 with the case page, so
        // the own link worker sees the person; a redirect or contact without its field is 400.
        member(
            Method::POST,
            "/cases/{id}/accept",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            LINK_WORKER_OWN,
            Params::Case,
        ),
        member(
            Method::POST,
            "/cases/{id}/redirect",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            LINK_WORKER_OWN,
            Params::Case,
        ),
        member(
            Method::POST,
            "/cases/{id}/contacts",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            LINK_WORKER_OWN,
            Params::Case,
        ),
        member(
            Method::POST,
            "/cases/{id}/unreachable",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            LINK_WORKER_OWN,
            Params::Case,
        ),
        // After the first contact: a concern with a stale version (409), a blank note, an
        // unknown offer for the shortlist (400), a stale answer on the shortlist (409); each shows
        // the case page to the own link worker and writes nothing.
        member(
            Method::POST,
            "/cases/{id}/concerns",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            LINK_WORKER_OWN,
            Params::Case,
        ),
        // Closing with a stale version: 409 for the own link worker, nothing written.
        member(
            Method::POST,
            "/cases/{id}/close",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            LINK_WORKER_OWN,
            Params::Case,
        ),
        // Re-referral: the form shows nothing of the person (any link worker); taking the person
        // of the open case on again is refused for its own link worker (409, nothing written).
        member(
            Method::GET,
            "/cases/{id}/re-refer",
            &[R::LinkWorker],
            LINK_WORKERS,
            &[],
            Params::Case,
        ),
        member(
            Method::POST,
            "/cases/{id}/re-refer",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            &[],
            Params::Case,
        ),
        member(
            Method::POST,
            "/cases/{id}/notes",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            LINK_WORKER_OWN,
            Params::Case,
        ),
        // The search profile: the form shows no name; a distance of 0 km is 400 with the form
        // (nothing written).
        member(
            Method::GET,
            "/cases/{id}/search-profile",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            &[],
            Params::Case,
        ),
        member(
            Method::POST,
            "/cases/{id}/search-profile",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            &[],
            Params::Case,
        ),
        // The plan: a blank plan is 400 with the case page; the printout of A's plan (set up
        // below) is a PDF, which names nobody in plain bytes.
        member(
            Method::POST,
            "/cases/{id}/plan",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            LINK_WORKER_OWN,
            Params::Case,
        ),
        member(
            Method::GET,
            "/cases/{id}/plan.pdf",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            &[],
            Params::Case,
        ),
        // Questionnaires: the form with the person and a link need a known instrument (none
        // given: 400); the form's GET without one is 400 too.
        member(
            Method::GET,
            "/cases/{id}/questionnaires/new",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            &[],
            Params::Case,
        ),
        member(
            Method::POST,
            "/cases/{id}/questionnaires",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            &[],
            Params::Case,
        ),
        member(
            Method::POST,
            "/cases/{id}/questionnaires/links",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            &[],
            Params::Case,
        ),
        member(
            Method::POST,
            "/cases/{id}/shortlist",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            LINK_WORKER_OWN,
            Params::Case,
        ),
        member(
            Method::POST,
            "/cases/{id}/shortlist/{onward}",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            LINK_WORKER_OWN,
            Params::Case,
        ),
        member(
            Method::GET,
            "/cases/{id}/onward/{onward}",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            &[],
            Params::Case,
        ),
        member(
            Method::POST,
            "/cases/{id}/onward/{onward}/send",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            &[],
            Params::Case,
        ),
        member(
            Method::POST,
            "/cases/{id}/onward/{onward}/answer",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            &[],
            Params::Case,
        ),
        // The provider's account answers with a stale version: 409 with its case page, nothing
        // written; another provider 404.
        member(
            Method::POST,
            "/cases/{id}/onward/{onward}/provider-answer",
            &[R::OfferProvider],
            PROVIDER_OWN,
            PROVIDER_OWN,
            Params::Case,
        ),
        member(
            Method::POST,
            "/cases/{id}/onward/{onward}/links",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            &[],
            Params::Case,
        ),
        member(
            Method::POST,
            "/cases/{id}/consents/{consent}/withdraw",
            &[R::LinkWorker],
            LINK_WORKER_OWN,
            &[],
            Params::CaseConsent,
        ),
        member(
            Method::GET,
            "/people",
            &[R::Coordinator],
            COORDINATORS,
            &[],
            Params::None,
        ),
        member(
            Method::POST,
            "/people/search",
            &[R::Coordinator],
            COORDINATOR_OWN,
            &[],
            Params::Person,
        ),
        member(
            Method::GET,
            "/people/{id}",
            &[R::Coordinator],
            COORDINATOR_OWN,
            &[],
            Params::Person,
        ),
        member(
            Method::POST,
            "/people/{id}/export.json",
            &[R::Coordinator],
            COORDINATOR_OWN,
            COORDINATOR_OWN,
            Params::Person,
        ),
        member(
            Method::POST,
            "/people/{id}/export",
            &[R::Coordinator],
            COORDINATOR_OWN,
            COORDINATOR_OWN,
            Params::Person,
        ),
        member(
            Method::GET,
            "/users/{id}/audit",
            &[R::Coordinator],
            COORDINATOR_OWN,
            &[],
            Params::UserOfA,
        ),
        member(Method::GET, "/account", ALL_ROLES, ANYONE, &[], Params::None),
        member(
            Method::POST,
            "/account/second-factor",
            ALL_ROLES,
            ANYONE,
            &[],
            Params::None,
        ),
        member(
            Method::POST,
            "/account/notifications",
            ALL_ROLES,
            ANYONE,
            &[],
            Params::None,
        ),
        member(
            Method::POST,
            "/account/second-factor/confirm",
            ALL_ROLES,
            ANYONE,
            &[],
            Params::Code,
        ),
        member(
            Method::GET,
            "/users",
            &[R::Coordinator],
            COORDINATORS,
            &[],
            Params::None,
        ),
        member(
            Method::POST,
            "/users/{id}/password-reset",
            &[R::Coordinator],
            COORDINATOR_OWN,
            &[],
            Params::UserOfA,
        ),
        member(
            Method::POST,
            "/users/{id}/second-factor/unlock",
            &[R::Coordinator],
            COORDINATOR_OWN,
            &[],
            Params::UserOfA,
        ),
        member(Method::POST, "/logout/everywhere", ALL_ROLES, ANYONE, &[], Params::None),
        // The programme's settings: each coordinator their own programme's. The empty form
        // is judged after the decision (version 0: 400), so nothing changes.
        member(
            Method::GET,
            "/programme/settings",
            &[R::Coordinator],
            COORDINATORS,
            &[],
            Params::None,
        ),
        member(
            Method::POST,
            "/programme/settings",
            &[R::Coordinator],
            COORDINATORS,
            &[],
            Params::None,
        ),
        // The link facilities: the list and the form to add one (an empty form: 400) for each
        // coordinator; a facility of A is A's coordinator's only (B's gets 404), and version 0
        // is judged after that (400).
        member(
            Method::GET,
            "/programme/facilities",
            &[R::Coordinator],
            COORDINATORS,
            &[],
            Params::None,
        ),
        member(
            Method::POST,
            "/programme/facilities",
            &[R::Coordinator],
            COORDINATORS,
            &[],
            Params::None,
        ),
        member(
            Method::GET,
            "/programme/facilities/{id}",
            &[R::Coordinator],
            COORDINATOR_OWN,
            &[],
            Params::Facility,
        ),
        member(
            Method::POST,
            "/programme/facilities/{id}",
            &[R::Coordinator],
            COORDINATOR_OWN,
            &[],
            Params::Facility,
        ),
        public(Method::POST, "/logout", Params::None, ""),
        public(Method::GET, "/api/openapi.json", Params::None, ""),
        // The directory: offers hold no personal data; a member searches their own programme.
        member(Method::GET, "/offers", ALL_ROLES, ANYONE, &[], Params::None),
        member(Method::GET, "/offers/{id}", ALL_ROLES, ANYONE_OWN, &[], Params::Offer),
        // The search from a case reads the person's profile: the case's link worker only.
        member(
            Method::GET,
            "/cases/{id}/offers",
            CARE,
            LINK_WORKER_OWN,
            &[],
            Params::Case,
        ),
        // Keeping the directory current: a provider its own offer, a coordinator any offer of
        // the programme; curation is the coordinator's. The forms' bodies are judged after the
        // decision (version 0 or empty fields: 400), so nothing changes while the matrix runs.
        member(
            Method::GET,
            "/offers/review",
            &[R::Coordinator],
            COORDINATORS,
            &[],
            Params::None,
        ),
        member(
            Method::GET,
            "/offers/duplicates",
            &[R::Coordinator],
            COORDINATORS,
            &[],
            Params::None,
        ),
        member(
            Method::GET,
            "/offers/{id}/edit",
            &[R::OfferProvider, R::Coordinator],
            OFFER_EDITORS,
            &[],
            Params::Offer,
        ),
        member(
            Method::POST,
            "/offers/{id}/edit",
            &[R::OfferProvider, R::Coordinator],
            OFFER_EDITORS,
            &[],
            Params::Offer,
        ),
        member(
            Method::POST,
            "/offers/{id}/verify",
            &[R::Coordinator],
            COORDINATOR_OWN,
            &[],
            Params::Offer,
        ),
        member(
            Method::POST,
            "/offers/{id}/pause",
            &[R::Coordinator],
            COORDINATOR_OWN,
            &[],
            Params::Offer,
        ),
        member(
            Method::POST,
            "/offers/{id}/resume",
            &[R::Coordinator],
            COORDINATOR_OWN,
            &[],
            Params::Offer,
        ),
        member(
            Method::POST,
            "/offers/{id}/end",
            &[R::Coordinator],
            COORDINATOR_OWN,
            &[],
            Params::Offer,
        ),
        member(
            Method::POST,
            "/offers/{id}/merge",
            &[R::Coordinator],
            COORDINATOR_OWN,
            &[],
            Params::Offer,
        ),
        public(Method::GET, "/directory", Params::None, ""),
        public(Method::GET, "/directory/{slug}", Params::Offer, ""),
        public(Method::GET, "/directory/{slug}/offers/{id}", Params::Offer, ""),
        // The HSDS feed: listed offers of public directories, for anyone.
        public(Method::GET, "/hsds", Params::None, ""),
        public(Method::GET, "/hsds/", Params::None, ""),
        public(Method::GET, "/hsds/services", Params::None, ""),
        public(Method::GET, "/hsds/services/{id}", Params::Offer, ""),
        public(Method::GET, "/hsds/service_at_locations", Params::None, ""),
        public(Method::GET, "/hsds/service_at_locations/{id}", Params::HsdsPlace, ""),
        public(Method::GET, "/hsds/organizations", Params::None, ""),
        public(Method::GET, "/hsds/organizations/{id}", Params::HsdsOrganization, ""),
        public(Method::GET, "/hsds/taxonomies", Params::None, ""),
        public(Method::GET, "/hsds/taxonomies/{id}", Params::HsdsTaxonomy, ""),
        public(Method::GET, "/hsds/taxonomy_terms", Params::None, ""),
        public(Method::GET, "/hsds/taxonomy_terms/{id}", Params::HsdsTerm, ""),
        member(
            Method::POST,
            "/people/{id}/erase",
            &[R::Coordinator],
            COORDINATOR_OWN,
            &[],
            Params::SecondPerson,
        ),
    ]
}

fn expected(e: &Expect, who: Option<Who>) -> Option<Outcome> {
    if e.public {
        return None; // any non-error answer, checked separately
    }
    if e.metrics {
        return Some(Outcome::Hidden);
    }
    let Some(who) = who else { return Some(Outcome::SignIn) };
    Some(if !e.roles.contains(&who.0) {
        Outcome::Refused
    } else if e.allow.contains(&who) {
        Outcome::Allowed
    } else {
        Outcome::Hidden
    })
}

struct Caller {
    who: Option<Who>,
    user: Option<(UserId, ProgrammeId)>,
}

async fn callers(db: &TestDb, a: &World, b: &World) -> (Vec<Caller>, UserId) {
    let org_a = |role: Role, org: Org| -> Option<OrganisationId> {
        match (role, org) {
            (R::Prescriber, O::Own) => Some(a.orgs.practice),
            (R::Prescriber, O::Other) => Some(a.orgs.other_practice),
            (R::LinkWorker, O::Own) => Some(a.orgs.facility),
            (R::LinkWorker, O::Other) => Some(a.orgs.other_facility),
            (R::OfferProvider, O::Own) => Some(a.orgs.provider),
            (R::OfferProvider, O::Other) => Some(a.orgs.other_provider),
            _ => None,
        }
    };
    let org_b = |role: Role| -> Option<OrganisationId> {
        match role {
            R::Prescriber => Some(b.orgs.practice),
            R::LinkWorker => Some(b.orgs.facility),
            R::OfferProvider => Some(b.orgs.provider),
            _ => None,
        }
    };
    let mut out = vec![Caller { who: None, user: None }];
    let mut link_worker_a = None;
    for (i, &(role, org, prog)) in ANYONE.iter().enumerate() {
        let (world, organisation) = match prog {
            P::Own => (a, org_a(role, org)),
            P::Other => (b, org_b(role)),
        };
        let user = world.member(db, &format!("matrix-{i}"), role, organisation).await;
        if (role, org, prog) == (R::LinkWorker, O::Own, P::Own) {
            link_worker_a = Some(user);
        }
        out.push(Caller {
            who: Some((role, org, prog)),
            user: Some((user, world.programme.id)),
        });
    }
    (out, link_worker_a.expect("a link worker in A"))
}

/// A fresh session for each request (some routes end sessions).
async fn cookie(app: &TestApp, user: UserId, programme: ProgrammeId) -> String {
    app.session_for(user, programme).await
}

/// 400 means the request passed access control and was judged on its content (a wrong code).
/// The id of the prescription with this code.
async fn prescription_of(db: &TestDb, code: &str) -> String {
    let id: uuid::Uuid = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select prescription_id from prescription where code = $1")
        .bind(code)
        .fetch_one(p)
        .await)
    .unwrap();
    id.to_string()
}

fn classify(status: u16, location: Option<&str>) -> Outcome {
    match (status, location) {
        (303, Some("/login")) => Outcome::SignIn,
        (403, _) => Outcome::Refused,
        (404, _) => Outcome::Hidden,
        // 409: the request passed the checks and met a stale version or a refused step.
        (200..=299 | 303 | 400 | 409, _) => Outcome::Allowed,
        (other, _) => panic!("unexpected status {other}"),
    }
}

storage_test!(async fn every_route_by_role_relationship_and_programme(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "matrix-a").await;
    let b = World::build_with_family(db, "matrix-b", "Andersprogramm").await;
    // The offer takes place somewhere (so that the feed has a service at a location).
    let mut tx = db.db.begin().await.unwrap();
    let mut stored = lotse_store::offer::get_offer(&mut tx, &a.scope, a.offer).await.unwrap();
    stored.offer.location = Some(lotse_domain::area::GeoPoint::parse(51.2277, 6.7735).unwrap());
    lotse_store::offer::update_offer(&mut tx, &a.scope, &stored.offer, stored.version).await.unwrap();
    // A's case has a plan, so that its printout exists.
    let plan = lotse_domain::action_plan::ActionPlanContent::parse(
        &lotse_domain::action_plan::ActionPlanInput {
            goals: "Singen".into(),
            review_on: "2099-01-01".into(),
            ..Default::default()
        },
        time::macros::date!(2098 - 06 - 01),
    )
    .unwrap();
    let access = lotse_store::audit::Access { at: lotse_testkit::fixed_now(), purpose: lotse_domain::audit::AuditPurpose::Care };
    lotse_store::action_plan::save(&mut tx, &a.scope, access, a.case, 0, a.prescriber, &plan).await.unwrap();
    tx.commit().await.unwrap();
    let (callers, link_worker_a) = callers(db, &a, &b).await;
    let (mut checked, mut allowed, mut unexpected) = (0, 0, Vec::new());
    for e in matrix() {
        for caller in &callers {
            let path = e
                .path
                .replace("{tag}", "en")
                .replace("{slug}", a.programme.slug.as_str())
                .replace("{consent}", &a.care_consent.to_string())
                .replace("{onward}", &a.onward.to_string())
                .replace(
                    "{id}",
                    &match e.params {
                        Params::Case | Params::CaseConsent => a.case.to_string(),
                        Params::Person => a.person.to_string(),
                        Params::SecondPerson => a.second_person.to_string(),
                        Params::UserOfA => link_worker_a.to_string(),
                        Params::Offer => a.offer.as_uuid().to_string(),
                        Params::HsdsPlace => lotse_app::hsds::map::part_id(a.offer.as_uuid(), "service_at_location").to_string(),
                        Params::HsdsOrganization => a.orgs.provider.as_uuid().to_string(),
                        Params::HsdsTaxonomy => lotse_app::hsds::taxonomy::Vocabulary::NeedDomain.id().to_string(),
                        Params::HsdsTerm => lotse_app::hsds::taxonomy::Term::all()[0].id().to_string(),
                        Params::Prescription => prescription_of(db, &a.code).await,
                        Params::Facility => a.orgs.facility.to_string(),
                        Params::None | Params::Tag | Params::Code => String::new(),
                    },
                );
            let body = match (e.params, e.path) {
                (Params::Case | Params::Person, p) if p.ends_with("/search") => format!("q={}", a.code),
                (Params::Person, p) if p.contains("/export") => "reference=DSR-2026%2F1".to_owned(),
                (Params::SecondPerson, _) => "confirm=yes&reference=DSR-2026%2F2".to_owned(),
                (Params::Code, _) => "code=000000".to_owned(),
                (Params::CaseConsent, _) => "version=1".to_owned(),
                (Params::Case, p) if p.ends_with("/accept") || p.ends_with("/redirect") || p.ends_with("/contacts") || p.ends_with("/unreachable") || p.ends_with("/concerns") => {
                    "version=0".to_owned()
                }
                (Params::Case, p) if p.ends_with("/close") => "version=0&reason=goals_met".to_owned(),
                (Params::Case, p) if p.ends_with("/notes") => "body=".to_owned(),
                (Params::Case, p) if p.ends_with("/plan") => "version=0&goals=".to_owned(),
                (Params::Case, p) if p.ends_with("/search-profile") => "version=0&max_distance_km=0".to_owned(),
                (Params::Case, p) if p.ends_with("/shortlist") => "offer=nonsense".to_owned(),
                (Params::Case, p) if p.ends_with("/{onward}") => "version=0&answer=accept".to_owned(),
                (Params::Case, p) if p.ends_with("/send") => "version=0&shared_fields=name&given_by=person".to_owned(),
                (Params::Case, p) if p.ends_with("/answer") || p.ends_with("/provider-answer") => {
                    "version=0&answer=attended".to_owned()
                }
                (Params::Case, p) if p.ends_with("/links") => "change=stop".to_owned(),
                (Params::Offer, p) if p.ends_with("/edit") => "version=1".to_owned(),
                (Params::Offer, p) if p.ends_with("/merge") => format!("version=0&into={}", a.offer.as_uuid()),
                (Params::Offer, _) => "version=0".to_owned(),
                (Params::Facility, _) => "version=0&name=Treff".to_owned(),
                _ => e.body.to_owned(),
            };
            let session = match caller.user {
                Some((user, programme)) => Some(cookie(&app, user, programme).await),
                None => None,
            };
            let mut headers = vec![("accept-language", "en")];
            if let Some(c) = &session {
                headers.push(("cookie", c.as_str()));
            }
            let response = if e.method == Method::GET {
                app.get(&path, &headers).await
            } else {
                app.post_form(&path, &body, &headers).await
            };
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get(header::LOCATION)
                .map(|v| v.to_str().unwrap().to_owned());
            let page = text(response).await;
            checked += 1;
            let who = caller.who;
            let label = format!("{} {} as {who:?}", e.method, e.path);
            assert!(status < 500, "{label}: {status}");
            match expected(&e, who) {
                None => assert!(
                    !matches!(status, 403 | 404),
                    "{label}: a public route answered {status}"
                ),
                Some(want) => {
                    let got = classify(status, location.as_deref());
                    if got == Outcome::Allowed {
                        allowed += 1;
                    }
                    if got != want {
                        unexpected.push(format!("{label}: expected {want:?}, got {got:?} ({status})"));
                    }
                }
            }
            let reveals = who.is_some_and(|w| e.reveals_to.contains(&w));
            assert_eq!(
                page.contains(PERSON_FAMILY),
                reveals,
                "{label}: the person's name {} in the answer",
                if reveals { "is missing" } else { "appears" }
            );
        }
    }
    assert!(unexpected.is_empty(), "{} unexpected outcomes:\n{}", unexpected.len(), unexpected.join("\n"));
    assert_eq!(checked, matrix().len() * callers.len());
    assert!(allowed > 40, "the matrix must also show real allows, got {allowed}");
    println!("access matrix: {checked} requests, {allowed} allowed, 0 unexpected");
});

/// One API route's expectations (written by hand, like the page rows).
struct ApiExpect {
    method: Method,
    path: &'static str,
    /// The scope it needs.
    scope: ApiScope,
    /// Roles whose clients pass the first gate (with the scope; others: 403).
    roles: &'static [Role],
    /// Clients that are allowed (others with a permitted role and the scope: 404).
    allow: &'static [Who],
    /// Clients that see the person's name in the answer.
    reveals_to: &'static [Who],
    /// The statuses an allowed client gets (past every gate; 400 or 409 when the request
    /// reaches the use case's own checks, as noted per row).
    ok: &'static [u16],
}

/// The API expectations. The withdrawal succeeds once (for the one allowed client); it comes
/// last, since it closes the referral the link work rows need open.
fn api_matrix() -> Vec<ApiExpect> {
    vec![
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/worklist",
            scope: ApiScope::WorklistRead,
            roles: CARE,
            allow: ANY_CARE,
            reveals_to: CARE_OWN,
            ok: &[200],
        },
        // The inbox names no one.
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/inbox",
            scope: ApiScope::WorklistRead,
            roles: CARE,
            allow: ANY_CARE,
            reveals_to: &[],
            ok: &[200],
        },
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/cases/{case_id}",
            scope: ApiScope::CaseRead,
            roles: CARE,
            allow: CARE_OWN,
            reveals_to: CARE_OWN,
            ok: &[200],
        },
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/people/{person_id}/export",
            scope: ApiScope::ExportRead,
            roles: &[R::Coordinator],
            allow: COORDINATOR_OWN,
            reveals_to: COORDINATOR_OWN,
            ok: &[200],
        },
        // The offer search: offers hold no personal data; every role of the programme.
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/offers",
            scope: ApiScope::DirectoryRead,
            roles: ALL_ROLES,
            allow: ANYONE,
            reveals_to: &[],
            ok: &[200],
        },
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/offers/{offer_id}",
            scope: ApiScope::OfferWrite,
            roles: &[R::OfferProvider, R::Coordinator],
            allow: OFFER_EDITORS,
            reveals_to: &[],
            ok: &[200],
        },
        ApiExpect {
            method: Method::PUT,
            path: "/api/v1/offers/{offer_id}",
            scope: ApiScope::OfferWrite,
            roles: &[R::OfferProvider, R::Coordinator],
            allow: OFFER_EDITORS,
            reveals_to: &[],
            ok: &[200],
        },
        // The link worker's work: only the client of the facility holding A's case passes. A's
        // referral is contacted (version 3), so accepting it is refused (409); its offer is on
        // the shortlist already (400); the onward referral was answered long ago (409, stale).
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/cases/{case_id}/steps",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[200],
        },
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/cases/{case_id}/steps",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[409],
        },
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/cases/{case_id}/shortlist",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[400],
        },
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/cases/{case_id}/shortlist/{onward_referral_id}",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[409],
        },
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[200],
        },
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}/send",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[409],
        },
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}/provider-answers",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[409],
        },
        // The provider's own software answers the world's onward referral, which is shared with
        // the first provider: it was answered long ago (409, stale); other providers: 404.
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/onward-referrals/{onward_referral_id}/answers",
            scope: ApiScope::OnwardAnswer,
            roles: &[R::OfferProvider],
            allow: PROVIDER_OWN,
            reveals_to: &[],
            ok: &[409],
        },
        // Stopping the provider's links of the world's acknowledged onward referral.
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}/links",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[200],
        },
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/cases/{case_id}/questionnaires",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[200],
        },
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/cases/{case_id}/questionnaires",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[201],
        },
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/cases/{case_id}/notes",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[200],
        },
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/cases/{case_id}/notes",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[201],
        },
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/cases/{case_id}/plan",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[201],
        },
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/cases/{case_id}/questionnaire-links",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[201],
        },
        // The search from a case: only the link worker holding it (the others' clients: 404).
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/cases/{case_id}/offers",
            scope: ApiScope::CaseRead,
            roles: CARE,
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[200],
        },
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/cases/{case_id}/search-profile",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[200],
        },
        // Saving the search profile (the first save; a second caller meets version 1: 409).
        ApiExpect {
            method: Method::PUT,
            path: "/api/v1/cases/{case_id}/search-profile",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[200, 409],
        },
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/cases/{case_id}/plan",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[200],
        },
        // Intake: any link worker's client registers at its own facility, naming the link worker
        // of programme A's first facility (so the other facilities' clients are told that this
        // is not one of theirs: 400).
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/cases",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKERS,
            reveals_to: &[],
            ok: &[201, 400],
        },
        // Re-referral of the open case: refused for its own facility's client (409).
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/cases/{case_id}/re-referrals",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[409],
        },
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/cases/{case_id}/plan.pdf",
            scope: ApiScope::CaseWork,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[200],
        },
        // Prescribing: each practice its own board and prescriptions; a new person each time,
        // named by the first practice's prescriber (so the other practice's client is told that
        // this prescriber is not one of its own: 400).
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/prescriptions",
            scope: ApiScope::PrescriptionWrite,
            roles: &[R::Prescriber],
            allow: PRESCRIBERS,
            reveals_to: PRACTICE_OWN,
            ok: &[200],
        },
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/prescriptions",
            scope: ApiScope::PrescriptionWrite,
            roles: &[R::Prescriber],
            allow: PRESCRIBERS,
            reveals_to: &[],
            ok: &[201, 400],
        },
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/prescriptions/{prescription_id}",
            scope: ApiScope::PrescriptionWrite,
            roles: &[R::Prescriber],
            allow: PRACTICE_OWN,
            reveals_to: PRACTICE_OWN,
            ok: &[200],
        },
        // The sheet is a PDF: it names nobody in plain bytes.
        ApiExpect {
            method: Method::GET,
            path: "/api/v1/prescriptions/{prescription_id}/sheet.pdf",
            scope: ApiScope::PrescriptionWrite,
            roles: &[R::Prescriber],
            allow: PRACTICE_OWN,
            reveals_to: &[],
            ok: &[200],
        },
        // Last: withdrawing the care consent closes A's open referral.
        ApiExpect {
            method: Method::POST,
            path: "/api/v1/cases/{case_id}/consent-withdrawals",
            scope: ApiScope::ConsentWrite,
            roles: &[R::LinkWorker],
            allow: LINK_WORKER_OWN,
            reveals_to: &[],
            ok: &[200],
        },
    ]
}

/// Stores a client directly (bypassing `api-client add`, which refuses a scope the role may
/// never use, so the API's own refusal is tested too); returns its token.
async fn api_client(
    db: &TestDb,
    world: &World,
    role: Role,
    organisation: Option<OrganisationId>,
    scopes: Vec<ApiScope>,
) -> String {
    let token = format!("lotse_{}", uuid::Uuid::new_v4().simple());
    let line = lotse_store::api_client::ApiClientLine {
        id: lotse_domain::id::ApiClientId::from_uuid(uuid::Uuid::new_v4()),
        name: format!("c-{}", uuid::Uuid::new_v4().simple()),
        role,
        organisation,
        scopes,
        created_at: fixed_now(),
        revoked_at: None,
    };
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::api_client::insert(&mut tx, &world.scope, &lotse_app::auth::token_hash(&token), &line)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    token
}

/// A valid replacement of A's first offer at its current version.
async fn offer_body(db: &TestDb, a: &World) -> String {
    let mut tx = db.db.begin_read().await.unwrap();
    let stored = lotse_store::offer::get_offer(&mut tx, &a.scope, a.offer).await.unwrap();
    tx.commit().await.unwrap();
    serde_json::json!({
        "version": stored.version, "title": "Spaziergruppe", "description": "", "category": "group",
        "need_domains": ["loneliness"], "target_groups": [], "languages": ["de"], "accessibility": [],
        "min_age": null, "max_age": null, "cost": "free", "cost_amount_cents": null, "cost_note": null,
        "street": null, "postcode": null, "city": null, "phone": null, "email": null, "url": null,
        "open_places": null, "waiting_list": 0, "sessions": []
    })
    .to_string()
}

storage_test!(async fn every_api_route_by_role_scope_relationship_and_programme(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "api-a").await;
    let b = World::build_with_family(db, "api-b", "Andersprogramm").await;
    let org = |role: Role, o: Org, p: Prog| -> Option<OrganisationId> {
        let w = if p == P::Own { &a } else { &b };
        match (role, o) {
            (R::Prescriber, O::Own) => Some(w.orgs.practice),
            (R::Prescriber, O::Other) => Some(w.orgs.other_practice),
            (R::LinkWorker, O::Own) => Some(w.orgs.facility),
            (R::LinkWorker, O::Other) => Some(w.orgs.other_facility),
            (R::OfferProvider, O::Own) => Some(w.orgs.provider),
            (R::OfferProvider, O::Other) => Some(w.orgs.other_provider),
            _ => None,
        }
    };
    let (mut checked, mut allowed, mut unexpected) = (0, 0, Vec::new());
    let prescription = prescription_of(db, &a.code).await;
    // The link worker the facility's client names as the author of a note, plan or link.
    a.member(db, "api-a-matrix-lotsin", R::LinkWorker, Some(a.orgs.facility)).await;
    for e in api_matrix() {
        let path = e
            .path
            .replace("{case_id}", &a.case.to_string())
            .replace("{person_id}", &a.person.to_string())
            .replace("{offer_id}", &a.offer.as_uuid().to_string())
            .replace("{onward_referral_id}", &a.onward.to_string())
            .replace("{prescription_id}", &prescription);
        let body = match (e.method.clone(), e.path) {
            (_, p) if e.scope == ApiScope::ConsentWrite && p.ends_with("withdrawals") => {
                format!("{{\"consent_id\":\"{}\",\"version\":1}}", a.care_consent)
            }
            (_, p) if p.ends_with("/export") => r#"{"reference":"DSR-2026/9"}"#.to_owned(),
            (Method::POST, p) if p.ends_with("/steps") => r#"{"step":"accept","version":1}"#.to_owned(),
            (Method::POST, p) if p.ends_with("/shortlist") => format!("{{\"offer_id\":\"{}\"}}", a.offer.as_uuid()),
            (Method::POST, p) if p.ends_with("{onward_referral_id}") => r#"{"version":1,"answer":"accept"}"#.to_owned(),
            (Method::POST, p) if p.ends_with("/send") => {
                r#"{"version":1,"shared_fields":["name"],"given_by":"person","recorded_by":"api-a-matrix-lotsin"}"#
                    .to_owned()
            }
            (Method::POST, p) if p.ends_with("/provider-answers") || p.ends_with("/answers") => {
                r#"{"version":1,"answer":"attended"}"#.to_owned()
            }
            (Method::POST, p) if p.ends_with("/links") => r#"{"change":"stop"}"#.to_owned(),
            (Method::POST, p) if p.ends_with("/notes") => {
                r#"{"author":"api-a-matrix-lotsin","body":"Mag Chorsingen."}"#.to_owned()
            }
            (Method::POST, p) if p.ends_with("/plan") => serde_json::json!({
                "author": "api-a-matrix-lotsin", "version": 0, "goals": ["Wieder singen"],
                "milestones": [], "obstacles": [], "review_on": "2026-12-20"
            })
            .to_string(),
            (Method::PUT, p) if p.ends_with("/search-profile") => serde_json::json!({
                "author": "api-a-matrix-lotsin", "version": 0, "interests": ["group"],
                "max_distance_km": 5, "accessibility": [], "max_cost": "free", "free_times": ["2-morning"]
            })
            .to_string(),
            (Method::POST, p) if p.ends_with("/questionnaire-links") => {
                r#"{"created_by":"api-a-matrix-lotsin","instrument":"who5","timepoint":"baseline"}"#.to_owned()
            }
            (Method::POST, p) if p.ends_with("/questionnaires") => {
                r#"{"instrument":"who5","timepoint":"baseline","items":[3,3,4,2,3]}"#.to_owned()
            }
            (Method::POST, p) if p.ends_with("/re-referrals") => {
                r#"{"recorded_by":"api-a-matrix-lotsin","source":"self","consents":{"care":true}}"#.to_owned()
            }
            (Method::POST, "/api/v1/cases") => serde_json::json!({
                "recorded_by": "api-a-matrix-lotsin",
                "person": {"given_name": "Nora", "family_name": "Aufnahme", "birth_date": "1949-03-02", "language": "de"},
                "source": "self",
                "consents": {"care": true}
            })
            .to_string(),
            (Method::POST, "/api/v1/prescriptions") => serde_json::json!({
                "prescriber": "api-a-fixture-prescriber",
                "person": {"given_name": "Mira", "family_name": "Probe", "birth_date": "1950-01-01", "language": "de"},
                "need_domains": ["loneliness"],
                "consents": {"given_by": "person"}
            })
            .to_string(),
            _ => String::new(),
        };
        // No token, and a token nobody holds: 401 with the Bearer challenge.
        for auth in [None, Some("Bearer lotse_unknown")] {
            let mut headers = vec![("accept-language", "en")];
            if let Some(h) = auth {
                headers.push(("authorization", h));
            }
            let response = app.request(e.method.clone(), &path, &body, &headers).await;
            assert_eq!(response.status(), 401, "{} {} with {auth:?}", e.method, e.path);
            assert_eq!(response.headers().get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
            checked += 1;
        }
        for &(role, o, p) in ANYONE {
            for with_scope in [true, false] {
                let scopes: Vec<ApiScope> = ApiScope::ALL
                    .into_iter()
                    .filter(|s| (*s == e.scope) == with_scope)
                    .collect();
                let world = if p == P::Own { &a } else { &b };
                let token = api_client(db, world, role, org(role, o, p), scopes).await;
                let bearer = format!("Bearer {token}");
                let headers = [("accept-language", "en"), ("authorization", bearer.as_str())];
                // A replacement names the version stored now, so each allowed client succeeds;
                // a prescription names the prescriber of the client's programme's first practice.
                let body = if e.method == Method::PUT && e.path.starts_with("/api/v1/offers") {
                    offer_body(db, &a).await
                } else if p == P::Other {
                    body.replace("api-a-fixture-prescriber", "api-b-fixture-prescriber")
                } else {
                    body.clone()
                };
                let response = app.request(e.method.clone(), &path, &body, &headers).await;
                let status = response.status().as_u16();
                let page = text(response).await;
                checked += 1;
                let who = (role, o, p);
                let label = format!("{} {} as {who:?} with scope: {with_scope}", e.method, e.path);
                let want = if !with_scope || !e.roles.contains(&role) {
                    Outcome::Refused
                } else if e.allow.contains(&who) {
                    Outcome::Allowed
                } else {
                    Outcome::Hidden
                };
                let got = match status {
                    s if e.ok.contains(&s) => Outcome::Allowed,
                    403 => Outcome::Refused,
                    404 => Outcome::Hidden,
                    other => panic!("{label}: unexpected status {other}: {page}"),
                };
                if got == Outcome::Allowed {
                    allowed += 1;
                }
                if got != want {
                    unexpected.push(format!("{label}: expected {want:?}, got {got:?} ({status})"));
                }
                let reveals = with_scope && e.reveals_to.contains(&who);
                assert_eq!(page.contains(PERSON_FAMILY), reveals, "{label}: {page}");
            }
        }
    }
    assert!(unexpected.is_empty(), "{} unexpected outcomes:\n{}", unexpected.len(), unexpected.join("\n"));
    assert_eq!(checked, api_matrix().len() * (2 + ANYONE.len() * 2));
    assert_eq!(
        allowed,
        9 + 9 + 3 + 1 + 1 + 2 + 2 + ANYONE.len() + 20 + 1 + 3 + 3 + 3 + 1 + 1,
        "worklist and inbox: 9 care clients each, case: 3, export: 1, withdrawal: 1, offer read and change: 2 each, the offer search: every client (its own programme's offers), the link worker's 20 routes on a case: 1 each, the provider's answer: its provider, intake: 3 link workers, the board and prescribing: 3 prescribers each, a prescription and its sheet: its practice"
    );
});

#[test]
fn every_route_has_expectations() {
    let declared: BTreeSet<(String, &str)> = lotse_web::routes::specs()
        .into_iter()
        .map(|s| (s.method.to_string(), s.path))
        .collect();
    let expected: BTreeSet<(String, &str)> = matrix()
        .into_iter()
        .map(|e| (e.method.to_string(), e.path))
        .chain(api_matrix().into_iter().map(|e| (e.method.to_string(), e.path)))
        .chain(capability_rows().into_iter().map(|(m, p)| (m.to_string(), p)))
        .collect();
    assert_eq!(
        declared, expected,
        "every declared route needs a row in the access matrix, and only those"
    );
}

#[test]
fn each_route_has_the_access_kind_of_its_row() {
    use lotse_web::routes::Access;
    for spec in lotse_web::routes::specs() {
        let label = format!("{} {}", spec.method, spec.path);
        match spec.access {
            Access::ApiClient(scope) => {
                let row = api_matrix()
                    .into_iter()
                    .find(|e| e.method == spec.method && e.path == spec.path)
                    .unwrap();
                assert_eq!(row.scope, scope, "{label}");
            }
            Access::Capability(_) => {
                // Covered by `every_capability_route_admits_only_its_live_links`, which walks the
                // table; a capability route still needs its row in `capability_rows`.
                assert!(capability_rows().contains(&(spec.method.clone(), spec.path)), "{label}");
            }
            Access::Public | Access::Member(_) | Access::Metrics => {
                let row = matrix()
                    .into_iter()
                    .find(|e| e.method == spec.method && e.path == spec.path)
                    .unwrap();
                assert_eq!(row.public, spec.access == Access::Public, "{label}");
                assert_eq!(row.metrics, spec.access == Access::Metrics, "{label}");
            }
        }
    }
}

/// The capability routes (`tests/it/capability.rs` walks them with live, used, expired,
/// revoked and wrong links).
fn capability_rows() -> Vec<(Method, &'static str)> {
    vec![
        (Method::GET, "/q/{token}"),
        (Method::POST, "/q/{token}"),
        (Method::GET, "/r/{token}"),
        (Method::GET, "/api/v1/provider-links/{token}"),
        (Method::POST, "/api/v1/provider-links/{token}/answers"),
        (Method::POST, "/r/{token}"),
    ]
}

/// An object a capability of `purpose` is for: a questionnaire invitation for the world's case.
pub async fn capability_object(
    db: &lotse_testkit::TestDb,
    world: &World,
    purpose: lotse_domain::capability::CapabilityPurpose,
) -> uuid::Uuid {
    use lotse_domain::capability::CapabilityPurpose as P;
    match purpose {
        P::OnwardReferralAnswer => world.onward.as_uuid(),
        P::QuestionnaireAnswer => {
            let invitation = lotse_store::invitation::Invitation {
                id: uuid::Uuid::now_v7(),
                case: world.case,
                instrument: lotse_domain::questionnaire::Instrument::Who5,
                timepoint: lotse_domain::questionnaire::Timepoint::Baseline,
                language: "de".to_owned(),
                created_by: world.prescriber,
                created_at: lotse_testkit::fixed_now(),
                expires_at: lotse_testkit::fixed_now() + time::Duration::days(14),
                response: None,
                answered_at: None,
            };
            let access = lotse_store::audit::Access {
                at: lotse_testkit::fixed_now(),
                purpose: lotse_domain::audit::AuditPurpose::Care,
            };
            let mut tx = db.db.begin().await.unwrap();
            lotse_store::invitation::insert(&mut tx, &world.scope, access, &invitation)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            invitation.id
        }
    }
}

/// Every standard method the matrix tries on every path.
const METHODS: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

storage_test!(async fn every_path_answers_each_method_it_does_not_declare_with_405_and_its_allow(db) {
    use lotse_web::routes::Access;
    let app = TestApp::new(db).await;
    let world = World::build(db, "methods").await;
    let coordinator = world.member(db, "methods-coord", Role::Coordinator, None).await;
    let cookie = app.session_for(coordinator, world.programme.id).await;
    let specs = lotse_web::routes::specs();
    let paths: BTreeSet<&str> = specs.iter().map(|s| s.path).collect();
    let count = || async {
        lotse_store::on_pool!(&db.db, p => sqlx::query_scalar::<_, i64>("select count(*) from audit_entry").fetch_one(p).await).unwrap()
    };
    let before = count().await;
    let mut refused = 0;
    for template in &paths {
        let declared: Vec<_> = specs.iter().filter(|s| s.path == *template).collect();
        // The methods that run something: each declared one, and HEAD where a GET may answer it.
        let mut allow: Vec<String> = Vec::new();
        for s in &declared {
            allow.push(s.method.to_string());
            if s.method == Method::GET && s.access.answers_head() {
                allow.push("HEAD".to_owned());
            }
        }
        assert_eq!(
            declared.iter().all(|s| matches!(s.access, Access::Public | Access::Metrics)),
            declared.iter().all(|s| s.access.answers_head()),
        );
        let path = template
            .replace("{tag}", "en")
            .replace("{consent}", &world.care_consent.to_string())
            .replace("{case_id}", &world.case.to_string())
            .replace("{person_id}", &world.person.to_string())
            .replace("{id}", &world.person.to_string())
            .replace("{token}", "0");
        for method in METHODS {
            if allow.contains(&method.to_string()) {
                continue;
            }
            // Signed in as a coordinator and with a bearer token: a guard that ran would answer
            // or audit something else.
            let headers = [("cookie", cookie.as_str()), ("authorization", "Bearer lotse_unknown")];
            let response = app.request(method.clone(), &path, "", &headers).await;
            let label = format!("{method} {template}");
            assert_eq!(response.status(), 405, "{label}");
            let got: BTreeSet<String> = response
                .headers()
                .get(header::ALLOW)
                .unwrap_or_else(|| panic!("{label}: no Allow"))
                .to_str()
                .unwrap()
                .split(',')
                .map(|m| m.trim().to_owned())
                .collect();
            assert_eq!(got, allow.iter().cloned().collect::<BTreeSet<_>>(), "{label}: Allow");
            refused += 1;
        }
    }
    assert_eq!(count().await, before, "a refused method ran something that audits");
    // Every path refuses most methods; guarded GET routes refuse HEAD as well.
    assert!(refused >= paths.len() * 4, "{refused}");
    println!("405 matrix: {} paths, {refused} refused methods", paths.len());
});

storage_test!(async fn every_capability_route_admits_only_its_live_links(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "links").await;
    let scope = world.scope.clone();
    for spec in lotse_web::routes::specs() {
        let lotse_web::routes::Access::Capability(purpose) = spec.access else { continue };
        let object = capability_object(db, &world, purpose).await;
        let issued = lotse_app::capability::issue(
            &db.db,
            app.clock.as_ref(),
            &scope,
            purpose,
            object,
            time::Duration::hours(1),
        )
        .await
        .unwrap();
        let good = spec.path.replace("{token}", &issued.token.text());
        let wrong = spec.path.replace("{token}", &"0".repeat(96));
        let label = format!("{} {}", spec.method, spec.path);
        for (path, hidden) in [(wrong, true), (good, false)] {
            let response = if spec.method == Method::GET {
                app.get(&path, &[]).await
            } else {
                app.post_form(&path, "", &[]).await
            };
            assert_eq!(response.status() == 404, hidden, "{label}");
        }
    }
});
