//! The action plan printed for the person, in their language: their goals, their next steps
//! with dates, what may get in the way and what helps, and when the link worker and the person
//! talk about it again. It holds the person's own words, so it is theirs to keep (the page
//! says so); the link facility's contact closes it.

use fluent_bundle::FluentArgs;

use crate::PdfError;
use crate::document::{Block, Document};
use crate::sheet::{Contact, SheetLanguage, message};

/// What the printed plan shows.
#[derive(Clone, PartialEq, Eq)]
pub struct PlanContent {
    /// The person's language.
    pub language: SheetLanguage,
    /// The plan's version.
    pub version: i64,
    /// When this version was agreed.
    pub written_on: time::Date,
    /// The link worker's name.
    pub link_worker: String,
    /// The link facility (its name, address, phone and opening hours).
    pub facility: Contact,
    /// Goals, in the person's words.
    pub goals: Vec<String>,
    /// Next steps: what, and by when.
    pub milestones: Vec<(String, time::Date)>,
    /// Obstacles and what helps.
    pub obstacles: Vec<String>,
    /// When the plan is talked about again.
    pub review_on: time::Date,
}

impl std::fmt::Debug for PlanContent {
    /// Never prints the person's words.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PlanContent({}, version {})", self.language.tag(), self.version)
    }
}

/// The plan as a document.
pub fn plan_document(content: &PlanContent) -> Result<Document, PdfError> {
    let language = content.language;
    let t = |id: &str| message(language, id, None);
    let mut written = FluentArgs::new();
    written.set("date", language.format_date(content.written_on));
    written.set("worker", content.link_worker.clone());
    written.set("facility", content.facility.name.clone());
    written.set("version", content.version);
    let mut review = FluentArgs::new();
    review.set("date", language.format_date(content.review_on));
    let mut blocks = vec![
        Block::Title(t("plan-title")?),
        Block::Paragraph(message(language, "plan-written", Some(&written))?),
        Block::Space(6.0),
        Block::Heading(t("plan-goals")?),
        Block::Lines(content.goals.clone()),
    ];
    if !content.milestones.is_empty() {
        blocks.push(Block::Heading(t("plan-milestones")?));
        blocks.push(Block::Table {
            header: vec![t("plan-step")?, t("plan-by")?],
            rows: content
                .milestones
                .iter()
                .map(|(text, due)| vec![text.clone(), language.format_date(*due)])
                .collect(),
        });
    }
    if !content.obstacles.is_empty() {
        blocks.push(Block::Heading(t("plan-obstacles")?));
        blocks.push(Block::Lines(content.obstacles.clone()));
    }
    blocks.push(Block::Space(6.0));
    blocks.push(Block::Strong(message(language, "plan-review", Some(&review))?));
    let facility = &content.facility;
    if !facility.name.is_empty() {
        blocks.push(Block::Heading(t("sheet-contact-heading")?));
        blocks.push(Block::Strong(facility.name.clone()));
        blocks.push(Block::Lines(facility.address_lines.clone()));
        blocks.push(Block::KeyValue(vec![
            (t("sheet-phone")?, facility.phone.clone()),
            (t("sheet-hours")?, facility.opening_hours.join("\n")),
        ]));
    }
    blocks.push(Block::Space(12.0));
    blocks.push(Block::Note(t("plan-privacy")?));
    Ok(Document {
        title: t("plan-title")?,
        language: language.tag().to_owned(),
        direction: language.direction(),
        blocks,
    })
}

/// The plan as a PDF.
pub fn action_plan(content: &PlanContent) -> Result<Vec<u8>, PdfError> {
    crate::to_pdf(&plan_document(content)?)
}
