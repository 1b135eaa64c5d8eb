//! Renders the prescription sheet in every language and times it.
//!
//! `cargo run --release -p lotse-pdf --example sheets -- [OUT_DIR] [ROUNDS]`: prints the mean
//! time per sheet for each language (after one warm-up render that also loads the fonts), and
//! writes `sheet-<lang>.pdf` into OUT_DIR when one is given.

use std::error::Error;
use std::time::Instant;

use lotse_pdf::{Contact, SheetConsent, SheetContent, SheetLanguage, prescription_sheet};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let out_dir = args.next().filter(|a| !a.is_empty());
    let rounds: u32 = args.next().map_or(Ok(20), |r| r.parse())?;
    let started = Instant::now();
    prescription_sheet(&content(SheetLanguage::De))?;
    println!(
        "first sheet (loads fonts and translations): {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    for language in SheetLanguage::ALL {
        let content = content(language);
        let started = Instant::now();
        let mut bytes = Vec::new();
        for _ in 0..rounds {
            bytes = prescription_sheet(&content)?;
        }
        let per_sheet = started.elapsed().as_secs_f64() * 1e3 / f64::from(rounds);
        println!(
            "{}: {per_sheet:6.2} ms per sheet, {:6} bytes",
            language.tag(),
            bytes.len()
        );
        if let Some(dir) = &out_dir {
            std::fs::write(format!("{dir}/sheet-{}.pdf", language.tag()), &bytes)?;
        }
    }
    Ok(())
}

/// A typical sheet: a Düsseldorf practice and link facility (German data on every sheet).
fn content(language: SheetLanguage) -> SheetContent {
    SheetContent {
        language,
        code: "7KQ2-M4XD-R".to_owned(),
        issued_on: time::macros::date!(2026 - 12 - 03),
        practice: "Hausarztpraxis Dr. Yılmaz & Partner".to_owned(),
        facility: Contact {
            name: "Lotsenstelle Düsseldorf-Bilk".to_owned(),
            address_lines: vec!["Bilker Allee 12".to_owned(), "40219 Düsseldorf".to_owned()],
            phone: "+49 211 123 45 67".to_owned(),
            opening_hours: vec!["Mo–Fr 9–13 Uhr".to_owned(), "Do 15–18 Uhr".to_owned()],
        },
        referred: true,
        consents: vec![SheetConsent::Transfer, SheetConsent::Care, SheetConsent::Research],
        consent_version: "2026-12".to_owned(),
    }
}
