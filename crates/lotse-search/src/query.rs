//! What a search asks for, and how its text becomes terms.

use crate::facets::FacetId;
use crate::geo::Point;
use crate::index::DocKey;
use crate::text::{Analyzer, Lang, fold, lowercase_into, tokens};

/// At most this many terms of a query's text are used; later words are ignored.
pub const MAX_QUERY_TERMS: usize = 32;

/// At most this many tokens of a query's text are looked at (stop words included), so a huge
/// text costs no more than a short one.
pub const MAX_QUERY_TOKENS: usize = 256;

/// The last query term is also matched as a prefix when it has at least this many chars
/// (after folding).
pub const MIN_PREFIX_CHARS: usize = 3;

/// A search.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Words to find; every word (stop words aside) must match. Empty or blank: no text
    /// constraint. Only the first [`MAX_QUERY_TERMS`] words count.
    pub text: String,
    /// Languages whose stemmers apply to the text; empty means all of German, Danish and
    /// English; [`Lang::Unknown`] alone means no stemming.
    pub langs: Vec<Lang>,
    /// Facet filters, all of which must hold.
    pub filters: Vec<Filter>,
    /// A point to measure distance from, with an optional radius.
    pub near: Option<Near>,
    /// Soft preferences: they add to the score but filter nothing.
    pub boosts: Vec<Boost>,
    /// Order of the hits.
    pub sort: Sort,
    /// Hits to skip (for paging).
    pub offset: usize,
    /// Hits to return at most; 0 returns only the total and the facet counts.
    pub limit: usize,
    /// Facets to count over the whole matching set.
    pub count_facets: Vec<FacetId>,
}

impl Default for Query {
    /// All documents, by relevance, the first 20.
    fn default() -> Self {
        Self {
            text: String::new(),
            langs: Vec::new(),
            filters: Vec::new(),
            near: None,
            boosts: Vec::new(),
            sort: Sort::Relevance,
            offset: 0,
            limit: 20,
            count_facets: Vec::new(),
        }
    }
}

/// A facet filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// The document has at least one of `values` (so an empty list matches nothing).
    AnyOf {
        /// The facet.
        facet: FacetId,
        /// Accepted values.
        values: Vec<u32>,
    },
    /// The document has none of `values`.
    NoneOf {
        /// The facet.
        facet: FacetId,
        /// Excluded values.
        values: Vec<u32>,
    },
    /// The document's key is one of `keys` (for conditions the caller checks itself, such as
    /// "modified after"; unknown keys are ignored, so an empty list matches nothing).
    Keys {
        /// Accepted keys.
        keys: Vec<DocKey>,
    },
}

/// Distance from a point: an optional hard radius and a score penalty per kilometre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    /// Where distances are measured from. An invalid point (NaN, out of range) makes every
    /// distance unknown: a radius then matches nothing.
    pub point: Point,
    /// Only documents with a point at most this far (metres). A negative or NaN radius matches
    /// nothing; documents without a point never match a radius.
    pub radius_m: Option<f64>,
    /// Subtracted from the relevance score per kilometre of distance (non-finite: 0).
    /// Documents without a point get no penalty.
    pub distance_weight_per_km: f32,
}

/// A soft preference: documents with `value` of `facet` get `weight` added to their score
/// (non-finite: 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boost {
    /// The facet.
    pub facet: FacetId,
    /// The preferred value.
    pub value: u32,
    /// Added to the score of documents with the value (negative to push them down).
    pub weight: f32,
}

/// Order of the hits. Ties are broken by ascending [`DocKey`](crate::DocKey), so the order is
/// total and paging is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Highest score first.
    #[default]
    Relevance,
    /// Nearest first, documents without a point last. Without a usable `near` point this is
    /// [`Sort::Relevance`].
    Distance,
}

/// One word of the query text, analyzed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryTerm {
    /// As the user typed it.
    pub(crate) typed: String,
    /// Folded.
    pub(crate) folded: String,
    /// Folded stems, one per query language, without repeats.
    pub(crate) stems: Vec<String>,
    /// Whether to match it also as a prefix (the last term, long enough).
    pub(crate) prefix: bool,
}

/// The terms of a query text: tokens without stop words, at most [`MAX_QUERY_TERMS`].
pub(crate) fn terms(analyzer: &Analyzer, text: &str, langs: &[Lang]) -> Vec<QueryTerm> {
    let mut stem_langs: Vec<Lang> = if langs.is_empty() {
        Lang::STEMMED.to_vec()
    } else {
        langs.iter().copied().filter(|&lang| lang != Lang::Unknown).collect()
    };
    stem_langs.dedup();

    let mut lowercase = String::new();
    let mut terms: Vec<QueryTerm> = Vec::new();
    for token in tokens(text).take(MAX_QUERY_TOKENS) {
        if terms.len() == MAX_QUERY_TERMS {
            break;
        }
        lowercase_into(token, &mut lowercase);
        let folded = fold(&lowercase);
        if folded.is_empty() || analyzer.is_stop_word(&folded) {
            continue;
        }
        let mut stems: Vec<String> = Vec::new();
        for &lang in &stem_langs {
            let stem = analyzer.stem(lang, &lowercase);
            if let Some(stem) = stem.filter(|stem| !stem.is_empty() && !stems.contains(stem)) {
                stems.push(stem);
            }
        }
        terms.push(QueryTerm {
            typed: token.to_owned(),
            folded,
            stems,
            prefix: false,
        });
    }
    if let Some(last) = terms.last_mut() {
        last.prefix = last.folded.chars().count() >= MIN_PREFIX_CHARS;
    }
    // A repeated word adds nothing but cost.
    let mut seen: Vec<(String, bool)> = Vec::new();
    terms.retain(|term| {
        let key = (term.folded.clone(), term.prefix);
        let new = !seen.contains(&key);
        if new {
            seen.push(key);
        }
        new
    });
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_terms_without_stop_words() {
        let analyzer = Analyzer::new();
        let got = terms(&analyzer, "Schwimmen für Senioren in Düsseldorf", &[Lang::German]);
        let typed: Vec<&str> = got.iter().map(|t| t.typed.as_str()).collect();
        assert_eq!(typed, ["Schwimmen", "Senioren", "Düsseldorf"]);
        let folded: Vec<&str> = got.iter().map(|t| t.folded.as_str()).collect();
        assert_eq!(folded, ["schwimmen", "senioren", "duseldorf"]);
        assert_eq!(got[1].stems, ["senior"]);
        let prefix: Vec<bool> = got.iter().map(|t| t.prefix).collect();
        assert_eq!(prefix, [false, false, true]);
    }

    #[test]
    fn languages_choose_the_stems() {
        let analyzer = Analyzer::new();
        let all = terms(&analyzer, "walking", &[]);
        assert!(all[0].stems.contains(&"walk".to_owned()));
        let none = terms(&analyzer, "walking", &[Lang::Unknown]);
        assert!(none[0].stems.is_empty());
    }

    #[test]
    fn short_last_terms_are_no_prefix_and_terms_are_capped() {
        let analyzer = Analyzer::new();
        assert!(!terms(&analyzer, "yoga ab", &[])[1].prefix);
        assert!(terms(&analyzer, "   ", &[]).is_empty());
        assert!(terms(&analyzer, "und die the", &[]).is_empty());
        let many = (0..1000).map(|i| format!("wort{i}")).collect::<Vec<_>>().join(" ");
        assert_eq!(terms(&analyzer, &many, &[]).len(), MAX_QUERY_TERMS);
        let repeated = terms(&analyzer, "yoga yoga yoga", &[]);
        assert_eq!(repeated.len(), 2, "one plain, one as the last (prefix) term");
    }
}
