//! Item texts of validated language versions, each with its source.
//!
//! **Rule:** an instrument is offered in a language only if [`item_set`] has its published,
//! validated wording for that language. There are no made-up or machine translations here: a
//! language without a text is `None`, and the instrument is then not offered in it. Adding a
//! language means adding the published wording with its source.
//!
//! Texts here: WHO-5 in English, German and Danish (Psychiatric Research Unit translations);
//! UCLA-3 in English (Hughes et al. 2004); ONS4 in English (ONS). De Jong Gierveld 6 has none
//! yet. SWEMWBS never has any: its texts are licensed and come from a licensed import, not
//! from the code.

use super::Instrument;

/// One validated language version of an instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemSet {
    /// Where the wording comes from.
    pub source: &'static str,
    /// The instructions shown before the items, where the published wording is known.
    pub instructions: Option<&'static str>,
    /// The lead-in shared by all items (e.g. "Over the last two weeks"), if any.
    pub stem: Option<&'static str>,
    /// The item texts in item order (item 1 first).
    pub items: &'static [&'static str],
    /// The response options as (stored answer, label), in the published order.
    pub responses: &'static [(u8, &'static str)],
}

/// The validated texts of `instrument` in `language`, a BCP 47 tag of which only the primary
/// language subtag counts (`de-AT` finds `de`), case-insensitively. `None`: no validated text
/// in that language, so the instrument is not offered in it.
pub fn item_set(instrument: Instrument, language: &str) -> Option<&'static ItemSet> {
    let primary = language.split(['-', '_']).next()?.to_ascii_lowercase();
    match (instrument, primary.as_str()) {
        (Instrument::Who5, "en") => Some(&WHO5_EN),
        (Instrument::Who5, "de") => Some(&WHO5_DE),
        (Instrument::Who5, "da") => Some(&WHO5_DA),
        (Instrument::Ucla3, "en") => Some(&UCLA3_EN),
        (Instrument::Ons4, "en") => Some(&ONS4_EN),
        _ => None,
    }
}

/// The languages (primary subtags) in which `instrument` has validated texts.
pub fn languages(instrument: Instrument) -> &'static [&'static str] {
    match instrument {
        Instrument::Who5 => &["en", "de", "da"],
        Instrument::Ucla3 | Instrument::Ons4 => &["en"],
        Instrument::DeJongGierveld6 | Instrument::Swemwbs => &[],
    }
}

const WHO5_SOURCE: &str = "WHO-5 Well-Being Index, 1998 version, Psychiatric Research Unit, WHO Collaborating Centre in \
                           Mental Health, Frederiksborg General Hospital, Hillerød";

static WHO5_EN: ItemSet = ItemSet {
    source: WHO5_SOURCE,
    instructions: Some(
        "Please indicate for each of the five statements which is closest to how you have been feeling over the last \
         two weeks. Notice that higher numbers mean better well-being.",
    ),
    stem: Some("Over the last two weeks"),
    items: &[
        "I have felt cheerful and in good spirits",
        "I have felt calm and relaxed",
        "I have felt active and vigorous",
        "I woke up feeling fresh and rested",
        "My daily life has been filled with things that interest me",
    ],
    responses: &[
        (5, "All of the time"),
        (4, "Most of the time"),
        (3, "More than half of the time"),
        (2, "Less than half of the time"),
        (1, "Some of the time"),
        (0, "At no time"),
    ],
};

static WHO5_DE: ItemSet = ItemSet {
    source: "WHO-5 Well-Being Index, German translation (WHO-Fragebogen zum Wohlbefinden), Psychiatric Research Unit, \
             Hillerød",
    instructions: None,
    stem: Some("In den letzten zwei Wochen"),
    items: &[
        "… war ich froh und guter Laune",
        "… habe ich mich ruhig und entspannt gefühlt",
        "… habe ich mich energisch und aktiv gefühlt",
        "… habe ich mich beim Aufwachen frisch und ausgeruht gefühlt",
        "… war mein Alltag voller Dinge, die mich interessieren",
    ],
    responses: &[
        (5, "Die ganze Zeit"),
        (4, "Meistens"),
        (3, "Etwas mehr als die Hälfte der Zeit"),
        (2, "Etwas weniger als die Hälfte der Zeit"),
        (1, "Ab und zu"),
        (0, "Zu keinem Zeitpunkt"),
    ],
};

static WHO5_DA: ItemSet = ItemSet {
    source: "WHO-5 Well-Being Index, Danish version (WHO-5 Trivselsindeks), Psychiatric Research Unit, Hillerød",
    instructions: None,
    stem: Some("I de sidste 2 uger"),
    items: &[
        "… har jeg været glad og i godt humør",
        "… har jeg følt mig rolig og afslappet",
        "… har jeg følt mig aktiv og energisk",
        "… er jeg vågnet frisk og udhvilet",
        "… har min dagligdag været fyldt med ting der interesserer mig",
    ],
    responses: &[
        (5, "Hele tiden"),
        (4, "Det meste af tiden"),
        (3, "Lidt mere end halvdelen af tiden"),
        (2, "Lidt mindre end halvdelen af tiden"),
        (1, "Lidt af tiden"),
        (0, "På intet tidspunkt"),
    ],
};

static UCLA3_EN: ItemSet = ItemSet {
    source: "Hughes M.E., Waite L.J., Hawkley L.C., Cacioppo J.T. (2004), A short scale for measuring loneliness in \
             large surveys, Research on Aging 26(6):655-672",
    instructions: Some(
        "The next questions are about how you feel about different aspects of your life. For each one, tell me how \
         often you feel that way.",
    ),
    stem: None,
    items: &[
        "How often do you feel that you lack companionship?",
        "How often do you feel left out?",
        "How often do you feel isolated from others?",
    ],
    responses: &[(1, "Hardly ever"), (2, "Some of the time"), (3, "Often")],
};

static ONS4_EN: ItemSet = ItemSet {
    source: "Office for National Statistics, personal well-being questions as on the Annual Population Survey \
             (Government Statistical Service harmonised standard, Personal well-being)",
    instructions: Some(
        "Next I would like to ask you four questions about your feelings on aspects of your life. There are no right \
         or wrong answers. For each of these questions I’d like you to give an answer on a scale of nought to 10, \
         where nought is ‘not at all’ and 10 is ‘completely’.",
    ),
    stem: None,
    items: &[
        "Overall, how satisfied are you with your life nowadays?",
        "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
        "Overall, how happy did you feel yesterday?",
        "On a scale where nought is ‘not at all anxious’ and 10 is ‘completely anxious’, overall, how anxious did \
         you feel yesterday?",
    ],
    responses: &[
        (0, "0"),
        (1, "1"),
        (2, "2"),
        (3, "3"),
        (4, "4"),
        (5, "5"),
        (6, "6"),
        (7, "7"),
        (8, "8"),
        (9, "9"),
        (10, "10"),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_set_fits_its_instrument() {
        for instrument in Instrument::ALL {
            for language in languages(instrument) {
                let set = item_set(instrument, language).unwrap();
                assert_eq!(set.items.len(), instrument.items(), "{instrument:?} {language}");
                let range = instrument.answer_range();
                let values: Vec<u8> = set.responses.iter().map(|(v, _)| *v).collect();
                let mut sorted = values.clone();
                sorted.sort_unstable();
                assert_eq!(
                    sorted,
                    range.collect::<Vec<_>>(),
                    "{instrument:?} {language}: every answer once"
                );
                assert!(!set.source.is_empty());
            }
        }
    }

    #[test]
    fn languages_lists_exactly_the_texts_there_are() {
        for instrument in Instrument::ALL {
            for language in ["en", "de", "da", "nl", "fr", "tr", "ar", "uk"] {
                assert_eq!(
                    item_set(instrument, language).is_some(),
                    languages(instrument).contains(&language),
                    "{instrument:?} {language}"
                );
            }
        }
    }

    #[test]
    fn no_text_means_not_offered() {
        assert!(item_set(Instrument::Swemwbs, "en").is_none());
        assert!(item_set(Instrument::DeJongGierveld6, "en").is_none());
        assert!(item_set(Instrument::Ucla3, "de").is_none());
        assert!(item_set(Instrument::Ons4, "da").is_none());
        assert!(item_set(Instrument::Who5, "").is_none());
    }

    #[test]
    fn the_primary_subtag_decides() {
        assert_eq!(item_set(Instrument::Who5, "de-AT"), Some(&WHO5_DE));
        assert_eq!(item_set(Instrument::Who5, "DA_dk"), Some(&WHO5_DA));
        assert_eq!(item_set(Instrument::Who5, "en-GB"), Some(&WHO5_EN));
    }

    #[test]
    fn who5_labels_match_the_scoring_scale() {
        let en = item_set(Instrument::Who5, "en").unwrap();
        assert_eq!(en.responses.first(), Some(&(5, "All of the time")));
        assert_eq!(en.responses.last(), Some(&(0, "At no time")));
        let de = item_set(Instrument::Who5, "de").unwrap();
        assert_eq!(de.responses.last(), Some(&(0, "Zu keinem Zeitpunkt")));
    }
}
