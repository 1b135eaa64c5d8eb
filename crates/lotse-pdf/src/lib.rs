//! Lotse's printable documents as PDF: the prescription sheet ("Soziales Rezept") in eight
//! languages, and the machinery under it (a small block document model, text shaping with
//! rustybuzz, the Unicode bidi algorithm, line breaking, embedded subset Noto fonts via krilla).
//!
//! No I/O: everything a document needs (fonts, translations) is compiled in, and the result
//! is bytes.
//!
//! ```no_run
//! use lotse_pdf::{Contact, SheetConsent, SheetContent, SheetLanguage, prescription_sheet};
//! let pdf = prescription_sheet(&SheetContent {
//!     language: SheetLanguage::De,
//!     code: "7KQ2-M4XD-R".to_owned(),
//!     issued_on: time::macros::date!(2026 - 12 - 03),
//!     practice: "Hausarztpraxis Dr. Yilmaz".to_owned(),
//!     facility: Contact {
//!         name: "Lotsenstelle Bilk".to_owned(),
//!         address_lines: vec!["Bilker Allee 12".to_owned(), "40219 Düsseldorf".to_owned()],
//!         phone: "0211 123 45 67".to_owned(),
//!         opening_hours: vec!["Mo–Fr 9–13 Uhr".to_owned()],
//!     },
//!     referred: true,
//!     consents: vec![SheetConsent::Transfer, SheetConsent::Care],
//!     consent_version: "2026-12".to_owned(),
//! })?;
//! # Ok::<(), lotse_pdf::PdfError>(())
//! ```

/// The block document model and its layout onto pages.
pub mod document;
/// The embedded fonts.
pub mod font;
/// The action plan printed for the person.
pub mod plan;
/// Layout to PDF bytes.
pub mod render;
/// The prescription sheet: content, languages, translations.
pub mod sheet;
/// Shaping, bidi and line breaking.
pub mod text;

pub use document::{Block, Document, Item, Layout, Page, layout};
pub use plan::{PlanContent, action_plan, plan_document};
pub use render::render;
pub use sheet::{Contact, SheetConsent, SheetContent, SheetLanguage, consent_text, prescription_sheet, sheet_document};
pub use text::{Direction, GlyphRun, PlacedGlyph};

/// Why a document could not be made. All of these are bugs or bad input, not I/O.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PdfError {
    /// An embedded font did not parse.
    #[error("embedded font {0} could not be parsed")]
    Font(&'static str),
    /// A translation file is broken or lacks a message.
    #[error("locales/{lang}/sheet.ftl: {problem}")]
    Locale {
        /// Language tag.
        lang: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The data does not fit in a QR code.
    #[error("QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
    /// krilla refused to write the PDF.
    #[error("PDF writing failed: {0}")]
    Pdf(String),
}

/// Renders a document: layout, then PDF.
pub fn to_pdf(document: &Document) -> Result<Vec<u8>, PdfError> {
    render(&layout(document)?)
}
