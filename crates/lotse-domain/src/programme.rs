use crate::calendar::HolidayCalendar;
use crate::id::ProgrammeId;

/// A short lowercase name used in URLs and CLI arguments (`duesseldorf`, `norddjurs`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProgrammeSlug(String);

/// Why a slug was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a programme slug has 2 to 40 characters a-z, 0-9 and '-', starting with a letter; got {0:?}")]
pub struct ProgrammeSlugError(pub String);

impl ProgrammeSlug {
    /// Validates a slug.
    pub fn parse(input: &str) -> Result<Self, ProgrammeSlugError> {
        let ok = (2..=40).contains(&input.len())
            && input.starts_with(|c: char| c.is_ascii_lowercase())
            && input
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(ProgrammeSlugError(input.to_owned()))
        }
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A UI or sheet language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    /// Deutsch.
    German,
    /// Dansk.
    Danish,
    /// English.
    English,
}

impl Language {
    /// The UI languages.
    pub const ALL: [Self; 3] = [Self::German, Self::Danish, Self::English];

    /// The BCP 47 tag.
    pub const fn tag(self) -> &'static str {
        match self {
            Self::German => "de",
            Self::Danish => "da",
            Self::English => "en",
        }
    }

    /// Parses a tag (`de`, `de-DE`, `da`, `en-GB` …): only the primary subtag counts.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.tag() == primary)
    }
}

/// How link work is organised in a programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkWorkModel {
    /// Existing social infrastructure near the practice does link work (Düsseldorf).
    LinkFacility,
    /// Navigators employed by the GP practices (Norddjurs).
    PracticeNavigator,
}

impl LinkWorkModel {
    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::LinkFacility => "link_facility",
            Self::PracticeNavigator => "practice_navigator",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::LinkFacility, Self::PracticeNavigator]
            .into_iter()
            .find(|m| m.code() == code)
    }
}

/// A programme (tenant): its own geography, languages, link-work model and settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Programme {
    /// Its id.
    pub id: ProgrammeId,
    /// Its slug.
    pub slug: ProgrammeSlug,
    /// Its display name.
    pub name: String,
    /// The languages its UI offers; the first is the default.
    pub languages: Vec<Language>,
    /// IANA time zone name (`Europe/Berlin`).
    pub time_zone: String,
    /// The public holidays its deadlines skip (with the time zone, its
    /// [`crate::calendar::WorkingDays`]).
    pub holiday_calendar: HolidayCalendar,
    /// How link work is organised.
    pub link_work_model: LinkWorkModel,
    /// The deadlines of the link workers' next actions, in working days.
    pub next_action: crate::next_action::NextActionSettings,
    /// Failed contact attempts before a person may be marked unreachable.
    pub contact_attempts_before_unreachable: u32,
    /// Whether the programme's published offers appear in the public directory.
    pub public_directory: bool,
    /// Days a person's data is kept after their last referral closed; then the retention job
    /// anonymises it.
    pub retention_days: u32,
    /// Whether roles that see identities must sign in with a second factor (TOTP).
    pub second_factor_required: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_validated() {
        assert!(ProgrammeSlug::parse("duesseldorf").is_ok());
        assert!(ProgrammeSlug::parse("berlin-2026").is_ok());
        for bad in ["", "a", "Düsseldorf", "1abc", "with space", &"x".repeat(41)] {
            assert!(ProgrammeSlug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn language_tags_parse() {
        assert_eq!(Language::from_tag("de-DE"), Some(Language::German));
        assert_eq!(Language::from_tag("DA"), Some(Language::Danish));
        assert_eq!(Language::from_tag("fr"), None);
    }
}
