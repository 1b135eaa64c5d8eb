//! A small document model (blocks of text, lists, tables, a QR code) and its layout onto A4
//! pages. The prescription sheet is one such document; an action plan can be another.

use crate::PdfError;
use crate::font::Weight;
use crate::text::{Base, Direction, GlyphRun, Line, TextStyle, layout_paragraph};

/// A document to print: metadata and blocks from top to bottom.
#[derive(Debug, Clone)]
pub struct Document {
    /// Title in the PDF metadata.
    pub title: String,
    /// BCP 47 language tag of the fixed texts (`de`, `ar`, …).
    pub language: String,
    /// Writing direction of the fixed texts; also the alignment of every block.
    pub direction: Direction,
    /// The content.
    pub blocks: Vec<Block>,
}

/// One piece of a document. Fixed texts take the document's direction; data (names,
/// addresses, phone numbers, opening hours, table cells) take the direction of their first
/// strong letter, so a German address stays left to right on an Arabic page.
#[derive(Debug, Clone)]
pub enum Block {
    /// The document's title, large and bold.
    Title(String),
    /// A section heading, bold.
    Heading(String),
    /// A paragraph of fixed text, wrapped.
    Paragraph(String),
    /// Small print.
    Note(String),
    /// A line of data in bold (a name).
    Strong(String),
    /// Lines of data (an address); each line is its own bidi paragraph.
    Lines(Vec<String>),
    /// Large bold text that is always left to right (a code).
    Code(String),
    /// A bulleted list of fixed-text items.
    List(Vec<String>),
    /// Label and value pairs; labels are fixed text, values data (a `\n` starts a new line).
    KeyValue(Vec<(String, String)>),
    /// A table with a bold header row; cells are data.
    Table {
        /// Column headings.
        header: Vec<String>,
        /// Rows of cells, as many as there are headings.
        rows: Vec<Vec<String>>,
    },
    /// A QR code of `data`, `size` points wide, in the top inline-end corner of the space left
    /// (right on a left-to-right page, left on a right-to-left page); the blocks after it flow
    /// beside it until they pass its bottom.
    Qr {
        /// What the code encodes.
        data: String,
        /// Width and height in points, quiet zone included.
        size: f32,
    },
    /// Vertical space in points.
    Space(f32),
}

/// A4 in points.
pub const A4: (f32, f32) = (595.28, 841.89);
/// Page margin in points (2 cm).
pub const MARGIN: f32 = 56.7;

const BODY: f32 = 11.0;
const GAP_AFTER_PARAGRAPH: f32 = 6.0;
const GAP_BEFORE_HEADING: f32 = 12.0;
const LEADING: f32 = 1.15;

/// Something to draw on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Shaped text.
    Text(GlyphRun),
    /// A filled black rectangle (QR modules, rules), from the top left.
    Rect {
        /// Left edge.
        x: f32,
        /// Top edge.
        y: f32,
        /// Width.
        w: f32,
        /// Height.
        h: f32,
    },
}

/// A laid-out page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// What is drawn, in drawing order.
    pub items: Vec<Item>,
}

/// A laid-out document, ready to be written as PDF.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Title in the PDF metadata.
    pub title: String,
    /// Language in the PDF metadata.
    pub language: String,
    /// Direction of the document.
    pub direction: Direction,
    /// Page width and height in points.
    pub page_size: (f32, f32),
    /// The pages.
    pub pages: Vec<Page>,
}

impl Layout {
    /// Every text run of every page.
    pub fn text_runs(&self) -> impl Iterator<Item = &GlyphRun> {
        self.pages.iter().flat_map(|p| &p.items).filter_map(|item| match item {
            Item::Text(run) => Some(run),
            Item::Rect { .. } => None,
        })
    }
}

/// Where the next block goes, and the QR code the blocks flow beside.
struct Cursor {
    /// The finished pages are in `layout.pages`; `current` is being filled.
    layout: Layout,
    current: Page,
    y: f32,
    /// Bottom edge and width (gap included) of a floating block in the inline-end corner.
    float: Option<(f32, f32)>,
}

impl Cursor {
    fn page(&mut self) -> &mut Page {
        &mut self.current
    }

    fn new_page(&mut self) {
        self.layout.pages.push(std::mem::take(&mut self.current));
        self.y = MARGIN;
        self.float = None;
    }

    /// Starts a new page unless `height` fits below the cursor.
    fn ensure(&mut self, height: f32) {
        if self.y + height > self.layout.page_size.1 - MARGIN && self.y > MARGIN {
            self.new_page();
        }
    }

    /// The left edge and width of the column at the cursor (narrower beside a float).
    fn column(&self) -> (f32, f32) {
        let full = self.layout.page_size.0 - 2.0 * MARGIN;
        match self.float {
            Some((bottom, reserved)) if self.y < bottom => match self.layout.direction {
                Direction::Ltr => (MARGIN, full - reserved),
                Direction::Rtl => (MARGIN + reserved, full - reserved),
            },
            _ => (MARGIN, full),
        }
    }

    /// Places lines in a box starting at `left`, `width` wide, aligned to the document's
    /// start side.
    fn place_lines(&mut self, lines: Vec<Line>, left: f32, width: f32) {
        for line in lines {
            let height = (line.ascent + line.descent) * LEADING;
            self.ensure(height);
            let baseline = self.y + line.ascent * LEADING;
            let start = match self.layout.direction {
                Direction::Ltr => left,
                Direction::Rtl => left + width - line.width,
            };
            let page = self.page();
            for mut run in line.runs {
                run.x += start;
                run.y = baseline;
                page.items.push(Item::Text(run));
            }
            self.y += height;
        }
    }

    /// Lays out and places a paragraph in the current column (a paragraph that starts beside
    /// the QR code keeps the narrower width to its end).
    fn paragraph(&mut self, text: &str, style: TextStyle, base: Base) -> Result<(), PdfError> {
        let (left, width) = self.column();
        let lines = layout_paragraph(text, style, base, width)?;
        self.place_lines(lines, left, width);
        Ok(())
    }

    /// Side-by-side cells (a table row, a label and value, a bullet and its item), each a
    /// list of lines of a given width; columns are given in logical order and mirrored on a
    /// right-to-left page. Returns the row height.
    fn row(&mut self, cells: Vec<(f32, Vec<Line>)>) -> f32 {
        let height = cells
            .iter()
            .map(|(_, lines)| lines.iter().map(|l| (l.ascent + l.descent) * LEADING).sum::<f32>())
            .fold(0.0, f32::max);
        self.ensure(height);
        let (left, width) = self.column();
        let top = self.y;
        let mut offset = 0.0;
        for (cell_width, lines) in cells {
            let cell_left = match self.layout.direction {
                Direction::Ltr => left + offset,
                Direction::Rtl => left + width - offset - cell_width,
            };
            self.y = top;
            self.place_lines(lines, cell_left, cell_width);
            offset += cell_width;
        }
        self.y = top + height;
        height
    }

    fn rule(&mut self, thickness: f32) {
        let (left, width) = self.column();
        let y = self.y;
        self.page().items.push(Item::Rect {
            x: left,
            y,
            w: width,
            h: thickness,
        });
    }

    fn qr(&mut self, data: &str, size: f32) -> Result<(), PdfError> {
        let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M)?;
        let modules = code.width();
        let colors = code.to_colors();
        let quiet = 4;
        let module = size / (modules + 2 * quiet) as f32;
        let (left, width) = self.column();
        let x0 = match self.layout.direction {
            Direction::Ltr => left + width - size,
            Direction::Rtl => left,
        };
        let y0 = self.y;
        let page = self.page();
        for (row, line) in colors.chunks(modules).enumerate() {
            let mut column = 0;
            while column < modules {
                if line.get(column) == Some(&qrcode::Color::Dark) {
                    let start = column;
                    while line.get(column) == Some(&qrcode::Color::Dark) {
                        column += 1;
                    }
                    page.items.push(Item::Rect {
                        x: x0 + (start + quiet) as f32 * module,
                        y: y0 + (row + quiet) as f32 * module,
                        w: (column - start) as f32 * module,
                        h: module,
                    });
                } else {
                    column += 1;
                }
            }
        }
        self.float = Some((y0 + size, size + 12.0));
        Ok(())
    }
}

fn style(weight: Weight, size: f32) -> TextStyle {
    TextStyle { weight, size }
}

/// Lays out a document onto A4 pages.
pub fn layout(document: &Document) -> Result<Layout, PdfError> {
    let fixed = Base::Fixed(document.direction);
    let mut cursor = Cursor {
        layout: Layout {
            title: document.title.clone(),
            language: document.language.clone(),
            direction: document.direction,
            page_size: A4,
            pages: Vec::new(),
        },
        current: Page::default(),
        y: MARGIN,
        float: None,
    };
    for block in &document.blocks {
        match block {
            Block::Title(text) => {
                cursor.paragraph(text, style(Weight::Bold, 22.0), fixed)?;
                cursor.y += GAP_AFTER_PARAGRAPH;
            }
            Block::Heading(text) => {
                cursor.y += GAP_BEFORE_HEADING;
                cursor.ensure(3.0 * BODY * 1.4);
                cursor.paragraph(text, style(Weight::Bold, 14.0), fixed)?;
                cursor.y += 2.0;
            }
            Block::Paragraph(text) => {
                cursor.paragraph(text, style(Weight::Regular, BODY), fixed)?;
                cursor.y += GAP_AFTER_PARAGRAPH;
            }
            Block::Note(text) => {
                cursor.paragraph(text, style(Weight::Regular, 9.5), fixed)?;
                cursor.y += GAP_AFTER_PARAGRAPH;
            }
            Block::Strong(text) => cursor.paragraph(text, style(Weight::Bold, BODY), Base::Auto)?,
            Block::Lines(lines) => {
                for line in lines {
                    cursor.paragraph(line, style(Weight::Regular, BODY), Base::Auto)?;
                }
                cursor.y += GAP_AFTER_PARAGRAPH;
            }
            Block::Code(code) => {
                cursor.paragraph(code, style(Weight::Bold, 26.0), Base::Fixed(Direction::Ltr))?;
                cursor.y += GAP_AFTER_PARAGRAPH;
            }
            Block::List(items) => {
                let indent = 14.0;
                for item in items {
                    let (_, width) = cursor.column();
                    let bullet = layout_paragraph("•", style(Weight::Regular, BODY), fixed, indent)?;
                    let text = layout_paragraph(item, style(Weight::Regular, BODY), fixed, width - indent)?;
                    cursor.row(vec![(indent, bullet), (width - indent, text)]);
                    cursor.y += 2.0;
                }
                cursor.y += GAP_AFTER_PARAGRAPH;
            }
            Block::KeyValue(pairs) => {
                for (key, value) in pairs {
                    let (_, width) = cursor.column();
                    let key_width = (width * 0.32).min(150.0);
                    let value_width = width - key_width;
                    let key_lines = layout_paragraph(key, style(Weight::Bold, BODY), fixed, key_width - 8.0)?;
                    let mut value_lines = Vec::new();
                    for line in value.split('\n') {
                        value_lines.extend(layout_paragraph(
                            line,
                            style(Weight::Regular, BODY),
                            Base::Auto,
                            value_width,
                        )?);
                    }
                    cursor.row(vec![(key_width, key_lines), (value_width, value_lines)]);
                    cursor.y += 3.0;
                }
                cursor.y += GAP_AFTER_PARAGRAPH;
            }
            Block::Table { header, rows } => {
                let columns = header.len().max(1);
                let cell = |cursor: &Cursor| cursor.column().1 / columns as f32;
                let padding = 6.0;
                let mut cells = Vec::new();
                let cell_width = cell(&cursor);
                for text in header {
                    cells.push((
                        cell_width,
                        layout_paragraph(text, style(Weight::Bold, BODY), fixed, cell_width - padding)?,
                    ));
                }
                cursor.row(cells);
                cursor.y += 2.0;
                cursor.rule(0.8);
                cursor.y += 4.0;
                for row in rows {
                    let cell_width = cell(&cursor);
                    let mut cells = Vec::new();
                    for text in row {
                        cells.push((
                            cell_width,
                            layout_paragraph(text, style(Weight::Regular, BODY), Base::Auto, cell_width - padding)?,
                        ));
                    }
                    cursor.row(cells);
                    cursor.y += 2.0;
                    cursor.rule(0.3);
                    cursor.y += 4.0;
                }
                cursor.y += GAP_AFTER_PARAGRAPH;
            }
            Block::Qr { data, size } => cursor.qr(data, *size)?,
            Block::Space(points) => cursor.y += points,
        }
    }
    cursor.layout.pages.push(cursor.current);
    Ok(cursor.layout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x_of(layout: &Layout, text: &str) -> f32 {
        layout.text_runs().find(|r| r.text == text).unwrap().x
    }

    #[test]
    fn tables_and_lists_mirror_on_right_to_left_pages() {
        let blocks = vec![
            Block::List(vec!["بند".to_owned()]),
            Block::Table {
                header: vec!["الخطوة".to_owned(), "التاريخ".to_owned()],
                rows: vec![vec!["Laufgruppe".to_owned(), "15.01.2027".to_owned()]],
            },
        ];
        let rtl = layout(&Document {
            title: String::new(),
            language: "ar".to_owned(),
            direction: Direction::Rtl,
            blocks: blocks.clone(),
        })
        .unwrap();
        assert!(
            x_of(&rtl, "الخطوة") > x_of(&rtl, "التاريخ"),
            "first column on the right"
        );
        assert!(x_of(&rtl, "Laufgruppe") > x_of(&rtl, "15.01.2027"));
        assert!(x_of(&rtl, "•") > x_of(&rtl, "بند"), "bullet on the right");

        let ltr = layout(&Document {
            title: String::new(),
            language: "de".to_owned(),
            direction: Direction::Ltr,
            blocks,
        })
        .unwrap();
        assert!(x_of(&ltr, "Laufgruppe") < x_of(&ltr, "15.01.2027"));
        assert!(x_of(&ltr, "•") < x_of(&ltr, "بند"));
    }

    #[test]
    fn blocks_beside_the_qr_code_are_narrower_until_they_pass_it() {
        let long = "Wort ".repeat(200);
        let laid_out = layout(&Document {
            title: String::new(),
            language: "de".to_owned(),
            direction: Direction::Ltr,
            blocks: vec![
                Block::Qr {
                    data: "X".to_owned(),
                    size: 100.0,
                },
                Block::Paragraph(long.clone()),
                Block::Paragraph(long),
            ],
        })
        .unwrap();
        let right_edge = |run: &GlyphRun| run.x + run.width;
        let beside = laid_out
            .text_runs()
            .filter(|r| r.y < MARGIN + 100.0)
            .map(right_edge)
            .fold(0.0, f32::max);
        let below = laid_out
            .text_runs()
            .filter(|r| r.y > MARGIN + 200.0)
            .map(right_edge)
            .fold(0.0, f32::max);
        assert!(beside < A4.0 - MARGIN - 100.0, "{beside}");
        assert!(below > A4.0 - MARGIN - 60.0, "{below}");
    }
}
