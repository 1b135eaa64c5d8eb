//! Text to positioned glyphs: script itemization and font choice, shaping (rustybuzz), the
//! Unicode bidi algorithm (unicode-bidi) and greedy line breaking at Unicode line-break
//! opportunities (unicode-linebreak), measured with shaped advance widths.

use std::ops::Range;

use unicode_bidi::{Level, ParagraphBidiInfo};
use unicode_linebreak::BreakOpportunity;

use crate::PdfError;
use crate::font::{FontId, Fonts, Weight, fonts};

/// Writing direction of a document or a paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Left to right (German, Danish, English, Turkish, Ukrainian, Russian, Polish).
    Ltr,
    /// Right to left (Arabic).
    Rtl,
}

/// How a paragraph's base direction is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    /// Fixed (fixed texts follow the document's language).
    Fixed(Direction),
    /// From the first strong letter, left to right when there is none (data: names, addresses,
    /// phone numbers, opening hours), like HTML's `dir="auto"`.
    Auto,
}

/// Font weight and size of a piece of text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextStyle {
    pub(crate) weight: Weight,
    pub(crate) size: f32,
}

/// One shaped glyph; advances and offsets in em (multiply by the font size).
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedGlyph {
    /// Glyph id in the font.
    pub id: u16,
    /// Bytes of the run's text this glyph's cluster stands for.
    pub cluster: Range<usize>,
    /// Horizontal advance.
    pub x_advance: f32,
    /// Horizontal offset from the pen position.
    pub x_offset: f32,
    /// Vertical offset from the baseline (up is positive).
    pub y_offset: f32,
}

/// Glyphs of one font and one direction, in visual (left to right) order.
#[derive(Debug, Clone, PartialEq)]
pub struct GlyphRun {
    /// The font.
    pub font: FontId,
    /// Font size in points.
    pub size: f32,
    /// Left edge of the run on the page, in points from the left.
    pub x: f32,
    /// Baseline, in points from the top of the page.
    pub y: f32,
    /// Advance width in points.
    pub width: f32,
    /// Whether the run was shaped right to left.
    pub rtl: bool,
    /// The text the glyphs stand for, in logical order.
    pub text: String,
    /// The glyphs, left to right.
    pub glyphs: Vec<PlacedGlyph>,
}

/// One laid-out line: runs with `x` relative to the line's left edge and `y` 0.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub(crate) runs: Vec<GlyphRun>,
    pub(crate) width: f32,
    /// Above and below the baseline, in points.
    pub(crate) ascent: f32,
    pub(crate) descent: f32,
}

/// Lays out a paragraph into lines no wider than `max_width` (a word longer than a line is
/// broken between characters). A `\n` starts a new bidi paragraph.
pub(crate) fn layout_paragraph(
    text: &str,
    style: TextStyle,
    base: Base,
    max_width: f32,
) -> Result<Vec<Line>, PdfError> {
    let fonts = fonts()?;
    let mut lines = Vec::new();
    for part in text.split('\n') {
        let level = match base {
            Base::Fixed(Direction::Ltr) => Some(Level::ltr()),
            Base::Fixed(Direction::Rtl) => Some(Level::rtl()),
            Base::Auto => None,
        };
        let bidi = ParagraphBidiInfo::new(part, level);
        let prefix = advance_prefix(fonts, part, style);
        for range in break_lines(part, &prefix, max_width) {
            lines.push(layout_line(fonts, &bidi, range, style));
        }
    }
    Ok(lines)
}

/// Whether `c` is a bidi formatting character (never drawn).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` belongs to the Arabic script (the blocks Noto Sans Arabic covers).
fn is_arabic(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{0870}'..='\u{08FF}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
        && !matches!(c, '\u{061C}' | '\u{FEFF}')
}

/// Splits `range` of `text` into runs of one font, in logical order, leaving out bidi controls.
/// Arabic letters take the Arabic font, other letters Noto Sans; spaces, digits and punctuation
/// take the font of the letter before them (or after them, at the start). A character the
/// chosen font lacks falls back to the other font.
fn font_segments(fonts: &Fonts, text: &str, range: Range<usize>, weight: Weight) -> Vec<(Range<usize>, FontId)> {
    let chars: Vec<(usize, char)> = text
        .get(range.clone())
        .unwrap_or_default()
        .char_indices()
        .map(|(i, c)| (i + range.start, c))
        .filter(|&(_, c)| !is_bidi_control(c))
        .collect();
    let strong: Vec<Option<bool>> = chars
        .iter()
        .map(|&(_, c)| {
            if is_arabic(c) && c.is_alphabetic() {
                Some(true)
            } else if c.is_alphabetic() {
                Some(false)
            } else {
                None
            }
        })
        .collect();
    let first_strong = strong.iter().flatten().next().copied().unwrap_or(false);
    let mut segments: Vec<(Range<usize>, FontId)> = Vec::new();
    let mut current_script = first_strong;
    let mut previous_end = range.start;
    for (&(at, c), script) in chars.iter().zip(&strong) {
        if let Some(arabic) = script {
            current_script = *arabic;
        }
        let mut font = FontId::pick(current_script, weight);
        if !fonts.get(font).covers(c) && fonts.get(font.other_script()).covers(c) {
            font = font.other_script();
        }
        let end = at + c.len_utf8();
        match segments.last_mut() {
            Some((last, last_font)) if *last_font == font && last.end == at && previous_end == at => last.end = end,
            _ => segments.push((at..end, font)),
        }
        previous_end = end;
    }
    segments
}

/// Shapes `text` with one font in one direction; glyphs come out in visual order with clusters
/// relative to `text`.
fn shape(fonts: &Fonts, text: &str, font: FontId, rtl: bool) -> Vec<PlacedGlyph> {
    let loaded = fonts.get(font);
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    buffer.set_direction(if rtl {
        rustybuzz::Direction::RightToLeft
    } else {
        rustybuzz::Direction::LeftToRight
    });
    let shaped = rustybuzz::shape(&loaded.face, &[], buffer);
    let mut starts: Vec<usize> = shaped.glyph_infos().iter().map(|info| info.cluster as usize).collect();
    starts.sort_unstable();
    starts.dedup();
    let cluster_end = |start: usize| starts.iter().find(|&&s| s > start).copied().unwrap_or(text.len());
    let scale = loaded.units_per_em;
    shaped
        .glyph_infos()
        .iter()
        .zip(shaped.glyph_positions())
        .map(|(info, position)| {
            let start = info.cluster as usize;
            PlacedGlyph {
                id: u16::try_from(info.glyph_id).unwrap_or(0),
                cluster: start..cluster_end(start),
                x_advance: position.x_advance as f32 / scale,
                x_offset: position.x_offset as f32 / scale,
                y_offset: position.y_offset as f32 / scale,
            }
        })
        .collect()
}

/// Prefix sums of shaped advances per byte: the width of `a..b` is `prefix[b] - prefix[a]`.
/// Shaped once per font segment in logical order (Arabic right to left, so joined forms are
/// measured).
fn advance_prefix(fonts: &Fonts, text: &str, style: TextStyle) -> Vec<f32> {
    let mut per_byte = vec![0.0_f32; text.len() + 1];
    for (range, font) in font_segments(fonts, text, 0..text.len(), style.weight) {
        let Some(segment) = text.get(range.clone()) else {
            continue;
        };
        for glyph in shape(fonts, segment, font, font.is_arabic()) {
            if let Some(slot) = per_byte.get_mut(range.start + glyph.cluster.start) {
                *slot += glyph.x_advance * style.size;
            }
        }
    }
    let mut prefix = Vec::with_capacity(per_byte.len());
    let mut sum = 0.0;
    prefix.push(0.0);
    for advance in per_byte.iter().take(text.len()) {
        sum += advance;
        prefix.push(sum);
    }
    prefix
}

/// Width of `range` from the prefix sums.
fn width(prefix: &[f32], range: Range<usize>) -> f32 {
    prefix.get(range.end).copied().unwrap_or(0.0) - prefix.get(range.start).copied().unwrap_or(0.0)
}

/// `end` moved back over trailing white space.
fn trim_end(text: &str, start: usize, end: usize) -> usize {
    let kept = text.get(start..end).map_or(0, |s| s.trim_end().len());
    start + kept
}

/// Greedy line breaking: as many break-separated pieces per line as fit in `max_width`.
fn break_lines(text: &str, prefix: &[f32], max_width: f32) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut fitting: Option<usize> = None;
    let fits = |start: usize, end: usize| width(prefix, start..trim_end(text, start, end)) <= max_width;
    for (at, opportunity) in unicode_linebreak::linebreaks(text) {
        if !fits(start, at) {
            if let Some(last) = fitting.take() {
                lines.push(start..last);
                start = last;
            }
            // A single piece wider than the line: break it between characters.
            while !fits(start, at) {
                let mut cut = start;
                for (i, c) in text.get(start..at).unwrap_or_default().char_indices() {
                    let next = start + i + c.len_utf8();
                    if cut > start && !fits(start, next) {
                        break;
                    }
                    cut = next;
                }
                if cut >= at {
                    break;
                }
                lines.push(start..cut);
                start = cut;
            }
        }
        if opportunity == BreakOpportunity::Mandatory {
            lines.push(start..at);
            start = at;
            fitting = None;
        } else {
            fitting = Some(at);
        }
    }
    if start < text.len() || lines.is_empty() {
        lines.push(start..text.len());
    }
    lines
}

/// The text of a right-to-left run for the PDF's ToUnicode map: logical order, except that the
/// characters of one glyph (the Arabic lam-alef ligature "لا" is one glyph for two letters)
/// are in visual order. Text extractors (poppler's pdftotext, checked; pdf.js works the same
/// way) spread a glyph's characters left to right over its width and then read a
/// right-to-left line from the right, so a logical-order mapping would come out as "ال".
fn visual_ligature_text(text: &str, glyphs: &[PlacedGlyph]) -> String {
    let mut clusters: Vec<Range<usize>> = glyphs.iter().map(|g| g.cluster.clone()).collect();
    clusters.sort_by_key(|c| (c.start, c.end));
    clusters.dedup();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for cluster in clusters {
        if cluster.start < at {
            continue;
        }
        let (Some(before), Some(inside)) = (text.get(at..cluster.start), text.get(cluster.clone())) else {
            continue;
        };
        out.push_str(before);
        out.extend(inside.chars().rev());
        at = cluster.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// Reorders one line visually and shapes each directional run with its fonts.
fn layout_line(fonts: &Fonts, bidi: &ParagraphBidiInfo<'_>, range: Range<usize>, style: TextStyle) -> Line {
    let text = bidi.text;
    let end = trim_end(text, range.start, range.end);
    let mut line = Line {
        runs: Vec::new(),
        width: 0.0,
        ascent: 0.0,
        descent: 0.0,
    };
    if end <= range.start {
        let font = fonts.get(FontId::pick(false, style.weight));
        line.ascent = font.ascender * style.size;
        line.descent = -font.descender * style.size;
        return line;
    }
    let (levels, runs) = bidi.visual_runs(range.start..end);
    let mut x = 0.0;
    for run in runs {
        let rtl = levels.get(run.start).is_some_and(Level::is_rtl);
        let mut segments = font_segments(fonts, text, run, style.weight);
        if rtl {
            segments.reverse();
        }
        for (segment, font) in segments {
            let Some(segment_text) = text.get(segment) else {
                continue;
            };
            let glyphs = shape(fonts, segment_text, font, rtl);
            let run_text = if rtl {
                visual_ligature_text(segment_text, &glyphs)
            } else {
                segment_text.to_owned()
            };
            let run_width = glyphs.iter().map(|g| g.x_advance).sum::<f32>() * style.size;
            let loaded = fonts.get(font);
            line.ascent = line.ascent.max(loaded.ascender * style.size);
            line.descent = line.descent.max(-loaded.descender * style.size);
            line.runs.push(GlyphRun {
                font,
                size: style.size,
                x,
                y: 0.0,
                width: run_width,
                rtl,
                text: run_text,
                glyphs,
            });
            x += run_width;
        }
    }
    line.width = x;
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style() -> TextStyle {
        TextStyle {
            weight: Weight::Regular,
            size: 10.0,
        }
    }

    #[test]
    fn lines_break_at_spaces_and_stay_within_the_width() {
        let text = "Bringen Sie dieses Blatt oder den Code zum ersten Termin mit.";
        let lines = layout_paragraph(text, style(), Base::Fixed(Direction::Ltr), 100.0).unwrap();
        assert!(lines.len() > 2, "{} lines", lines.len());
        for line in &lines {
            assert!(line.width <= 100.0, "line {} pt wide", line.width);
        }
        let joined: Vec<String> = lines
            .iter()
            .map(|l| l.runs.iter().map(|r| r.text.as_str()).collect::<String>())
            .collect();
        assert_eq!(joined.join(" "), text);
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_between_characters() {
        let lines = layout_paragraph("ABCDEFGHIJKLMNOPQRSTUVWXYZ", style(), Base::Auto, 40.0).unwrap();
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.width <= 40.0));
    }

    #[test]
    fn arabic_is_shaped_right_to_left_with_joined_forms() {
        // "سلام": four letters; joined forms are other glyphs than the isolated ones.
        let fonts = fonts().unwrap();
        let joined = shape(fonts, "سلام", FontId::Arabic, true);
        let isolated: Vec<u16> = "سلام"
            .chars()
            .map(|c| shape(fonts, &c.to_string(), FontId::Arabic, true)[0].id)
            .collect();
        // Visual order is reversed: the first glyph drawn is the last letter.
        assert_eq!(joined.last().unwrap().cluster.start, 0);
        let joined_ids: Vec<u16> = joined.iter().rev().map(|g| g.id).collect();
        assert_ne!(joined_ids, isolated, "contextual forms were not applied");
    }

    #[test]
    fn latin_inside_arabic_keeps_left_to_right_order() {
        let text = "العنوان: Königstraße 12";
        let lines = layout_paragraph(text, style(), Base::Fixed(Direction::Rtl), 400.0).unwrap();
        let runs = &lines[0].runs;
        // Visual order: the Latin run comes first (left), the Arabic after it (right).
        let latin = runs.iter().position(|r| r.text.contains("Königstraße")).unwrap();
        let arabic = runs.iter().position(|r| r.text.contains("العنوان")).unwrap();
        assert!(latin < arabic);
        assert!(!runs[latin].rtl);
        assert!(runs[arabic].rtl);
        assert_eq!(runs[arabic].font, FontId::Arabic);
        assert_eq!(runs[latin].font, FontId::Sans);
    }

    #[test]
    fn a_data_line_without_letters_is_left_to_right() {
        let lines = layout_paragraph("+49 211 123456", style(), Base::Auto, 400.0).unwrap();
        let text: String = lines[0].runs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(text, "+49 211 123456");
    }

    #[test]
    fn isolates_are_not_drawn() {
        let lines = layout_paragraph("A \u{2068}B\u{2069}", style(), Base::Auto, 400.0).unwrap();
        let text: String = lines[0].runs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(text, "A B");
    }
}
