//! The four embedded Noto fonts, parsed once: a shaping face (rustybuzz) and a PDF font (krilla)
//! for each.

use std::sync::LazyLock;

use crate::PdfError;

/// One of the embedded fonts. Which one a run of text uses follows from its script and weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FontId {
    /// Noto Sans Regular: Latin, Cyrillic, Greek, digits, punctuation.
    Sans,
    /// Noto Sans Bold.
    SansBold,
    /// Noto Sans Arabic Regular.
    Arabic,
    /// Noto Sans Arabic Bold.
    ArabicBold,
}

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Weight {
    /// Body text.
    Regular,
    /// Headings, labels, the code.
    Bold,
}

impl FontId {
    /// The font for a script class and weight.
    pub(crate) fn pick(arabic: bool, weight: Weight) -> Self {
        match (arabic, weight) {
            (false, Weight::Regular) => Self::Sans,
            (false, Weight::Bold) => Self::SansBold,
            (true, Weight::Regular) => Self::Arabic,
            (true, Weight::Bold) => Self::ArabicBold,
        }
    }

    /// The same weight in the other script's font (the fallback when a glyph is missing).
    pub(crate) fn other_script(self) -> Self {
        match self {
            Self::Sans => Self::Arabic,
            Self::SansBold => Self::ArabicBold,
            Self::Arabic => Self::Sans,
            Self::ArabicBold => Self::SansBold,
        }
    }

    /// Whether this is one of the Arabic fonts.
    pub(crate) fn is_arabic(self) -> bool {
        matches!(self, Self::Arabic | Self::ArabicBold)
    }
}

/// A parsed font: for shaping and measuring, and for drawing into the PDF.
pub(crate) struct LoadedFont {
    pub(crate) face: rustybuzz::Face<'static>,
    pub(crate) pdf: krilla::text::Font,
    /// Font units per em, as f32 for scaling.
    pub(crate) units_per_em: f32,
    /// Ascender and descender (negative) in em, for line spacing. Noto Sans Arabic's own
    /// (1.374 and -0.738) leave room for stacked marks that plain text rarely has and make
    /// lines twice as far apart as Latin ones; we cap them at 1.1 and -0.55 (Noto Sans's
    /// 1.069 and -0.293 are below the caps). A rare tall mark may reach into the line above's
    /// leading.
    pub(crate) ascender: f32,
    pub(crate) descender: f32,
}

impl LoadedFont {
    fn parse(name: &'static str, data: &'static [u8]) -> Result<Self, PdfError> {
        let face = rustybuzz::Face::from_slice(data, 0).ok_or(PdfError::Font(name))?;
        let pdf = krilla::text::Font::new(krilla::Data::from(data), 0).ok_or(PdfError::Font(name))?;
        let units_per_em = face.units_per_em() as f32;
        Ok(Self {
            ascender: (f32::from(face.ascender()) / units_per_em).min(1.1),
            descender: (f32::from(face.descender()) / units_per_em).max(-0.55),
            units_per_em,
            face,
            pdf,
        })
    }

    /// Whether the font has a glyph for `c`.
    pub(crate) fn covers(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some()
    }
}

/// All four fonts.
pub(crate) struct Fonts {
    sans: LoadedFont,
    sans_bold: LoadedFont,
    arabic: LoadedFont,
    arabic_bold: LoadedFont,
}

impl Fonts {
    /// The loaded font for an id.
    pub(crate) fn get(&self, id: FontId) -> &LoadedFont {
        match id {
            FontId::Sans => &self.sans,
            FontId::SansBold => &self.sans_bold,
            FontId::Arabic => &self.arabic,
            FontId::ArabicBold => &self.arabic_bold,
        }
    }
}

static FONTS: LazyLock<Result<Fonts, PdfError>> = LazyLock::new(|| {
    Ok(Fonts {
        sans: LoadedFont::parse("NotoSans-Regular.ttf", include_bytes!("../fonts/NotoSans-Regular.ttf"))?,
        sans_bold: LoadedFont::parse("NotoSans-Bold.ttf", include_bytes!("../fonts/NotoSans-Bold.ttf"))?,
        arabic: LoadedFont::parse(
            "NotoSansArabic-Regular.ttf",
            include_bytes!("../fonts/NotoSansArabic-Regular.ttf"),
        )?,
        arabic_bold: LoadedFont::parse(
            "NotoSansArabic-Bold.ttf",
            include_bytes!("../fonts/NotoSansArabic-Bold.ttf"),
        )?,
    })
});

/// The fonts, parsed on first use.
pub(crate) fn fonts() -> Result<&'static Fonts, PdfError> {
    FONTS.as_ref().map_err(Clone::clone)
}
