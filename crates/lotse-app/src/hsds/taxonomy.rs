//! The four vocabularies Lotse publishes as HSDS taxonomies: need domains, categories, target
//! groups and accessibility features. Their ids and their terms' ids are UUIDv5 names under
//! one fixed namespace, so every Lotse instance publishes the same ids and an export can be
//! imported elsewhere.

use lotse_domain::need::NeedDomain;
use lotse_domain::offer::{AccessibilityFeature, Offer, OfferCategory, TargetGroup};
use uuid::Uuid;

use super::Labels;
use super::model::{Taxonomy, TaxonomyTerm};

/// The namespace of every id Lotse derives for HSDS ("lotse-hsds-3.0" in ASCII, then 1).
pub const NAMESPACE: Uuid = Uuid::from_u128(0x6c6f_7473_652d_6873_6473_2d33_2e30_0001);

/// The version of the vocabularies.
pub const VERSION: &str = "1";

/// One of the vocabularies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vocabulary {
    /// What a person needs support with.
    NeedDomain,
    /// What kind of offer it is.
    Category,
    /// Whom it is for.
    TargetGroup,
    /// Accessibility features.
    Accessibility,
}

impl Vocabulary {
    /// All, in publishing order.
    pub const ALL: [Self; 4] = [Self::NeedDomain, Self::Category, Self::TargetGroup, Self::Accessibility];

    /// The taxonomy's code (`taxonomy_term.taxonomy`).
    pub const fn code(self) -> &'static str {
        match self {
            Self::NeedDomain => "lotse-need-domain",
            Self::Category => "lotse-category",
            Self::TargetGroup => "lotse-target-group",
            Self::Accessibility => "lotse-accessibility",
        }
    }

    /// The taxonomy's id.
    pub fn id(self) -> Uuid {
        Uuid::new_v5(&NAMESPACE, self.code().as_bytes())
    }

    /// The prefix of its terms' label keys (`need-loneliness` …).
    const fn label_prefix(self) -> &'static str {
        match self {
            Self::NeedDomain => "need",
            Self::Category => "category",
            Self::TargetGroup => "target",
            Self::Accessibility => "access",
        }
    }

    /// Its terms' codes.
    pub fn codes(self) -> Vec<&'static str> {
        match self {
            Self::NeedDomain => NeedDomain::ALL.iter().map(|n| n.code()).collect(),
            Self::Category => OfferCategory::ALL.iter().map(|c| c.code()).collect(),
            Self::TargetGroup => TargetGroup::ALL.iter().map(|g| g.code()).collect(),
            Self::Accessibility => AccessibilityFeature::ALL.iter().map(|f| f.code()).collect(),
        }
    }

    /// The taxonomy as HSDS, named in the labels' language.
    pub fn taxonomy(self, labels: &dyn Labels) -> Taxonomy {
        Taxonomy {
            id: self.id(),
            name: labels.label(&format!("hsds-taxonomy-{}", self.code())),
            description: labels.label(&format!("hsds-taxonomy-{}-description", self.code())),
            version: VERSION.to_owned(),
        }
    }

    /// The vocabulary with this id.
    pub fn by_id(id: Uuid) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.id() == id)
    }
}

/// A term: a vocabulary and a code of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Term {
    /// The vocabulary.
    pub vocabulary: Vocabulary,
    /// The code.
    pub code: &'static str,
}

impl Term {
    /// The term's id.
    pub fn id(self) -> Uuid {
        Uuid::new_v5(
            &NAMESPACE,
            format!("{}/{}", self.vocabulary.code(), self.code).as_bytes(),
        )
    }

    /// The term as HSDS, named in the labels' language.
    pub fn taxonomy_term(self, labels: &dyn Labels) -> TaxonomyTerm {
        let name = labels.label(&format!("{}-{}", self.vocabulary.label_prefix(), self.code));
        let taxonomy = labels.label(&format!("hsds-taxonomy-{}", self.vocabulary.code()));
        TaxonomyTerm {
            id: self.id(),
            code: self.code.to_owned(),
            description: format!("{taxonomy}: {name}"),
            name,
            taxonomy: self.vocabulary.code().to_owned(),
            taxonomy_id: self.vocabulary.id(),
            language: labels.language().to_owned(),
        }
    }

    /// Every term of every vocabulary, in publishing order.
    pub fn all() -> Vec<Self> {
        Vocabulary::ALL
            .into_iter()
            .flat_map(|vocabulary| {
                vocabulary
                    .codes()
                    .into_iter()
                    .map(move |code| Self { vocabulary, code })
            })
            .collect()
    }

    /// The term with this id.
    pub fn by_id(id: Uuid) -> Option<Self> {
        Self::all().into_iter().find(|t| t.id() == id)
    }

    /// The term of this vocabulary with this code.
    pub fn by_code(vocabulary: Vocabulary, code: &str) -> Option<Self> {
        vocabulary
            .codes()
            .into_iter()
            .find(|c| *c == code)
            .map(|code| Self { vocabulary, code })
    }

    /// The terms an offer carries: its need domains, its category, its target groups and its
    /// accessibility features.
    pub fn of_offer(offer: &Offer) -> Vec<Self> {
        let term = |vocabulary, code| Self { vocabulary, code };
        let mut terms: Vec<Self> = offer
            .need_domains
            .iter()
            .map(|n| term(Vocabulary::NeedDomain, n.code()))
            .collect();
        terms.push(term(Vocabulary::Category, offer.category.code()));
        terms.extend(
            offer
                .target_groups
                .iter()
                .map(|g| term(Vocabulary::TargetGroup, g.code())),
        );
        terms.extend(
            offer
                .accessibility
                .iter()
                .map(|f| term(Vocabulary::Accessibility, f.code())),
        );
        terms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_fixed_and_distinct() {
        // Written down once: an id that changes breaks every feed consumer's links.
        assert_eq!(
            Vocabulary::NeedDomain.id(),
            Uuid::new_v5(&NAMESPACE, b"lotse-need-domain")
        );
        let terms = Term::all();
        let mut ids: Vec<Uuid> = terms.iter().map(|t| t.id()).collect();
        ids.extend(Vocabulary::ALL.map(Vocabulary::id));
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
        assert_eq!(terms.len(), 14 + 9 + 9 + 6);
        for t in terms {
            assert_eq!(Term::by_id(t.id()), Some(t));
            assert_eq!(Term::by_code(t.vocabulary, t.code), Some(t));
        }
    }
}
