//! Text analysis: tokens, folding, stop words and Snowball stemming.

use std::collections::HashSet;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The language of a text; it chooses the Snowball stemmer.
///
/// `Unknown` text is tokenized and folded but not stemmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// German (Snowball `german`).
    German,
    /// Danish (Snowball `danish`).
    Danish,
    /// English (Snowball `english`, Porter 2).
    English,
    /// Not known: no stemming.
    Unknown,
}

impl Lang {
    /// The languages that have a stemmer, in a fixed order.
    pub const STEMMED: [Lang; 3] = [Lang::German, Lang::Danish, Lang::English];
}

/// Tokens longer than this many chars are cut to this length, on both the index and the query
/// side, so that one huge "word" cannot make analysis expensive.
pub const MAX_TOKEN_CHARS: usize = 64;

/// Stop words, as written. They are compared after folding (so `fuer` is `für`), in any
/// language: a stop word of one language is dropped from every text, on both sides.
const STOP_WORDS: &[&str] = &[
    // German
    "und", "oder", "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem", "einen", "für",
    "mit", "von", "zu", "zum", "zur", "im", "am", "auf", "bei", "ist", // Danish
    "og", "i", "for", "med", "til", "på", "af", "en", "et", "det", "de", "er", "at", "som", "om", // English
    "the", "and", "or", "of", "with", "to", "in", "on", "a", "an", "is", "by",
];

/// The raw tokens of `text`: maximal runs of alphanumeric chars (combining marks stay inside a
/// token, so decomposed "u\u{308}" does not split a word), each cut to [`MAX_TOKEN_CHARS`].
pub(crate) fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| {
        if c.is_ascii() {
            !c.is_ascii_alphanumeric()
        } else {
            !(c.is_alphanumeric() || is_combining_mark(c))
        }
    })
    .filter(|token| !token.is_empty())
    .map(|token| {
        if token.len() <= MAX_TOKEN_CHARS {
            return token; // no more chars than bytes
        }
        match token.char_indices().nth(MAX_TOKEN_CHARS) {
            Some((end, _)) => token.get(..end).unwrap_or(token),
            None => token,
        }
    })
}

/// Writes `token` lowercased into `out` (cleared first).
pub(crate) fn lowercase_into(token: &str, out: &mut String) {
    out.clear();
    if token.is_ascii() {
        out.push_str(token);
        out.make_ascii_lowercase();
    } else {
        out.extend(token.chars().flat_map(char::to_lowercase));
    }
}

/// Folds a word so that spelling variants meet: lowercase, NFKD without combining marks
/// (ü → u, é → e, å → a), ß → ss, æ → ae, ø and œ → oe, then the pairs ae, oe, ue, aa and ss
/// collapse to their first letter. So "Düsseldorf", "Duesseldorf" and "Dusseldorf" all fold to
/// "duseldorf", "Straße" and "Strasse" to "strase", "Århus" and "Aarhus" to "arhus". The
/// collapse runs in one pass over the output (a letter is dropped when it completes a pair with
/// the letter before it), which leaves no pair behind, so folding a folded word changes
/// nothing.
pub fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    fold_into(word, &mut out);
    out
}

/// [`fold`] into `out` (cleared first).
pub(crate) fn fold_into(word: &str, out: &mut String) {
    out.clear();
    let mut last: Option<char> = None;
    let mut push = |c: char| {
        let completes_pair =
            last.is_some_and(|before| matches!((before, c), ('a' | 'o' | 'u', 'e') | ('a', 'a') | ('s', 's')));
        if completes_pair {
            return;
        }
        out.push(c);
        last = Some(c);
    };
    for c in word.nfkd().flat_map(char::to_lowercase) {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' => {
                push('s');
                push('s');
            }
            'æ' => {
                push('a');
                push('e');
            }
            'ø' | 'œ' => {
                push('o');
                push('e');
            }
            other => push(other),
        }
    }
}

/// A token after analysis: its folded form and, for a known language, its folded stem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Analyzed {
    pub(crate) exact: String,
    pub(crate) stem: Option<String>,
}

/// The stemmers and the folded stop words; built once per index.
pub(crate) struct Analyzer {
    german: Stemmer,
    danish: Stemmer,
    english: Stemmer,
    stop_words: HashSet<String>,
}

impl Analyzer {
    pub(crate) fn new() -> Self {
        Self {
            german: Stemmer::create(Algorithm::German),
            danish: Stemmer::create(Algorithm::Danish),
            english: Stemmer::create(Algorithm::English),
            stop_words: STOP_WORDS.iter().map(|word| fold(word)).collect(),
        }
    }

    fn stemmer(&self, lang: Lang) -> Option<&Stemmer> {
        match lang {
            Lang::German => Some(&self.german),
            Lang::Danish => Some(&self.danish),
            Lang::English => Some(&self.english),
            Lang::Unknown => None,
        }
    }

    /// Whether a folded word is a stop word.
    pub(crate) fn is_stop_word(&self, folded: &str) -> bool {
        self.stop_words.contains(folded)
    }

    /// The folded Snowball stem of a lowercased token, `None` for [`Lang::Unknown`].
    pub(crate) fn stem(&self, lang: Lang, lowercase: &str) -> Option<String> {
        self.stemmer(lang).map(|stemmer| fold(&stemmer.stem(lowercase)))
    }

    /// Analyzes a lowercased token of a text in `lang`; `None` for a stop word or a token that
    /// folds to nothing.
    pub(crate) fn analyze(&self, lang: Lang, lowercase: &str) -> Option<Analyzed> {
        let exact = fold(lowercase);
        if exact.is_empty() || self.is_stop_word(&exact) {
            return None;
        }
        let stem = self.stem(lang, lowercase).filter(|stem| !stem.is_empty());
        Some(Analyzed { exact, stem })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_variants_fold_to_the_same_key() {
        // (a, b): both must fold to the same key, checked in both directions.
        let same = [
            ("Düsseldorf", "Duesseldorf"),
            ("Düsseldorf", "Dusseldorf"),
            ("Duesseldorf", "Dusseldorf"),
            ("Aarhus", "Århus"),
            ("Straße", "Strasse"),
            ("Grenaa", "Grenå"),
            ("Müller", "Mueller"),
            ("Köln", "Koeln"),
            ("Bæredygtig", "Baeredygtig"),
            ("Søndergade", "Sondergade"),
            ("Øster", "Oester"),
            ("Café", "Cafe"),
            ("Aabenraa", "Åbenrå"),
            ("Fußball", "Fussball"),
            ("STRASSE", "straße"),
            ("u\u{308}ber", "über"),
        ];
        for (a, b) in same {
            assert_eq!(fold(a), fold(b), "{a} and {b} must meet");
            assert_eq!(fold(b), fold(a), "{b} and {a} must meet");
        }
    }

    #[test]
    fn folding_gives_the_keys_written_here() {
        let table = [
            ("Düsseldorf", "duseldorf"),
            ("Duesseldorf", "duseldorf"),
            ("Straße", "strase"),
            ("Århus", "arhus"),
            ("Aarhus", "arhus"),
            ("Grenå", "grena"),
            ("fællesskab", "falleskab"),
            ("Yoga", "yoga"),
            ("", ""),
        ];
        for (word, key) in table {
            assert_eq!(fold(word), key, "{word}");
        }
    }

    #[test]
    fn different_words_stay_apart() {
        let apart = [("Schwimmen", "Schwamm"), ("Kiel", "Kühl")];
        for (a, b) in apart {
            assert_ne!(fold(a), fold(b), "{a} and {b}");
        }
    }

    #[test]
    fn folding_twice_changes_nothing() {
        for word in ["Düsseldorf", "aae", "uee", "ssss", "Æøå", "Straße", "aeaeae"] {
            let once = fold(word);
            assert_eq!(fold(&once), once, "{word}");
        }
    }

    #[test]
    fn tokens_split_on_non_alphanumerics_and_are_cut() {
        let got: Vec<&str> = tokens("Yoga-Kurs, 2x/Woche (für Ältere) u\u{308}ber").collect();
        assert_eq!(got, ["Yoga", "Kurs", "2x", "Woche", "für", "Ältere", "u\u{308}ber"]);
        let long = "x".repeat(1000);
        let cut: Vec<&str> = tokens(&long).collect();
        assert_eq!(
            cut.iter().map(|t| t.chars().count()).collect::<Vec<_>>(),
            [MAX_TOKEN_CHARS]
        );
    }

    #[test]
    fn stop_words_are_dropped_in_any_spelling() {
        let analyzer = Analyzer::new();
        for word in ["und", "für", "fuer", "og", "på", "the", "The"] {
            let mut lower = String::new();
            lowercase_into(word, &mut lower);
            assert_eq!(analyzer.analyze(Lang::German, &lower), None, "{word}");
        }
        assert!(analyzer.analyze(Lang::German, "yoga").is_some());
    }

    #[test]
    fn stems_meet_per_language() {
        let analyzer = Analyzer::new();
        let pairs = [
            (Lang::German, "senioren", "senior"),
            (Lang::German, "bewegungen", "bewegung"),
            (Lang::Danish, "fællesskaber", "fællesskab"),
            (Lang::English, "walking", "walk"),
        ];
        for (lang, a, b) in pairs {
            let stem_a = analyzer.stem(lang, a);
            assert!(stem_a.is_some(), "{a}");
            assert_eq!(stem_a, analyzer.stem(lang, b), "{a} and {b} in {lang:?}");
        }
        assert_eq!(analyzer.stem(Lang::Unknown, "walking"), None);
    }
}
