//! `lotse import areas`: a programme's own geography from CSV files, so that addresses become
//! areas and points without any outside geocoder.
//!
//! Two files, each recognised by its header (UTF-8, comma-separated, one header row):
//! - **areas** — `area_set,name,kind,parent,lat,lon,deprivation`: one area per row. A set is
//!   created when first named. An area is found by set and name: a new one is added, a stored
//!   one gets the row's parent, kind, centroid and index. `parent` names an area of the same
//!   set, stored or on an earlier row; `deprivation` is empty or in 0..=1.
//! - **postcodes** — `postcode,lat,lon` and then one column per area set, headed with the
//!   set's name: each cell names the area of that set the postcode falls in (or is empty).
//!
//! Every row is checked before anything is written; one problem refuses the whole import, and
//! every problem is reported with its file, line and column. A directory holds `areas.csv`
//! and/or `postcodes.csv`; both are imported in one transaction, areas first.

use std::collections::{HashMap, HashSet};

use lotse_domain::actor::SystemJob;
use lotse_domain::area::{Area, AreaKind, AreaSet, DeprivationIndex, GeoPoint, Postcode, PostcodeCode};
use lotse_domain::id::{AreaId, AreaSetId};
use lotse_domain::programme::ProgrammeSlug;
use lotse_store::Db;

use crate::admin::AdminError;
use crate::jobs::JobToken;

/// Columns of an areas file, in the documented order.
pub const AREA_COLUMNS: [&str; 7] = ["area_set", "name", "kind", "parent", "lat", "lon", "deprivation"];
/// The fixed columns of a postcodes file; area-set columns follow.
pub const POSTCODE_COLUMNS: [&str; 3] = ["postcode", "lat", "lon"];
/// The longest name accepted for an area or a set.
const MAX_NAME: usize = 200;

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file's name as given.
    pub file: String,
    /// Line number (1 is the header).
    pub line: u64,
    /// The column, where one is at fault.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "{}, line {}, column {c}: {}", self.file, self.line, self.message),
            None => write!(f, "{}, line {}: {}", self.file, self.line, self.message),
        }
    }
}

/// Why an import was refused.
#[derive(Debug, thiserror::Error)]
pub enum AreaImportError {
    /// The files have problems; nothing was written.
    #[error("nothing was imported; {} problem(s):\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Problems(Vec<Problem>),
    /// The programme or the store failed.
    #[error(transparent)]
    Admin(#[from] AdminError),
}

impl From<lotse_store::StoreError> for AreaImportError {
    fn from(e: lotse_store::StoreError) -> Self {
        Self::Admin(AdminError::Store(e))
    }
}

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AreaImportReport {
    /// Area sets created.
    pub area_sets_created: usize,
    /// Areas added.
    pub areas_added: usize,
    /// Stored areas changed (rows equal to what is stored change nothing).
    pub areas_updated: usize,
    /// Postcodes written (added or replaced).
    pub postcodes: usize,
}

/// One import file: its name (for messages) and its bytes.
#[derive(Debug, Clone)]
pub struct ImportFile {
    /// The name used in messages.
    pub name: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

struct AreaLine {
    line: u64,
    set: String,
    name: String,
    kind: AreaKind,
    parent: Option<String>,
    centroid: GeoPoint,
    deprivation: Option<DeprivationIndex>,
}

struct PostcodeLine {
    line: u64,
    code: PostcodeCode,
    centroid: GeoPoint,
    /// (set column, area name)
    areas: Vec<(String, String)>,
}

enum Parsed {
    Areas(Vec<AreaLine>),
    Postcodes(Vec<PostcodeLine>),
}

struct Reader<'a> {
    file: &'a str,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn problem(&mut self, line: u64, column: Option<&str>, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_owned(),
            line,
            column: column.map(str::to_owned),
            message: message.into(),
        });
    }

    fn name(&mut self, line: u64, column: &str, value: &str) -> Option<String> {
        let value = value.trim();
        if value.is_empty() {
            self.problem(line, Some(column), "must not be empty");
            None
        } else if value.chars().count() > MAX_NAME {
            self.problem(line, Some(column), format!("is longer than {MAX_NAME} characters"));
            None
        } else {
            Some(value.to_owned())
        }
    }

    fn point(&mut self, line: u64, lat: &str, lon: &str) -> Option<GeoPoint> {
        let mut number = |column: &str, value: &str| match value.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                self.problem(
                    line,
                    Some(column),
                    format!("{value:?} is not a number (use a dot: 51.2277)"),
                );
                None
            }
        };
        let (lat, lon) = (number("lat", lat)?, number("lon", lon)?);
        match GeoPoint::parse(lat, lon) {
            Ok(p) => Some(p),
            Err(e) => {
                self.problem(
                    line,
                    Some(if (-90.0..=90.0).contains(&lat) { "lon" } else { "lat" }),
                    e.to_string(),
                );
                None
            }
        }
    }
}

fn parse(file: &ImportFile) -> Result<Parsed, Vec<Problem>> {
    let mut r = Reader {
        file: &file.name,
        problems: Vec::new(),
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(file.bytes.as_slice());
    let mut records = csv.byte_records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            r.problem(1, None, format!("cannot read the header: {e}"));
            return Err(r.problems);
        }
        None => {
            r.problem(1, None, "the file is empty; it needs a header row");
            return Err(r.problems);
        }
    };
    let Ok(header) = header
        .iter()
        .map(|c| std::str::from_utf8(c).map(|s| s.trim().trim_start_matches('\u{feff}').to_owned()))
        .collect::<Result<Vec<String>, _>>()
    else {
        r.problem(1, None, "the header is not UTF-8 text");
        return Err(r.problems);
    };
    let is_areas = header.iter().map(String::as_str).eq(AREA_COLUMNS);
    let is_postcodes = header.len() >= 3 && header.iter().take(3).map(String::as_str).eq(POSTCODE_COLUMNS);
    if !is_areas && !is_postcodes {
        r.problem(
            1,
            None,
            format!(
                "unknown header {:?}: an areas file starts `{}`, a postcodes file `{}` followed by one column per area set",
                header.join(","),
                AREA_COLUMNS.join(","),
                POSTCODE_COLUMNS.join(",")
            ),
        );
        return Err(r.problems);
    }
    let set_columns: Vec<String> = header.iter().skip(3).cloned().collect();
    if is_postcodes {
        let mut seen = HashSet::new();
        for c in &set_columns {
            if c.is_empty() {
                r.problem(1, None, "an area-set column has no name");
            } else if !seen.insert(c) {
                r.problem(1, Some(c), "this area set has two columns");
            }
        }
    }
    let mut areas = Vec::new();
    let mut postcodes = Vec::new();
    let mut keys = HashSet::new();
    for (i, record) in records.enumerate() {
        let line = u64::try_from(i).unwrap_or(u64::MAX).saturating_add(2);
        let record = match record {
            Ok(x) => x,
            Err(e) => {
                r.problem(line, None, format!("cannot read the row: {e}"));
                continue;
            }
        };
        let Ok(cells) = record.iter().map(std::str::from_utf8).collect::<Result<Vec<&str>, _>>() else {
            r.problem(line, None, "the row is not UTF-8 text (save the file as UTF-8)");
            continue;
        };
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if cells.len() != header.len() {
            r.problem(
                line,
                None,
                format!("has {} columns; the header has {}", cells.len(), header.len()),
            );
            continue;
        }
        let cell = |n: usize| cells.get(n).copied().unwrap_or_default();
        if is_areas {
            let set = r.name(line, "area_set", cell(0));
            let name = r.name(line, "name", cell(1));
            let kind = AreaKind::from_code(cell(2).trim());
            if kind.is_none() {
                let codes: Vec<_> = AreaKind::ALL.iter().map(|k| k.code()).collect();
                r.problem(
                    line,
                    Some("kind"),
                    format!("{:?} is not one of {}", cell(2), codes.join(", ")),
                );
            }
            let parent = Some(cell(3).trim()).filter(|p| !p.is_empty()).map(str::to_owned);
            let centroid = r.point(line, cell(4), cell(5));
            let deprivation = match cell(6).trim() {
                "" => Some(None),
                v => {
                    let d = v.parse::<f64>().ok().and_then(DeprivationIndex::parse);
                    if d.is_none() {
                        r.problem(line, Some("deprivation"), format!("{v:?} is not a number in 0..=1"));
                    }
                    d.map(Some)
                }
            };
            let (Some(set), Some(name), Some(kind), Some(centroid), Some(deprivation)) =
                (set, name, kind, centroid, deprivation)
            else {
                continue;
            };
            if !keys.insert((set.clone(), name.clone())) {
                r.problem(line, Some("name"), format!("{name:?} appears twice in the set {set:?}"));
                continue;
            }
            areas.push(AreaLine {
                line,
                set,
                name,
                kind,
                parent,
                centroid,
                deprivation,
            });
        } else {
            let code = match PostcodeCode::parse(cell(0)) {
                Ok(c) => Some(c),
                Err(e) => {
                    r.problem(line, Some("postcode"), e.to_string());
                    None
                }
            };
            let centroid = r.point(line, cell(1), cell(2));
            let (Some(code), Some(centroid)) = (code, centroid) else {
                continue;
            };
            if !keys.insert((code.as_str().to_owned(), String::new())) {
                r.problem(line, Some("postcode"), format!("{code} appears twice"));
                continue;
            }
            let areas = set_columns
                .iter()
                .zip(cells.iter().skip(3))
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(set, v)| (set.clone(), v.trim().to_owned()))
                .collect();
            postcodes.push(PostcodeLine {
                line,
                code,
                centroid,
                areas,
            });
        }
    }
    if !r.problems.is_empty() {
        return Err(r.problems);
    }
    Ok(if is_areas {
        Parsed::Areas(areas)
    } else {
        Parsed::Postcodes(postcodes)
    })
}

/// Equal to the precision a CSV file carries (a millionth of a degree is about 10 cm).
fn near(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// What the import will write, worked out against what is stored.
#[derive(Default)]
struct Plan {
    new_sets: Vec<AreaSet>,
    new_areas: Vec<Area>,
    changed_areas: Vec<Area>,
    postcodes: Vec<Postcode>,
}

struct Known {
    sets: HashMap<String, AreaSetId>,
    areas: HashMap<(AreaSetId, String), Area>,
}

fn plan_areas(
    known: &mut Known,
    plan: &mut Plan,
    scope_programme: lotse_domain::id::ProgrammeId,
    file: &str,
    lines: Vec<AreaLine>,
    problems: &mut Vec<Problem>,
) {
    let mut problem = |line: u64, column: &str, message: String| {
        problems.push(Problem {
            file: file.to_owned(),
            line,
            column: Some(column.to_owned()),
            message,
        });
    };
    let mut changed: HashMap<AreaId, u64> = HashMap::new();
    for l in lines {
        let set = *known.sets.entry(l.set.clone()).or_insert_with(|| {
            let id = AreaSetId::from_uuid(uuid::Uuid::new_v4());
            plan.new_sets.push(AreaSet {
                id,
                programme: scope_programme,
                name: l.set.clone(),
            });
            id
        });
        let parent = match &l.parent {
            None => None,
            Some(p) => {
                let Some(a) = known.areas.get(&(set, p.clone())) else {
                    problem(
                        l.line,
                        "parent",
                        format!("no area {p:?} in the set {:?} (stored or on an earlier row)", l.set),
                    );
                    continue;
                };
                Some(a.id)
            }
        };
        if let Some(stored) = known.areas.get_mut(&(set, l.name.clone())) {
            if parent == Some(stored.id) {
                problem(l.line, "parent", format!("{:?} cannot be its own parent", l.name));
                continue;
            }
            let same = stored.parent == parent
                && stored.kind == l.kind
                && near(stored.centroid.lat(), l.centroid.lat())
                && near(stored.centroid.lon(), l.centroid.lon())
                && match (stored.deprivation, l.deprivation) {
                    (Some(a), Some(b)) => near(a.value(), b.value()),
                    (a, b) => a.is_none() && b.is_none(),
                };
            if same {
                continue;
            }
            stored.parent = parent;
            stored.kind = l.kind;
            stored.centroid = l.centroid;
            stored.deprivation = l.deprivation;
            if let Some(n) = plan.new_areas.iter_mut().find(|a| a.id == stored.id) {
                *n = stored.clone();
            } else {
                changed.insert(stored.id, l.line);
            }
        } else {
            let area = Area {
                id: AreaId::from_uuid(uuid::Uuid::new_v4()),
                programme: scope_programme,
                area_set: set,
                parent,
                kind: l.kind,
                name: l.name.clone(),
                centroid: l.centroid,
                deprivation: l.deprivation,
            };
            known.areas.insert((set, l.name), area.clone());
            plan.new_areas.push(area);
        }
    }
    // A changed parent may close a loop among stored areas.
    let by_id: HashMap<AreaId, &Area> = known.areas.values().map(|a| (a.id, a)).collect();
    for (id, line) in &changed {
        let mut seen = HashSet::from([*id]);
        let mut at = by_id.get(id).and_then(|a| a.parent);
        while let Some(p) = at {
            if !seen.insert(p) {
                let name = by_id.get(id).map_or("?", |a| a.name.as_str());
                problem(*line, "parent", format!("the parents of {name:?} form a loop"));
                break;
            }
            at = by_id.get(&p).and_then(|a| a.parent);
        }
    }
    let mut changed: Vec<Area> = changed
        .keys()
        .filter_map(|id| by_id.get(id).map(|a| (*a).clone()))
        .collect();
    changed.sort_by(|a, b| a.name.cmp(&b.name));
    plan.changed_areas = changed;
}

fn plan_postcodes(known: &Known, plan: &mut Plan, file: &str, lines: Vec<PostcodeLine>, problems: &mut Vec<Problem>) {
    for l in lines {
        let mut areas = Vec::new();
        let mut fine = true;
        for (set_name, area_name) in &l.areas {
            let Some(set) = known.sets.get(set_name) else {
                problems.push(Problem {
                    file: file.to_owned(),
                    line: l.line,
                    column: Some(set_name.clone()),
                    message: format!("no area set {set_name:?} (import its areas first)"),
                });
                fine = false;
                continue;
            };
            if let Some(a) = known.areas.get(&(*set, area_name.clone())) {
                areas.push((*set, a.id));
            } else {
                problems.push(Problem {
                    file: file.to_owned(),
                    line: l.line,
                    column: Some(set_name.clone()),
                    message: format!("no area {area_name:?} in the set {set_name:?}"),
                });
                fine = false;
            }
        }
        if fine {
            plan.postcodes.push(Postcode {
                code: l.code,
                centroid: l.centroid,
                areas,
            });
        }
    }
}

/// Imports area and postcode files into a programme, all or nothing.
pub async fn import_areas(db: &Db, programme: &str, files: &[ImportFile]) -> Result<AreaImportReport, AreaImportError> {
    let slug = ProgrammeSlug::parse(programme).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let programme = lotse_store::programme::find_by_slug(db, &slug)
        .await
        .map_err(AdminError::from)?
        .ok_or_else(|| AdminError::UnknownProgramme(slug.as_str().to_owned()))?;
    let scope = JobToken::start_job(SystemJob::Admin).scope(programme.id);
    let mut problems = Vec::new();
    let mut parsed = Vec::new();
    for f in files {
        match parse(f) {
            Ok(p) => parsed.push((f.name.clone(), p)),
            Err(mut p) => problems.append(&mut p),
        }
    }
    if !problems.is_empty() {
        return Err(AreaImportError::Problems(problems));
    }
    // Areas before postcodes, whatever order the files came in.
    parsed.sort_by_key(|(_, p)| matches!(p, Parsed::Postcodes(_)));
    let mut tx = db.begin().await?;
    let sets = lotse_store::directory::list_area_sets(&mut tx, &scope).await?;
    let areas = lotse_store::directory::list_areas(&mut tx, &scope).await?;
    let mut known = Known {
        sets: sets.iter().map(|s| (s.name.clone(), s.id)).collect(),
        areas: areas.into_iter().map(|a| ((a.area_set, a.name.clone()), a)).collect(),
    };
    let mut plan = Plan::default();
    for (name, p) in parsed {
        match p {
            Parsed::Areas(lines) => plan_areas(&mut known, &mut plan, programme.id, &name, lines, &mut problems),
            Parsed::Postcodes(lines) => plan_postcodes(&known, &mut plan, &name, lines, &mut problems),
        }
    }
    if !problems.is_empty() {
        return Err(AreaImportError::Problems(problems));
    }
    lotse_store::directory::insert_area_sets(&mut tx, &scope, &plan.new_sets).await?;
    lotse_store::directory::insert_areas(&mut tx, &scope, &plan.new_areas).await?;
    for a in &plan.changed_areas {
        lotse_store::directory::update_area(&mut tx, &scope, a).await?;
    }
    lotse_store::postcode::upsert_postcodes(&mut tx, &scope, &plan.postcodes).await?;
    tx.commit().await?;
    Ok(AreaImportReport {
        area_sets_created: plan.new_sets.len(),
        areas_added: plan.new_areas.len(),
        areas_updated: plan.changed_areas.len(),
        postcodes: plan.postcodes.len(),
    })
}
