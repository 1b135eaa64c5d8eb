//! Keeping the directory current: what a provider or coordinator may change in an offer (an
//! [`OfferEdit`], checked field by field), and the offer's events with the status transitions
//! they make ([`OfferEvent`]). Offers are not personal data; their events still hold only ids
//! and kinds.

use serde::{Deserialize, Serialize};
use time::{Time, Weekday};

use crate::event::TransitionError;
use crate::field::{FieldError, FieldProblem};
use crate::id::OfferId;
use crate::need::NeedDomain;
use crate::offer::{
    AccessibilityFeature, Address, AgeRange, Capacity, Cost, CostKind, Offer, OfferCategory, OfferContact, OfferStatus,
    Session, TargetGroup,
};

/// What happened to an offer. The payload's `type` with the stream `offer` is its kind
/// (`offer.updated`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OfferEvent {
    /// Its details were changed (by its provider or a coordinator).
    Updated,
    /// A coordinator confirmed its details with the provider (`last_verified` is today).
    Verified,
    /// Paused for now (HSDS `temporarily closed`).
    Paused,
    /// Running again after a pause.
    Resumed,
    /// No longer offered.
    Ended,
    /// Ended as a duplicate of another offer of the programme, which remains.
    Merged {
        /// The offer that remains.
        into: OfferId,
    },
}

impl OfferEvent {
    /// The stream name of offer events.
    pub const STREAM: &'static str = "offer";

    /// Every kind, as [`Self::kind`] gives them.
    pub const KINDS: [&'static str; 6] = [
        "offer.updated",
        "offer.verified",
        "offer.paused",
        "offer.resumed",
        "offer.ended",
        "offer.merged",
    ];

    /// Its kind (`offer.updated` …), as the event log derives it from stream and `type`.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Updated => "offer.updated",
            Self::Verified => "offer.verified",
            Self::Paused => "offer.paused",
            Self::Resumed => "offer.resumed",
            Self::Ended => "offer.ended",
            Self::Merged { .. } => "offer.merged",
        }
    }

    /// The status after this event, or why it is not allowed: an ended offer takes no event;
    /// only an active offer pauses, only a paused one resumes.
    pub fn apply(&self, status: OfferStatus) -> Result<OfferStatus, TransitionError> {
        use OfferStatus as S;
        let next = match (status, self) {
            (S::Ended, _) | (S::Paused, Self::Paused) | (S::Active, Self::Resumed) => None,
            (s, Self::Updated | Self::Verified) => Some(s),
            (S::Active, Self::Paused) => Some(S::Paused),
            (S::Paused, Self::Resumed) => Some(S::Active),
            (_, Self::Ended | Self::Merged { .. }) => Some(S::Ended),
        };
        next.ok_or_else(|| TransitionError {
            stream: Self::STREAM,
            from: status.code().to_owned(),
            event: self.kind(),
        })
    }
}

/// A weekly session as entered: weekday number (1 = Monday) and `HH:MM` times.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionInput {
    /// 1 (Monday) to 7 (Sunday).
    pub weekday: String,
    /// `HH:MM`.
    pub opens_at: String,
    /// `HH:MM`.
    pub closes_at: String,
}

/// The editable fields of an offer as entered (form or API), not yet checked. Empty optional
/// fields mean "none". Title language, translations, area, point and publication stay as
/// they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfferEdit {
    /// Title (1 to [`MAX_TITLE`] characters).
    pub title: String,
    /// Description (up to [`MAX_DESCRIPTION`] characters).
    pub description: String,
    /// Category code.
    pub category: String,
    /// Need-domain codes.
    pub need_domains: Vec<String>,
    /// Target-group codes.
    pub target_groups: Vec<String>,
    /// Languages spoken (BCP 47 tags such as `de`, `tr`, `pt-BR`).
    pub languages: Vec<String>,
    /// Accessibility-feature codes.
    pub accessibility: Vec<String>,
    /// Youngest age admitted (0–120), empty for none.
    pub min_age: String,
    /// Oldest age admitted (0–120), empty for none.
    pub max_age: String,
    /// Cost code (`free`, `reduced`, `paid`).
    pub cost: String,
    /// Full amount (`3.50` or `3,50`), empty for none.
    pub cost_amount: String,
    /// A note on the cost.
    pub cost_note: String,
    /// Street and number.
    pub street: String,
    /// Postcode.
    pub postcode: String,
    /// City.
    pub city: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Web address.
    pub url: String,
    /// Open places (0–100,000), empty when not limited.
    pub open_places: String,
    /// People waiting (0–100,000), empty for none.
    pub waiting_list: String,
    /// Weekly sessions (rows with all three parts empty are left out).
    pub sessions: Vec<SessionInput>,
}

/// The longest title.
pub const MAX_TITLE: usize = 200;
/// The longest description.
pub const MAX_DESCRIPTION: usize = 5_000;
/// The longest short text (note, street, city, contact).
pub const MAX_SHORT: usize = 200;
/// The largest number of open places or people waiting.
pub const MAX_PLACES: u32 = 100_000;
/// The largest amount, in cents.
pub const MAX_AMOUNT_CENTS: u32 = 100_000_000;
/// The most weekly sessions.
pub const MAX_SESSIONS: usize = 21;
/// The most entries of a list of codes.
pub const MAX_CODES: usize = 30;

struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    fn fail(&mut self, field: &str, problem: FieldProblem) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            problem,
        });
    }

    fn text(&mut self, field: &str, value: &str, max: usize, required: bool) -> String {
        let value = value.trim();
        if required && value.is_empty() {
            self.fail(field, FieldProblem::Required);
        } else if value.chars().count() > max {
            self.fail(field, FieldProblem::TooLong);
        }
        value.to_owned()
    }

    fn optional(&mut self, field: &str, value: &str) -> Option<String> {
        let value = self.text(field, value, MAX_SHORT, false);
        (!value.is_empty()).then_some(value)
    }

    fn number(&mut self, field: &str, value: &str, max: u32) -> Option<u32> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        match value.parse::<u32>() {
            Ok(n) if n <= max => Some(n),
            _ => {
                self.fail(field, FieldProblem::Number);
                None
            }
        }
    }

    fn codes<T>(&mut self, field: &str, values: &[String], parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
        if values.len() > MAX_CODES {
            self.fail(field, FieldProblem::TooMany);
            return Vec::new();
        }
        let mut out = Vec::new();
        for v in values {
            let Some(c) = parse(v.trim()) else {
                self.fail(field, FieldProblem::UnknownCode);
                return Vec::new();
            };
            out.push(c);
        }
        out
    }
}

/// Parses an amount of money (`3`, `3.5`, `3,50`) into cents.
fn cents(value: &str) -> Option<u32> {
    let value = value.trim().replace(',', ".");
    let (whole, fraction) = value.split_once('.').unwrap_or((&value, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 9 {
        return None;
    }
    if fraction.len() > 2 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let fraction: u32 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<u32>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    whole
        .checked_mul(100)?
        .checked_add(fraction)
        .filter(|c| *c <= MAX_AMOUNT_CENTS)
}

/// Parses `HH:MM` (or `H:MM`); `24:00` is the end of the day.
fn time_of_day(value: &str) -> Option<Time> {
    let (h, m) = value.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
    if (h, m) == (24, 0) {
        return Time::from_hms(23, 59, 59).ok();
    }
    Time::from_hms(h, m, 0).ok()
}

pub(crate) fn weekday(value: &str) -> Option<Weekday> {
    let n: u8 = value.trim().parse().ok()?;
    let mut day = Weekday::Sunday;
    for _ in 0..n {
        day = day.next();
    }
    (1..=7).contains(&n).then_some(day)
}

/// Whether a tag looks like BCP 47 as Lotse uses it: a 2–3 letter lower-case language,
/// optionally `-` and a 2-letter region or 4-letter script.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let lang = parts.next().unwrap_or_default();
    let lang_ok = (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_lowercase());
    let rest: Vec<&str> = parts.collect();
    lang_ok
        && rest.len() <= 1
        && rest
            .iter()
            .all(|p| (p.len() == 2 || p.len() == 4) && p.bytes().all(|b| b.is_ascii_alphabetic()))
}

impl OfferEdit {
    /// The edit's fields as they are in `offer` now (to fill a form).
    pub fn of(offer: &Offer) -> Self {
        let address = offer.address.clone().unwrap_or_default();
        let cost_amount = offer
            .cost
            .amount_cents
            .map(|c| format!("{}.{:02}", c / 100, c % 100))
            .unwrap_or_default();
        let hm = |t: Time| {
            if (t.hour(), t.minute(), t.second()) == (23, 59, 59) {
                "24:00".to_owned()
            } else {
                format!("{:02}:{:02}", t.hour(), t.minute())
            }
        };
        Self {
            title: offer.title.clone(),
            description: offer.description.clone(),
            category: offer.category.code().to_owned(),
            need_domains: offer.need_domains.iter().map(|c| c.code().to_owned()).collect(),
            target_groups: offer.target_groups.iter().map(|c| c.code().to_owned()).collect(),
            languages: offer.languages.clone(),
            accessibility: offer.accessibility.iter().map(|c| c.code().to_owned()).collect(),
            min_age: offer.ages.min.map(|a| a.to_string()).unwrap_or_default(),
            max_age: offer.ages.max.map(|a| a.to_string()).unwrap_or_default(),
            cost: offer.cost.kind.code().to_owned(),
            cost_amount,
            cost_note: offer.cost.note.clone().unwrap_or_default(),
            street: address.street,
            postcode: address.postcode,
            city: address.city,
            phone: offer.contact.phone.clone().unwrap_or_default(),
            email: offer.contact.email.clone().unwrap_or_default(),
            url: offer.contact.url.clone().unwrap_or_default(),
            open_places: offer.capacity.open_places.map(|n| n.to_string()).unwrap_or_default(),
            waiting_list: match offer.capacity.waiting_list {
                0 => String::new(),
                n => n.to_string(),
            },
            sessions: offer
                .schedule
                .iter()
                .map(|s| SessionInput {
                    weekday: s.weekday.number_from_monday().to_string(),
                    opens_at: hm(s.opens_at),
                    closes_at: hm(s.closes_at),
                })
                .collect(),
        }
    }

    /// Checks every field and, only if all are right, writes them into `offer` (normalised).
    /// Otherwise `offer` is unchanged and every wrong field is named.
    pub fn apply_to(&self, offer: &mut Offer) -> Result<(), Vec<FieldError>> {
        let mut c = Checker { errors: Vec::new() };
        let title = c.text("title", &self.title, MAX_TITLE, true);
        let description = c.text("description", &self.description, MAX_DESCRIPTION, false);
        let category = OfferCategory::from_code(self.category.trim());
        if category.is_none() {
            c.fail("category", FieldProblem::UnknownCode);
        }
        let need_domains = c.codes("need_domains", &self.need_domains, NeedDomain::from_code);
        let target_groups = c.codes("target_groups", &self.target_groups, TargetGroup::from_code);
        let languages = c.codes("languages", &self.languages, |t| {
            is_language_tag(t).then(|| t.to_owned())
        });
        let accessibility = c.codes("accessibility", &self.accessibility, AccessibilityFeature::from_code);
        let age = |c: &mut Checker, field: &str, v: &str| c.number(field, v, 120).and_then(|n| u8::try_from(n).ok());
        let (min_age, max_age) = (
            age(&mut c, "min_age", &self.min_age),
            age(&mut c, "max_age", &self.max_age),
        );
        let ages = AgeRange::parse(min_age, max_age).unwrap_or_else(|_| {
            c.fail("max_age", FieldProblem::AgesReversed);
            AgeRange::default()
        });
        let cost_kind = CostKind::from_code(self.cost.trim());
        if cost_kind.is_none() {
            c.fail("cost", FieldProblem::UnknownCode);
        }
        let amount_cents = if self.cost_amount.trim().is_empty() {
            None
        } else {
            let cents = cents(&self.cost_amount);
            if cents.is_none() {
                c.fail("cost_amount", FieldProblem::Amount);
            }
            cents
        };
        let note = c.optional("cost_note", &self.cost_note);
        let street = c.text("street", &self.street, MAX_SHORT, false);
        let postcode = c.text("postcode", &self.postcode, 16, false);
        let city = c.text("city", &self.city, MAX_SHORT, false);
        let phone = c.optional("phone", &self.phone);
        let email = c.optional("email", &self.email);
        let url = c.optional("url", &self.url);
        let open_places = c.number("open_places", &self.open_places, MAX_PLACES);
        let waiting_list = c.number("waiting_list", &self.waiting_list, MAX_PLACES).unwrap_or(0);
        let mut schedule = Vec::new();
        let rows: Vec<(usize, &SessionInput)> = self
            .sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                !(s.weekday.trim().is_empty() && s.opens_at.trim().is_empty() && s.closes_at.trim().is_empty())
            })
            .collect();
        if rows.len() > MAX_SESSIONS {
            c.fail("sessions", FieldProblem::TooMany);
        } else {
            for (i, s) in rows {
                let field = |part: &str| format!("sessions[{i}].{part}");
                let day = weekday(&s.weekday);
                if day.is_none() {
                    c.fail(&field("weekday"), FieldProblem::Weekday);
                }
                let opens = time_of_day(&s.opens_at);
                if opens.is_none() {
                    c.fail(&field("opens_at"), FieldProblem::Time);
                }
                let closes = time_of_day(&s.closes_at);
                if closes.is_none() {
                    c.fail(&field("closes_at"), FieldProblem::Time);
                }
                if let (Some(day), Some(opens), Some(closes)) = (day, opens, closes) {
                    match Session::parse(day, opens, closes) {
                        Ok(session) => schedule.push(session),
                        Err(_) => c.fail(&field("closes_at"), FieldProblem::SessionEndsBeforeStart),
                    }
                }
            }
        }
        let (Some(category), Some(cost_kind)) = (category, cost_kind) else {
            return Err(c.errors);
        };
        if !c.errors.is_empty() {
            return Err(c.errors);
        }
        offer.title = title;
        offer.description = description;
        offer.category = category;
        offer.need_domains = need_domains;
        offer.target_groups = target_groups;
        offer.languages = languages;
        offer.accessibility = accessibility;
        offer.ages = ages;
        offer.cost = Cost {
            kind: cost_kind,
            amount_cents,
            note,
        };
        offer.address = (!(street.is_empty() && postcode.is_empty() && city.is_empty())).then_some(Address {
            street,
            postcode,
            city,
        });
        offer.contact = OfferContact { phone, email, url };
        offer.capacity = Capacity {
            open_places,
            waiting_list,
        };
        offer.schedule = schedule;
        offer.normalise();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;
    use time::macros::time;
    use uuid::Uuid;

    use super::*;
    use crate::id::{OrganisationId, ProgrammeId};

    fn offer() -> Offer {
        Offer {
            id: OfferId::from_uuid(Uuid::nil()),
            programme: ProgrammeId::from_uuid(Uuid::nil()),
            provider: OrganisationId::from_uuid(Uuid::nil()),
            title: "Erzählcafé".into(),
            description: "Kaffee und Geschichten".into(),
            language: "de".into(),
            translations: Vec::new(),
            category: OfferCategory::MeetingPlace,
            need_domains: vec![NeedDomain::Loneliness],
            target_groups: vec![TargetGroup::OlderPeople],
            languages: vec!["de".into(), "tr".into()],
            ages: AgeRange::parse(Some(60), None).unwrap(),
            area: None,
            location: None,
            address: Some(Address {
                street: "Kölner Str. 1".into(),
                postcode: "40210".into(),
                city: "Düsseldorf".into(),
            }),
            contact: OfferContact {
                phone: Some("0211 1234".into()),
                email: None,
                url: None,
            },
            schedule: vec![Session::parse(Weekday::Tuesday, time!(14:00), time!(16:30)).unwrap()],
            cost: Cost {
                kind: CostKind::Reduced,
                amount_cents: Some(350),
                note: Some("1 € mit Düsselpass".into()),
            },
            accessibility: vec![AccessibilityFeature::StepFree],
            capacity: Capacity {
                open_places: Some(4),
                waiting_list: 0,
            },
            status: OfferStatus::Active,
            published: true,
            last_verified: None,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn an_unchanged_edit_leaves_the_offer_as_it_was() {
        let before = offer();
        let mut after = before.clone();
        OfferEdit::of(&before).apply_to(&mut after).unwrap();
        assert_eq!(after, before);
    }

    #[test]
    fn every_wrong_field_is_named_and_nothing_changes() {
        // (what to change, the fields named with their problems), written by hand.
        type Change = fn(&mut OfferEdit);
        let table: Vec<(Change, Vec<(&str, FieldProblem)>)> = vec![
            (|e| e.title = "  ".into(), vec![("title", FieldProblem::Required)]),
            (|e| e.title = "x".repeat(201), vec![("title", FieldProblem::TooLong)]),
            (
                |e| {
                    e.min_age = "70".into();
                    e.max_age = "65".into();
                },
                vec![("max_age", FieldProblem::AgesReversed)],
            ),
            (|e| e.min_age = "-1".into(), vec![("min_age", FieldProblem::Number)]),
            (|e| e.max_age = "121".into(), vec![("max_age", FieldProblem::Number)]),
            (
                |e| e.open_places = "1e9".into(),
                vec![("open_places", FieldProblem::Number)],
            ),
            (
                |e| e.waiting_list = "99999999999999999999".into(),
                vec![("waiting_list", FieldProblem::Number)],
            ),
            (
                |e| e.cost_amount = "-3".into(),
                vec![("cost_amount", FieldProblem::Amount)],
            ),
            (
                |e| e.cost_amount = "3,505".into(),
                vec![("cost_amount", FieldProblem::Amount)],
            ),
            (
                |e| e.category = "party".into(),
                vec![("category", FieldProblem::UnknownCode)],
            ),
            (|e| e.cost = "cheap".into(), vec![("cost", FieldProblem::UnknownCode)]),
            (
                |e| e.need_domains.push("boredom".into()),
                vec![("need_domains", FieldProblem::UnknownCode)],
            ),
            (
                |e| e.languages.push("Deutsch".into()),
                vec![("languages", FieldProblem::UnknownCode)],
            ),
            (
                |e| e.sessions[0].closes_at = "13:00".into(),
                vec![("sessions[0].closes_at", FieldProblem::SessionEndsBeforeStart)],
            ),
            (
                |e| e.sessions[0].opens_at = "25:00".into(),
                vec![("sessions[0].opens_at", FieldProblem::Time)],
            ),
            (
                |e| e.sessions[0].weekday = "8".into(),
                vec![("sessions[0].weekday", FieldProblem::Weekday)],
            ),
            (
                |e| {
                    e.title = String::new();
                    e.min_age = "abc".into();
                },
                vec![("title", FieldProblem::Required), ("min_age", FieldProblem::Number)],
            ),
        ];
        for (change, want) in table {
            let before = offer();
            let mut edit = OfferEdit::of(&before);
            change(&mut edit);
            let mut after = before.clone();
            let got = edit.apply_to(&mut after).unwrap_err();
            let got: Vec<(&str, FieldProblem)> = got.iter().map(|e| (e.field.as_str(), e.problem)).collect();
            assert_eq!(got, want, "{edit:?}");
            assert_eq!(after, before, "nothing changes: {edit:?}");
        }
    }

    #[test]
    fn a_valid_edit_is_written_and_normalised() {
        let mut o = offer();
        let mut edit = OfferEdit::of(&o);
        edit.title = "  Erzählcafé am Dienstag ".into();
        edit.cost = "free".into();
        edit.cost_amount = String::new();
        edit.cost_note = String::new();
        edit.min_age = String::new();
        edit.open_places = "0".into();
        edit.waiting_list = "3".into();
        edit.languages = vec!["tr".into(), "de".into(), "de".into()];
        edit.sessions.push(SessionInput {
            weekday: "1".into(),
            opens_at: "9:30".into(),
            closes_at: "24:00".into(),
        });
        edit.sessions.push(SessionInput::default());
        edit.street = String::new();
        edit.postcode = String::new();
        edit.city = String::new();
        edit.apply_to(&mut o).unwrap();
        assert_eq!(o.title, "Erzählcafé am Dienstag");
        assert_eq!(o.cost, Cost::FREE);
        assert_eq!(o.ages, AgeRange::default());
        assert!(o.capacity.is_full());
        assert_eq!(o.languages, vec!["de".to_owned(), "tr".to_owned()]);
        assert_eq!(o.schedule.len(), 2);
        assert_eq!(o.schedule.first().map(|s| s.weekday), Some(Weekday::Monday));
        assert_eq!(o.address, None);
        assert_eq!(cents("3,5"), Some(350));
        assert_eq!(cents("12"), Some(1200));
        assert_eq!(cents("0.07"), Some(7));
        assert_eq!(cents(".5"), None);
    }

    #[test]
    fn status_transitions_follow_the_table() {
        use OfferStatus as S;
        let into = OfferEvent::Merged {
            into: OfferId::from_uuid(Uuid::from_u128(7)),
        };
        // (from, event, to or refused), written by hand.
        let table = [
            (S::Active, OfferEvent::Updated, Some(S::Active)),
            (S::Paused, OfferEvent::Updated, Some(S::Paused)),
            (S::Ended, OfferEvent::Updated, None),
            (S::Active, OfferEvent::Verified, Some(S::Active)),
            (S::Paused, OfferEvent::Verified, Some(S::Paused)),
            (S::Ended, OfferEvent::Verified, None),
            (S::Active, OfferEvent::Paused, Some(S::Paused)),
            (S::Paused, OfferEvent::Paused, None),
            (S::Ended, OfferEvent::Paused, None),
            (S::Active, OfferEvent::Resumed, None),
            (S::Paused, OfferEvent::Resumed, Some(S::Active)),
            (S::Ended, OfferEvent::Resumed, None),
            (S::Active, OfferEvent::Ended, Some(S::Ended)),
            (S::Paused, OfferEvent::Ended, Some(S::Ended)),
            (S::Ended, OfferEvent::Ended, None),
            (S::Active, into.clone(), Some(S::Ended)),
            (S::Paused, into.clone(), Some(S::Ended)),
            (S::Ended, into.clone(), None),
        ];
        assert_eq!(table.len(), 6 * OfferStatus::ALL.len());
        for (from, event, to) in table {
            assert_eq!(event.apply(from).ok(), to, "{from:?} {event:?}");
        }
    }

    #[test]
    fn kinds_are_the_stream_and_the_payload_type() {
        let mut kinds = Vec::new();
        for event in [
            OfferEvent::Updated,
            OfferEvent::Verified,
            OfferEvent::Paused,
            OfferEvent::Resumed,
            OfferEvent::Ended,
            OfferEvent::Merged {
                into: OfferId::from_uuid(Uuid::nil()),
            },
        ] {
            let payload = serde_json::to_value(&event).unwrap();
            let tag = payload["type"].as_str().unwrap();
            assert_eq!(format!("offer.{tag}"), event.kind());
            assert_eq!(serde_json::from_value::<OfferEvent>(payload).unwrap(), event);
            kinds.push(event.kind());
        }
        assert_eq!(kinds, OfferEvent::KINDS, "KINDS lists every kind");
    }

    #[test]
    fn language_tags_are_checked_for_shape() {
        for (tag, ok) in [
            ("de", true),
            ("tr", true),
            ("ckb", true),
            ("pt-BR", true),
            ("sr-Latn", true),
            ("", false),
            ("Deutsch", false),
            ("de_DE", false),
            ("de-", false),
            ("d", false),
        ] {
            assert_eq!(is_language_tag(tag), ok, "{tag}");
        }
    }
}
