//! Text matching: folding, stems, related stems, prefixes, typos, AND, scoring.

use lotse_search::{Document, Lang, Query, Weights};

use crate::{build, doc, found, keys, text};

const DE: &[Lang] = &[Lang::German];
const NO_STEMS: &[Lang] = &[Lang::Unknown];

#[test]
fn spelling_variants_find_each_other() {
    let index = build([
        doc(1, "Stadtführung Düsseldorf", ""),
        doc(2, "Treff in der Straße", ""),
        doc(3, "Gåtur i Århus", ""),
        doc(4, "Strandtur Grenaa", ""),
    ]);
    // (query, expected keys) written by hand; no stemming, so only folding can connect them.
    let table: [(&str, &[u32]); 8] = [
        ("Duesseldorf", &[1]),
        ("Dusseldorf", &[1]),
        ("Düsseldorf", &[1]),
        ("Strasse", &[2]),
        ("Aarhus", &[3]),
        ("Arhus", &[3]),
        ("Grenå", &[4]),
        ("Grenaa", &[4]),
    ];
    for (query, expected) in table {
        assert_eq!(found(&index, query, NO_STEMS), expected, "{query}");
    }
}

#[test]
fn stems_find_each_other() {
    let index = build([
        doc(1, "Treff für jeden Senior", ""),
        doc(2, "Wanderungen im Harz", ""),
        doc(3, "Wir wandern am Sonntag", ""),
        Document {
            key: 4,
            title: vec![(Lang::Danish, "Fællesskab for ældre".to_owned())],
            ..Document::default()
        },
        Document {
            key: 5,
            title: vec![(Lang::English, "Walk group".to_owned())],
            ..Document::default()
        },
        Document {
            key: 6,
            title: vec![(Lang::English, "Walking group".to_owned())],
            ..Document::default()
        },
    ]);
    // (query, languages, expected keys): the longer form as the (last) query word, so a
    // prefix cannot explain the hits; then the shorter form, not as the last word.
    let table: [(&str, &[Lang], &[u32]); 6] = [
        ("Senioren", DE, &[1]),
        ("Wanderungen", DE, &[2, 3]),
        ("fællesskaber", &[Lang::Danish], &[4]),
        ("walking", &[Lang::English], &[5, 6]),
        ("wandern Harz", DE, &[2]),
        ("walk group", &[Lang::English], &[5, 6]),
    ];
    for (query, langs, expected) in table {
        let results = index.search(&text(query, langs));
        let mut got = keys(&results);
        got.sort_unstable();
        assert_eq!(got, expected, "{query}");
        assert!(results.hits.iter().all(|hit| !hit.typo), "{query}: no typo needed");
    }
    // Without stemming they do not meet (or only as a typo).
    assert_eq!(found(&index, "Senioren", NO_STEMS), Vec::<u32>::new());
    assert_eq!(found(&index, "Wanderungen", NO_STEMS), [2]);
    assert_eq!(found(&index, "walking", NO_STEMS), [6]);
    let results = index.search(&text("fællesskaber", NO_STEMS));
    assert_eq!(keys(&results), [4]);
    assert!(results.hits[0].typo);
    // No languages given: all stemmers apply.
    assert_eq!(found(&index, "Senioren", &[]), [1]);
}

#[test]
fn typos_are_tolerated_by_length() {
    let index = build([
        doc(1, "Schwimmen", ""),
        doc(2, "Gymnastik", ""),
        doc(3, "Physiotherapie", ""),
        doc(4, "Yoga", ""),
    ]);
    let table: [(&str, &[u32]); 8] = [
        ("Schwimen", &[1]),      // 8 chars, 1 deletion
        ("Gymnastk", &[2]),      // 8 chars, 1 deletion
        ("Gymnsatik", &[2]),     // 9 chars, a swap
        ("Fysiotherapie", &[3]), // 13 chars, distance 2
        ("Gymnaztk", &[]),       // 8 chars, distance 2: too far
        ("Yogi", &[]),           // 4 chars: no typo tolerance
        ("Fysioterapie", &[]),   // distance 3
        ("Schwimmen", &[1]),
    ];
    for (query, expected) in table {
        assert_eq!(found(&index, query, NO_STEMS), expected, "{query}");
    }
    let results = index.search(&text("Schwimen", NO_STEMS));
    assert!(results.hits[0].typo);
    let results = index.search(&text("Schwimmen", NO_STEMS));
    assert!(!results.hits[0].typo);
}

#[test]
fn a_word_some_document_holds_as_it_is_is_not_corrected() {
    // "Kochen" and "Kuchen" are both words: a query for one must not find the other, or a
    // search with nothing near for "Kochen" shows a page of cake.
    let index = build([doc(1, "Kochen", ""), doc(2, "Kuchen", ""), doc(3, "Schwimmer", "")]);
    let results = index.search(&text("Kochen", NO_STEMS));
    assert_eq!(keys(&results), [1]);
    assert!(!results.hits[0].typo);
    // A word no document holds is corrected ("Kochn" is one edit from "Kochen", two from
    // "Kuchen": five chars allow one).
    let results = index.search(&text("Kochn", NO_STEMS));
    assert_eq!(keys(&results), [1]);
    assert!(results.hits.iter().all(|hit| hit.typo));
    let results = index.search(&text("Schwimmen", NO_STEMS));
    assert_eq!(keys(&results), [3]);
    assert!(results.hits[0].typo);
}

#[test]
fn a_word_found_by_its_stem_is_not_corrected_either() {
    // "Wandern" is held by no document, but its German stem finds "Wanderung"; "Ländern" is
    // two edits away and a real word of another meaning.
    let index = build([doc(1, "Wanderung am Rhein", ""), doc(2, "Aus allen Ländern", "")]);
    let results = index.search(&text("Wandern", DE));
    assert_eq!(keys(&results), [1]);
    assert!(!results.hits[0].typo);
    // With nothing found by word, stem or prefix, the typo is forgiven.
    let results = index.search(&text("Rhien", DE));
    assert_eq!(keys(&results), [1]);
    assert!(results.hits[0].typo);
}

#[test]
fn a_rare_word_one_edit_away_from_a_held_word_is_not_a_typo_match() {
    // "Schwimmer" in one title is one edit from "Schwimmen" in forty bodies.
    let mut docs: Vec<Document> = (1..=40).map(|key| doc(key, "Kurs", "Schwimmen")).collect();
    docs.push(doc(100, "Schwimmer", ""));
    let index = build(docs);
    let results = index.search(&text("Schwimmen", NO_STEMS));
    assert_eq!(results.total, 40);
    assert!(results.hits.iter().all(|hit| !hit.typo && hit.key != 100));
}

#[test]
fn the_last_word_is_also_a_prefix() {
    let index = build([doc(1, "Schwimmen", ""), doc(2, "Schwimmbad", ""), doc(3, "Kurse", "")]);
    assert_eq!(found(&index, "Schwim", NO_STEMS), [1, 2]);
    assert_eq!(found(&index, "schwimmb", NO_STEMS), [2]);
    // Not the last word: no prefix.
    assert_eq!(found(&index, "Schwim Kurse", NO_STEMS), Vec::<u32>::new());
    // Fewer than 3 chars: no prefix.
    assert_eq!(found(&index, "Sc", NO_STEMS), Vec::<u32>::new());
    // A complete word is no prefix of a different word.
    let results = index.search(&text("Schwimmen", NO_STEMS));
    assert_eq!(keys(&results), [1]);
}

#[test]
fn words_are_anded_and_stop_words_ignored() {
    let index = build([
        doc(1, "Yoga für Senioren", ""),
        doc(2, "Yoga", "für alle"),
        doc(3, "Senioren-Café", ""),
    ]);
    assert_eq!(found(&index, "Yoga Senioren", DE), [1]);
    assert_eq!(found(&index, "Yoga für Senioren", DE), [1]);
    assert_eq!(found(&index, "yoga", DE), [1, 2]);
    assert_eq!(found(&index, "Yoga Tanz", DE), Vec::<u32>::new());
    let results = index.search(&text("Yoga für Senioren", DE));
    assert_eq!(results.hits[0].matched_terms, ["Yoga", "Senioren"]);
}

#[test]
fn blank_text_matches_all_by_prior_then_key() {
    let index = build([
        Document {
            prior: 0.0,
            ..doc(3, "A", "")
        },
        Document {
            prior: -1.0,
            ..doc(1, "B", "")
        },
        Document {
            prior: 0.0,
            ..doc(2, "C", "")
        },
        Document {
            prior: 0.5,
            ..doc(4, "D", "")
        },
    ]);
    let results = index.search(&text("  ", DE));
    assert_eq!(results.total, 4);
    assert_eq!(keys(&results), [4, 2, 3, 1]);
    assert!(results.hits.iter().all(|hit| hit.matched_terms.is_empty()));
}

#[test]
fn title_matches_outrank_body_matches() {
    let index = build([doc(1, "Treffpunkt", "mit Yoga"), doc(2, "Yoga", "Treffpunkt")]);
    assert_eq!(keys(&index.search(&text("Yoga", DE))), [2, 1]);
    assert_eq!(keys(&index.search(&text("Treffpunkt", DE))), [1, 2]);
}

#[test]
fn a_negative_prior_pushes_a_full_offer_down() {
    let index = build([
        Document {
            prior: -5.0,
            ..doc(1, "Yoga", "")
        },
        doc(2, "Yoga", ""),
    ]);
    assert_eq!(keys(&index.search(&text("Yoga", DE))), [2, 1]);
}

#[test]
fn weights_can_be_changed() {
    let mut index = build([
        doc(1, "Yoga", ""),
        Document {
            prior: 0.1,
            ..doc(2, "Treff", "Yoga")
        },
    ]);
    assert_eq!(keys(&index.search(&text("Yoga", DE))), [1, 2], "the title weighs more");
    index.set_weights(Weights {
        title: 1.0,
        body: 1.0,
        ..Weights::default()
    });
    assert_eq!(
        keys(&index.search(&text("Yoga", DE))),
        [2, 1],
        "now only the prior differs"
    );
}

#[test]
fn titles_and_bodies_in_several_languages_are_all_searched() {
    let index = build([Document {
        key: 1,
        title: vec![
            (Lang::German, "Schwimmen".to_owned()),
            (Lang::Danish, "Svømning".to_owned()),
        ],
        body: vec![(Lang::English, "Swimming for everyone".to_owned())],
        ..Document::default()
    }]);
    for query in ["Schwimmen", "svømning", "svomning", "swim everyone"] {
        assert_eq!(found(&index, query, &[]), [1], "{query}");
    }
    let query = Query {
        text: "swim".to_owned(),
        langs: vec![Lang::English],
        ..Query::default()
    };
    assert_eq!(index.search(&query).total, 1);
}
