//! `lotse import hsds PATH`: offers from Open Referral files into one programme.
//!
//! Reads HSDS 3.0 JSON (one service, an array of services, or a `Page` with `contents`),
//! newline-delimited JSON (one service per line), a directory holding `services.json` (what
//! `lotse export hsds` writes) or the tabular data package (`services.csv` and the tables
//! that hang off it), and ORUK 1.0 services (`regular_schedules`, `physical_addresses`,
//! `service_taxonomys`; string ids become UUIDv5 names). Each service becomes an offer of the
//! programme, found by id: a new id adds one, a known id replaces it (a new version). Its
//! provider is found by id or added from the record's organization.
//!
//! Every record is checked before anything is written. A problem names the file, the record
//! (its position and id) and the field. Without `--partial` one problem refuses the whole
//! import and nothing is written; with it, records with problems are skipped and reported, the
//! rest is written in one transaction. What a record holds that Lotse cannot keep (a monthly
//! schedule, a taxonomy of another directory, a second place) is dropped and listed as a note.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use lotse_domain::actor::SystemJob;
use lotse_domain::area::GeoPoint;
use lotse_domain::id::{AreaId, OfferId, OrganisationId};
use lotse_domain::need::NeedDomain;
use lotse_domain::offer::{
    AccessibilityFeature, Address, AgeRange, Capacity, Cost, CostKind, Offer, OfferCategory, OfferContact, OfferStatus,
    Session, TargetGroup,
};
use lotse_domain::organisation::{Organisation, OrganisationKind};
use lotse_domain::programme::ProgrammeSlug;
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time, Weekday};
use uuid::Uuid;

use super::taxonomy::{NAMESPACE, Term, Vocabulary};
use crate::area_import::ImportFile;
use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::jobs::JobToken;

/// One problem of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordProblem {
    /// The file and record (`services.json record 3 (id …)`).
    pub record: String,
    /// The field (`schedules[1].opens_at`), empty for the whole record.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RecordProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.record, self.message)
        } else {
            write!(f, "{}, {}: {}", self.record, self.field, self.message)
        }
    }
}

/// Why an import was refused.
#[derive(Debug, thiserror::Error)]
pub enum HsdsImportError {
    /// The files have problems; nothing was written.
    #[error("nothing was imported; {} problem(s):\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Problems(Vec<RecordProblem>),
    /// No such programme.
    #[error("no programme {0}")]
    UnknownProgramme(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreFailure),
}

impl From<lotse_store::StoreError> for HsdsImportError {
    fn from(e: lotse_store::StoreError) -> Self {
        Self::Store(e.into())
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HsdsImportReport {
    /// Offers added.
    pub created: usize,
    /// Offers replaced by a new version.
    pub updated: usize,
    /// Providers added.
    pub organisations_created: usize,
    /// Records skipped (`--partial` only), with why.
    pub skipped: Vec<RecordProblem>,
    /// What was dropped from records that were imported.
    pub notes: Vec<RecordProblem>,
}

/// The most records one import reads.
pub const MAX_RECORDS: usize = 200_000;

/// A record: where it came from and its JSON.
struct Record {
    label: String,
    value: Value,
}

fn problem(record: &str, field: &str, message: impl Into<String>) -> RecordProblem {
    RecordProblem {
        record: record.to_owned(),
        field: field.to_owned(),
        message: message.into(),
    }
}

fn utf8(file: &ImportFile) -> Result<&str, RecordProblem> {
    std::str::from_utf8(&file.bytes).map_err(|e| {
        let line = file
            .bytes
            .get(..e.valid_up_to())
            .map_or(0, |b| b.split(|c| *c == b'\n').count() - 1)
            + 1;
        problem(
            &file.name,
            "",
            format!("is not UTF-8 (at byte {}, line {line})", e.valid_up_to()),
        )
    })
}

fn label_of(file: &str, n: usize, value: &Value) -> String {
    match value.get("id").and_then(Value::as_str) {
        Some(id) => format!("{file} record {n} (id {id})"),
        None => format!("{file} record {n}"),
    }
}

/// The service records of the files: JSON, ndjson, or a tabular package's CSV tables.
fn records(files: &[ImportFile]) -> Result<Vec<Record>, Vec<RecordProblem>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    if files.iter().any(|f| f.name.ends_with("services.csv")) {
        return super::tabular::records(files).map(|values| {
            values
                .into_iter()
                .enumerate()
                .map(|(i, value)| Record {
                    label: label_of("services.csv", i + 2, &value),
                    value,
                })
                .collect()
        });
    }
    for file in files {
        let text = match utf8(file) {
            Ok(t) => t,
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        let extension = std::path::Path::new(&file.name)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if matches!(extension.as_deref(), Some("ndjson" | "jsonl")) {
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Value>(line) {
                    Ok(value) => out.push(Record {
                        label: label_of(&file.name, i + 1, &value),
                        value,
                    }),
                    Err(e) => problems.push(problem(
                        &format!("{} line {}", file.name, i + 1),
                        "",
                        format!("is not JSON: {e}"),
                    )),
                }
            }
            continue;
        }
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                problems.push(problem(&file.name, "", format!("is not JSON: {e}")));
                continue;
            }
        };
        let list = match value {
            Value::Array(items) => items,
            Value::Object(mut map) => match map.remove("contents") {
                Some(Value::Array(items)) => items,
                Some(_) => {
                    problems.push(problem(&file.name, "contents", "must be an array of services"));
                    continue;
                }
                None => vec![Value::Object(map)],
            },
            _ => {
                problems.push(problem(
                    &file.name,
                    "",
                    "must hold a service, an array of services or a page",
                ));
                continue;
            }
        };
        for (i, value) in list.into_iter().enumerate() {
            out.push(Record {
                label: label_of(&file.name, i + 1, &value),
                value,
            });
        }
    }
    if out.len() > MAX_RECORDS {
        problems.push(problem(
            "the files",
            "",
            format!("hold {} records; at most {MAX_RECORDS} are read at once", out.len()),
        ));
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// Reads one record's fields, collecting problems and notes with their paths.
struct Reader<'r> {
    record: &'r str,
    problems: Vec<RecordProblem>,
    notes: Vec<RecordProblem>,
}

impl Reader<'_> {
    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(problem(self.record, field, message));
    }

    fn note(&mut self, field: &str, message: impl Into<String>) {
        self.notes.push(problem(self.record, field, message));
    }

    fn text(&mut self, obj: &Map<String, Value>, key: &str, path: &str) -> Option<String> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Some(_) => {
                self.fail(&join(path, key), "must be a string");
                None
            }
        }
    }

    fn number(&mut self, obj: &Map<String, Value>, key: &str, path: &str) -> Option<f64> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => {
                let parsed = s.trim().parse::<f64>().ok().filter(|f| f.is_finite());
                if parsed.is_none() {
                    self.fail(&join(path, key), format!("must be a number, not \"{s}\""));
                }
                parsed
            }
            Some(_) => {
                self.fail(&join(path, key), "must be a number");
                None
            }
        }
    }

    fn age(&mut self, obj: &Map<String, Value>, key: &str) -> Option<u8> {
        let n = self.number(obj, key, "")?;
        if n.fract() != 0.0 || !(0.0..=150.0).contains(&n) {
            self.fail(key, format!("must be a whole number of years from 0 to 150, not {n}"));
            return None;
        }
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked: 0..=150, whole"
        )]
        Some(n as u8)
    }

    fn list<'v>(&mut self, obj: &'v Map<String, Value>, key: &str, path: &str) -> Vec<&'v Map<String, Value>> {
        match obj.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item.as_object() {
                        Some(o) => out.push(o),
                        None => self.fail(&format!("{}[{i}]", join(path, key)), "must be an object"),
                    }
                }
                out
            }
            Some(_) => {
                self.fail(&join(path, key), "must be an array");
                Vec::new()
            }
        }
    }

    /// An id: a UUID, or (ORUK 1.0 feeds) any other string or number, turned into a UUIDv5
    /// name under Lotse's namespace.
    fn id(&mut self, obj: &Map<String, Value>, key: &str, path: &str) -> Option<Uuid> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(Uuid::parse_str(s.trim()).unwrap_or_else(|_| foreign_id(s.trim()))),
            Some(Value::Number(n)) => Some(foreign_id(&n.to_string())),
            Some(_) => {
                self.fail(&join(path, key), "must be a string id");
                None
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The UUID Lotse gives a record whose id is not a UUID.
pub fn foreign_id(id: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("foreign/{id}").as_bytes())
}

fn parse_clock(s: &str) -> Option<Time> {
    let parts: Vec<&str> = s.trim().split(':').collect();
    let n = |i: usize| parts.get(i).and_then(|p| p.parse::<u8>().ok());
    match parts.len() {
        2 => Time::from_hms(n(0)?, n(1)?, 0).ok(),
        3 => Time::from_hms(n(0)?, n(1)?, parts.get(2)?.get(..2)?.parse().ok()?).ok(),
        _ => None,
    }
}

fn weekday(code: &str) -> Option<Weekday> {
    let c = code.trim().to_ascii_uppercase();
    let c = c.get(..2)?;
    Some(match c {
        "MO" => Weekday::Monday,
        "TU" => Weekday::Tuesday,
        "WE" => Weekday::Wednesday,
        "TH" => Weekday::Thursday,
        "FR" => Weekday::Friday,
        "SA" => Weekday::Saturday,
        "SU" => Weekday::Sunday,
        _ => return None,
    })
}

fn parse_date(s: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.get(..10)?, &format).ok()
}

/// What the programme already has, for resolving records.
struct Known {
    language: String,
    areas: HashMap<String, AreaId>,
    organisations: HashMap<OrganisationId, String>,
}

/// An offer read from a record, with the provider it names.
struct Read {
    offer: Offer,
    provider_name: Option<String>,
}

fn schedules(r: &mut Reader<'_>, list: &[&Map<String, Value>], path: &str, out: &mut Vec<Session>) {
    for (i, s) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let freq = r.text(s, "freq", &at).map(|f| f.to_ascii_uppercase());
        let days = r
            .text(s, "byday", &at)
            .or_else(|| r.text(s, "weekday", &at))
            .unwrap_or_default();
        let opens = r.text(s, "opens_at", &at);
        let closes = r.text(s, "closes_at", &at);
        if freq.as_deref().is_some_and(|f| f != "WEEKLY") || days.is_empty() || opens.is_none() || closes.is_none() {
            r.note(
                &at,
                "only weekly sessions with a day, an opening and a closing time are kept; this one is dropped",
            );
            continue;
        }
        let (Some(opens_text), Some(closes_text)) = (opens, closes) else {
            continue;
        };
        let (Some(opens), Some(closes)) = (parse_clock(&opens_text), parse_clock(&closes_text)) else {
            r.fail(
                &format!("{at}.opens_at"),
                format!("times must read HH:MM, not \"{opens_text}\" to \"{closes_text}\""),
            );
            continue;
        };
        for day in days.split(',') {
            let Some(day) = weekday(day) else {
                r.fail(
                    &format!("{at}.byday"),
                    format!("\"{}\" is not a weekday (MO … SU)", day.trim()),
                );
                continue;
            };
            match Session::parse(day, opens, closes) {
                Ok(session) => out.push(session),
                Err(e) => r.fail(&at, e.to_string()),
            }
        }
    }
}

fn apply_term(offer: &mut Offer, term: Term) {
    match term.vocabulary {
        Vocabulary::NeedDomain => offer.need_domains.extend(NeedDomain::from_code(term.code)),
        Vocabulary::Category => {
            if let Some(c) = OfferCategory::from_code(term.code) {
                offer.category = c;
            }
        }
        Vocabulary::TargetGroup => offer.target_groups.extend(TargetGroup::from_code(term.code)),
        Vocabulary::Accessibility => offer.accessibility.extend(AccessibilityFeature::from_code(term.code)),
    }
}

fn vocabulary_of(code: &str) -> Option<Vocabulary> {
    Vocabulary::ALL.into_iter().find(|v| v.code() == code)
}

#[expect(
    clippy::too_many_lines,
    reason = "one field after the other, in the order of the HSDS service"
)]
fn read(
    record: &Record,
    known: &Known,
    programme: lotse_domain::id::ProgrammeId,
    now: OffsetDateTime,
) -> Result<(Read, Vec<RecordProblem>), Vec<RecordProblem>> {
    let mut r = Reader {
        record: &record.label,
        problems: Vec::new(),
        notes: Vec::new(),
    };
    let Some(s) = record.value.as_object() else {
        return Err(vec![problem(&record.label, "", "must be a JSON object (a service)")]);
    };
    let id = r.id(s, "id", "");
    if id.is_none() {
        r.fail("id", "is required");
    }
    let name = r.text(s, "name", "");
    if name.is_none() {
        r.fail("name", "is required (the offer's title)");
    }
    if name.as_ref().is_some_and(|n| n.chars().count() > 300) {
        r.fail("name", "is longer than 300 characters");
    }
    let status = match r.text(s, "status", "").as_deref() {
        None => OfferStatus::Active,
        Some("defunct") => OfferStatus::Ended,
        Some(other) => OfferStatus::from_hsds(other).unwrap_or_else(|| {
            r.fail(
                "status",
                format!("\"{other}\" is not one of active, temporarily closed, inactive, defunct"),
            );
            OfferStatus::Active
        }),
    };
    let org = s.get("organization").and_then(Value::as_object);
    let provider = r
        .id(s, "organization_id", "")
        .or_else(|| org.and_then(|o| r.id(o, "id", "organization")));
    let provider_name = org.and_then(|o| r.text(o, "name", "organization"));
    match provider {
        None => r.fail("organization_id", "is required (the provider)"),
        Some(p) => {
            if !known.organisations.contains_key(&OrganisationId::from_uuid(p)) && provider_name.is_none() {
                r.fail(
                    "organization",
                    "names a provider this programme does not know and gives no name to add it by",
                );
            }
        }
    }
    let min = r.age(s, "minimum_age");
    let max = r.age(s, "maximum_age");
    let ages = AgeRange::parse(min, max).unwrap_or_else(|e| {
        r.fail("maximum_age", e.to_string());
        AgeRange::default()
    });
    let last_verified = r.text(s, "assured_date", "").and_then(|d| {
        let parsed = parse_date(&d);
        if parsed.is_none() {
            r.fail("assured_date", format!("must be a date (YYYY-MM-DD), not \"{d}\""));
        }
        parsed
    });
    let updated_at = r.text(s, "last_modified", "").map_or(Some(now), |t| {
        let parsed = OffsetDateTime::parse(&t, &Rfc3339).ok();
        if parsed.is_none() {
            r.fail(
                "last_modified",
                format!("must be a date and time (RFC 3339), not \"{t}\""),
            );
        }
        parsed
    });
    let mut offer = Offer {
        id: OfferId::from_uuid(id.unwrap_or_default()),
        programme,
        provider: OrganisationId::from_uuid(provider.unwrap_or_default()),
        title: name.unwrap_or_default(),
        description: r.text(s, "description", "").unwrap_or_default(),
        language: known.language.clone(),
        translations: Vec::new(),
        category: OfferCategory::Group,
        need_domains: Vec::new(),
        target_groups: Vec::new(),
        languages: Vec::new(),
        ages,
        area: None,
        location: None,
        address: None,
        contact: OfferContact {
            phone: None,
            email: r.text(s, "email", ""),
            url: r.text(s, "url", ""),
        },
        schedule: Vec::new(),
        cost: Cost::FREE,
        accessibility: Vec::new(),
        capacity: Capacity::default(),
        status,
        published: true,
        last_verified,
        updated_at: updated_at.unwrap_or(now),
    };
    // Phones: the first number (HSDS 3.0 `phones`, ORUK 1.0 `contacts[].phones`).
    let phones = r.list(s, "phones", "");
    offer.contact.phone = phones.first().and_then(|p| r.text(p, "number", "phones[0]"));
    if offer.contact.phone.is_none() {
        let contacts = r.list(s, "contacts", "");
        if let Some(c) = contacts.first() {
            let cp = r.list(c, "phones", "contacts[0]");
            offer.contact.phone = cp.first().and_then(|p| r.text(p, "number", "contacts[0].phones[0]"));
        }
    }
    // Sessions: HSDS 3.0 `schedules`, ORUK 1.0 `regular_schedules`.
    let hsds_schedules = r.list(s, "schedules", "");
    schedules(&mut r, &hsds_schedules, "schedules", &mut offer.schedule);
    let oruk_schedules = r.list(s, "regular_schedules", "");
    schedules(&mut r, &oruk_schedules, "regular_schedules", &mut offer.schedule);
    // Languages spoken.
    for (i, l) in r.list(s, "languages", "").into_iter().enumerate() {
        let at = format!("languages[{i}]");
        match r.text(l, "code", &at) {
            Some(code) if (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphabetic()) => {
                offer.languages.push(code.to_ascii_lowercase());
            }
            Some(code) => r.fail(
                &format!("{at}.code"),
                format!("\"{code}\" is not a language code (ISO 639-1)"),
            ),
            None => r.note(&at, "a language without a code is dropped"),
        }
    }
    // Cost: the first option.
    let costs = r.list(s, "cost_options", "");
    if costs.len() > 1 {
        r.note("cost_options", "only the first cost option is kept");
    }
    if let Some(c) = costs.first() {
        let option = r.text(c, "option", "cost_options[0]");
        let amount = r.number(c, "amount", "cost_options[0]");
        let cents = amount.and_then(|a| {
            let cents = (a * 100.0).round();
            if (0.0..=1.0e9).contains(&cents) {
                #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked range")]
                Some(cents as u32)
            } else {
                r.fail(
                    "cost_options[0].amount",
                    format!("must be from 0 to 10,000,000, not {a}"),
                );
                None
            }
        });
        let kind = option.as_deref().and_then(CostKind::from_code).unwrap_or(match cents {
            Some(0) | None => CostKind::Free,
            Some(_) => CostKind::Paid,
        });
        offer.cost = Cost {
            kind,
            amount_cents: cents.filter(|_| kind != CostKind::Free),
            note: r
                .text(c, "amount_description", "cost_options[0]")
                .or_else(|| r.text(s, "fees_description", ""))
                .or_else(|| r.text(s, "fees", "")),
        };
    } else if let Some(note) = r.text(s, "fees_description", "").or_else(|| r.text(s, "fees", "")) {
        // HSDS 3.0 `fees_description`, ORUK 1.0 `fees`: the kind of cost stays unknown (free).
        offer.cost.note = Some(note);
    }
    // The place: the first service at location (HSDS 3.0) or location (ORUK 1.0).
    let places = r.list(s, "service_at_locations", "");
    if places.len() > 1 {
        r.note("service_at_locations", "only the first place is kept");
    }
    if let Some(place) = places.first() {
        let at = "service_at_locations[0]";
        let location = place.get("location").and_then(Value::as_object);
        if let Some(l) = location {
            let lp = format!("{at}.location");
            let lat = r.number(l, "latitude", &lp);
            let lon = r.number(l, "longitude", &lp);
            match (lat, lon) {
                (Some(lat), Some(lon)) => match GeoPoint::parse(lat, lon) {
                    Ok(p) => offer.location = Some(p),
                    // The official examples carry such points (100, 101): dropped, not refused.
                    Err(e) => r.note(&format!("{lp}.latitude"), format!("{e}; the point is dropped")),
                },
                (None, None) => {}
                _ => r.fail(&format!("{lp}.longitude"), "latitude and longitude come together"),
            }
            if let Some(area) = r.text(l, "name", &lp) {
                offer.area = known.areas.get(&area).copied();
            }
            let mut addresses = r.list(l, "addresses", &lp);
            let oruk = r.list(l, "physical_addresses", &lp);
            addresses.extend(oruk);
            if let Some(a) = addresses.first() {
                let ap = format!("{lp}.addresses[0]");
                let street = r.text(a, "address_1", &ap).unwrap_or_default();
                let postcode = r.text(a, "postal_code", &ap).unwrap_or_default();
                let city = r.text(a, "city", &ap).unwrap_or_default();
                if street.is_empty() && postcode.is_empty() && city.is_empty() {
                    r.note(&ap, "an empty address is dropped");
                } else {
                    offer.address = Some(Address { street, postcode, city });
                }
            }
            for (i, a) in r.list(l, "accessibility", &lp).into_iter().enumerate() {
                let code = r
                    .text(a, "details", &format!("{lp}.accessibility[{i}]"))
                    .unwrap_or_default();
                match AccessibilityFeature::from_code(&code) {
                    Some(f) => offer.accessibility.push(f),
                    None => r.note(
                        &format!("{lp}.accessibility[{i}]"),
                        "a feature that is not one of Lotse's codes is dropped",
                    ),
                }
            }
        }
    }
    // Taxonomy terms: Lotse's own vocabularies; others are noted.
    let mut category = false;
    for (i, a) in r.list(s, "attributes", "").into_iter().enumerate() {
        let at = format!("attributes[{i}]");
        let term_id = r.id(a, "taxonomy_term_id", &at);
        let nested = a.get("taxonomy_term").and_then(Value::as_object);
        let by_code = nested.and_then(|t| {
            let v = t.get("taxonomy").and_then(Value::as_str).and_then(vocabulary_of)?;
            Term::by_code(v, t.get("code").and_then(Value::as_str)?)
        });
        match term_id.and_then(Term::by_id).or(by_code) {
            Some(term) => {
                category |= term.vocabulary == Vocabulary::Category;
                apply_term(&mut offer, term);
            }
            None => r.note(&at, "a term of another taxonomy is dropped"),
        }
    }
    for (i, t) in r.list(s, "service_taxonomys", "").into_iter().enumerate() {
        let _ = t;
        r.note(
            &format!("service_taxonomys[{i}]"),
            "a term of another taxonomy is dropped",
        );
    }
    if !category {
        r.note("attributes", "no Lotse category: taken as \"group\"");
    }
    offer.normalise();
    if r.problems.is_empty() {
        Ok((Read { offer, provider_name }, r.notes))
    } else {
        Err(r.problems)
    }
}

/// Imports the files' services into a programme (see the module documentation).
pub async fn import(
    db: &impl Handle,
    clock: &dyn Clock,
    programme: &str,
    files: &[ImportFile],
    partial: bool,
) -> Result<HsdsImportReport, HsdsImportError> {
    let store = handle::store(db);
    let slug = ProgrammeSlug::parse(programme).map_err(|_| HsdsImportError::UnknownProgramme(programme.to_owned()))?;
    let programme = lotse_store::programme::find_by_slug(store, &slug)
        .await?
        .ok_or_else(|| HsdsImportError::UnknownProgramme(slug.as_str().to_owned()))?;
    let scope = JobToken::start_job(SystemJob::Admin).scope(programme.id);
    let records = records(files).map_err(HsdsImportError::Problems)?;
    let now = clock.now();
    let mut tx = store.begin().await?;
    let areas = lotse_store::directory::list_areas(&mut tx, &scope).await?;
    let organisations = lotse_store::directory::organisation_names(&mut tx, &scope).await?;
    let known = Known {
        language: programme.languages.first().map_or("de", |l| l.tag()).to_owned(),
        areas: areas.into_iter().map(|a| (a.name, a.id)).collect(),
        organisations: organisations.into_iter().collect(),
    };
    let mut report = HsdsImportReport::default();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut good = Vec::new();
    for record in &records {
        match read(record, &known, programme.id, now) {
            Ok((read, notes)) => {
                if !seen.insert(read.offer.id) {
                    problems.push(problem(&record.label, "id", "is given twice in these files"));
                    continue;
                }
                report.notes.extend(notes);
                good.push(read);
            }
            Err(mut p) => problems.append(&mut p),
        }
    }
    if !problems.is_empty() && !partial {
        return Err(HsdsImportError::Problems(problems));
    }
    report.skipped = problems;
    let mut new_orgs: BTreeMap<OrganisationId, Organisation> = BTreeMap::new();
    for r in &good {
        if !known.organisations.contains_key(&r.offer.provider) {
            new_orgs.entry(r.offer.provider).or_insert_with(|| Organisation {
                id: r.offer.provider,
                programme: programme.id,
                kind: OrganisationKind::OfferProvider,
                name: r.provider_name.clone().unwrap_or_default(),
                area: None,
            });
        }
    }
    let new_orgs: Vec<Organisation> = new_orgs.into_values().collect();
    lotse_store::directory::insert_organisations(&mut tx, &scope, &new_orgs, now).await?;
    report.organisations_created = new_orgs.len();
    let mut fresh = Vec::new();
    for r in good {
        match lotse_store::offer::get_offer(&mut tx, &scope, r.offer.id).await {
            Ok(stored) => {
                lotse_store::offer::update_offer(&mut tx, &scope, &r.offer, stored.version).await?;
                report.updated += 1;
            }
            Err(lotse_store::StoreError::NotFound { .. }) => fresh.push(r.offer),
            Err(e) => return Err(e.into()),
        }
    }
    lotse_store::offer::insert_offers(&mut tx, &scope, &fresh).await?;
    report.created = fresh.len();
    tx.commit().await?;
    Ok(report)
}
