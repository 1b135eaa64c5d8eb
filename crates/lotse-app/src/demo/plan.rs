//! Builds and writes the demo programmes.

use lotse_domain::actor::{Actor, ProgrammeScope, SystemJob};
use lotse_domain::area::{Area, AreaKind, AreaSet, DeprivationIndex, GeoPoint};
use lotse_domain::audit::{AuditPurpose, ObjectKind};
use lotse_domain::calendar::HolidayCalendar;
use lotse_domain::case::Case;
use lotse_domain::consent::{Consent, ConsentGiver, ConsentPurpose};
use lotse_domain::email::EmailKind;
use lotse_domain::facility_choice::Fit;
use lotse_domain::id::{
    AreaId, AreaSetId, CaseId, ConsentId, NoteId, OfferId, OnwardReferralId, OrganisationId, PatientId, PrescriptionId,
    ProgrammeId, QuestionnaireResponseId, ReferralId, UserId,
};
use lotse_domain::need::NeedDomain;
use lotse_domain::offer::{Offer, OfferStatus, TargetGroup};
use lotse_domain::onward_referral::OnwardReferralEvent;
use lotse_domain::organisation::{Organisation, OrganisationKind};
use lotse_domain::patient::{Gender, PatientIdentity, PatientProfile, age_band};
use lotse_domain::prescription::{CODE_DATA_LEN, Prescription, PrescriptionCode, ReferralSource};
use lotse_domain::programme::{Language, LinkWorkModel, Programme, ProgrammeSlug};
use lotse_domain::questionnaire::{Answers, Instrument, QuestionnaireResponse, Timepoint};
use lotse_domain::user::{NewPassword, Role, Username};
use lotse_store::Db;
use lotse_store::action_plan::NewPlan;
use lotse_store::audit::Access;
use lotse_store::email_outbox::PastEmail;
use lotse_store::note::NewNote;
use lotse_store::person::NewPatient;
use lotse_store::referral::{NewOnwardReferral, NewReferral, Recorded};
use lotse_store::search_profile::NewProfile;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Duration, OffsetDateTime, Time};
use uuid::Uuid;

use super::history::{onward_story, pick, referral_story};
use super::offer_details;
use super::places::{self, ProviderKind};
use super::{DEMO_ACCOUNTS, DEMO_PASSWORD, DemoError, DemoOptions, DemoSummary, SeededProgramme};
use crate::clock::Clock;
use crate::jobs::JobToken;

/// Offers per scale unit: Düsseldorf and Norddjurs.
const OFFERS_PER_SCALE: [usize; 2] = [180, 70];
/// Referrals per scale unit: Düsseldorf and Norddjurs.
const REFERRALS_PER_SCALE: [usize; 2] = [1800, 700];
/// Referrals written per transaction.
const BATCH: usize = 1000;
/// Referrals written between two optimisations of the database at most (a vacuum on
/// PostgreSQL, which takes 5 to 8 s at scale 400).
const OPTIMIZE_EVERY: usize = 100_000;

fn new_id(rng: &mut ChaCha8Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

fn jitter(rng: &mut ChaCha8Rng, lat: f64, lon: f64, spread: f64) -> GeoPoint {
    let p = GeoPoint::parse(
        lat + rng.random_range(-spread..spread),
        lon + rng.random_range(-spread..spread),
    );
    p.or_else(|_| GeoPoint::parse(lat, lon))
        .unwrap_or_else(|_| fallback_point())
}

fn fallback_point() -> GeoPoint {
    GeoPoint::parse(0.0, 0.0).unwrap_or_else(|_| unreachable_point())
}

#[expect(clippy::panic, reason = "0,0 is a valid point; this cannot happen")]
fn unreachable_point() -> GeoPoint {
    panic!("0,0 rejected as a point")
}

/// One area that can hold organisations (a Stadtteil or a town).
struct Place {
    id: AreaId,
    name: &'static str,
    postcode: &'static str,
    city: &'static str,
    centroid: (f64, f64),
}

struct Practice {
    id: OrganisationId,
    place: usize,
    prescribers: Vec<UserId>,
}

struct Facility {
    id: OrganisationId,
    place: usize,
    link_worker: UserId,
    /// Whom it is for (the prescription form's suggestion reads it); empty: everyone.
    target_groups: Vec<TargetGroup>,
}

/// The static part of a programme: geography, organisations, users, offers.
struct World {
    scope: ProgrammeScope,
    programme: Programme,
    places: Vec<Place>,
    areas: Vec<Area>,
    area_set: AreaSet,
    organisations: Vec<Organisation>,
    practices: Vec<Practice>,
    facilities: Vec<Facility>,
    providers: Vec<(OrganisationId, ProviderKind, usize)>,
    users: Vec<(UserId, String, String, Role, Option<OrganisationId>)>,
    offers: Vec<Offer>,
    first_names: &'static [&'static str],
    last_names: &'static [&'static str],
    languages: &'static [(&'static str, u32)],
    phone_prefix: &'static str,
}

impl World {
    fn add_user(
        &mut self,
        rng: &mut ChaCha8Rng,
        username: String,
        display: String,
        role: Role,
        org: Option<OrganisationId>,
    ) -> UserId {
        let id = UserId::from_uuid(new_id(rng));
        self.users.push((id, username, display, role, org));
        id
    }

    fn add_org(
        &mut self,
        rng: &mut ChaCha8Rng,
        kind: OrganisationKind,
        name: String,
        place: Option<usize>,
    ) -> OrganisationId {
        let id = OrganisationId::from_uuid(new_id(rng));
        let area = place.and_then(|p| self.places.get(p)).map(|p| p.id);
        self.organisations.push(Organisation {
            id,
            programme: self.programme.id,
            kind,
            name,
            area,
        });
        id
    }

    fn person_name(&self, rng: &mut ChaCha8Rng) -> (String, String) {
        (
            (*pick(rng, self.first_names)).to_owned(),
            (*pick(rng, self.last_names)).to_owned(),
        )
    }
}

fn programme(
    rng: &mut ChaCha8Rng,
    slug: &str,
    name: &str,
    languages: Vec<Language>,
    tz: &str,
    holiday_calendar: HolidayCalendar,
    model: LinkWorkModel,
) -> Result<Programme, DemoError> {
    Ok(Programme {
        id: ProgrammeId::from_uuid(new_id(rng)),
        slug: ProgrammeSlug::parse(slug).map_err(|e| DemoError::Password(e.to_string()))?,
        name: name.to_owned(),
        languages,
        time_zone: tz.to_owned(),
        holiday_calendar,
        link_work_model: model,
        next_action: lotse_domain::next_action::NextActionSettings::default(),
        contact_attempts_before_unreachable: 3,
        public_directory: true,
        retention_days: 3650,
        second_factor_required: false,
    })
}

fn empty_world(job: &JobToken, programme: Programme, set_name: &str, rng: &mut ChaCha8Rng) -> World {
    let area_set = AreaSet {
        id: AreaSetId::from_uuid(new_id(rng)),
        programme: programme.id,
        name: set_name.to_owned(),
    };
    World {
        scope: job.scope(programme.id),
        programme,
        places: Vec::new(),
        areas: Vec::new(),
        area_set,
        organisations: Vec::new(),
        practices: Vec::new(),
        facilities: Vec::new(),
        providers: Vec::new(),
        users: Vec::new(),
        offers: Vec::new(),
        first_names: places::FIRST_NAMES_DE,
        last_names: places::LAST_NAMES_DE,
        languages: &[],
        phone_prefix: "",
    }
}

#[expect(clippy::too_many_arguments, reason = "one argument per field of the area it builds")]
fn area(
    world: &World,
    rng: &mut ChaCha8Rng,
    parent: Option<AreaId>,
    kind: AreaKind,
    name: &str,
    lat: f64,
    lon: f64,
    deprivation: Option<f64>,
) -> Area {
    Area {
        id: AreaId::from_uuid(new_id(rng)),
        programme: world.programme.id,
        area_set: world.area_set.id,
        parent,
        kind,
        name: name.to_owned(),
        centroid: GeoPoint::parse(lat, lon).unwrap_or_else(|_| fallback_point()),
        deprivation: deprivation.and_then(DeprivationIndex::parse),
    }
}

fn unique_name(taken: &mut std::collections::HashSet<String>, base: String) -> String {
    if taken.insert(base.clone()) {
        return base;
    }
    (2..=taken.len() + 2)
        .map(|n| format!("{base} ({n})"))
        .find(|candidate| taken.insert(candidate.clone()))
        .unwrap_or(base)
}

fn add_providers(world: &mut World, rng: &mut ChaCha8Rng, patterns: &[(&'static str, ProviderKind)], count: usize) {
    let mut taken: std::collections::HashSet<String> = world.organisations.iter().map(|o| o.name.clone()).collect();
    for _ in 0..count {
        let place = rng.random_range(0..world.places.len().max(1));
        let (pattern, kind) = *pick(rng, patterns);
        let quarter = world.places.get(place).map_or("", |p| p.name);
        let name = unique_name(&mut taken, pattern.replace("{q}", quarter));
        let id = world.add_org(rng, OrganisationKind::OfferProvider, name, Some(place));
        world.providers.push((id, kind, place));
    }
}

fn add_offers(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    templates: &[places::OfferTemplate],
    locale: &offer_details::Locale,
    count: usize,
    as_of: OffsetDateTime,
) {
    for _ in 0..count {
        let template = pick(rng, templates);
        let matching: Vec<usize> = world
            .providers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.1 == template.provider_kind)
            .map(|(i, _)| i)
            .collect();
        let index = if matching.is_empty() {
            rng.random_range(0..world.providers.len().max(1))
        } else {
            *pick(rng, &matching)
        };
        let Some(&(provider, _, place)) = world.providers.get(index) else {
            continue;
        };
        let Some(p) = world.places.get(place) else { continue };
        let location = jitter(rng, p.centroid.0, p.centroid.1, 0.006);
        let status = match rng.random_range(0..100) {
            0..90 => OfferStatus::Active,
            90..97 => OfferStatus::Paused,
            _ => OfferStatus::Ended,
        };
        let verified_days_ago = rng.random_range(0..540);
        let id = OfferId::from_uuid(new_id(rng));
        let title = format!("{} – {}", template.title, p.name);
        let published = rng.random_bool(0.95);
        let need_domains: Vec<NeedDomain> = template
            .need_domains
            .iter()
            .filter_map(|c| NeedDomain::from_code(c))
            .collect();
        let d = offer_details::details(id, template, &need_domains, locale, p.postcode, p.city);
        world.offers.push(Offer {
            id,
            programme: world.programme.id,
            provider,
            title,
            description: template.description.to_owned(),
            language: locale.language.to_owned(),
            translations: Vec::new(),
            category: d.category,
            need_domains,
            target_groups: d.target_groups,
            languages: d.languages,
            ages: d.ages,
            area: Some(p.id),
            location: Some(location),
            address: Some(d.address),
            contact: d.contact,
            schedule: d.schedule,
            cost: d.cost,
            accessibility: d.accessibility,
            capacity: d.capacity,
            status,
            published,
            last_verified: Some((as_of - Duration::days(verified_days_ago)).date()),
            updated_at: as_of - Duration::days(verified_days_ago),
        });
    }
}

/// The demo's postcode table: each postcode at the mean of its places' centroids, in the
/// area of the first place that has it (the shipped CSV files say the same; a test compares).
fn postcodes(w: &World) -> Vec<lotse_domain::area::Postcode> {
    let mut order: Vec<&str> = Vec::new();
    let mut by_code: std::collections::HashMap<&str, (AreaId, f64, f64, f64)> = std::collections::HashMap::new();
    for p in &w.places {
        let entry = by_code.entry(p.postcode).or_insert_with(|| {
            order.push(p.postcode);
            (p.id, 0.0, 0.0, 0.0)
        });
        entry.1 += p.centroid.0;
        entry.2 += p.centroid.1;
        entry.3 += 1.0;
    }
    order
        .into_iter()
        .filter_map(|code| {
            let (area, lat, lon, n) = by_code.get(code)?;
            Some(lotse_domain::area::Postcode {
                code: lotse_domain::area::PostcodeCode::parse(code).ok()?,
                centroid: GeoPoint::parse(lat / n, lon / n).ok()?,
                areas: vec![(w.area_set.id, *area)],
            })
        })
        .collect()
}

fn named_accounts(world: &mut World, rng: &mut ChaCha8Rng, display: &[&str; 6]) {
    let slug = world.programme.slug.as_str().to_owned();
    let practice = world.practices.first().map(|p| p.id);
    let facility = world.facilities.first().map(|f| f.id);
    // The named provider keeps offers to edit: the first provider, unless it has no offer that
    // has not ended; then the provider of the first such offer.
    let first = world.providers.first().map(|p| p.0);
    let running = |org: OrganisationId| {
        world
            .offers
            .iter()
            .any(|o| o.provider == org && o.status != OfferStatus::Ended)
    };
    let provider = first.filter(|p| running(*p)).or_else(|| {
        world
            .offers
            .iter()
            .find(|o| o.status != OfferStatus::Ended)
            .map(|o| o.provider)
            .or(first)
    });
    let office = world
        .organisations
        .iter()
        .find(|o| o.kind == OrganisationKind::CoordinatingOffice)
        .map(|o| o.id);
    let institute = world
        .organisations
        .iter()
        .find(|o| o.kind == OrganisationKind::ResearchInstitute)
        .map(|o| o.id);
    for (account, name) in DEMO_ACCOUNTS.iter().filter(|a| a.programme == slug).zip(display) {
        let org = match account.role {
            Role::Prescriber => practice,
            Role::LinkWorker => facility,
            Role::OfferProvider => provider,
            Role::Coordinator => office,
            Role::Evaluator => institute,
            Role::OutcomePayer => None,
        };
        let id = world.add_user(rng, account.username.to_owned(), (*name).to_owned(), account.role, org);
        if account.role == Role::Prescriber
            && let Some(p) = world.practices.first_mut()
        {
            p.prescribers.push(id);
        }
    }
}

fn duesseldorf(job: &JobToken, rng: &mut ChaCha8Rng, scale: usize, as_of: OffsetDateTime) -> Result<World, DemoError> {
    let programme = programme(
        rng,
        "duesseldorf",
        "Soziales Rezept Düsseldorf (Demo)",
        vec![Language::German, Language::English],
        "Europe/Berlin",
        HolidayCalendar::GermanyNrw,
        LinkWorkModel::LinkFacility,
    )?;
    let mut w = empty_world(job, programme, "Stadtbezirke und Stadtteile", rng);
    w.languages = &[
        ("de", 78),
        ("tr", 7),
        ("ar", 4),
        ("uk", 4),
        ("ru", 3),
        ("pl", 3),
        ("en", 1),
    ];
    w.phone_prefix = "0211 ";
    let city = area(&w, rng, None, AreaKind::City, "Düsseldorf", 51.2277, 6.7735, None);
    let city_id = city.id;
    w.areas.push(city);
    for district in places::DUESSELDORF_DISTRICTS {
        let n = district.quarters.len().max(1) as f64;
        let lat = district.quarters.iter().map(|q| q.lat).sum::<f64>() / n;
        let lon = district.quarters.iter().map(|q| q.lon).sum::<f64>() / n;
        let d = area(
            &w,
            rng,
            Some(city_id),
            AreaKind::District,
            district.name,
            lat,
            lon,
            None,
        );
        let d_id = d.id;
        w.areas.push(d);
        for q in district.quarters {
            let a = area(
                &w,
                rng,
                Some(d_id),
                AreaKind::Quarter,
                q.name,
                q.lat,
                q.lon,
                Some(q.deprivation),
            );
            w.places.push(Place {
                id: a.id,
                name: q.name,
                postcode: q.postcode,
                city: "Düsseldorf",
                centroid: (q.lat, q.lon),
            });
            w.areas.push(a);
        }
    }
    w.add_org(
        rng,
        OrganisationKind::CoordinatingOffice,
        "Koordinierungsstelle Soziales Rezept (Demo)".into(),
        Some(2),
    );
    w.add_org(
        rng,
        OrganisationKind::ResearchInstitute,
        "Evaluationsteam Soziales Rezept (Demo)".into(),
        None,
    );
    // Practices: a GP practice in 40 Stadtteile, psychotherapy in 10.
    let mut taken = std::collections::HashSet::new();
    for i in 0..50 {
        let place = i % w.places.len().max(1);
        let (family, quarter) = (
            *pick(rng, places::LAST_NAMES_DE),
            w.places.get(place).map_or("", |p| p.name),
        );
        let patterns = if i % 5 == 4 {
            places::PSYCHOTHERAPY_PRACTICE_PATTERNS_DE
        } else {
            places::GP_PRACTICE_PATTERNS_DE
        };
        let name = unique_name(
            &mut taken,
            pick(rng, patterns).replace("{n}", family).replace("{q}", quarter),
        );
        let id = w.add_org(rng, OrganisationKind::Practice, name, Some(place));
        let (g, f) = w.person_name(rng);
        let title = if i % 5 == 4 { "" } else { "Dr. " };
        let user = w.add_user(
            rng,
            format!("praxis{:02}.duesseldorf", i + 1),
            format!("{title}{g} {f}"),
            Role::Prescriber,
            Some(id),
        );
        w.practices.push(Practice {
            id,
            place,
            prescribers: vec![user],
        });
    }
    // Link facilities: Zentren plus, youth centres, Stadtteiltreffs in about half the quarters.
    let kinds: [(&str, &[TargetGroup]); 3] = [
        ("zentrum plus {q}", &[TargetGroup::OlderPeople]),
        ("Jugendfreizeiteinrichtung {q}", &[TargetGroup::YoungPeople]),
        ("Stadtteiltreff {q}", &[]),
    ];
    for i in 0..24 {
        let place = (i * 2 + 1) % w.places.len().max(1);
        let (pattern, target_groups) = kinds
            .get(i % kinds.len())
            .map_or(("Stadtteiltreff {q}", &[][..]), |k| (k.0, k.1));
        let quarter = w.places.get(place).map_or("", |p| p.name);
        let id = w.add_org(
            rng,
            OrganisationKind::LinkFacility,
            pattern.replace("{q}", quarter),
            Some(place),
        );
        let (g, f) = w.person_name(rng);
        let user = w.add_user(
            rng,
            format!("lotse{:02}.duesseldorf", i + 1),
            format!("{g} {f}"),
            Role::LinkWorker,
            Some(id),
        );
        w.facilities.push(Facility {
            id,
            place,
            link_worker: user,
            target_groups: target_groups.to_vec(),
        });
    }
    add_providers(&mut w, rng, places::DUESSELDORF_PROVIDER_PATTERNS, 60 * scale);
    add_offers(
        &mut w,
        rng,
        places::OFFERS_DE,
        &offer_details::DUESSELDORF,
        OFFERS_PER_SCALE[0] * scale,
        as_of,
    );
    named_accounts(
        &mut w,
        rng,
        &[
            "Dr. Sabine Krüger",
            "Ayşe Demir",
            "Jörg Neumann",
            "Katrin Vogel",
            "Dr. Lena Hoffmann",
            "Michael Brandt",
        ],
    );
    Ok(w)
}

fn norddjurs(job: &JobToken, rng: &mut ChaCha8Rng, scale: usize, as_of: OffsetDateTime) -> Result<World, DemoError> {
    let programme = programme(
        rng,
        "norddjurs",
        "Sociale henvisninger Norddjurs (Demo)",
        vec![Language::Danish, Language::English],
        "Europe/Copenhagen",
        HolidayCalendar::Denmark,
        LinkWorkModel::PracticeNavigator,
    )?;
    let mut w = empty_world(job, programme, "Kommune og byer", rng);
    w.first_names = places::FIRST_NAMES_DA;
    w.last_names = places::LAST_NAMES_DA;
    w.languages = &[("da", 92), ("en", 3), ("uk", 2), ("ar", 2), ("pl", 1)];
    w.phone_prefix = "+45 ";
    let kommune = area(
        &w,
        rng,
        None,
        AreaKind::Municipality,
        "Norddjurs Kommune",
        56.44,
        10.70,
        None,
    );
    let k_id = kommune.id;
    w.areas.push(kommune);
    for town in places::NORDDJURS_TOWNS {
        let a = area(
            &w,
            rng,
            Some(k_id),
            AreaKind::Town,
            town.name,
            town.lat,
            town.lon,
            Some(town.deprivation),
        );
        w.places.push(Place {
            id: a.id,
            name: town.name,
            postcode: town.postcode,
            city: town.name,
            centroid: (town.lat, town.lon),
        });
        w.areas.push(a);
    }
    w.add_org(
        rng,
        OrganisationKind::CoordinatingOffice,
        "Sundhed og Omsorg, koordinering (Demo)".into(),
        Some(0),
    );
    w.add_org(
        rng,
        OrganisationKind::ResearchInstitute,
        "Forskningsgruppe sociale henvisninger (Demo)".into(),
        None,
    );
    let mut gp = 0;
    let mut nav = 0;
    for practice in places::NORDDJURS_PRACTICES {
        let place = w.places.iter().position(|p| p.name == practice.town).unwrap_or(0);
        let id = w.add_org(rng, OrganisationKind::Practice, practice.name.to_owned(), Some(place));
        let mut prescribers = Vec::new();
        for _ in 0..practice.gps {
            gp += 1;
            let (g, f) = w.person_name(rng);
            prescribers.push(w.add_user(
                rng,
                format!("laege{gp:02}.norddjurs"),
                format!("Læge {g} {f}"),
                Role::Prescriber,
                Some(id),
            ));
        }
        let mut first_navigator = None;
        for _ in 0..practice.navigators.max(1) {
            nav += 1;
            let (g, f) = w.person_name(rng);
            let user = w.add_user(
                rng,
                format!("navigator{nav:02}.norddjurs"),
                format!("{g} {f}"),
                Role::LinkWorker,
                Some(id),
            );
            first_navigator.get_or_insert(user);
        }
        w.practices.push(Practice { id, place, prescribers });
        if let Some(link_worker) = first_navigator {
            // In the navigator model the practice itself does the link work.
            w.facilities.push(Facility {
                id,
                place,
                link_worker,
                target_groups: Vec::new(),
            });
        }
    }
    add_providers(&mut w, rng, places::NORDDJURS_PROVIDER_PATTERNS, 25 * scale);
    add_offers(
        &mut w,
        rng,
        places::OFFERS_DA,
        &offer_details::NORDDJURS,
        OFFERS_PER_SCALE[1] * scale,
        as_of,
    );
    named_accounts(
        &mut w,
        rng,
        &[
            "Læge Mette Rasmussen",
            "Sofie Kristensen",
            "Lars Mikkelsen",
            "Hanne Sørensen",
            "Peter Holm",
            "Anne Bach",
        ],
    );
    Ok(w)
}

/// Everything written for one batch of referrals.
#[derive(Default)]
struct Batch {
    patients: Vec<NewPatient>,
    prescriptions: Vec<Prescription>,
    reasons: Vec<(PrescriptionId, String)>,
    cases: Vec<Case>,
    referrals: Vec<NewReferral>,
    onward: Vec<NewOnwardReferral>,
    emails: Vec<PastEmail>,
    consents: Vec<Consent>,
    questionnaires: Vec<QuestionnaireResponse>,
    notes: Vec<NewNote>,
    plans: Vec<NewPlan>,
    profiles: Vec<NewProfile>,
    events: usize,
}

/// The e-mails a provider with a contact address got about an onward referral sent at `sent`,
/// as the e-mail job sends them where the programme has a relay: the link a minute later, and
/// a reminder a week on (five working days, about) where no answer had come by then.
fn provider_emails(
    onward: OnwardReferralId,
    sent: OffsetDateTime,
    events: &[(OnwardReferralEvent, OffsetDateTime)],
    address: &str,
    now: OffsetDateTime,
) -> Vec<PastEmail> {
    let email = |kind, at: OffsetDateTime| PastEmail {
        kind,
        onward,
        made_at: at,
        sent_at: at + Duration::minutes(1),
        sent_to: address.to_owned(),
    };
    let mut out = vec![email(EmailKind::ProviderLink, sent)];
    let answered = events.iter().map(|(_, at)| *at).find(|at| *at > sent).unwrap_or(now);
    let silent = sent + Duration::days(7);
    if answered > silent && silent < now {
        out.push(email(EmailKind::ProviderReminder, silent));
    }
    out
}

/// The search profile of one case in two whose referral reached "plan agreed", saved an hour
/// before the plan: interests matching the plan's goal, a travel distance, step-free access
/// for one in five, free offers only for half of them and reduced ones for the others, two free
/// half-days. Chosen by the plan's time,
/// not drawn, so the random stream (and the rest of the demo) stays as it was.
fn first_profile(case: CaseId, author: UserId, plan_at: OffsetDateTime) -> Option<NewProfile> {
    use lotse_domain::offer::{AccessibilityFeature, CostKind, DayPart, OfferCategory};
    use lotse_domain::search_profile::SearchProfile;
    use time::Weekday;

    let m = plan_at.minute();
    if m % 2 == 1 {
        return None;
    }
    // The same choice as the plan's goal (`first_plan`): company, exercise, something new.
    let (interests, km) = match m % 3 {
        0 => (vec![OfferCategory::Group, OfferCategory::MeetingPlace], 3),
        1 => (vec![OfferCategory::Sport, OfferCategory::Outdoors], 5),
        _ => (vec![OfferCategory::Course, OfferCategory::Culture], 10),
    };
    Some(NewProfile {
        case,
        author,
        written_at: plan_at - Duration::hours(1),
        profile: SearchProfile {
            interests,
            max_distance_km: Some(km),
            accessibility: if m.is_multiple_of(5) {
                vec![AccessibilityFeature::StepFree]
            } else {
                Vec::new()
            },
            max_cost: match m % 4 {
                0 => Some(CostKind::Free),
                2 => Some(CostKind::Reduced),
                _ => None,
            },
            free_times: vec![
                (Weekday::Tuesday, DayPart::Morning),
                (Weekday::Thursday, DayPart::Afternoon),
            ],
        },
    })
}

/// The first plan of a case whose referral reached "plan agreed": goals in German or Danish,
/// one step two weeks on, one obstacle, a review within the next three weeks. Chosen by the
/// plan's time, not drawn, so that the random stream (and the rest of the demo) stays as it was
/// before plans were written.
fn first_plan(w: &World, case: CaseId, author: UserId, plan_at: OffsetDateTime, as_of: OffsetDateTime) -> NewPlan {
    const GOALS: [(&str, &str); 3] = [
        ("Wieder unter Leute kommen", "Komme ud blandt andre igen"),
        ("Mich mehr bewegen", "Bevæge mig mere"),
        ("Etwas Neues lernen", "Lære noget nyt"),
    ];
    let pick = usize::from(plan_at.minute()) % GOALS.len();
    let (goal_de, goal_da) = GOALS.get(pick).copied().unwrap_or(("", ""));
    let danish = w.programme.languages.first() == Some(&Language::Danish);
    let text = |de: &str, da: &str| if danish { da } else { de }.to_owned();
    let review = (plan_at + Duration::days(42)).max(as_of + Duration::days(i64::from(plan_at.minute() % 21) + 1));
    NewPlan {
        case,
        author,
        written_at: plan_at,
        content: lotse_domain::action_plan::ActionPlanContent {
            goals: vec![text(goal_de, goal_da)],
            milestones: vec![lotse_domain::action_plan::Milestone {
                text: text("Das erste Treffen besuchen", "Deltage i det første møde"),
                due_on: (plan_at + Duration::days(14)).date(),
            }],
            obstacles: vec![text(
                "Hinkommen – die Lotsin zeigt den Weg beim ersten Mal",
                "At komme derhen – navigatøren viser vejen første gang",
            )],
            review_on: review.date(),
        },
    }
}

/// A prescriber's short reasons, in German and Danish. Invented; none describes a real person.
const DEMO_REASONS: [(&str, &str); 4] = [
    (
        "Seit dem Tod des Partners allein, kommt kaum noch aus dem Haus.",
        "Alene siden partnerens død, kommer næsten ikke ud af huset.",
    ),
    (
        "Wiederkehrende Beschwerden ohne Befund, fühlt sich einsam.",
        "Tilbagevendende gener uden fund, føler sig ensom.",
    ),
    (
        "Nach längerer Krankschreibung ohne Tagesstruktur, gedrückte Stimmung.",
        "Uden struktur i hverdagen efter lang sygemelding, nedtrykt.",
    ),
    (
        "Pflegt die Mutter, erschöpft; wünscht Entlastung und Kontakte.",
        "Passer sin mor og er udmattet; ønsker aflastning og kontakt.",
    ),
];

/// The prescriber's reason for a prescription issued at `issued_at`: one of [`DEMO_REASONS`]
/// in the programme's language, none for one prescription in five (the field is optional).
/// Chosen by the time, not drawn, so that the random stream (and the rest of the demo) stays
/// as it was before reasons were written.
fn demo_reason(w: &World, issued_at: OffsetDateTime) -> Option<String> {
    let minute = usize::from(issued_at.minute());
    if minute % 5 == 4 {
        return None;
    }
    let (de, da) = DEMO_REASONS.get(minute % DEMO_REASONS.len()).copied()?;
    let danish = w.programme.languages.first() == Some(&Language::Danish);
    Some(if danish { da } else { de }.to_owned())
}

/// About one prescription in eight asks for contact soon; by the time, as [`demo_reason`].
fn demo_urgency(issued_at: OffsetDateTime) -> lotse_domain::prescription::Urgency {
    if (u16::from(issued_at.hour()) * 60 + u16::from(issued_at.minute())) % 8 == 3 {
        lotse_domain::prescription::Urgency::Soon
    } else {
        lotse_domain::prescription::Urgency::Routine
    }
}

/// What a link worker notes after a first conversation ("what matters to you?"), in German
/// and Danish. Invented; none describes a real person.
const DEMO_NOTES: [(&str, &str); 5] = [
    (
        "Möchte wieder unter Leute. Früher im Kirchenchor gesungen; Bus fahren geht, Treppen schwer.",
        "Vil gerne ud blandt mennesker igen. Sang tidligere i kor; kan tage bussen, trapper er svære.",
    ),
    (
        "Seit dem Umzug allein. Interesse an Gartenarbeit und Kochen; nachmittags Zeit.",
        "Alene siden flytningen. Interesseret i havearbejde og madlavning; har tid om eftermiddagen.",
    ),
    (
        "Wichtig ist ihr der Hund: Spaziergruppe mit Hund wäre ideal. Wenig Geld, nur kostenlose Angebote.",
        "Hunden er vigtig for hende: en gågruppe med hund ville være ideel. Få penge, kun gratis tilbud.",
    ),
    (
        "Sucht Arbeit und Struktur im Alltag. Spricht auch Türkisch; Beratung zu Schulden gewünscht.",
        "Søger arbejde og struktur i hverdagen. Taler også tyrkisk; ønsker rådgivning om gæld.",
    ),
    (
        "Pflegt seine Frau, kaum Zeit für sich. Ein Treffen für pflegende Angehörige, vormittags.",
        "Passer sin kone og har næsten ingen tid til sig selv. Et møde for pårørende, om formiddagen.",
    ),
];

/// The note on a case after its first conversation. Its text, id and the next conversation it
/// names follow from the case and the contact's time, not drawn, so that the random stream
/// (and the rest of the demo) stays as it was before notes were recorded.
fn first_conversation_note(w: &World, case: CaseId, author: UserId, contacted_at: OffsetDateTime) -> NewNote {
    let (de, da) = DEMO_NOTES
        .get(usize::from(contacted_at.minute()) % DEMO_NOTES.len())
        .copied()
        .unwrap_or(("", ""));
    let danish = w.programme.languages.first() == Some(&Language::Danish);
    NewNote {
        id: NoteId::from_uuid(Uuid::from_u128(case.as_uuid().as_u128().rotate_left(64) ^ 0x6e6f_7465)),
        case,
        author,
        written_at: contacted_at + Duration::minutes(20),
        body: if danish { da } else { de }.to_owned(),
        // One note in three names the next conversation, three weeks on (by the contact's
        // minute, as the text).
        follow_up_on: (contacted_at.minute() % 3 == 1).then(|| (contacted_at + Duration::days(21)).date()),
    }
}

/// Draws before a code drawn again is given up on; with random values (29^8 codes) a second
/// redraw is already rare. Past it the last code is used and the insert refuses the duplicate.
const MAX_CODE_DRAWS: usize = 64;

/// The prescription codes drawn in one programme. A code is unique per programme (and 29^8
/// codes make a collision likely at a million prescriptions), so a code drawn twice is drawn
/// again instead of failing the insert.
#[derive(Default)]
struct DrawnCodes {
    taken: std::collections::HashSet<u64>,
    redrawn: usize,
}

impl DrawnCodes {
    /// A code not drawn before in this programme, from the values `source` draws.
    fn draw(
        &mut self,
        rng: &mut ChaCha8Rng,
        mut source: impl FnMut(&mut ChaCha8Rng) -> [u32; CODE_DATA_LEN],
    ) -> PrescriptionCode {
        let mut values = source(rng);
        for _ in 1..MAX_CODE_DRAWS {
            let key = values.iter().fold(0u64, |key, v| key * 29 + u64::from(v % 29));
            if self.taken.insert(key) {
                break;
            }
            self.redrawn += 1;
            values = source(rng);
        }
        PrescriptionCode::from_values(values)
    }
}

/// Random code values.
fn random_code_values(rng: &mut ChaCha8Rng) -> [u32; CODE_DATA_LEN] {
    std::array::from_fn(|_| rng.random_range(0..29))
}

fn recorded<E>(rng: &mut ChaCha8Rng, event: E, at: OffsetDateTime, actor: &str) -> Recorded<E> {
    // Events had ids until migration 0017; the draw stays, so that a seed and a date still give
    // the same people and histories as before (BENCHMARKS.md compares sizes across the change).
    let _former_event_id = new_id(rng);
    Recorded {
        event,
        actor: actor.to_owned(),
        at,
    }
}

fn working_time(rng: &mut ChaCha8Rng, as_of: OffsetDateTime, days_back: i64) -> OffsetDateTime {
    let mut day = (as_of - Duration::days(days_back)).date();
    while matches!(day.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
        day = day.previous_day().unwrap_or(day);
    }
    let time = Time::from_hms(rng.random_range(7..16), rng.random_range(0..60), 0).unwrap_or(Time::MIDNIGHT);
    day.with_time(time).assume_utc()
}

/// The link facilities' public contact details, printed on prescription sheets: an address in
/// the facility's quarter, a telephone number and opening hours (made up, no randomness).
fn facility_contacts(w: &World) -> Vec<(OrganisationId, lotse_domain::organisation::OrganisationContact)> {
    let danish = w.programme.languages.first() == Some(&lotse_domain::programme::Language::Danish);
    w.facilities
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let place = w.places.get(f.place)?;
            let (street, hours) = if danish {
                ("Torvet", ["Man–tors 9–15", "Fre 9–12"])
            } else {
                ("Marktplatz", ["Mo–Do 9–16 Uhr", "Fr 9–13 Uhr"])
            };
            Some((
                f.id,
                lotse_domain::organisation::OrganisationContact {
                    address_lines: vec![
                        format!("{street} {}", i + 1),
                        format!("{} {}", place.postcode, place.city),
                    ],
                    phone: Some(format!("{}555 01{:02}", w.phone_prefix, i)),
                    opening_hours: hours.iter().map(|h| (*h).to_owned()).collect(),
                },
            ))
        })
        .collect()
}

/// The instruments the demo's cases answered (the first two; the others come with the
/// questionnaire pages).
const DEMO_INSTRUMENTS: [Instrument; 2] = [Instrument::Who5, Instrument::Ucla3];

fn answers(rng: &mut ChaCha8Rng, instrument: Instrument, better: bool) -> Option<Answers> {
    let range = instrument.answer_range();
    let (low, high) = (*range.start(), *range.end());
    let items = (0..instrument.items())
        .map(|_| {
            // Baseline: low well-being (WHO-5) and high loneliness (UCLA-3); better at follow-up.
            let v = match (instrument, better) {
                (Instrument::Who5, false) | (Instrument::Ucla3, true) => rng.random_range(low..=2),
                (Instrument::Who5, true) | (Instrument::Ucla3, false) => rng.random_range(2..=high),
                _ => rng.random_range(low..=high),
            };
            (!rng.random_bool(0.02)).then_some(v)
        })
        .collect();
    Answers::parse(instrument, items).ok()
}

#[expect(
    clippy::too_many_arguments,
    reason = "internal helper; the arguments are the pieces of one referral"
)]
fn consent(
    rng: &mut ChaCha8Rng,
    w: &World,
    patient: PatientId,
    purpose: ConsentPurpose,
    onward: Option<OnwardReferralId>,
    language: &str,
    by: UserId,
    at: OffsetDateTime,
) -> Consent {
    Consent {
        id: ConsentId::from_uuid(new_id(rng)),
        programme: w.programme.id,
        patient,
        purpose,
        onward_referral: onward,
        shared: sharing_fields(purpose),
        text_version: "2026-01".into(),
        language: language.to_owned(),
        given_by: if rng.random_bool(0.97) {
            ConsentGiver::Person
        } else {
            ConsentGiver::LegalRepresentative
        },
        recorded_by: by,
        given_at: at,
        withdrawn_at: None,
        version: 1,
    }
}

fn one_referral(rng: &mut ChaCha8Rng, w: &World, as_of: OffsetDateTime, b: &mut Batch, codes: &mut DrawnCodes) {
    let actor = Actor::System(SystemJob::Demo).reference();
    // The programme grows: one referral in six came in the last two weeks.
    let days_back = if rng.random_bool(0.16) {
        rng.random_range(0..14)
    } else {
        rng.random_range(0..365)
    };
    let issued_at = working_time(rng, as_of, days_back);
    let (given, family) = w.person_name(rng);
    let age = rng.random_range(18..92);
    let birth = (issued_at - Duration::days(age * 365 + rng.random_range(0..365))).date();
    let language = {
        let total: u32 = w.languages.iter().map(|l| l.1).sum();
        let mut roll = rng.random_range(0..total.max(1));
        w.languages
            .iter()
            .find(|(_, weight)| {
                if roll < *weight {
                    true
                } else {
                    roll -= weight;
                    false
                }
            })
            .map_or("de", |l| l.0)
    };
    let gender = match rng.random_range(0..100) {
        0..58 => Gender::Female,
        58..97 => Gender::Male,
        97..99 => Gender::Diverse,
        _ => Gender::NotStated,
    };
    let patient = PatientId::from_uuid(new_id(rng));
    let phone = rng
        .random_bool(0.8)
        .then(|| format!("{}{}", w.phone_prefix, rng.random_range(1_000_000..99_999_999)));
    b.patients.push(NewPatient {
        profile: PatientProfile {
            id: patient,
            programme: w.programme.id,
            age_band: age_band(birth, issued_at.date()).to_owned(),
            gender,
            language: language.to_owned(),
            home_postcode: None,
            home_area: None,
            languages: Vec::new(),
        },
        identity: PatientIdentity {
            given_name: given,
            family_name: family,
            birth_date: birth,
            phone,
        },
    });

    let practice = pick(rng, &w.practices);
    let band = age_band(birth, issued_at.date());
    let fit = |f: &Facility| lotse_domain::facility_choice::fit(&f.target_groups, Some(band));
    // Home: the practice's place (no draw, so the rest of the demo stays as it was).
    if let (Some(p), Some(place)) = (b.patients.last_mut(), w.places.get(practice.place)) {
        p.profile.home_postcode = Some(place.postcode.to_owned());
        p.profile.home_area = Some(place.id);
    }
    let facility = match w.programme.link_work_model {
        LinkWorkModel::PracticeNavigator => w
            .facilities
            .iter()
            .find(|f| f.id == practice.id)
            .unwrap_or_else(|| pick(rng, &w.facilities)),
        // As the prescription form suggests (`facility_choice`): a facility near the practice
        // whose target groups fit the person's age best (a zentrum plus for older people, a
        // youth centre for young ones, a Stadtteiltreff for everyone else).
        LinkWorkModel::LinkFacility => {
            let near: Vec<&Facility> = w
                .facilities
                .iter()
                .filter(|f| f.place.abs_diff(practice.place) <= 6)
                .collect();
            let best = near.iter().map(|&f| fit(f)).min();
            let fitting: Vec<&Facility> = near.into_iter().filter(|&f| Some(fit(f)) == best).collect();
            if fitting.is_empty() {
                pick(rng, &w.facilities)
            } else {
                *pick(rng, &fitting)
            }
        }
    };
    // Where a redirect goes: the next facility of the list that is not only for other ages, so
    // redirects spread over the facilities instead of all reaching the first one.
    let alternative = w
        .facilities
        .iter()
        .position(|f| f.id == facility.id)
        .and_then(|i| {
            w.facilities
                .iter()
                .cycle()
                .skip(i + 1)
                .take(w.facilities.len() - 1)
                .find(|&f| fit(f) != Fit::OtherAge)
        })
        .map(|f| f.id);
    let source = match rng.random_range(0..100) {
        0..80 => ReferralSource::Prescriber,
        80..88 => ReferralSource::SelfReferral,
        88..94 => ReferralSource::SocialServices,
        94..97 => ReferralSource::Pharmacy,
        _ => ReferralSource::LinkWorker,
    };
    let prescriber = *pick(rng, &practice.prescribers);
    let mut prescription = (source == ReferralSource::Prescriber).then(|| {
        let count = rng.random_range(1..=3);
        let mut needs: Vec<NeedDomain> = (0..count).map(|_| *pick(rng, &NeedDomain::ALL)).collect();
        needs.sort();
        needs.dedup();
        let code = codes.draw(rng, random_code_values);
        Prescription {
            id: PrescriptionId::from_uuid(new_id(rng)),
            programme: w.programme.id,
            code,
            patient,
            practice: practice.id,
            prescriber,
            need_domains: needs,
            issued_at,
            urgency: demo_urgency(issued_at),
            link_facility: None,
        }
    });
    // One prescription in 40 took another way (chosen from the person's id, so the random
    // stream of the rest stays as it was): the person left the practice without releasing it
    // and brought the sheet to the facility days later, which took them on with their own
    // consent (as `intake` does with a brought code). One in 40 more stays in the practice.
    let way = patient.as_uuid().as_u128() % 40;
    let mut side = ChaCha8Rng::seed_from_u64(u64::try_from(patient.as_uuid().as_u128() >> 64).unwrap_or_default());
    let brought = way == 0 && prescription.is_some();
    if let Some(p) = prescription.as_mut().filter(|_| brought) {
        let days = side.random_range(2..10);
        p.issued_at = working_time(&mut side, issued_at, days);
    }
    if let Some(p) = &prescription
        && let Some(reason) = demo_reason(w, p.issued_at)
    {
        b.reasons.push((p.id, reason));
    }
    if prescription.is_some() {
        let by = if brought { facility.link_worker } else { prescriber };
        b.consents.push(consent(
            rng,
            w,
            patient,
            ConsentPurpose::Transfer,
            None,
            language,
            by,
            issued_at,
        ));
    }
    if way == 1 && source == ReferralSource::Prescriber {
        kept_in_practice(&mut side, w, practice, prescriber, issued_at, b, codes);
    }
    let now = as_of;
    let story = referral_story(
        rng,
        facility.id,
        alternative,
        issued_at,
        now,
        w.programme.contact_attempts_before_unreachable,
    );
    // A referral redirected before acceptance is taken on by the facility it went to: the case
    // opens there, and that facility's link worker records what follows (the former facility
    // keeps no relationship to the person).
    let facility = story
        .events
        .iter()
        .rev()
        .find_map(|(event, _)| match event {
            lotse_domain::referral::ReferralEvent::Redirected { to, .. } => Some(*to),
            _ => None,
        })
        .and_then(|to| w.facilities.iter().find(|f| f.id == to))
        .unwrap_or(facility);
    let case = story.accepted_at.map(|at| {
        b.consents.push(consent(
            rng,
            w,
            patient,
            ConsentPurpose::Care,
            None,
            language,
            facility.link_worker,
            at,
        ));
        Case {
            id: CaseId::from_uuid(new_id(rng)),
            programme: w.programme.id,
            patient,
            link_facility: facility.id,
            opened_at: at,
        }
    });
    if let (Some(at), Some(case)) = (story.contacted_at, &case) {
        b.notes
            .push(first_conversation_note(w, case.id, facility.link_worker, at));
        if rng.random_bool(0.6) {
            let mut research = consent(
                rng,
                w,
                patient,
                ConsentPurpose::Research,
                None,
                language,
                facility.link_worker,
                at,
            );
            if rng.random_bool(0.04) {
                research.withdrawn_at = Some(at + Duration::days(rng.random_range(5..60))).filter(|w| *w <= now);
            }
            b.consents.push(research);
        }
        for instrument in DEMO_INSTRUMENTS {
            if let Some(a) = answers(rng, instrument, false) {
                b.questionnaires.push(QuestionnaireResponse {
                    id: QuestionnaireResponseId::from_uuid(new_id(rng)),
                    programme: w.programme.id,
                    case: case.id,
                    timepoint: Timepoint::Baseline,
                    answers: a,
                    answered_at: at,
                    answered_by: lotse_domain::questionnaire::AnsweredBy::LinkWorkerWithPerson,
                });
            }
        }
        if let Some((_, closed_at)) = story
            .closed
            .filter(|(r, _)| *r == lotse_domain::referral::ClosingReason::GoalsMet)
        {
            for instrument in DEMO_INSTRUMENTS {
                if let Some(a) = answers(rng, instrument, true) {
                    b.questionnaires.push(QuestionnaireResponse {
                        id: QuestionnaireResponseId::from_uuid(new_id(rng)),
                        programme: w.programme.id,
                        case: case.id,
                        timepoint: Timepoint::FollowUp,
                        answers: a,
                        answered_at: closed_at,
                        // Follow-ups come back through the self-completion link.
                        answered_by: lotse_domain::questionnaire::AnsweredBy::Person,
                    });
                }
            }
        }
    }
    if let (Some(plan_at), Some(case)) = (story.plan_at, &case) {
        b.plans
            .push(first_plan(w, case.id, facility.link_worker, plan_at, as_of));
        if let Some(profile) = first_profile(case.id, facility.link_worker, plan_at) {
            b.profiles.push(profile);
        }
        let n = rng.random_range(1..=3);
        for k in 0..n {
            let Some(offer) = w.offers.get(rng.random_range(0..w.offers.len().max(1))) else {
                break;
            };
            let attends = if k == 0 { story.connected_at } else { None };
            let proposed = plan_at - Duration::hours(rng.random_range(1..48));
            let o = onward_story(rng, offer.id, proposed, attends, story.closed.map(|c| c.1), now);
            let id = OnwardReferralId::from_uuid(new_id(rng));
            if let Some(sent) = o.sent_at {
                b.consents.push(consent(
                    rng,
                    w,
                    patient,
                    ConsentPurpose::ProviderSharing,
                    Some(id),
                    language,
                    facility.link_worker,
                    sent - Duration::minutes(5),
                ));
            }
            if let (Some(sent), Some(address)) = (o.sent_at, offer.contact.email.as_ref()) {
                b.emails.extend(provider_emails(id, sent, &o.events, address, now));
            }
            b.events += o.events.len();
            let history = o
                .events
                .into_iter()
                .map(|(e, at)| {
                    // A lapse is the follow-up job's, as `lotse serve` writes it.
                    let by = if e == OnwardReferralEvent::Lapsed {
                        Actor::System(SystemJob::FollowUp).reference()
                    } else {
                        actor.clone()
                    };
                    recorded(rng, e, at, &by)
                })
                .collect();
            b.onward.push(NewOnwardReferral {
                id,
                case: case.id,
                history,
            });
        }
    }
    b.events += story.events.len();
    let history = story
        .events
        .into_iter()
        .map(|(e, at)| recorded(rng, e, at, &actor))
        .collect();
    b.referrals.push(NewReferral {
        id: ReferralId::from_uuid(new_id(rng)),
        prescription: prescription.as_ref().map(|p| p.id),
        case: case.as_ref().map(|c| c.id),
        patient,
        source,
        history,
    });
    b.prescriptions.extend(prescription);
    b.cases.extend(case);
}

/// A prescription the person did not release to a link facility (no transfer consent): it
/// stays in the practice ("In der Praxis" on the board) until they bring the sheet somewhere.
/// A person of its own, drawn from `rng` (not the demo's main stream).
fn kept_in_practice(
    rng: &mut ChaCha8Rng,
    w: &World,
    practice: &Practice,
    prescriber: UserId,
    near: OffsetDateTime,
    b: &mut Batch,
    codes: &mut DrawnCodes,
) {
    let days = rng.random_range(0..5);
    let issued_at = working_time(rng, near, days);
    let (given, family) = w.person_name(rng);
    let age = rng.random_range(18..92);
    let birth = (issued_at - Duration::days(age * 365 + rng.random_range(0..365))).date();
    let patient = PatientId::from_uuid(new_id(rng));
    let place = w.places.get(practice.place);
    b.patients.push(NewPatient {
        profile: PatientProfile {
            id: patient,
            programme: w.programme.id,
            age_band: age_band(birth, issued_at.date()).to_owned(),
            gender: Gender::NotStated,
            language: w.languages.first().map_or("de", |l| l.0).to_owned(),
            home_postcode: place.map(|p| p.postcode.to_owned()),
            home_area: place.map(|p| p.id),
            languages: Vec::new(),
        },
        identity: PatientIdentity {
            given_name: given,
            family_name: family,
            birth_date: birth,
            phone: None,
        },
    });
    let need = *pick(rng, &NeedDomain::ALL);
    let prescription = Prescription {
        id: PrescriptionId::from_uuid(new_id(rng)),
        programme: w.programme.id,
        code: codes.draw(rng, random_code_values),
        patient,
        practice: practice.id,
        prescriber,
        need_domains: vec![need],
        issued_at,
        urgency: demo_urgency(issued_at),
        link_facility: None,
    };
    if let Some(reason) = demo_reason(w, issued_at) {
        b.reasons.push((prescription.id, reason));
    }
    b.prescriptions.push(prescription);
}

async fn write_world(db: &Db, w: &World, password_hash: &str, now: OffsetDateTime) -> Result<(), DemoError> {
    let access = Access {
        at: now,
        purpose: AuditPurpose::Demo,
    };
    let mut tx = db.begin().await?;
    lotse_store::programme::insert(&mut tx, &w.programme, now).await?;
    lotse_store::directory::insert_area_sets(&mut tx, &w.scope, std::slice::from_ref(&w.area_set)).await?;
    lotse_store::directory::insert_areas(&mut tx, &w.scope, &w.areas).await?;
    lotse_store::postcode::upsert_postcodes(&mut tx, &w.scope, &postcodes(w)).await?;
    lotse_store::directory::insert_organisations(&mut tx, &w.scope, &w.organisations, now).await?;
    lotse_store::directory::set_organisation_contacts(&mut tx, &w.scope, &facility_contacts(w)).await?;
    let groups: Vec<_> = w
        .facilities
        .iter()
        .filter(|f| !f.target_groups.is_empty())
        .map(|f| (f.id, f.target_groups.clone()))
        .collect();
    lotse_store::directory::set_target_groups(&mut tx, &w.scope, &groups).await?;
    for (id, username, display, role, org) in &w.users {
        let username = Username::parse(username).map_err(|e| DemoError::Password(e.to_string()))?;
        lotse_store::user::insert(&mut tx, *id, &username, display, password_hash, now).await?;
        lotse_store::user::add_membership(&mut tx, &w.scope, *id, *role, *org, now).await?;
    }
    lotse_store::audit::record(
        &mut tx,
        &w.scope,
        access,
        lotse_domain::audit::AuditAction::Create,
        ObjectKind::User,
        w.users.iter().map(|u| u.0.as_uuid()),
    )
    .await?;
    for chunk in w.offers.chunks(5000) {
        lotse_store::offer::insert_offers(&mut tx, &w.scope, chunk).await?;
    }
    // Four offers had their open places changed in the last hours (through the store path of
    // an offer's change, with its event): the coordinators' inbox shows them.
    for (k, offer) in (1..=4).zip(w.offers.iter().filter(|o| o.status == OfferStatus::Active)) {
        let at = now - Duration::hours(k);
        let changed = Offer {
            capacity: lotse_domain::offer::Capacity {
                open_places: u32::try_from(k).ok(),
                waiting_list: 0,
            },
            updated_at: at,
            ..offer.clone()
        };
        let access = Access { at, ..access };
        lotse_store::offer::change(
            &mut tx,
            &w.scope,
            access,
            &changed,
            1,
            &lotse_domain::offer_edit::OfferEvent::Updated,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn write_batch(db: &Db, w: &World, b: &Batch, now: OffsetDateTime) -> Result<(), DemoError> {
    let access = Access {
        at: now,
        purpose: AuditPurpose::Demo,
    };
    let s = &w.scope;
    let mut tx = db.begin().await?;
    lotse_store::person::insert_patients(&mut tx, s, access, &b.patients).await?;
    lotse_store::person::insert_prescriptions(&mut tx, s, access, &b.prescriptions).await?;
    lotse_store::person::insert_prescription_reasons(&mut tx, s, &b.reasons).await?;
    lotse_store::person::insert_cases(&mut tx, s, access, &b.cases).await?;
    lotse_store::referral::insert_many(&mut tx, s, access, &b.referrals).await?;
    lotse_store::referral::insert_onward_many(&mut tx, s, access, &b.onward).await?;
    lotse_store::email_outbox::insert_sent(&mut tx, s, &b.emails).await?;
    lotse_store::person::insert_consents(&mut tx, s, access, &b.consents).await?;
    lotse_store::person::insert_questionnaire_responses(&mut tx, s, access, &b.questionnaires).await?;
    lotse_store::note::insert(&mut tx, s, access, &b.notes).await?;
    lotse_store::action_plan::insert_first(&mut tx, s, access, &b.plans).await?;
    lotse_store::search_profile::insert_first(&mut tx, s, access, &b.profiles).await?;
    tx.commit().await?;
    Ok(())
}

/// Seeds both demo programmes. `progress(done, total)` is called after every batch of referrals.
pub async fn seed(
    db: &Db,
    clock: &dyn Clock,
    options: DemoOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<DemoSummary, DemoError> {
    if !(1..=1000).contains(&options.scale) {
        return Err(DemoError::BadScale(options.scale));
    }
    let job = JobToken::start_job(SystemJob::Demo);
    for slug in ["duesseldorf", "norddjurs"] {
        let slug = ProgrammeSlug::parse(slug).map_err(|e| DemoError::Password(e.to_string()))?;
        if lotse_store::programme::find_by_slug(db, &slug).await?.is_some() {
            return Err(DemoError::AlreadySeeded);
        }
    }
    // People's identities are sealed with a data key: without one, refuse before writing
    // anything, or the half-seeded programme would make every later attempt "already seeded".
    db.keys()?;
    let scale = options.scale as usize;
    let password = NewPassword::parse(DEMO_PASSWORD).map_err(|e| DemoError::Password(e.to_string()))?;
    let hash = crate::password::hash(&password).map_err(|e| DemoError::Password(e.to_string()))?;
    let as_of = options
        .as_of
        .with_time(Time::from_hms(17, 0, 0).unwrap_or(Time::MIDNIGHT))
        .assume_utc();
    let written_at = clock.now();
    let total = (REFERRALS_PER_SCALE[0] + REFERRALS_PER_SCALE[1]) * scale;
    let mut done = 0;
    let mut analysed_at = 0;
    let mut summary = DemoSummary::default();
    for (i, build) in [
        duesseldorf as fn(&JobToken, &mut ChaCha8Rng, usize, OffsetDateTime) -> Result<World, DemoError>,
        norddjurs,
    ]
    .into_iter()
    .enumerate()
    {
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed.wrapping_mul(1_000_003).wrapping_add(i as u64));
        let world = build(&job, &mut rng, scale, as_of)?;
        write_world(db, &world, &hash, written_at).await?;
        let count = REFERRALS_PER_SCALE.get(i).copied().unwrap_or(0) * scale;
        let mut events = 0;
        let mut left = count;
        let mut codes = DrawnCodes::default();
        while left > 0 {
            let n = left.min(BATCH);
            let mut batch = Batch::default();
            for _ in 0..n {
                one_referral(&mut rng, &world, as_of, &mut batch, &mut codes);
            }
            events += batch.events;
            write_batch(db, &world, &batch, written_at).await?;
            left -= n;
            done += n;
            progress(done as u64, total as u64);
            // The planner's statistics follow the tables as they grow (each time the referrals
            // written have doubled): the writes' own reads (the next-action refresh) are planned
            // by them, and a PostgreSQL without autovacuum otherwise plans them as for empty
            // tables (BENCHMARKS.md: seeding fell to 8,000 referrals a minute at 270,000). And
            // at least every `OPTIMIZE_EVERY` referrals: on PostgreSQL the optimisation is a
            // vacuum, and the rows the demo updates over and over (the kept worklist counts,
            // the prescriptions' board order) leave dead versions that the next reads step
            // over: between 512,000 and 1,024,000 referrals the scale-400 seeding fell from
            // about 40,000 to 5,000 a minute, and was back at 40,000 after one vacuum.
            if done >= 2 * analysed_at.max(8 * BATCH) || done >= analysed_at + OPTIMIZE_EVERY {
                db.optimize().await?;
                analysed_at = done;
            }
        }
        summary.programmes.push(SeededProgramme {
            slug: world.programme.slug.as_str().to_owned(),
            areas: world.areas.len(),
            organisations: world.organisations.len(),
            offers: world.offers.len(),
            referrals: count,
            events,
            users: world.users.len(),
        });
    }
    // The planner's statistics for the tables just filled.
    db.optimize().await?;
    Ok(summary)
}

/// What a demo person shares with a provider: name and phone (nothing for other purposes).
fn sharing_fields(purpose: ConsentPurpose) -> Vec<lotse_domain::consent::SharedField> {
    use lotse_domain::consent::SharedField;
    if purpose == ConsentPurpose::ProviderSharing {
        vec![SharedField::Name, SharedField::Phone]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_drawn_twice_is_drawn_again() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut codes = DrawnCodes::default();
        // A forced collision: the source gives the same values twice, then others.
        let mut draws = [
            [1, 2, 3, 4, 5, 6, 7, 8],
            [1, 2, 3, 4, 5, 6, 7, 8],
            [8, 7, 6, 5, 4, 3, 2, 1],
        ]
        .into_iter();
        let mut source = |_: &mut ChaCha8Rng| draws.next().unwrap_or([0; CODE_DATA_LEN]);
        let first = codes.draw(&mut rng, &mut source);
        let second = codes.draw(&mut rng, &mut source);
        assert_ne!(first, second, "the colliding code was drawn again");
        assert_eq!(second, PrescriptionCode::from_values([8, 7, 6, 5, 4, 3, 2, 1]));
        assert_eq!(codes.redrawn, 1);
        // Values equal modulo 29 are the same code; a source that only collides is given up
        // on after MAX_CODE_DRAWS draws (the insert then refuses the duplicate), never a hang.
        let third = codes.draw(&mut rng, |_| [30, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(third, first);
        assert_eq!(codes.redrawn, MAX_CODE_DRAWS);
    }
}
