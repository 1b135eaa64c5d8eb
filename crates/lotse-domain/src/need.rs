/// A need domain from the programme's taxonomy (what the person needs support with).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NeedDomain {
    /// Loneliness and isolation.
    Loneliness,
    /// Low mood.
    LowMood,
    /// Bereavement and life transitions.
    Bereavement,
    /// Physical activity.
    PhysicalActivity,
    /// Nutrition.
    Nutrition,
    /// Money and debt.
    MoneyDebt,
    /// Housing.
    Housing,
    /// Work, education, volunteering.
    WorkEducationVolunteering,
    /// Caring for someone.
    Caring,
    /// Digital inclusion.
    DigitalInclusion,
    /// Language and integration.
    LanguageIntegration,
    /// Creativity and culture.
    CreativityCulture,
    /// Nature.
    Nature,
    /// Family and parenting.
    FamilyParenting,
}

impl NeedDomain {
    /// Every need domain, in taxonomy order.
    pub const ALL: [Self; 14] = [
        Self::Loneliness,
        Self::LowMood,
        Self::Bereavement,
        Self::PhysicalActivity,
        Self::Nutrition,
        Self::MoneyDebt,
        Self::Housing,
        Self::WorkEducationVolunteering,
        Self::Caring,
        Self::DigitalInclusion,
        Self::LanguageIntegration,
        Self::CreativityCulture,
        Self::Nature,
        Self::FamilyParenting,
    ];

    /// The stable code stored, exchanged and used as an i18n key suffix.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Loneliness => "loneliness",
            Self::LowMood => "low-mood",
            Self::Bereavement => "bereavement",
            Self::PhysicalActivity => "physical-activity",
            Self::Nutrition => "nutrition",
            Self::MoneyDebt => "money-debt",
            Self::Housing => "housing",
            Self::WorkEducationVolunteering => "work-education-volunteering",
            Self::Caring => "caring",
            Self::DigitalInclusion => "digital-inclusion",
            Self::LanguageIntegration => "language-integration",
            Self::CreativityCulture => "creativity-culture",
            Self::Nature => "nature",
            Self::FamilyParenting => "family-parenting",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for need in NeedDomain::ALL {
            assert_eq!(NeedDomain::from_code(need.code()), Some(need));
            assert!(seen.insert(need.code()));
        }
        assert_eq!(NeedDomain::from_code("astrology"), None);
    }
}
