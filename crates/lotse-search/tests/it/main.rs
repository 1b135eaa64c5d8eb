//! Behaviour of the search index through its public API.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failed step must stop the test with its message"
)]

mod facets;
mod geography;
mod matching;
mod oracle;
mod robustness;
mod updates;

use lotse_search::{DocKey, Document, Index, IndexBuilder, Lang, Query, Results};

/// A document with a German title and body.
pub fn doc(key: DocKey, title: &str, body: &str) -> Document {
    Document {
        key,
        title: vec![(Lang::German, title.to_owned())],
        body: vec![(Lang::German, body.to_owned())],
        ..Document::default()
    }
}

pub fn build(docs: impl IntoIterator<Item = Document>) -> Index {
    let mut builder = IndexBuilder::new();
    for doc in docs {
        builder.add(doc);
    }
    builder.build()
}

/// A text query in the given languages, first 100 hits.
pub fn text(words: &str, langs: &[Lang]) -> Query {
    Query {
        text: words.to_owned(),
        langs: langs.to_vec(),
        limit: 100,
        ..Query::default()
    }
}

pub fn keys(results: &Results) -> Vec<DocKey> {
    results.hits.iter().map(|hit| hit.key).collect()
}

/// Keys found for `words`, in ascending key order.
pub fn found(index: &Index, words: &str, langs: &[Lang]) -> Vec<DocKey> {
    let mut found = keys(&index.search(&text(words, langs)));
    found.sort_unstable();
    found
}
