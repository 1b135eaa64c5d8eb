//! Radius, distance order and distance penalty.

use lotse_search::{Document, Index, Near, Point, Query, Sort};

use crate::{build, doc, keys};

/// Metres per degree along a meridian on a sphere of radius 6 371 008.8 m: R · π / 180.
const METRES_PER_DEGREE: f64 = 111_195.08;

const CENTER: Point = Point { lat: 55.0, lon: 10.0 };

/// A point `metres` north (negative: south) of [`CENTER`], on its meridian.
fn north(metres: f64) -> Point {
    Point {
        lat: CENTER.lat + metres / METRES_PER_DEGREE,
        lon: CENTER.lon,
    }
}

/// Haversine, written independently of the crate, as the oracle.
pub fn oracle_distance(a: Point, b: Point) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

fn placed(key: u32, point: Option<Point>) -> Document {
    Document {
        point,
        ..doc(key, "Yoga", "")
    }
}

/// 1: 4.9 km N, 2: 5.1 km S, 3: 2.0 km S, 4: no point, 5: 50 km N, 6: NaN point.
fn index() -> Index {
    build([
        placed(1, Some(north(4_900.0))),
        placed(2, Some(north(-5_100.0))),
        placed(3, Some(north(-2_000.0))),
        placed(4, None),
        placed(5, Some(north(50_000.0))),
        placed(
            6,
            Some(Point {
                lat: f64::NAN,
                lon: 10.0,
            }),
        ),
    ])
}

fn near(radius_m: Option<f64>, distance_weight_per_km: f32) -> Near {
    Near {
        point: CENTER,
        radius_m,
        distance_weight_per_km,
    }
}

#[test]
fn radius_keeps_only_points_within_it() {
    let index = index();
    let results = index.search(&Query {
        near: Some(near(Some(5_000.0), 0.0)),
        sort: Sort::Distance,
        ..Query::default()
    });
    assert_eq!(results.total, 2);
    assert_eq!(keys(&results), [3, 1]);
    let distances: Vec<f64> = results.hits.iter().map(|hit| hit.distance_m.unwrap()).collect();
    assert!((distances[0] - 2_000.0).abs() < 0.5, "{distances:?}");
    assert!((distances[1] - 4_900.0).abs() < 0.5, "{distances:?}");

    let wider = index.search(&Query {
        near: Some(near(Some(5_200.0), 0.0)),
        ..Query::default()
    });
    assert_eq!(wider.total, 3);
}

#[test]
fn distance_order_puts_documents_without_a_point_last() {
    let index = index();
    let results = index.search(&Query {
        near: Some(near(None, 0.0)),
        sort: Sort::Distance,
        ..Query::default()
    });
    assert_eq!(keys(&results), [3, 1, 2, 5, 4, 6]);
    assert_eq!(results.hits[4].distance_m, None);
}

#[test]
fn distance_penalty_ranks_nearer_first() {
    let index = index();
    let results = index.search(&Query {
        text: "Yoga".to_owned(),
        near: Some(near(None, 1.0)),
        ..Query::default()
    });
    // Without a point there is no penalty, so 4 and 6 come first.
    assert_eq!(keys(&results), [4, 6, 3, 1, 2, 5]);
    let gap = results.hits[2].score - results.hits[3].score;
    assert!((gap - 2.9).abs() < 1e-3, "1 per km between 2.0 km and 4.9 km: {gap}");
}

#[test]
fn unusable_points_and_radii_match_nothing() {
    let index = index();
    let nan_center = Near {
        point: Point {
            lat: f64::NAN,
            lon: 0.0,
        },
        ..near(Some(5_000.0), 1.0)
    };
    for near in [nan_center, near(Some(f64::NAN), 0.0), near(Some(-1.0), 0.0)] {
        let results = index.search(&Query {
            near: Some(near),
            ..Query::default()
        });
        assert_eq!(results.total, 0, "{near:?}");
    }
    // An invalid center without a radius just gives no distances.
    let results = index.search(&Query {
        near: Some(Near {
            radius_m: None,
            ..nan_center
        }),
        sort: Sort::Distance,
        ..Query::default()
    });
    assert_eq!(keys(&results), [1, 2, 3, 4, 5, 6]);
    let everywhere = index.search(&Query {
        near: Some(near(Some(f64::INFINITY), 0.0)),
        ..Query::default()
    });
    assert_eq!(everywhere.total, 4);
}

#[test]
fn many_points_use_the_grid_without_losing_any() {
    // 120 × 120 points, 250 m apart north–south and about 230 m east–west.
    let mut docs = Vec::new();
    let mut points = Vec::new();
    for row in 0..120_u32 {
        for column in 0..120_u32 {
            let point = Point {
                lat: CENTER.lat - 0.134 + f64::from(row) * 0.002_25,
                lon: CENTER.lon - 0.215 + f64::from(column) * 0.003_6,
            };
            let key = row * 1000 + column;
            docs.push(placed(key, Some(point)));
            points.push((key, point));
        }
    }
    let index = build(docs);
    for radius in [300.0, 3_000.0, 5_000.0, 12_000.0, 200_000.0] {
        let mut expected: Vec<u32> = points
            .iter()
            .filter(|(_, point)| oracle_distance(CENTER, *point) <= radius)
            .map(|(key, _)| *key)
            .collect();
        expected.sort_unstable();
        let results = index.search(&Query {
            near: Some(near(Some(radius), 0.0)),
            limit: usize::MAX,
            ..Query::default()
        });
        let mut got = keys(&results);
        got.sort_unstable();
        assert_eq!(results.total, expected.len(), "radius {radius}");
        assert_eq!(got, expected, "radius {radius}");
    }
}
