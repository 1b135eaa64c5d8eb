use crate::id::{AreaId, AreaSetId, ProgrammeId};

/// A point in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    lat: f64,
    lon: f64,
}

/// Why coordinates were refused.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("coordinates out of range: latitude {lat} must be in -90..=90 and longitude {lon} in -180..=180")]
pub struct GeoPointError {
    /// The latitude given.
    pub lat: f64,
    /// The longitude given.
    pub lon: f64,
}

impl GeoPoint {
    /// Validates a point.
    pub fn parse(lat: f64, lon: f64) -> Result<Self, GeoPointError> {
        if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
            Ok(Self { lat, lon })
        } else {
            Err(GeoPointError { lat, lon })
        }
    }

    /// Latitude.
    pub const fn lat(self) -> f64 {
        self.lat
    }

    /// Longitude.
    pub const fn lon(self) -> f64 {
        self.lon
    }

    /// Great-circle distance in metres (haversine, mean Earth radius).
    pub fn distance_m(self, other: Self) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6_371_000.0 * a.sqrt().asin()
    }
}

/// The level of an area in its set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AreaKind {
    /// A city (Düsseldorf).
    City,
    /// A city district (Stadtbezirk).
    District,
    /// A quarter (Stadtteil).
    Quarter,
    /// A municipality (kommune).
    Municipality,
    /// A town or village (by).
    Town,
    /// An area of another set (Handlungsraum, postcode area).
    Other,
}

impl AreaKind {
    /// Every kind.
    pub const ALL: [Self; 6] = [
        Self::City,
        Self::District,
        Self::Quarter,
        Self::Municipality,
        Self::Town,
        Self::Other,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::City => "city",
            Self::District => "district",
            Self::Quarter => "quarter",
            Self::Municipality => "municipality",
            Self::Town => "town",
            Self::Other => "other",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A deprivation index in 0.0 (least) ..= 1.0 (most deprived).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct DeprivationIndex(f64);

impl DeprivationIndex {
    /// Validates an index.
    pub fn parse(value: f64) -> Option<Self> {
        (0.0..=1.0).contains(&value).then_some(Self(value))
    }

    /// The value.
    pub const fn value(self) -> f64 {
        self.0
    }
}

/// A named set of areas (the administrative tree, Handlungsräume, postcode areas …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaSet {
    /// Its id.
    pub id: AreaSetId,
    /// Its programme.
    pub programme: ProgrammeId,
    /// Its name.
    pub name: String,
}

/// An area in a set; areas form a tree through `parent`.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// Its id.
    pub id: AreaId,
    /// Its programme.
    pub programme: ProgrammeId,
    /// The set it belongs to.
    pub area_set: AreaSetId,
    /// The enclosing area, if any.
    pub parent: Option<AreaId>,
    /// Its level.
    pub kind: AreaKind,
    /// Its name.
    pub name: String,
    /// Its centroid.
    pub centroid: GeoPoint,
    /// Its deprivation index, if the programme has one.
    pub deprivation: Option<DeprivationIndex>,
}

/// A postcode as a programme stores it: trimmed, upper case, inner runs of spaces made one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PostcodeCode(String);

/// Why a postcode was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a postcode: use 2 to 10 letters, digits, spaces or hyphens, starting with a letter or digit")]
pub struct PostcodeError(pub String);

impl PostcodeCode {
    /// Validates and normalises a postcode ("40210", "8500", "DK-8585", "SW1A 1AA").
    pub fn parse(input: &str) -> Result<Self, PostcodeError> {
        let joined = input.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase();
        let fine = (2..=10).contains(&joined.chars().count())
            && joined.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && joined
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-');
        if fine {
            Ok(Self(joined))
        } else {
            Err(PostcodeError(input.to_owned()))
        }
    }

    /// The postcode.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PostcodeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A postcode of a programme: its centroid and the area it falls in, per area set.
#[derive(Debug, Clone, PartialEq)]
pub struct Postcode {
    /// The postcode.
    pub code: PostcodeCode,
    /// Its centroid (a person's home is stored at this precision).
    pub centroid: GeoPoint,
    /// The area it falls in, at most one per set.
    pub areas: Vec<(AreaSetId, AreaId)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_plausible() {
        let altstadt = GeoPoint::parse(51.2277, 6.7735).unwrap();
        let benrath = GeoPoint::parse(51.1615, 6.8780).unwrap();
        let d = altstadt.distance_m(benrath);
        assert!((10_000.0..12_000.0).contains(&d), "{d}");
        assert!(GeoPoint::parse(91.0, 0.0).is_err());
        assert!(GeoPoint::parse(0.0, f64::NAN).is_err());
        assert!(DeprivationIndex::parse(1.5).is_none());
    }

    #[test]
    fn postcodes_are_normalised_or_refused() {
        let table = [
            ("40210", Some("40210")),
            (" 8500 ", Some("8500")),
            ("sw1a   1aa", Some("SW1A 1AA")),
            ("DK-8585", Some("DK-8585")),
            ("4", None),
            ("", None),
            ("-4021", None),
            ("40210;drop", None),
            ("12345678901", None),
            ("4021ü", None),
        ];
        for (input, expected) in table {
            assert_eq!(
                PostcodeCode::parse(input).ok().as_ref().map(PostcodeCode::as_str),
                expected,
                "{input:?}"
            );
        }
    }
}
