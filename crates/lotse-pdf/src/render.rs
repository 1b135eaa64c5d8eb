//! A laid-out document to PDF bytes with krilla: glyphs drawn by id with their text
//! (krilla subsets and embeds the fonts and writes ToUnicode maps, or ActualText where a glyph
//! stands for several characters), rectangles as one filled path per page.

use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{Metadata, TextDirection};
use krilla::page::PageSettings;
use krilla::text::{GlyphId, KrillaGlyph};

use crate::PdfError;
use crate::document::{Item, Layout};
use crate::font::fonts;
use crate::text::Direction;

/// Writes the layout as a PDF file.
pub fn render(layout: &Layout) -> Result<Vec<u8>, PdfError> {
    let fonts = fonts()?;
    let mut pdf = krilla::Document::new();
    pdf.set_metadata(
        Metadata::new()
            .title(layout.title.clone())
            .language(layout.language.clone())
            .creator("Lotse".to_owned())
            .text_direction(match layout.direction {
                Direction::Ltr => TextDirection::LeftToRight,
                Direction::Rtl => TextDirection::RightToLeft,
            }),
    );
    let (width, height) = layout.page_size;
    for page in &layout.pages {
        let settings = PageSettings::from_wh(width, height).ok_or(PdfError::Pdf("page size".to_owned()))?;
        let mut pdf_page = pdf.start_page_with(settings);
        let mut surface = pdf_page.surface();
        let mut rects = PathBuilder::new();
        let mut any_rect = false;
        for item in &page.items {
            match item {
                Item::Text(run) => {
                    let glyphs: Vec<KrillaGlyph> = run
                        .glyphs
                        .iter()
                        .map(|g| {
                            KrillaGlyph::new(
                                GlyphId::new(u32::from(g.id)),
                                g.x_advance,
                                g.x_offset,
                                g.y_offset,
                                0.0,
                                g.cluster.clone(),
                                None,
                            )
                        })
                        .collect();
                    surface.draw_glyphs(
                        Point::from_xy(run.x, run.y),
                        &glyphs,
                        fonts.get(run.font).pdf.clone(),
                        &run.text,
                        run.size,
                        false,
                    );
                }
                Item::Rect { x, y, w, h } => {
                    if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                        rects.push_rect(rect);
                        any_rect = true;
                    }
                }
            }
        }
        if any_rect && let Some(path) = rects.finish() {
            surface.draw_path(&path);
        }
        surface.finish();
        pdf_page.finish();
    }
    pdf.finish().map_err(|e| PdfError::Pdf(format!("{e:?}")))
}
