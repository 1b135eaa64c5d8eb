//! Points, great-circle distance and the grid that narrows radius queries.

use std::collections::BTreeMap;

use roaring::{MultiOps, RoaringBitmap};

/// Mean Earth radius in metres (IUGG), used by [`Point::distance_m`].
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A WGS84 point in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Latitude, −90 to 90.
    pub lat: f64,
    /// Longitude, −180 to 180.
    pub lon: f64,
}

impl Point {
    /// Whether both coordinates are finite and in range. The index treats an invalid point as
    /// no point.
    pub fn is_valid(&self) -> bool {
        self.lat.is_finite()
            && self.lon.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
    }

    /// Great-circle distance in metres on a sphere of [`EARTH_RADIUS_M`].
    pub fn distance_m(&self, other: &Point) -> f64 {
        Located::new(*self).distance_m(&Located::new(*other))
    }
}

/// A valid point with its unit vector precomputed. The great-circle distance then follows
/// from the chord between two unit vectors, `R · 2·asin(chord / 2)`: the same as the haversine
/// formula, without its sines, and a radius check needs no trigonometry at all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Located {
    pub(crate) point: Point,
    unit: [f64; 3],
}

impl Located {
    fn new(point: Point) -> Self {
        let (lat, lon) = (point.lat.to_radians(), point.lon.to_radians());
        Self {
            point,
            unit: [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()],
        }
    }

    /// `None` for an invalid point.
    pub(crate) fn parse(point: Point) -> Option<Self> {
        point.is_valid().then(|| Self::new(point))
    }

    /// The squared chord between the two unit vectors.
    pub(crate) fn chord2(&self, other: &Located) -> f64 {
        self.unit.iter().zip(other.unit).map(|(a, b)| (a - b) * (a - b)).sum()
    }

    pub(crate) fn distance_m(&self, other: &Located) -> f64 {
        distance_from_chord2(self.chord2(other))
    }
}

/// The great-circle distance for a squared chord.
pub(crate) fn distance_from_chord2(chord2: f64) -> f64 {
    2.0 * EARTH_RADIUS_M * (chord2.sqrt() / 2.0).clamp(0.0, 1.0).asin()
}

/// The largest squared chord within `radius_m` (non-negative), or `None` when the radius covers
/// the whole sphere.
pub(crate) fn chord2_within(radius_m: f64) -> Option<f64> {
    let half_angle = radius_m / EARTH_RADIUS_M / 2.0;
    (half_angle < std::f64::consts::FRAC_PI_2).then(|| {
        let chord = 2.0 * half_angle.sin();
        chord * chord
    })
}

/// Cell sizes of the grid levels, in degrees of latitude and longitude (about 1.1 km, 11 km and
/// 111 km north–south).
const LEVELS: [f64; 3] = [0.01, 0.1, 1.0];

/// A query uses the finest level whose bounding box holds at most this many cells.
const MAX_CELLS: usize = 400;

type Cell = (i32, i32);

/// Documents by grid cell, at three levels of cell size.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grid {
    levels: [BTreeMap<Cell, RoaringBitmap>; LEVELS.len()],
}

fn cell(point: Point, size: f64) -> Cell {
    // Valid points give |lat / size| <= 18_000 and |lon / size| <= 18_000: no overflow.
    ((point.lat / size).floor() as i32, (point.lon / size).floor() as i32)
}

impl Grid {
    pub(crate) fn insert(&mut self, doc: u32, point: Point) {
        for (cells, size) in self.levels.iter_mut().zip(LEVELS) {
            cells.entry(cell(point, size)).or_default().insert(doc);
        }
    }

    /// The grid of documents `0..points.len()` (the bulk path).
    pub(crate) fn build(points: &[Option<Point>]) -> Self {
        let mut grid = Self::default();
        for (cells, size) in grid.levels.iter_mut().zip(LEVELS) {
            let mut lists: BTreeMap<Cell, Vec<u32>> = BTreeMap::new();
            for (doc, point) in (0_u32..).zip(points) {
                if let Some(point) = point {
                    lists.entry(cell(*point, size)).or_default().push(doc);
                }
            }
            *cells = lists
                .into_iter()
                .map(|(key, ids)| {
                    let docs = RoaringBitmap::from_sorted_iter(ids.iter().copied())
                        .unwrap_or_else(|_| ids.iter().copied().collect());
                    (key, docs)
                })
                .collect();
        }
        grid
    }

    pub(crate) fn remove(&mut self, doc: u32, point: Point) {
        for (cells, size) in self.levels.iter_mut().zip(LEVELS) {
            let key = cell(point, size);
            if let Some(docs) = cells.get_mut(&key) {
                docs.remove(doc);
                if docs.is_empty() {
                    cells.remove(&key);
                }
            }
        }
    }

    /// A superset of the documents within `radius_m` of `center`: the union of the cells that
    /// the circle's bounding box touches, one cell of margin on every side. `None` when the grid
    /// cannot help (the box reaches a pole or the antimeridian, or is too large); the caller
    /// then checks every candidate exactly.
    pub(crate) fn around(&self, center: Point, radius_m: f64) -> Option<RoaringBitmap> {
        let angle = radius_m / EARTH_RADIUS_M;
        if !angle.is_finite() || angle >= std::f64::consts::FRAC_PI_2 {
            return None;
        }
        let dlat = angle.to_degrees();
        // Widest longitude span of the circle (Matuschek): asin(sin(angle) / cos(lat)).
        let ratio = angle.sin() / center.lat.to_radians().cos();
        if !(0.0..1.0).contains(&ratio) {
            return None;
        }
        let dlon = ratio.asin().to_degrees();
        let (south, north) = (center.lat - dlat, center.lat + dlat);
        let (west, east) = (center.lon - dlon, center.lon + dlon);
        if south <= -90.0 || north >= 90.0 || west <= -180.0 || east >= 180.0 {
            return None;
        }
        let (cells, size) = self.levels.iter().zip(LEVELS).find(|(_, size)| {
            let rows = ((north - south) / size) as usize + 3;
            let columns = ((east - west) / size) as usize + 3;
            rows.saturating_mul(columns) <= MAX_CELLS
        })?;
        let (row_low, column_low) = cell(Point { lat: south, lon: west }, size);
        let (row_high, column_high) = cell(Point { lat: north, lon: east }, size);
        let (column_low, column_high) = (column_low - 1, column_high + 1);
        let found = (row_low - 1..=row_high + 1).flat_map(|row| {
            cells
                .range((row, column_low)..=(row, column_high))
                .map(|(_, docs)| docs)
        });
        Some(found.union())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Metres per degree along a meridian on the sphere: R · π / 180.
    const METRES_PER_DEGREE: f64 = 111_195.08;

    #[test]
    fn distance_along_a_meridian_and_the_equator() {
        let a = Point { lat: 55.0, lon: 10.0 };
        let b = Point { lat: 55.1, lon: 10.0 };
        assert!((a.distance_m(&b) - 0.1 * METRES_PER_DEGREE).abs() < 0.5);
        let c = Point { lat: 0.0, lon: 10.0 };
        let d = Point { lat: 0.0, lon: 10.5 };
        assert!((c.distance_m(&d) - 0.5 * METRES_PER_DEGREE).abs() < 0.5);
        assert!(a.distance_m(&a).abs() < 1e-9);
    }

    #[test]
    fn chord_and_haversine_agree() {
        let haversine = |a: Point, b: Point| {
            let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
            let h = ((lat2 - lat1) / 2.0).sin().powi(2)
                + lat1.cos() * lat2.cos() * ((b.lon - a.lon).to_radians() / 2.0).sin().powi(2);
            2.0 * EARTH_RADIUS_M * h.sqrt().asin()
        };
        let points = [
            (55.68, 12.57),
            (56.16, 10.2),
            (51.23, 6.78),
            (-33.9, 151.2),
            (0.0, 179.9),
            (0.0, -179.9),
        ];
        for (lat1, lon1) in points {
            for (lat2, lon2) in points {
                let (a, b) = (Point { lat: lat1, lon: lon1 }, Point { lat: lat2, lon: lon2 });
                let (got, expected) = (a.distance_m(&b), haversine(a, b));
                assert!(
                    (got - expected).abs() < 1e-6 * expected.max(1.0),
                    "{a:?} {b:?}: {got} {expected}"
                );
            }
        }
        // A radius and its chord bound agree at the edge.
        let a = Located::new(Point { lat: 55.0, lon: 10.0 });
        let b = Located::new(Point {
            lat: 55.0 + 5_000.0 / METRES_PER_DEGREE,
            lon: 10.0,
        });
        assert!(a.chord2(&b) <= chord2_within(5_000.5).unwrap());
        assert!(a.chord2(&b) > chord2_within(4_999.5).unwrap());
        assert!(chord2_within(f64::INFINITY).is_none());
        assert!(chord2_within(EARTH_RADIUS_M * 3.2).is_none());
    }

    #[test]
    fn invalid_points_are_recognized() {
        for (lat, lon) in [(f64::NAN, 0.0), (0.0, f64::INFINITY), (91.0, 0.0), (0.0, -181.0)] {
            assert!(!Point { lat, lon }.is_valid(), "{lat} {lon}");
        }
        assert!(Point { lat: -90.0, lon: 180.0 }.is_valid());
    }

    #[test]
    fn grid_keeps_every_point_inside_the_radius() {
        let center = Point { lat: 55.68, lon: 12.57 };
        let mut grid = Grid::default();
        let mut points = Vec::new();
        // A spiral of points from 0 to about 60 km away.
        for i in 0..2000_u32 {
            let step = f64::from(i);
            let point = Point {
                lat: center.lat + (step * 0.37).sin() * step * 0.000_27,
                lon: center.lon + (step * 0.37).cos() * step * 0.000_45,
            };
            grid.insert(i, point);
            points.push(point);
        }
        for radius in [500.0, 5_000.0, 20_000.0, 50_000.0] {
            let found = grid.around(center, radius).unwrap();
            let mut inside = 0;
            for (i, point) in (0_u32..).zip(&points) {
                if center.distance_m(point) <= radius {
                    inside += 1;
                    assert!(found.contains(i), "radius {radius}: point {i} missing");
                }
            }
            assert!(inside > 0);
            if radius <= 20_000.0 {
                assert!(found.len() < 2000, "radius {radius}: the grid narrowed nothing");
            }
        }
        grid.remove(0, points[0]);
        assert!(!grid.around(center, 500.0).unwrap().contains(0));

        let mut built = Grid::build(&points.iter().copied().map(Some).collect::<Vec<_>>());
        built.remove(0, points[0]);
        for radius in [500.0, 5_000.0, 20_000.0, 50_000.0] {
            assert_eq!(
                built.around(center, radius),
                grid.around(center, radius),
                "radius {radius}"
            );
        }
    }

    #[test]
    fn grid_declines_at_the_poles_and_the_antimeridian() {
        let grid = Grid::default();
        assert!(grid.around(Point { lat: 89.99, lon: 0.0 }, 5_000.0).is_none());
        assert!(grid.around(Point { lat: 0.0, lon: 179.99 }, 5_000.0).is_none());
        assert!(grid.around(Point { lat: 0.0, lon: 0.0 }, f64::INFINITY).is_none());
    }
}
