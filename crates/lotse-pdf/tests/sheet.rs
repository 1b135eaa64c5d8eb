//! The prescription sheet end to end: every language renders, `pdftotext` (poppler) finds the
//! code, the facility and the fixed texts in the PDF, fonts are embedded, and the layout puts
//! right-to-left text on the right.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failed step must stop the test with its message"
)]

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use lotse_pdf::document::{A4, MARGIN};
use lotse_pdf::font::FontId;
use lotse_pdf::{
    Block, Contact, Direction, Document, GlyphRun, Item, Layout, SheetConsent, SheetContent, SheetLanguage, layout,
    prescription_sheet, sheet_document, to_pdf,
};

const FACILITY: &str = "Lotsenstelle Düsseldorf-Bilk";
const CODE: &str = "7KQ2-M4XD-R";

fn content(language: SheetLanguage) -> SheetContent {
    SheetContent {
        language,
        code: CODE.to_owned(),
        issued_on: time::macros::date!(2026 - 12 - 03),
        practice: "Hausarztpraxis Dr. Yılmaz & Partner".to_owned(),
        facility: Contact {
            name: FACILITY.to_owned(),
            address_lines: vec!["Bilker Allee 12".to_owned(), "40219 Düsseldorf".to_owned()],
            phone: "+49 211 123 45 67".to_owned(),
            opening_hours: vec!["Mo–Fr 9–13 Uhr".to_owned(), "Do 15–18 Uhr".to_owned()],
        },
        referred: true,
        consents: vec![SheetConsent::Transfer, SheetConsent::Care, SheetConsent::Research],
        consent_version: "2026-12".to_owned(),
    }
}

/// Fixed texts of each language that the extracted text must contain (title first; last, a
/// phrase of the consents printed for the person).
fn fixed_words(language: SheetLanguage) -> [&'static str; 4] {
    match language {
        SheetLanguage::De => [
            "Soziales Rezept",
            "Lotsenstelle meldet sich",
            "Öffnungszeiten",
            "Ihre Einwilligungen",
        ],
        SheetLanguage::Da => [
            "Social henvisning",
            "Åbningstider",
            "helbredsoplysninger",
            "Dine samtykker",
        ],
        SheetLanguage::En => [
            "Social prescription",
            "What happens next",
            "Opening hours",
            "Your consents",
        ],
        SheetLanguage::Tr => ["Sosyal reçete", "Çalışma saatleri", "kâğıdı", "Onaylarınız"],
        // "مركز الإرشاد" has the lam-alef ligature (one glyph, two letters) in "الإرشاد".
        SheetLanguage::Ar => ["وصفة اجتماعية", "مركز الإرشاد", "ساعات العمل", "موافقاتك"],
        SheetLanguage::Uk => ["Соціальний рецепт", "Години роботи", "зв’яжеться", "Ваші згоди"],
        SheetLanguage::Ru => ["Социальный рецепт", "Часы работы", "свяжется", "Ваши согласия"],
        SheetLanguage::Pl => ["Recepta społeczna", "Godziny otwarcia", "zgłosić", "Twoje zgody"],
    }
}

static TEMP_FILES: AtomicUsize = AtomicUsize::new(0);

/// The text `pdftotext` extracts, with runs of white space made one space. `None` (and a
/// note) when poppler-utils is not installed; under `CI=true` that is a failure instead.
fn pdftotext(pdf: &[u8], layout: bool) -> Option<String> {
    if Command::new("pdftotext").arg("-v").output().is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "pdftotext is missing: install poppler-utils (.ci/run does); CI=true makes this a failure"
        );
        eprintln!("pdftotext not found (poppler-utils): skipping the text extraction check");
        return None;
    }
    let n = TEMP_FILES.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("lotse-pdf-test-{}-{n}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap();
    let mut command = Command::new("pdftotext");
    if layout {
        command.arg("-layout");
    }
    let output = command.arg(&path).arg("-").output().unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(
        output.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(normalise(&String::from_utf8(output.stdout).unwrap()))
}

/// pdftotext writes right-to-left lines in logical order but wraps them (and the left-to-right
/// runs inside them) in bidi embedding marks (U+202A–U+202E), and places spaces next to
/// neutral punctuation by its own rules ("أدناه .سيساعدك"); the marks go, white space becomes
/// single spaces, so whole words and phrases can be compared.
fn normalise(text: &str) -> String {
    text.replace(|c: char| ('\u{202A}'..='\u{202E}').contains(&c), "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_language_renders_and_pdftotext_finds_code_facility_and_fixed_texts() {
    for language in SheetLanguage::ALL {
        let pdf = prescription_sheet(&content(language)).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{}", language.tag());
        // Without -layout for Arabic: -layout pads right-aligned lines and splits columns.
        let Some(text) = pdftotext(&pdf, language != SheetLanguage::Ar) else {
            return;
        };
        let tag = language.tag();
        assert!(text.contains(CODE), "{tag}: code missing in {text}");
        assert!(text.contains(FACILITY), "{tag}: facility missing in {text}");
        assert!(text.contains("40219 Düsseldorf"), "{tag}: address missing in {text}");
        assert!(text.contains("+49 211 123 45 67"), "{tag}: phone missing in {text}");
        for words in fixed_words(language) {
            assert!(text.contains(words), "{tag}: {words:?} missing in {text}");
        }
        assert!(
            text.contains("2026-12"),
            "{tag}: the consent texts' version missing in {text}"
        );
    }
}

#[test]
fn the_sheet_prints_the_consents_given_and_none_that_were_not() {
    let mut given = content(SheetLanguage::De);
    given.consents = vec![SheetConsent::Transfer, SheetConsent::Care];
    let Some(text) = pdftotext(&prescription_sheet(&given).unwrap(), true) else {
        return;
    };
    assert!(
        text.contains("Ich entbinde meine Praxis von der Schweigepflicht"),
        "{text}"
    );
    assert!(text.contains("Lotse mich anruft"), "{text}");
    assert!(
        !text.contains("Auswertung des Programms"),
        "research was not given: {text}"
    );
    given.consents.clear();
    let Some(text) = pdftotext(&prescription_sheet(&given).unwrap(), true) else {
        return;
    };
    assert!(!text.contains("Ihre Einwilligungen"), "no consents, no block: {text}");
}

#[test]
fn without_transfer_the_sheet_asks_the_person_to_call_and_without_a_facility_names_none() {
    let mut own = content(SheetLanguage::De);
    own.referred = false;
    let pdf = prescription_sheet(&own).unwrap();
    let Some(text) = pdftotext(&pdf, true) else {
        return;
    };
    let text = normalise(&text);
    assert!(text.contains("Bitte melden Sie sich dort selbst"), "{text}");
    assert!(!text.contains("Lotsenstelle meldet sich"), "{text}");
    assert!(text.contains(FACILITY), "{text}");
    own.facility.name = String::new();
    let Some(text) = pdftotext(&prescription_sheet(&own).unwrap(), true) else {
        return;
    };
    assert!(
        !text.contains("Öffnungszeiten"),
        "no contact block without a facility: {text}"
    );
}

#[test]
fn every_sheet_fits_on_one_page() {
    for language in SheetLanguage::ALL {
        let laid_out = layout(&sheet_document(&content(language)).unwrap()).unwrap();
        assert_eq!(laid_out.pages.len(), 1, "{}", language.tag());
        let lowest = laid_out.text_runs().map(|r| r.y).fold(0.0, f32::max);
        assert!(lowest < A4.1 - MARGIN, "{}: text down to {lowest}", language.tag());
    }
}

#[test]
fn fonts_are_embedded_as_subsets_with_unicode_maps() {
    let german = prescription_sheet(&content(SheetLanguage::De)).unwrap();
    let arabic = prescription_sheet(&content(SheetLanguage::Ar)).unwrap();
    let has = |pdf: &[u8], needle: &str| pdf.windows(needle.len()).any(|w| w == needle.as_bytes());
    for pdf in [&german, &arabic] {
        assert!(has(pdf, "/FontFile2"), "no embedded TrueType font");
        assert!(has(pdf, "/ToUnicode"), "no ToUnicode map");
        assert!(has(pdf, "+NotoSans-Regular"), "Noto Sans is not a subset");
        assert!(has(pdf, "+NotoSans-Bold"));
    }
    assert!(has(&arabic, "+NotoSansArabic-Regular"));
    assert!(has(&arabic, "+NotoSansArabic-Bold"));
    assert!(!has(&german, "NotoSansArabic"), "a German sheet needs no Arabic font");
    // Subset: far below the 1.5 MB of the four font files.
    assert!(arabic.len() < 150_000, "{} bytes", arabic.len());
}

/// Text runs grouped into lines (same baseline), each as (left edge, right edge, runs).
fn lines(layout: &Layout) -> Vec<(f32, f32, Vec<&GlyphRun>)> {
    let mut lines: Vec<(f32, f32, Vec<&GlyphRun>)> = Vec::new();
    for run in layout.text_runs() {
        match lines.iter_mut().find(|(_, _, runs)| (runs[0].y - run.y).abs() < 0.01) {
            Some((left, right, runs)) => {
                *left = left.min(run.x);
                *right = right.max(run.x + run.width);
                runs.push(run);
            }
            None => lines.push((run.x, run.x + run.width, vec![run])),
        }
    }
    lines
}

#[test]
fn an_arabic_sheet_is_right_aligned_and_a_german_one_left_aligned() {
    let right_margin = A4.0 - MARGIN;
    let arabic = layout(&sheet_document(&content(SheetLanguage::Ar)).unwrap()).unwrap();
    let arabic_lines = lines(&arabic);
    let mut checked = 0;
    for (left, right, runs) in &arabic_lines {
        assert!(*left >= MARGIN - 0.01, "text left of the margin at {left}");
        if runs
            .iter()
            .any(|r| r.font == FontId::Arabic || r.font == FontId::ArabicBold)
        {
            // Every line with Arabic text ends at the right margin (labels in the key column
            // too); only the values beside them (data, in the other column) end earlier.
            assert!(
                (right - right_margin).abs() < 0.01,
                "Arabic line ends at {right}: {runs:?}"
            );
            assert!(runs.iter().any(|r| r.rtl));
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} Arabic lines");

    let german = layout(&sheet_document(&content(SheetLanguage::De)).unwrap()).unwrap();
    let german_lines = lines(&german);
    let starting_at_margin = german_lines
        .iter()
        .filter(|(left, _, _)| (left - MARGIN).abs() < 0.01)
        .count();
    assert!(
        starting_at_margin >= 14,
        "{starting_at_margin} of {} lines",
        german_lines.len()
    );
    assert!(
        german_lines
            .iter()
            .all(|(left, right, _)| *left >= MARGIN - 0.01 && *right <= right_margin + 0.01)
    );
    assert!(german.text_runs().all(|r| !r.rtl));
}

#[test]
fn the_qr_code_is_top_right_on_ltr_and_top_left_on_rtl_pages() {
    for (language, on_the_right) in [(SheetLanguage::De, true), (SheetLanguage::Ar, false)] {
        let laid_out = layout(&sheet_document(&content(language)).unwrap()).unwrap();
        let modules: Vec<(f32, f32)> = laid_out.pages[0]
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Rect { x, y, .. } => Some((*x, *y)),
                Item::Text(_) => None,
            })
            .collect();
        assert!(modules.len() > 50, "{} QR rectangles", modules.len());
        let middle = A4.0 / 2.0;
        assert!(
            modules.iter().all(|(x, _)| (*x > middle) == on_the_right),
            "{}",
            language.tag()
        );
        assert!(modules.iter().all(|(_, y)| *y < MARGIN + 130.0));
    }
}

#[test]
fn a_german_address_on_an_arabic_sheet_stays_left_to_right() {
    let laid_out = layout(&sheet_document(&content(SheetLanguage::Ar)).unwrap()).unwrap();
    let runs: Vec<&GlyphRun> = laid_out.text_runs().collect();
    let address = runs
        .iter()
        .find(|r| r.text == "40219 Düsseldorf")
        .expect("one run, in logical order");
    assert!(!address.rtl);
    assert_eq!(address.font, FontId::Sans);
    assert!(
        (address.x + address.width - (A4.0 - MARGIN)).abs() < 0.01,
        "right-aligned"
    );
    // "Issued on <date> by <practice>": the Latin name sits left of the Arabic words, and reads
    // left to right (its glyphs' clusters increase).
    let practice = runs.iter().find(|r| r.text.contains("Hausarztpraxis")).unwrap();
    let issued = runs.iter().find(|r| r.text.contains("صدرت")).unwrap();
    assert!((practice.y - issued.y).abs() < 0.01);
    assert!(practice.x < issued.x);
    assert!(
        practice
            .glyphs
            .windows(2)
            .all(|w| w[0].cluster.start < w[1].cluster.start)
    );
    assert!(issued.rtl);
    assert!(
        issued
            .glyphs
            .windows(2)
            .all(|w| w[0].cluster.start >= w[1].cluster.start)
    );
    if let Some(text) = pdftotext(
        &to_pdf(&sheet_document(&content(SheetLanguage::Ar)).unwrap()).unwrap(),
        false,
    ) {
        assert!(text.contains("Bilker Allee 12"), "{text}");
        assert!(text.contains("Hausarztpraxis Dr. Yılmaz & Partner"), "{text}");
    }
}

#[test]
fn the_block_model_flows_an_action_plan_over_pages() {
    let rows: Vec<Vec<String>> = (1..=40)
        .map(|i| {
            vec![
                format!("Schritt {i}: Laufgruppe"),
                format!("{:02}.01.2027", i % 28 + 1),
                "offen".to_owned(),
            ]
        })
        .collect();
    let document = Document {
        title: "Aktionsplan".to_owned(),
        language: "de".to_owned(),
        direction: Direction::Ltr,
        blocks: vec![
            Block::Title("Aktionsplan".to_owned()),
            Block::Heading("Ziele".to_owned()),
            Block::List(vec![
                "Mehr draußen sein".to_owned(),
                "Neue Leute kennenlernen".to_owned(),
            ]),
            Block::Heading("Meilensteine".to_owned()),
            Block::Table {
                header: vec!["Schritt".to_owned(), "Datum".to_owned(), "Stand".to_owned()],
                rows,
            },
        ],
    };
    let laid_out = layout(&document).unwrap();
    assert!(laid_out.pages.len() >= 2, "{} pages", laid_out.pages.len());
    for page in &laid_out.pages {
        for item in &page.items {
            if let Item::Text(run) = item {
                assert!(
                    run.y < A4.1 - MARGIN + 1.0 && run.y > MARGIN,
                    "run outside the page body at {}",
                    run.y
                );
            }
        }
    }
    let pdf = to_pdf(&document).unwrap();
    if let Some(text) = pdftotext(&pdf, true) {
        assert!(text.contains("Neue Leute kennenlernen"), "{text}");
        assert!(text.contains("Schritt 40: Laufgruppe 13.01.2027 offen"), "{text}");
        assert!(text.contains("15.01.2027"), "{text}");
    }
}

fn plan(language: SheetLanguage) -> lotse_pdf::PlanContent {
    lotse_pdf::PlanContent {
        language,
        version: 2,
        written_on: time::macros::date!(2026 - 12 - 03),
        link_worker: "Petra Lange".to_owned(),
        facility: content(language).facility,
        goals: vec![
            "Wieder im Chor singen".to_owned(),
            "Einmal pro Woche unter Leute".to_owned(),
        ],
        milestones: vec![
            ("Chorprobe anschauen".to_owned(), time::macros::date!(2026 - 12 - 10)),
            ("Erste Probe".to_owned(), time::macros::date!(2027 - 01 - 07)),
        ],
        obstacles: vec!["Treppen: einen Chor im Erdgeschoss wählen".to_owned()],
        review_on: time::macros::date!(2027 - 03 - 03),
    }
}

#[test]
fn the_action_plan_prints_the_persons_words_in_every_language() {
    for language in SheetLanguage::ALL {
        let tag = language.tag();
        let content = plan(language);
        assert!(!format!("{content:?}").contains("Chor"), "Debug holds no words");
        let document = lotse_pdf::plan_document(&content).unwrap();
        assert_eq!(layout(&document).unwrap().pages.len(), 1, "{tag}");
        let pdf = lotse_pdf::action_plan(&content).unwrap();
        let Some(text) = pdftotext(&pdf, language != SheetLanguage::Ar) else {
            return;
        };
        for words in [
            "Wieder im Chor singen",
            "Chorprobe anschauen",
            "Erdgeschoss",
            "Petra Lange",
            FACILITY,
        ] {
            assert!(text.contains(words), "{tag}: {words:?} missing in {text}");
        }
        let review = if matches!(language, SheetLanguage::En | SheetLanguage::Ar) {
            "03/03/2027"
        } else {
            "03.03.2027"
        };
        assert!(text.contains(review), "{tag}: review date missing in {text}");
        let title = match language {
            SheetLanguage::De => "Mein Plan",
            SheetLanguage::Da => "Min plan",
            SheetLanguage::En => "My plan",
            SheetLanguage::Tr => "Planım",
            SheetLanguage::Ar => "خطتي",
            SheetLanguage::Uk => "Мій план",
            SheetLanguage::Ru => "Мой план",
            SheetLanguage::Pl => "Mój plan",
        };
        assert!(text.contains(title), "{tag}: title missing in {text}");
    }
}
