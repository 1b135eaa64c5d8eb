//! What a search returns.

use crate::facets::FacetId;
use crate::index::DocKey;

/// The answer to a [`Query`](crate::Query).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Results {
    /// Number of documents matching (text, filters and radius), before offset and limit.
    pub total: usize,
    /// The requested page of hits, in order.
    pub hits: Vec<Hit>,
    /// For each facet in `count_facets` (in that order): `(value, count)` over the whole
    /// matching set, sorted by value; values no matching document holds are left out.
    pub facet_counts: Vec<(FacetId, Vec<(u32, u32)>)>,
}

impl Results {
    /// The counts for `facet`, if it was asked for.
    pub fn counts(&self, facet: FacetId) -> Option<&[(u32, u32)]> {
        self.facet_counts
            .iter()
            .find(|(id, _)| *id == facet)
            .map(|(_, counts)| counts.as_slice())
    }
}

/// One matching document, with what the caller needs to explain it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The document's key.
    pub key: DocKey,
    /// Relevance score: text matches + prior + boosts − distance penalty.
    pub score: f32,
    /// Distance from the query's `near` point, if both points are known.
    pub distance_m: Option<f64>,
    /// The query's words (as typed, stop words left out) that this document matched. Words
    /// are ANDed, so this is every word of the query; its use is to name them.
    pub matched_terms: Vec<String>,
    /// Whether some word matched only thanks to typo tolerance.
    pub typo: bool,
    /// The boosts that applied, as `(facet, value)`.
    pub boosts: Vec<(FacetId, u32)>,
}
