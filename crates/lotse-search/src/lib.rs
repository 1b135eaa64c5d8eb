//! Lotse's offer search: an in-memory index with no I/O.
//!
//! The index knows [`Document`]s, not offers: text in several languages (title and body), facet
//! values, a point and a static prior. The application maps offers to documents, keeps the
//! [`DocKey`] ↔ offer id map, and turns [`Hit`]s into plain-language explanations. It serves the
//! link workers' directory, the JSON API and the HSDS `/hsds/services?search=` API.
//!
//! ```
//! use lotse_search::{Document, FacetId, Filter, IndexBuilder, Lang, Query};
//!
//! let mut builder = IndexBuilder::new();
//! builder.add(Document {
//!     key: 7,
//!     title: vec![(Lang::German, "Schwimmen für Senioren".to_owned())],
//!     facets: vec![(FacetId(1), 3)],
//!     ..Document::default()
//! });
//! let index = builder.build();
//! let results = index.search(&Query {
//!     text: "Senior Shwimmen".to_owned(), // a stem and a typo
//!     filters: vec![Filter::AnyOf { facet: FacetId(1), values: vec![3] }],
//!     ..Query::default()
//! });
//! assert_eq!(results.hits[0].key, 7);
//! assert!(results.hits[0].typo);
//! ```
//!
//! # Text
//!
//! Text is split into tokens at every char that is neither alphanumeric nor a combining mark,
//! lowercased, and cut to [`MAX_TOKEN_CHARS`]. Each token is then
//!
//! - **folded** ([`fold`]): NFKD without combining marks, ß → ss, æ → ae, ø → oe, then the pairs
//!   ae, oe, ue, aa and ss collapse to one letter. "Düsseldorf", "Duesseldorf" and "Dusseldorf"
//!   meet, as do "Århus"/"Aarhus", "Straße"/"Strasse" and "Grenå"/"Grenaa". A few unrelated
//!   words meet too ("Masse"/"Maße"); that is the price of finding the spelling variants;
//! - dropped if its folded form is a **stop word** of German, Danish or English (short lists in
//!   `text.rs`; their union applies to every language on both sides, so index and query agree);
//! - **stemmed** with the Snowball stemmer of the document's [`Lang`] (none for
//!   [`Lang::Unknown`]), and the stem folded too (folding comes after stemming).
//!
//! A document is indexed under its folded tokens (the "exact" namespace) and its folded stems
//! (the "stem" namespace), each with a posting list ([`roaring::RoaringBitmap`]) for title or
//! body and one for the title alone. Prefixes of 3 and 4 chars have their postings
//! precomputed (the union over all words they begin), so short type-ahead prefixes cost one
//! lookup.
//!
//! # Matching
//!
//! The query text gives up to [`MAX_QUERY_TERMS`] terms (from the first [`MAX_QUERY_TOKENS`]
//! tokens). Every term must match (AND); blank text means no text constraint. A term matches a
//! document through any of these variants:
//!
//! | variant   | the document holds                                                 | weight |
//! |-----------|--------------------------------------------------------------------|--------|
//! | exact     | the folded token                                                   | 1.0    |
//! | stem      | the folded stem, stemmed in any of the query's languages           | 0.8    |
//! | related   | a stem 1–2 chars longer or shorter sharing the rest (≥ 4 chars)    | 0.6    |
//! | prefix    | a token the last term begins (≥ [`MIN_PREFIX_CHARS`] chars)        | 0.5    |
//! | typo      | a token within edit distance 1 (5–8 chars) or 2 (9–24 chars), only  | 0.3    |
//! |           | for a query term that no other variant finds in any document        |        |
//!
//! "Related" exists because Snowball does not bring every derived form to one stem (German
//! `wandern` → `wand`, `Wanderungen` → `wander`). Typo candidates come from a deletion
//! neighbourhood (SymSpell) built once over the dictionary and checked with the
//! optimal-string-alignment distance; words added later join a small overlay.
//!
//! # Scoring
//!
//! `score = Σ over terms (idf(term) × field weight × best variant weight) + prior + Σ applying
//! boosts − distance_weight_per_km × km`. The idf is BM25's, from the number of documents the
//! term matches in any way (one idf per term, so a rare typo neighbour never outweighs the
//! word itself). The title weighs 2, the body 1 (all weights: [`Weights`]). Ties go to the
//! lower [`DocKey`], so the order is total and pages never overlap or skip. [`Sort::Distance`]
//! orders by distance, then key.
//!
//! # Facets and geography
//!
//! Every (facet, value) has a bitmap; filters are unions (any of) and differences (none of) of
//! those, intersected with the terms' matches, smallest first. Facet counts are taken over the
//! whole matching set, per facet whichever way is cheaper: one `intersection_len` per value,
//! or one pass over the matching documents reading a per-facet column of value numbers (for
//! facets with many values and small matching sets). Points sit in a grid at three cell sizes
//! (0.01°, 0.1°, 1°); a radius query over many candidates first intersects them with the cells
//! around the circle's bounding box (the finest level with at most 400 cells), then checks each
//! remaining point with the haversine formula. Few candidates are checked directly.
//!
//! # Ranking and cost
//!
//! The page (`offset + limit` hits) comes from a bounded heap. For large matching sets without
//! a distance penalty, the index first walks all documents in prior order and stops as soon as
//! no further document can beat the page (every score is at most prior + each term's best +
//! every positive boost), which usually ends after a few hundred documents; after visiting
//! four times as many documents as match, it finishes with the matching documents it has not
//! seen. Per-document data the ranking reads (key, prior, point) are columns indexed by an
//! internal id, read in order. A query allocates nothing of size n but bitmaps; its cost is the
//! unions of its variants' postings, one intersection per term and filter, a distance per
//! candidate within the grid cells, the facet counts, and O(m log k) for the page. Typo lookup
//! costs O(L²) hash probes for an L-char word. [`Index::upsert`] and [`Index::remove`] cost
//! O(words of the document).
//!
//! [`IndexBuilder::build`] builds posting lists by a counting sort, caches the analysis of
//! each distinct token, and builds the typo index, facets and grid on a second thread (falling
//! back to one thread if it cannot start one).
//!
//! # Limits
//!
//! Odd input never panics: invalid points count as no point, non-finite priors, weights and
//! boosts as 0, a NaN or negative radius matches nothing, huge offsets give an empty page,
//! long texts and tokens are cut (see the constants). At most 2²⁸ distinct terms are indexed.
//! Removed words stay in the dictionary (without documents), and facet values once seen keep
//! their place, until the index is built anew; rebuild now and then if offers churn a lot.

mod facets;
mod geo;
mod index;
mod query;
mod results;
mod score;
mod search;
mod terms;
mod text;
mod token_cache;
mod typo;

pub use facets::FacetId;
pub use geo::{EARTH_RADIUS_M, Point};
pub use index::{DocKey, Document, Index, IndexBuilder};
pub use query::{Boost, Filter, MAX_QUERY_TERMS, MAX_QUERY_TOKENS, MIN_PREFIX_CHARS, Near, Query, Sort};
pub use results::{Hit, Results};
pub use score::Weights;
pub use text::{Lang, MAX_TOKEN_CHARS, fold};
