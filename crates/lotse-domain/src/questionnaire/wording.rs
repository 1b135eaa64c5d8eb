//! The wording a questionnaire is shown in: a built-in validated text ([`super::items`]), or
//! one a licensed programme imported (SWEMWBS: its texts are never committed; `lotse import
//! instrument` stores a programme's licensed copy). [`Wording::parse_import`] checks an import
//! file against the instrument: one text per item, the instrument's whole answer range with a
//! label each, and a source.

use serde::{Deserialize, Serialize};

use super::Instrument;
use super::items::ItemSet;

/// The most characters of one text of an imported wording.
pub const MAX_TEXT_CHARS: usize = 500;

/// An instrument's wording in one language, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wording {
    /// Where the wording comes from (the licence or publication).
    pub source: String,
    /// The instructions shown before the items, if any.
    #[serde(default)]
    pub instructions: Option<String>,
    /// The lead-in shared by all items, if any.
    #[serde(default)]
    pub stem: Option<String>,
    /// The item texts in item order (item 1 first).
    pub items: Vec<String>,
    /// The response options as (stored answer, label), in the order shown.
    pub responses: Vec<(u8, String)>,
}

impl From<&ItemSet> for Wording {
    fn from(set: &ItemSet) -> Self {
        Self {
            source: set.source.to_owned(),
            instructions: set.instructions.map(str::to_owned),
            stem: set.stem.map(str::to_owned),
            items: set.items.iter().map(|t| (*t).to_owned()).collect(),
            responses: set.responses.iter().map(|(v, l)| (*v, (*l).to_owned())).collect(),
        }
    }
}

/// Why an import file was refused (nothing is stored).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Only a licensed instrument is imported; the others' texts are built in.
    #[error("{0} has built-in validated texts and is not imported; only swemwbs is")]
    NotImported(&'static str),
    /// The file is not the JSON object described.
    #[error("the file is not a wording: {0}")]
    Format(String),
    /// A text is empty or too long.
    #[error("{field}: a text of 1 to {MAX_TEXT_CHARS} characters is needed")]
    Text {
        /// Which (`source`, `items[3]`, `responses[0]` …).
        field: String,
    },
    /// Not one text per item.
    #[error("items: {expected} texts are needed (one per item, in item order), the file has {found}")]
    ItemCount {
        /// The instrument's items.
        expected: usize,
        /// Texts in the file.
        found: usize,
    },
    /// The responses are not the instrument's answer range, each value once.
    #[error("responses: each of the answers {from} to {to} needs exactly one label")]
    Responses {
        /// The lowest answer.
        from: u8,
        /// The highest answer.
        to: u8,
    },
}

impl Wording {
    /// Reads an import file (JSON: `source`, optional `instructions` and `stem`, `items`,
    /// `responses` as `[answer, label]` pairs) for `instrument`, which must be licensed.
    pub fn parse_import(instrument: Instrument, json: &str) -> Result<Self, ImportError> {
        if !instrument.is_licensed() {
            return Err(ImportError::NotImported(instrument.code()));
        }
        let wording: Self = serde_json::from_str(json).map_err(|e| ImportError::Format(e.to_string()))?;
        let text_ok = |t: &str| !t.trim().is_empty() && t.chars().count() <= MAX_TEXT_CHARS;
        let check = |field: String, text: &str| {
            if text_ok(text) {
                Ok(())
            } else {
                Err(ImportError::Text { field })
            }
        };
        check("source".into(), &wording.source)?;
        for (field, text) in [("instructions", &wording.instructions), ("stem", &wording.stem)] {
            if let Some(text) = text {
                check(field.into(), text)?;
            }
        }
        if wording.items.len() != instrument.items() {
            return Err(ImportError::ItemCount {
                expected: instrument.items(),
                found: wording.items.len(),
            });
        }
        for (i, text) in wording.items.iter().enumerate() {
            check(format!("items[{i}]"), text)?;
        }
        let range = instrument.answer_range();
        let mut values: Vec<u8> = wording.responses.iter().map(|(v, _)| *v).collect();
        values.sort_unstable();
        if values != range.clone().collect::<Vec<_>>() {
            return Err(ImportError::Responses {
                from: *range.start(),
                to: *range.end(),
            });
        }
        for (i, (_, label)) in wording.responses.iter().enumerate() {
            check(format!("responses[{i}]"), label)?;
        }
        Ok(wording)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file with placeholder texts (never the licensed wording): item numbers only.
    fn file(items: usize, responses: &[u8]) -> String {
        serde_json::json!({
            "source": "Licence 2026-17, placeholder",
            "stem": "Stem",
            "items": (1..=items).map(|n| format!("Item {n}")).collect::<Vec<_>>(),
            "responses": responses.iter().map(|v| (v, format!("Answer {v}"))).collect::<Vec<_>>(),
        })
        .to_string()
    }

    #[test]
    fn a_swemwbs_file_with_seven_items_and_answers_one_to_five_is_read() {
        let wording = Wording::parse_import(Instrument::Swemwbs, &file(7, &[1, 2, 3, 4, 5])).unwrap();
        assert_eq!(wording.items.len(), 7);
        assert_eq!(wording.responses.first(), Some(&(1, "Answer 1".to_owned())));
        // Any order of the labels, as long as each answer has one.
        assert!(Wording::parse_import(Instrument::Swemwbs, &file(7, &[5, 4, 3, 2, 1])).is_ok());
    }

    #[test]
    fn every_wrong_file_is_refused_with_its_reason() {
        let refused = |json: &str| Wording::parse_import(Instrument::Swemwbs, json).unwrap_err();
        assert_eq!(
            refused(&file(6, &[1, 2, 3, 4, 5])),
            ImportError::ItemCount { expected: 7, found: 6 }
        );
        assert_eq!(
            refused(&file(8, &[1, 2, 3, 4, 5])),
            ImportError::ItemCount { expected: 7, found: 8 }
        );
        for answers in [
            &[1, 2, 3, 4][..],
            &[0, 1, 2, 3, 4, 5],
            &[1, 2, 3, 4, 4],
            &[1, 2, 3, 4, 6],
        ] {
            assert_eq!(
                refused(&file(7, answers)),
                ImportError::Responses { from: 1, to: 5 },
                "{answers:?}"
            );
        }
        let mut blank: serde_json::Value = serde_json::from_str(&file(7, &[1, 2, 3, 4, 5])).unwrap();
        blank["items"][3] = serde_json::json!("  ");
        assert_eq!(
            refused(&blank.to_string()),
            ImportError::Text {
                field: "items[3]".into()
            }
        );
        blank["items"][3] = serde_json::json!("x".repeat(MAX_TEXT_CHARS + 1));
        assert_eq!(
            refused(&blank.to_string()),
            ImportError::Text {
                field: "items[3]".into()
            }
        );
        blank["items"][3] = serde_json::json!("x".repeat(MAX_TEXT_CHARS));
        assert!(Wording::parse_import(Instrument::Swemwbs, &blank.to_string()).is_ok());
        blank["source"] = serde_json::json!("");
        assert_eq!(
            refused(&blank.to_string()),
            ImportError::Text { field: "source".into() }
        );
        assert!(matches!(refused("not json"), ImportError::Format(_)));
        assert!(matches!(
            refused(r#"{"source":"x","items":[],"responses":[],"extra":1}"#),
            ImportError::Format(_)
        ));
    }

    #[test]
    fn only_the_licensed_instrument_is_imported() {
        for instrument in Instrument::ALL {
            let result = Wording::parse_import(instrument, &file(instrument.items(), &[1, 2, 3, 4, 5]));
            assert_eq!(
                matches!(result, Err(ImportError::NotImported(_))),
                instrument != Instrument::Swemwbs,
                "{instrument:?}"
            );
        }
    }
}
