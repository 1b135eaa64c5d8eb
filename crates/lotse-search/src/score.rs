//! Scoring weights and inverse document frequency.

/// How much a matched query term counts, by how it matched and where.
///
/// A term's contribution to a document's score is `idf × field weight × variant weight`, taking
/// the best variant and field that matched. The defaults rank an exact word above its stem,
/// the stem above a neighbouring stem, that above a completed prefix, and that above a typo;
/// a word in the title counts twice a word in the body. Non-finite weights are taken as 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// The folded word itself ("Straße" for "Strasse").
    pub exact: f32,
    /// The same Snowball stem ("Senioren" for "Senior").
    pub stem: f32,
    /// A stem that extends the query's stem, or is extended by it, by one or two chars
    /// ("Wanderungen", stem `wander`, for "wandern", stem `wand`).
    pub related: f32,
    /// A word that the last query word begins ("Schwimmen" for "Schwim").
    pub prefix: f32,
    /// A word within the allowed edit distance ("Schwimmen" for "Schwimen").
    pub typo: f32,
    /// Factor for a match in the title.
    pub title: f32,
    /// Factor for a match in the body (a word in the title is also in the body: it scores
    /// the higher of the two).
    pub body: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            exact: 1.0,
            stem: 0.8,
            related: 0.6,
            prefix: 0.5,
            typo: 0.3,
            title: 2.0,
            body: 1.0,
        }
    }
}

impl Weights {
    /// The weights with every non-finite value replaced by 0.
    pub(crate) fn sanitized(self) -> Self {
        let finite = |value: f32| if value.is_finite() { value } else { 0.0 };
        Self {
            exact: finite(self.exact),
            stem: finite(self.stem),
            related: finite(self.related),
            prefix: finite(self.prefix),
            typo: finite(self.typo),
            title: finite(self.title),
            body: finite(self.body),
        }
    }

    pub(crate) fn of(&self, kind: VariantKind) -> f32 {
        match kind {
            VariantKind::Exact => self.exact,
            VariantKind::Stem => self.stem,
            VariantKind::Related => self.related,
            VariantKind::Prefix => self.prefix,
            VariantKind::Typo => self.typo,
        }
    }
}

/// How a query term met a document's word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VariantKind {
    Exact,
    Stem,
    Related,
    Prefix,
    Typo,
}

/// BM25's inverse document frequency: `ln(1 + (n − df + 0.5) / (df + 0.5))`, always positive.
pub(crate) fn idf(documents: u64, containing: u64) -> f32 {
    let n = documents as f64;
    let df = (containing as f64).min(n);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rarer_terms_weigh_more() {
        assert!(idf(1000, 1) > idf(1000, 10));
        assert!(idf(1000, 10) > idf(1000, 1000));
        assert!(idf(1000, 1000) > 0.0);
        assert!(idf(0, 0) > 0.0);
        assert!(idf(10, 20).is_finite());
    }

    #[test]
    fn default_variants_are_ordered() {
        let w = Weights::default();
        assert!(w.exact > w.stem && w.stem > w.related && w.related > w.prefix && w.prefix > w.typo);
        assert!(w.title > w.body);
        let odd = Weights { typo: f32::NAN, ..w }.sanitized();
        assert!(odd.typo.abs() < f32::EPSILON);
    }
}
