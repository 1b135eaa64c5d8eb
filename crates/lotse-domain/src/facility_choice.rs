//! Which link facility a prescription is suggested to go to (issue "Prescribe and link"): one
//! whose target groups fit the person's age, nearest to their home first.
//!
//! The rules:
//! - How a facility **fits** a person ([`Fit`]): [`Fit::Targeted`] when one of its target groups
//!   is an age group holding the person's age band: older people ([`TargetGroup::OlderPeople`])
//!   are the bands `65-79` and `80+` (a zentrum plus, the Danish ældreområde), young people
//!   ([`TargetGroup::YoungPeople`]) `0-17` and `18-29` (youth centres). Else [`Fit::Open`] when
//!   it has no target groups, or [`TargetGroup::Everyone`], or a group that is not about age
//!   (the prescriber knows whether a person belongs to it, the rules do not). Else, all of its
//!   groups being age groups the person is not in, [`Fit::OtherAge`]. An unknown age band makes
//!   every facility [`Fit::Open`].
//! - Targeted facilities come first, then open ones, then the others; within each, the nearest
//!   to the person's home (great-circle distance between the home postcode's centroid and the
//!   facility's area centroid); facilities without a place, or all when the home is unknown,
//!   follow by name.
//! - The suggestion is the first; the prescriber may always choose another.

use std::cmp::Ordering;

use crate::area::GeoPoint;
use crate::id::OrganisationId;
use crate::offer::TargetGroup;

/// A link facility as the suggestion sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityPlace {
    /// The facility.
    pub id: OrganisationId,
    /// Its name.
    pub name: String,
    /// Where it is (its area's centroid), if known.
    pub location: Option<GeoPoint>,
    /// Whom it is for (empty: everyone).
    pub target_groups: Vec<TargetGroup>,
}

/// How a facility's target groups fit a person's age, best first (the derived order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fit {
    /// It is for the person's age group.
    Targeted,
    /// It is for everyone, or for groups the rules cannot judge.
    Open,
    /// It is only for other age groups.
    OtherAge,
}

/// One facility in suggestion order.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// The facility.
    pub id: OrganisationId,
    /// Its name.
    pub name: String,
    /// How its target groups fit the person's age.
    pub fit: Fit,
    /// Metres from the person's home, when both places are known.
    pub distance_m: Option<f64>,
}

/// How a facility with `target_groups` fits a person of `age_band` (the rules are in the
/// [module documentation](self)).
pub fn fit(target_groups: &[TargetGroup], age_band: Option<&str>) -> Fit {
    let Some(band) = age_band else {
        return Fit::Open;
    };
    let holds = |group: &TargetGroup| match group {
        TargetGroup::OlderPeople => matches!(band, "65-79" | "80+"),
        TargetGroup::YoungPeople => matches!(band, "0-17" | "18-29"),
        _ => false,
    };
    let by_age = |group: &TargetGroup| matches!(group, TargetGroup::OlderPeople | TargetGroup::YoungPeople);
    if target_groups.iter().any(holds) {
        Fit::Targeted
    } else if target_groups.is_empty() || !target_groups.iter().all(by_age) {
        Fit::Open
    } else {
        Fit::OtherAge
    }
}

/// The facilities in suggestion order for a person living at `home` (a postcode centroid) of
/// `age_band`: by [`Fit`], then nearest first, then by name (then id).
pub fn rank(facilities: &[FacilityPlace], home: Option<GeoPoint>, age_band: Option<&str>) -> Vec<Ranked> {
    let mut ranked: Vec<Ranked> = facilities
        .iter()
        .map(|f| Ranked {
            id: f.id,
            name: f.name.clone(),
            fit: fit(&f.target_groups, age_band),
            distance_m: match (home, f.location) {
                (Some(home), Some(place)) => Some(home.distance_m(place)),
                _ => None,
            },
        })
        .collect();
    ranked.sort_by(|a, b| {
        a.fit
            .cmp(&b.fit)
            .then_with(|| match (a.distance_m, b.distance_m) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            })
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id))
    });
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> OrganisationId {
        OrganisationId::from_uuid(uuid::Uuid::from_u128(n))
    }

    fn point(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint::parse(lat, lon).unwrap()
    }

    /// Three places in Düsseldorf on one line of longitude, about 1.1 km per 0.01° of latitude.
    fn facilities() -> Vec<FacilityPlace> {
        let place = |n, name: &str, lat, groups: &[TargetGroup]| FacilityPlace {
            id: id(n),
            name: name.to_owned(),
            location: Some(point(lat, 6.78)),
            target_groups: groups.to_vec(),
        };
        vec![
            place(1, "zentrum plus Nord", 51.25, &[TargetGroup::OlderPeople]),
            place(2, "Jugendfreizeiteinrichtung Mitte", 51.22, &[TargetGroup::YoungPeople]),
            place(3, "Stadtteiltreff Süd", 51.19, &[]),
            place(4, "zentrum plus Süd", 51.175, &[TargetGroup::OlderPeople]),
            FacilityPlace {
                id: id(5),
                name: "Familienzentrum ohne Ort".to_owned(),
                location: None,
                target_groups: vec![TargetGroup::Families],
            },
        ]
    }

    fn order(home: Option<GeoPoint>, band: Option<&str>) -> Vec<u128> {
        rank(&facilities(), home, band)
            .into_iter()
            .map(|r| r.id.as_uuid().as_u128())
            .collect()
    }

    #[test]
    fn the_fit_agrees_with_the_table() {
        use Fit::{Open, OtherAge, Targeted};
        use TargetGroup as T;
        #[rustfmt::skip]
        let table: [(&[TargetGroup], Option<&str>, Fit); 16] = [
            (&[T::OlderPeople], Some("80+"), Targeted),
            (&[T::OlderPeople], Some("65-79"), Targeted),
            (&[T::OlderPeople], Some("45-64"), OtherAge),
            (&[T::OlderPeople], Some("0-17"), OtherAge),
            (&[T::YoungPeople], Some("0-17"), Targeted),
            (&[T::YoungPeople], Some("18-29"), Targeted),
            (&[T::YoungPeople], Some("30-44"), OtherAge),
            (&[T::YoungPeople], Some("80+"), OtherAge),
            (&[T::OlderPeople, T::YoungPeople], Some("18-29"), Targeted),
            (&[T::OlderPeople, T::YoungPeople], Some("45-64"), OtherAge),
            (&[], Some("45-64"), Open),
            (&[], Some("80+"), Open),
            (&[T::Everyone, T::OlderPeople], Some("30-44"), Open),
            (&[T::Everyone, T::OlderPeople], Some("80+"), Targeted),
            (&[T::OlderPeople, T::Carers], Some("30-44"), Open),
            (&[T::OlderPeople], None, Open),
        ];
        for (groups, band, expected) in table {
            assert_eq!(fit(groups, band), expected, "{groups:?} {band:?}");
        }
    }

    #[test]
    fn an_older_person_gets_the_nearest_zentrum_plus() {
        // Home at 51.20: zentrum plus Süd (2.8 km) before Nord (5.6 km), then the places open to
        // everyone (Stadtteiltreff 1.1 km, the Familienzentrum without a place); the youth
        // centre last.
        assert_eq!(order(Some(point(51.20, 6.78)), Some("80+")), [4, 1, 3, 5, 2]);
        // Home in the north: Nord first.
        assert_eq!(order(Some(point(51.26, 6.78)), Some("65-79"))[0], 1);
    }

    #[test]
    fn a_young_person_gets_the_youth_centre_and_a_middle_aged_one_the_nearest_open_place() {
        assert_eq!(order(Some(point(51.20, 6.78)), Some("18-29")), [2, 3, 5, 4, 1]);
        // No facility is for 45-64: the open ones first, the nearest (0 km) of the rest next.
        assert_eq!(order(Some(point(51.25, 6.78)), Some("45-64")), [3, 5, 1, 2, 4]);
    }

    #[test]
    fn without_a_home_facilities_come_by_fit_then_name() {
        assert_eq!(order(None, Some("80+")), [1, 4, 5, 3, 2]);
        // Without an age everything is open: nearest first.
        assert_eq!(order(Some(point(51.20, 6.78)), None), [3, 2, 4, 1, 5]);
        assert!(rank(&[], Some(point(51.2, 6.78)), Some("80+")).is_empty());
    }

    #[test]
    fn distances_are_given_where_both_places_are_known() {
        let ranked = rank(&facilities(), Some(point(51.20, 6.78)), Some("80+"));
        let south = ranked.first().unwrap().distance_m.unwrap();
        assert!((2_700.0..2_850.0).contains(&south), "{south}");
        assert_eq!(ranked.iter().find(|r| r.id == id(5)).unwrap().distance_m, None);
    }
}
