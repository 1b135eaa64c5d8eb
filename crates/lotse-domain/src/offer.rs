//! Offers (Angebote / tilbud): what they are, for whom, where, when, at what cost, and how
//! full. The fields follow Open Referral HSDS 3.0 (service, location, schedule, language,
//! accessibility, cost option, contact, taxonomy terms) plus what matching needs on top.

use time::{Date, OffsetDateTime, Time, Weekday};

use crate::area::GeoPoint;
use crate::coded_enum;
use crate::id::{AreaId, OfferId, OrganisationId, ProgrammeId};
use crate::need::NeedDomain;

coded_enum! {
    /// Whether an offer can be joined. Maps to HSDS `active` / `temporarily closed` / `inactive`.
    pub enum OfferStatus {
        /// Running.
        Active => "active",
        /// Paused for now.
        Paused => "paused",
        /// No longer offered.
        Ended => "ended",
    }
}

impl OfferStatus {
    /// The HSDS 3.0 `service.status` value.
    pub const fn hsds(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Paused => "temporarily closed",
            Self::Ended => "inactive",
        }
    }

    /// Parses an HSDS 3.0 `service.status` value.
    pub fn from_hsds(value: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.hsds() == value)
    }
}

coded_enum! {
    /// What kind of offer it is (the Lotse category taxonomy).
    pub enum OfferCategory {
        /// A regular group or club meeting (Gruppe, Treff, klub).
        Group => "group",
        /// A course with a start and an end.
        Course => "course",
        /// Sport and exercise.
        Sport => "sport",
        /// Music, art, theatre, culture.
        Culture => "culture",
        /// Counselling and advice (Beratung, rådgivning).
        Counselling => "counselling",
        /// A self-help or peer-support group.
        SelfHelp => "self-help",
        /// Volunteering (Ehrenamt, frivilligt arbejde).
        Volunteering => "volunteering",
        /// An open meeting place or café (offener Treff, café).
        MeetingPlace => "meeting-place",
        /// Outdoors: gardens, walks, nature.
        Outdoors => "outdoors",
    }
}

coded_enum! {
    /// Whom an offer is meant for.
    pub enum TargetGroup {
        /// Everyone.
        Everyone => "everyone",
        /// Older people (zentrum plus, ældre).
        OlderPeople => "older-people",
        /// Young people (youth centre, unge).
        YoungPeople => "young-people",
        /// Families with children.
        Families => "families",
        /// Women.
        Women => "women",
        /// Men.
        Men => "men",
        /// People who have moved here (Zugewanderte, tilflyttere).
        Migrants => "migrants",
        /// People with disabilities.
        PeopleWithDisabilities => "people-with-disabilities",
        /// People caring for a relative.
        Carers => "carers",
    }
}

coded_enum! {
    /// An accessibility feature of where the offer takes place.
    pub enum AccessibilityFeature {
        /// Step-free access (wheelchair, walker).
        StepFree => "step-free",
        /// An accessible toilet.
        AccessibleToilet => "accessible-toilet",
        /// A hearing loop.
        HearingLoop => "hearing-loop",
        /// Sign language on request.
        SignLanguage => "sign-language",
        /// Plain or easy language (Leichte Sprache).
        EasyLanguage => "easy-language",
        /// Reachable by public transport within a short walk.
        PublicTransport => "public-transport",
    }
}

coded_enum! {
    /// What joining costs (HSDS `cost_option`).
    pub enum CostKind {
        /// Free of charge.
        Free => "free",
        /// Reduced or free with a city pass (Düsselpass) or on low income.
        Reduced => "reduced",
        /// A fee.
        Paid => "paid",
    }
}

/// What joining costs, with the amount where one is charged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cost {
    /// Free, reduced or paid.
    pub kind: CostKind,
    /// The full amount in cents of the programme's currency, where one is charged.
    pub amount_cents: Option<u32>,
    /// A note ("1 € mit Düsselpass", "per month").
    pub note: Option<String>,
}

impl Cost {
    /// Free of charge, without a note.
    pub const FREE: Self = Self {
        kind: CostKind::Free,
        amount_cents: None,
        note: None,
    };
}

/// An age range in whole years; either end may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AgeRange {
    /// Youngest age admitted.
    pub min: Option<u8>,
    /// Oldest age admitted.
    pub max: Option<u8>,
}

/// Why an age range was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the age range is empty: the minimum age {min} is above the maximum age {max}")]
pub struct AgeRangeError {
    /// The minimum given.
    pub min: u8,
    /// The maximum given.
    pub max: u8,
}

impl AgeRange {
    /// Validates a range.
    pub fn parse(min: Option<u8>, max: Option<u8>) -> Result<Self, AgeRangeError> {
        match (min, max) {
            (Some(min), Some(max)) if min > max => Err(AgeRangeError { min, max }),
            _ => Ok(Self { min, max }),
        }
    }

    /// Whether a person of this age is admitted.
    pub fn admits(self, age: u8) -> bool {
        self.min.is_none_or(|m| age >= m) && self.max.is_none_or(|m| age <= m)
    }
}

/// A weekly session: weekday and local times (HSDS `schedule` with `freq=WEEKLY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// The weekday.
    pub weekday: Weekday,
    /// When it starts (local time of the programme).
    pub opens_at: Time,
    /// When it ends.
    pub closes_at: Time,
}

/// Why a session was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a session must end after it starts ({opens_at} to {closes_at})")]
pub struct SessionError {
    /// Start given.
    pub opens_at: Time,
    /// End given.
    pub closes_at: Time,
}

coded_enum! {
    /// A part of the day, as people search for it.
    pub enum DayPart {
        /// Before 12:00.
        Morning => "morning",
        /// 12:00 to 17:00.
        Afternoon => "afternoon",
        /// From 17:00.
        Evening => "evening",
    }
}

impl Session {
    /// Validates a session.
    pub fn parse(weekday: Weekday, opens_at: Time, closes_at: Time) -> Result<Self, SessionError> {
        if closes_at > opens_at {
            Ok(Self {
                weekday,
                opens_at,
                closes_at,
            })
        } else {
            Err(SessionError { opens_at, closes_at })
        }
    }

    /// The parts of the day it overlaps.
    pub fn day_parts(self) -> impl Iterator<Item = DayPart> {
        let noon = Time::MIDNIGHT.replace_hour(12).unwrap_or(Time::MIDNIGHT);
        let five = Time::MIDNIGHT.replace_hour(17).unwrap_or(Time::MIDNIGHT);
        [
            (DayPart::Morning, self.opens_at < noon),
            (DayPart::Afternoon, self.opens_at < five && self.closes_at > noon),
            (DayPart::Evening, self.closes_at > five),
        ]
        .into_iter()
        .filter_map(|(part, overlaps)| overlaps.then_some(part))
    }
}

/// A title and description in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferText {
    /// The language (BCP 47).
    pub language: String,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
}

/// Where an offer takes place (HSDS `location` + `address`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// Street and number.
    pub street: String,
    /// Postcode.
    pub postcode: String,
    /// City or town.
    pub city: String,
}

/// How to reach the offer (HSDS `contact`, `phone`, `service.email`/`url`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OfferContact {
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Web address.
    pub url: Option<String>,
}

/// How full an offer is, as its provider last said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capacity {
    /// Open places; `None` when places are not limited or not known.
    pub open_places: Option<u32>,
    /// People on the waiting list.
    pub waiting_list: u32,
}

impl Capacity {
    /// Whether no place is open.
    pub fn is_full(self) -> bool {
        self.open_places == Some(0)
    }
}

/// An offer (Angebot / tilbud) of a provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// Its id.
    pub id: OfferId,
    /// Its programme.
    pub programme: ProgrammeId,
    /// The provider.
    pub provider: OrganisationId,
    /// Its title in its own language.
    pub title: String,
    /// Its description in its own language.
    pub description: String,
    /// The language of title and description (BCP 47).
    pub language: String,
    /// Titles and descriptions in further languages.
    pub translations: Vec<OfferText>,
    /// What kind of offer it is.
    pub category: OfferCategory,
    /// The needs it helps with.
    pub need_domains: Vec<NeedDomain>,
    /// Whom it is meant for.
    pub target_groups: Vec<TargetGroup>,
    /// Languages spoken at the offer (BCP 47).
    pub languages: Vec<String>,
    /// Ages admitted.
    pub ages: AgeRange,
    /// The area it takes place in.
    pub area: Option<AreaId>,
    /// Where it takes place.
    pub location: Option<GeoPoint>,
    /// Its address.
    pub address: Option<Address>,
    /// How to reach it.
    pub contact: OfferContact,
    /// When it meets.
    pub schedule: Vec<Session>,
    /// What joining costs.
    pub cost: Cost,
    /// Accessibility of the place.
    pub accessibility: Vec<AccessibilityFeature>,
    /// Open places and waiting list.
    pub capacity: Capacity,
    /// Running, paused or ended.
    pub status: OfferStatus,
    /// Whether it is published in the directory.
    pub published: bool,
    /// When its details were last verified with the provider (HSDS `assured_date`).
    pub last_verified: Option<Date>,
    /// When it was last changed.
    pub updated_at: OffsetDateTime,
}

impl Offer {
    /// Puts its lists in their canonical order (taxonomy order; languages and translations by
    /// tag; sessions by weekday and time) without repeats, as the store reads them back.
    pub fn normalise(&mut self) {
        self.need_domains.sort_unstable();
        self.need_domains.dedup();
        self.target_groups.sort_unstable();
        self.target_groups.dedup();
        self.accessibility.sort_unstable();
        self.accessibility.dedup();
        self.languages.sort_unstable();
        self.languages.dedup();
        self.translations.sort_by(|a, b| a.language.cmp(&b.language));
        self.translations.dedup_by(|a, b| a.language == b.language);
        self.schedule
            .sort_by_key(|s| (s.weekday.number_from_monday(), s.opens_at, s.closes_at));
        self.schedule.dedup();
    }

    /// Whether its details are older than `review_days` on `today` (never verified counts as old).
    pub fn needs_review(&self, today: Date, review_days: u32) -> bool {
        self.last_verified
            .is_none_or(|d| (today - d).whole_days() > i64::from(review_days))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, time};

    use super::*;

    #[test]
    fn statuses_map_to_hsds_and_back() {
        let table = [
            (OfferStatus::Active, "active"),
            (OfferStatus::Paused, "temporarily closed"),
            (OfferStatus::Ended, "inactive"),
        ];
        for (status, hsds) in table {
            assert_eq!(status.hsds(), hsds);
            assert_eq!(OfferStatus::from_hsds(hsds), Some(status));
        }
        assert_eq!(OfferStatus::from_hsds("defunct"), None);
    }

    #[test]
    fn age_ranges_admit_their_ends_and_refuse_empty_ranges() {
        let r = AgeRange::parse(Some(60), None).unwrap();
        assert!(!r.admits(59));
        assert!(r.admits(60));
        assert!(r.admits(99));
        let youth = AgeRange::parse(Some(12), Some(27)).unwrap();
        assert!(youth.admits(27) && !youth.admits(28) && !youth.admits(11));
        assert_eq!(
            AgeRange::parse(Some(30), Some(20)),
            Err(AgeRangeError { min: 30, max: 20 })
        );
    }

    #[test]
    fn sessions_name_the_parts_of_the_day_they_overlap() {
        let table = [
            (time!(9:00), time!(11:00), vec![DayPart::Morning]),
            (time!(11:00), time!(13:00), vec![DayPart::Morning, DayPart::Afternoon]),
            (time!(12:00), time!(17:00), vec![DayPart::Afternoon]),
            (time!(15:00), time!(18:30), vec![DayPart::Afternoon, DayPart::Evening]),
            (time!(17:00), time!(19:00), vec![DayPart::Evening]),
        ];
        for (opens, closes, parts) in table {
            let s = Session::parse(Weekday::Tuesday, opens, closes).unwrap();
            assert_eq!(s.day_parts().collect::<Vec<_>>(), parts, "{opens}–{closes}");
        }
        assert!(Session::parse(Weekday::Monday, time!(10:00), time!(10:00)).is_err());
    }

    fn offer(last_verified: Option<Date>) -> Offer {
        Offer {
            id: OfferId::from_uuid(uuid::Uuid::nil()),
            programme: ProgrammeId::from_uuid(uuid::Uuid::nil()),
            provider: OrganisationId::from_uuid(uuid::Uuid::nil()),
            title: "Erzählcafé".into(),
            description: String::new(),
            language: "de".into(),
            translations: Vec::new(),
            category: OfferCategory::MeetingPlace,
            need_domains: vec![NeedDomain::Loneliness],
            target_groups: vec![TargetGroup::OlderPeople],
            languages: vec!["de".into()],
            ages: AgeRange::default(),
            area: None,
            location: None,
            address: None,
            contact: OfferContact::default(),
            schedule: Vec::new(),
            cost: Cost::FREE,
            accessibility: Vec::new(),
            capacity: Capacity::default(),
            status: OfferStatus::Active,
            published: true,
            last_verified,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn review_is_due_after_the_programme_s_days() {
        let today = date!(2026 - 12 - 02);
        // (last verified, review days, due?)
        let table = [
            (Some(date!(2026 - 12 - 02)), 0, false),
            (Some(date!(2026 - 12 - 01)), 0, true),
            (Some(date!(2025 - 12 - 02)), 365, false),
            (Some(date!(2025 - 12 - 01)), 365, true),
            (None, 365, true),
        ];
        for (verified, days, due) in table {
            assert_eq!(offer(verified).needs_review(today, days), due, "{verified:?} {days}");
        }
    }

    #[test]
    fn an_offer_without_open_places_is_full() {
        let full = Capacity {
            open_places: Some(0),
            waiting_list: 3,
        };
        assert!(full.is_full());
        assert!(!Capacity::default().is_full());
        assert!(
            !Capacity {
                open_places: Some(2),
                waiting_list: 0
            }
            .is_full()
        );
    }
}
