//! The details a demo offer carries beyond its template: category, target groups, ages,
//! languages spoken, accessibility, a weekly session, cost, address, contact and capacity.
//! Drawn from a generator seeded by the offer's id, so adding a detail here never changes the
//! rest of the demo.

use lotse_domain::id::OfferId;
use lotse_domain::need::NeedDomain;
use lotse_domain::offer::{
    AccessibilityFeature, Address, AgeRange, Capacity, Cost, CostKind, OfferCategory, OfferContact, Session,
    TargetGroup,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Time, Weekday};

use super::places::{OfferTemplate, ProviderKind};

/// Everything [`details`] draws.
pub struct Details {
    pub category: OfferCategory,
    pub target_groups: Vec<TargetGroup>,
    pub ages: AgeRange,
    pub languages: Vec<String>,
    pub accessibility: Vec<AccessibilityFeature>,
    pub schedule: Vec<Session>,
    pub cost: Cost,
    pub address: Address,
    pub contact: OfferContact,
    pub capacity: Capacity,
}

/// Where the programme's offers are: its main language and how addresses and costs look.
pub struct Locale {
    /// The language offers are written in.
    pub language: &'static str,
    /// Further languages spoken at some offers, with the per-cent chance of each.
    pub spoken: &'static [(&'static str, u32)],
    /// Street names.
    pub streets: &'static [&'static str],
    /// Phone prefix.
    pub phone_prefix: &'static str,
    /// A reduced price's note (city pass).
    pub reduced_note: Option<&'static str>,
    /// Price range in cents (øre).
    pub price_cents: (u32, u32),
}

fn category(template: &OfferTemplate, needs: &[NeedDomain]) -> OfferCategory {
    match template.provider_kind {
        ProviderKind::SportsClub => OfferCategory::Sport,
        ProviderKind::Choir => OfferCategory::Culture,
        ProviderKind::SelfHelpGroup => OfferCategory::SelfHelp,
        ProviderKind::CounsellingService => OfferCategory::Counselling,
        ProviderKind::Library => OfferCategory::Course,
        ProviderKind::Stadtteiltreff => OfferCategory::MeetingPlace,
        ProviderKind::ZentrumPlus | ProviderKind::YouthCentre | ProviderKind::Other => {
            if needs.contains(&NeedDomain::Nature) {
                OfferCategory::Outdoors
            } else if needs.contains(&NeedDomain::WorkEducationVolunteering) {
                OfferCategory::Volunteering
            } else if needs.contains(&NeedDomain::CreativityCulture) {
                OfferCategory::Culture
            } else if needs.contains(&NeedDomain::PhysicalActivity) {
                OfferCategory::Sport
            } else {
                OfferCategory::Group
            }
        }
    }
}

fn target_groups(template: &OfferTemplate, needs: &[NeedDomain]) -> (Vec<TargetGroup>, AgeRange) {
    let mut groups = Vec::new();
    let mut ages = AgeRange::default();
    match template.provider_kind {
        ProviderKind::ZentrumPlus => {
            groups.push(TargetGroup::OlderPeople);
            ages.min = Some(60);
        }
        ProviderKind::YouthCentre => {
            groups.push(TargetGroup::YoungPeople);
            ages = AgeRange {
                min: Some(12),
                max: Some(27),
            };
        }
        _ => {}
    }
    for (need, group) in [
        (NeedDomain::FamilyParenting, TargetGroup::Families),
        (NeedDomain::LanguageIntegration, TargetGroup::Migrants),
        (NeedDomain::Caring, TargetGroup::Carers),
    ] {
        if needs.contains(&need) {
            groups.push(group);
        }
    }
    if groups.is_empty() {
        groups.push(TargetGroup::Everyone);
    }
    (groups, ages)
}

fn weekday(n: u8) -> Weekday {
    let mut day = Weekday::Monday;
    for _ in 1..n.clamp(1, 7) {
        day = day.next();
    }
    day
}

fn session(template: &OfferTemplate) -> Vec<Session> {
    let hours = if template.provider_kind == ProviderKind::CounsellingService {
        3
    } else {
        2
    };
    let start = template.start_hour.min(21);
    let (Ok(opens), Ok(closes)) = (Time::from_hms(start, 0, 0), Time::from_hms(start + hours, 0, 0)) else {
        return Vec::new();
    };
    Session::parse(weekday(template.weekday), opens, closes)
        .map(|s| vec![s])
        .unwrap_or_default()
}

/// Draws the details of one offer.
pub fn details(
    id: OfferId,
    template: &OfferTemplate,
    needs: &[NeedDomain],
    locale: &Locale,
    postcode: &str,
    city: &str,
) -> Details {
    let seed = id.as_uuid().as_u64_pair().0;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (target_groups, ages) = target_groups(template, needs);
    let mut languages = vec![locale.language.to_owned()];
    for (language, chance) in locale.spoken {
        if rng.random_range(0..100) < *chance {
            languages.push((*language).to_owned());
        }
    }
    let accessibility = [
        (AccessibilityFeature::StepFree, 60),
        (AccessibilityFeature::AccessibleToilet, 40),
        (AccessibilityFeature::HearingLoop, 10),
        (AccessibilityFeature::SignLanguage, 3),
        (AccessibilityFeature::EasyLanguage, 15),
        (AccessibilityFeature::PublicTransport, 75),
    ]
    .into_iter()
    .filter(|(_, chance)| rng.random_range(0..100) < *chance)
    .map(|(f, _)| f)
    .collect();
    let cost = if template.free {
        Cost::FREE
    } else {
        let amount = rng.random_range(locale.price_cents.0..=locale.price_cents.1) / 50 * 50;
        match locale.reduced_note {
            Some(note) if rng.random_bool(0.6) => Cost {
                kind: CostKind::Reduced,
                amount_cents: Some(amount),
                note: Some(note.to_owned()),
            },
            _ => Cost {
                kind: CostKind::Paid,
                amount_cents: Some(amount),
                note: None,
            },
        }
    };
    let street = locale
        .streets
        .get(rng.random_range(0..locale.streets.len().max(1)))
        .copied()
        .unwrap_or("Hauptstraße");
    let address = Address {
        street: format!("{street} {}", rng.random_range(1..120)),
        postcode: postcode.to_owned(),
        city: city.to_owned(),
    };
    let (exchange, line) = (rng.random_range(100..999), rng.random_range(1000..9999));
    // Every other offer has a contact address (`.example`: reserved, never delivered), chosen
    // by the number already drawn so that the rest of the demo stays as it was.
    let email = (line % 2 == 0).then(|| format!("angebot-{exchange}-{line}@lotse-demo.example"));
    let contact = OfferContact {
        phone: Some(format!("{}{exchange} {line}", locale.phone_prefix)),
        email,
        url: None,
    };
    let capacity = match rng.random_range(0..100) {
        0..20 => Capacity::default(),
        20..32 => Capacity {
            open_places: Some(0),
            waiting_list: rng.random_range(1..9),
        },
        _ => Capacity {
            open_places: Some(rng.random_range(1..13)),
            waiting_list: 0,
        },
    };
    Details {
        category: category(template, needs),
        target_groups,
        ages,
        languages,
        accessibility,
        schedule: session(template),
        cost,
        address,
        contact,
        capacity,
    }
}

/// Düsseldorf: German, with the languages of the city's larger communities.
pub const DUESSELDORF: Locale = Locale {
    language: "de",
    spoken: &[("tr", 14), ("ar", 8), ("ru", 6), ("uk", 6), ("pl", 5), ("en", 12)],
    streets: &[
        "Kölner Straße",
        "Bilker Allee",
        "Ackerstraße",
        "Lindenstraße",
        "Münsterstraße",
        "Benrather Schloßallee",
        "Kaiserswerther Markt",
        "Gerresheimer Straße",
        "Heyestraße",
        "Luegallee",
    ],
    phone_prefix: "0211 ",
    reduced_note: Some("ermäßigt mit Düsselpass"),
    price_cents: (300, 4000),
};

/// Norddjurs: Danish, with English and the languages of newer arrivals.
pub const NORDDJURS: Locale = Locale {
    language: "da",
    spoken: &[("en", 20), ("de", 6), ("uk", 5), ("ar", 4)],
    streets: &[
        "Torvet",
        "Storegade",
        "Østergade",
        "Søndergade",
        "Stationsvej",
        "Kirkevej",
        "Skolevej",
        "Havnevej",
    ],
    phone_prefix: "+45 ",
    reduced_note: None,
    price_cents: (2000, 30000),
};
