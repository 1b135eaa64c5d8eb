//! The prescription sheet ("Soziales Rezept"): what the person takes home. It carries the
//! code (and a QR code of it), what happens next, and whom to contact; never health data, a
//! reason or need domains, because a sheet can be lost.

use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

use crate::PdfError;
use crate::document::{Block, Document};
use crate::text::Direction;

/// The languages a sheet can be printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SheetLanguage {
    /// German.
    De,
    /// Danish.
    Da,
    /// English.
    En,
    /// Turkish.
    Tr,
    /// Arabic (right to left).
    Ar,
    /// Ukrainian.
    Uk,
    /// Russian.
    Ru,
    /// Polish.
    Pl,
}

impl SheetLanguage {
    /// Every language, in the order of the product brief.
    pub const ALL: [Self; 8] = [
        Self::De,
        Self::Da,
        Self::En,
        Self::Tr,
        Self::Ar,
        Self::Uk,
        Self::Ru,
        Self::Pl,
    ];

    /// The language tag (`de`, `da`, …).
    pub fn tag(self) -> &'static str {
        match self {
            Self::De => "de",
            Self::Da => "da",
            Self::En => "en",
            Self::Tr => "tr",
            Self::Ar => "ar",
            Self::Uk => "uk",
            Self::Ru => "ru",
            Self::Pl => "pl",
        }
    }

    /// The language for a tag; the primary subtag decides, case-insensitively (`de`, `de-AT`,
    /// `AR`). `None` for a language without a sheet.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        Self::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// The writing direction.
    pub fn direction(self) -> Direction {
        match self {
            Self::Ar => Direction::Rtl,
            _ => Direction::Ltr,
        }
    }

    /// The issue date as people of this language write it (day first everywhere; dots,
    /// slashes for English and Arabic).
    pub(crate) fn format_date(self, date: time::Date) -> String {
        let separator = match self {
            Self::En | Self::Ar => '/',
            _ => '.',
        };
        format!(
            "{:02}{separator}{:02}{separator}{}",
            date.day(),
            u8::from(date.month()),
            date.year()
        )
    }

    fn source(self) -> &'static str {
        match self {
            Self::De => include_str!("../locales/de/sheet.ftl"),
            Self::Da => include_str!("../locales/da/sheet.ftl"),
            Self::En => include_str!("../locales/en/sheet.ftl"),
            Self::Tr => include_str!("../locales/tr/sheet.ftl"),
            Self::Ar => include_str!("../locales/ar/sheet.ftl"),
            Self::Uk => include_str!("../locales/uk/sheet.ftl"),
            Self::Ru => include_str!("../locales/ru/sheet.ftl"),
            Self::Pl => include_str!("../locales/pl/sheet.ftl"),
        }
    }
}

/// Whom to contact: the link facility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The facility's name.
    pub name: String,
    /// Street, postcode and town, one line each.
    pub address_lines: Vec<String>,
    /// Phone number as it should be printed.
    pub phone: String,
    /// Opening hours, one line each ("Mo–Fr 9–13 Uhr").
    pub opening_hours: Vec<String>,
}

/// What a prescription sheet shows. Deliberately nothing about health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetContent {
    /// The person's language.
    pub language: SheetLanguage,
    /// The prescription code, as printed (`7KQ2-M4XD-R`); also what the QR code holds.
    pub code: String,
    /// The day the sheet was issued.
    pub issued_on: time::Date,
    /// The referring practice's name.
    pub practice: String,
    /// The link facility (an empty name: none was named, and the contact block is left out).
    pub facility: Contact,
    /// Whether the prescription was sent to the facility (the person gave transfer consent):
    /// then the facility will call; else the person is asked to contact it themselves.
    pub referred: bool,
    /// The consents the person gave with the prescription, printed in their words for them to
    /// keep (none: the block is left out).
    pub consents: Vec<SheetConsent>,
    /// The version of the consent texts they were given in.
    pub consent_version: String,
}

/// A consent the person gave at the practice, as the sheet prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetConsent {
    /// Release from medical confidentiality: the prescription goes to the link facility.
    Transfer,
    /// A link worker may call and accompany the person.
    Care,
    /// Their data, without their name, may be used to evaluate the programme.
    Research,
}

impl SheetConsent {
    /// The message of its text.
    fn message_id(self) -> &'static str {
        match self {
            Self::Transfer => "sheet-consent-transfer",
            Self::Care => "sheet-consent-care",
            Self::Research => "sheet-consent-research",
        }
    }
}

/// The text of a consent in `language`, as it is read to the person and printed on the sheet
/// (the prescription form shows it in the person's language too).
pub fn consent_text(language: SheetLanguage, consent: SheetConsent) -> Result<String, PdfError> {
    message(language, consent.message_id(), None)
}

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<Result<HashMap<SheetLanguage, Bundle>, PdfError>> = LazyLock::new(|| {
    let mut bundles = HashMap::new();
    for language in SheetLanguage::ALL {
        let lang = language.tag();
        let locale_error = |problem: String| PdfError::Locale { lang, problem };
        let langid = lang.parse().map_err(|e| locale_error(format!("{e}")))?;
        let mut bundle = FluentBundle::new_concurrent(vec![langid]);
        // Variables are wrapped in Unicode isolates (FSI … PDI) so that a name or date keeps
        // its own direction inside a sentence; the layout does not draw the marks.
        bundle.set_use_isolating(true);
        let resource =
            FluentResource::try_new(language.source().to_owned()).map_err(|(_, e)| locale_error(format!("{e:?}")))?;
        bundle
            .add_resource(resource)
            .map_err(|e| locale_error(format!("{e:?}")))?;
        bundles.insert(language, bundle);
    }
    Ok(bundles)
});

/// The message ids every sheet.ftl must have (the prescription sheet's and the action plan's).
pub const MESSAGE_IDS: [&str; 26] = [
    "sheet-title",
    "sheet-code-label",
    "sheet-issued",
    "sheet-next-heading",
    "sheet-next-referred",
    "sheet-next-contact",
    "sheet-next-self",
    "sheet-next-bring",
    "sheet-contact-heading",
    "sheet-phone",
    "sheet-hours",
    "sheet-privacy",
    "plan-title",
    "plan-written",
    "plan-goals",
    "plan-milestones",
    "plan-step",
    "plan-by",
    "plan-obstacles",
    "plan-review",
    "plan-privacy",
    "sheet-consent-heading",
    "sheet-consent-transfer",
    "sheet-consent-care",
    "sheet-consent-research",
    "sheet-consent-version",
];

/// One translated message; a missing message or a formatting error is an error.
pub fn message(language: SheetLanguage, id: &str, args: Option<&FluentArgs<'_>>) -> Result<String, PdfError> {
    let lang = language.tag();
    let bundles = BUNDLES.as_ref().map_err(Clone::clone)?;
    let bundle = bundles.get(&language).ok_or_else(|| PdfError::Locale {
        lang,
        problem: "not loaded".to_owned(),
    })?;
    let pattern = bundle
        .get_message(id)
        .and_then(|m| m.value())
        .ok_or_else(|| PdfError::Locale {
            lang,
            problem: format!("message {id} is missing"),
        })?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if errors.is_empty() {
        Ok(text.into_owned())
    } else {
        Err(PdfError::Locale {
            lang,
            problem: format!("message {id}: {errors:?}"),
        })
    }
}

/// The sheet as a document (for inspecting its layout; [`prescription_sheet`] renders it).
pub fn sheet_document(content: &SheetContent) -> Result<Document, PdfError> {
    let language = content.language;
    let t = |id: &str| message(language, id, None);
    let mut issued = FluentArgs::new();
    issued.set("date", language.format_date(content.issued_on));
    issued.set("practice", content.practice.clone());
    let facility = &content.facility;
    let mut next = vec![Block::Heading(t("sheet-next-heading")?)];
    if content.referred {
        next.push(Block::Paragraph(t("sheet-next-referred")?));
        next.push(Block::Paragraph(t("sheet-next-contact")?));
    } else {
        next.push(Block::Paragraph(t("sheet-next-self")?));
    }
    next.push(Block::Paragraph(t("sheet-next-bring")?));
    let mut contact = Vec::new();
    if !facility.name.is_empty() {
        contact.push(Block::Heading(t("sheet-contact-heading")?));
        contact.push(Block::Strong(facility.name.clone()));
        contact.push(Block::Lines(facility.address_lines.clone()));
        contact.push(Block::KeyValue(vec![
            (t("sheet-phone")?, facility.phone.clone()),
            (t("sheet-hours")?, facility.opening_hours.join("\n")),
        ]));
    }
    let mut blocks = vec![
        Block::Qr {
            data: content.code.clone(),
            size: 118.0,
        },
        Block::Title(t("sheet-title")?),
        Block::Paragraph(t("sheet-code-label")?),
        Block::Code(content.code.clone()),
        Block::Paragraph(message(language, "sheet-issued", Some(&issued))?),
        Block::Space(6.0),
    ];
    blocks.extend(next);
    blocks.extend(contact);
    if !content.consents.is_empty() {
        blocks.push(Block::Heading(t("sheet-consent-heading")?));
        for consent in &content.consents {
            blocks.push(Block::Note(t(consent.message_id())?));
        }
        let mut version = FluentArgs::new();
        version.set("version", content.consent_version.clone());
        blocks.push(Block::Note(message(language, "sheet-consent-version", Some(&version))?));
    }
    blocks.push(Block::Space(12.0));
    blocks.push(Block::Note(t("sheet-privacy")?));
    Ok(Document {
        title: format!("{} {}", t("sheet-title")?, content.code),
        language: language.tag().to_owned(),
        direction: language.direction(),
        blocks,
    })
}

/// Renders the prescription sheet as a one-page A4 PDF in the person's language.
pub fn prescription_sheet(content: &SheetContent) -> Result<Vec<u8>, PdfError> {
    crate::to_pdf(&sheet_document(content)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_accept_regions() {
        for language in SheetLanguage::ALL {
            assert_eq!(SheetLanguage::from_tag(language.tag()), Some(language));
        }
        assert_eq!(SheetLanguage::from_tag("de-AT"), Some(SheetLanguage::De));
        assert_eq!(SheetLanguage::from_tag("AR"), Some(SheetLanguage::Ar));
        assert_eq!(SheetLanguage::from_tag("fr"), None);
        assert_eq!(SheetLanguage::from_tag(""), None);
    }

    #[test]
    fn every_language_has_every_message_and_no_other() {
        for language in SheetLanguage::ALL {
            for id in MESSAGE_IDS {
                let mut args = FluentArgs::new();
                for (name, value) in [
                    ("date", "01.02.2026"),
                    ("practice", "P"),
                    ("worker", "W"),
                    ("facility", "F"),
                ] {
                    args.set(name, value);
                }
                args.set("version", 1);
                let text = message(language, id, Some(&args)).unwrap();
                assert!(!text.trim().is_empty(), "{}: {id} is empty", language.tag());
            }
            let defined = language
                .source()
                .lines()
                .filter(|l| l.starts_with("sheet-") || l.starts_with("plan-"))
                .count();
            assert_eq!(defined, MESSAGE_IDS.len(), "{}: unexpected messages", language.tag());
        }
    }

    #[test]
    fn dates_are_day_first() {
        let date = time::macros::date!(2026 - 12 - 03);
        assert_eq!(SheetLanguage::De.format_date(date), "03.12.2026");
        assert_eq!(SheetLanguage::En.format_date(date), "03/12/2026");
    }
}
