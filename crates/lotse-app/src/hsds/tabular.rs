//! The HSDS tabular data package as nested service records: `services.csv` with the tables
//! that hang off it (`organizations`, `service_at_location`, `locations`, `addresses`,
//! `accessibility`, `schedules`, `languages`, `phones`, `cost_options`, `attributes`,
//! `taxonomy_terms`), joined by their id columns. Cells are text; numbers are parsed where the
//! service is read. Taxonomy terms are checked for duplicate ids and for cycles of `parent_id`.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::import::RecordProblem;
use crate::area_import::ImportFile;

type Row = Map<String, Value>;

fn problem(record: &str, field: &str, message: impl Into<String>) -> RecordProblem {
    RecordProblem {
        record: record.to_owned(),
        field: field.to_owned(),
        message: message.into(),
    }
}

fn table(file: &ImportFile) -> Result<Vec<Row>, RecordProblem> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(file.bytes.as_slice());
    let headers = reader
        .headers()
        .map_err(|e| problem(&file.name, "", format!("cannot be read as CSV: {e}")))?
        .clone();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            problem(
                &format!("{} line {}", file.name, i + 2),
                "",
                format!("cannot be read: {e}"),
            )
        })?;
        let row: Row = headers
            .iter()
            .zip(record.iter())
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(h, v)| (h.to_owned(), Value::String(v.to_owned())))
            .collect();
        rows.push(row);
    }
    Ok(rows)
}

fn text<'r>(row: &'r Row, key: &str) -> Option<&'r str> {
    row.get(key).and_then(Value::as_str)
}

fn group(rows: &[Row], key: &str) -> HashMap<String, Vec<Row>> {
    let mut out: HashMap<String, Vec<Row>> = HashMap::new();
    for row in rows {
        if let Some(k) = text(row, key) {
            out.entry(k.to_owned()).or_default().push(row.clone());
        }
    }
    out
}

fn by_id(rows: &[Row]) -> HashMap<String, Row> {
    rows.iter()
        .filter_map(|r| Some((text(r, "id")?.to_owned(), r.clone())))
        .collect()
}

fn array(rows: Option<&Vec<Row>>) -> Value {
    Value::Array(rows.into_iter().flatten().cloned().map(Value::Object).collect())
}

/// Duplicate ids and `parent_id` cycles among taxonomy terms.
fn check_terms(file: &str, terms: &[Row]) -> Vec<RecordProblem> {
    let mut problems = Vec::new();
    let mut parents: HashMap<&str, Option<&str>> = HashMap::new();
    for (i, t) in terms.iter().enumerate() {
        let Some(id) = text(t, "id") else { continue };
        if parents.insert(id, text(t, "parent_id")).is_some() {
            problems.push(problem(
                &format!("{file} line {}", i + 2),
                "id",
                format!("{id} is given twice"),
            ));
        }
    }
    for start in parents.keys() {
        let mut seen = HashSet::new();
        let mut at = Some(*start);
        while let Some(id) = at {
            if !seen.insert(id) {
                problems.push(problem(
                    file,
                    "parent_id",
                    format!("the terms' parents form a cycle through {start}"),
                ));
                break;
            }
            at = parents.get(id).copied().flatten();
        }
    }
    problems.sort_by(|a, b| a.message.cmp(&b.message));
    problems.dedup();
    problems
}

/// The services of a data package, nested as HSDS JSON.
pub(super) fn records(files: &[ImportFile]) -> Result<Vec<Value>, Vec<RecordProblem>> {
    let mut tables: HashMap<String, Vec<Row>> = HashMap::new();
    let mut problems = Vec::new();
    for f in files {
        if std::str::from_utf8(&f.bytes).is_err() {
            problems.push(problem(&f.name, "", "is not UTF-8"));
            continue;
        }
        let name = std::path::Path::new(&f.name)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        match table(f) {
            Ok(rows) => {
                tables.insert(name, rows);
            }
            Err(p) => problems.push(p),
        }
    }
    let get = |n: &str| tables.get(n).cloned().unwrap_or_default();
    let terms = get("taxonomy_terms");
    problems.extend(check_terms("taxonomy_terms.csv", &terms));
    let services = get("services");
    let mut ids = HashSet::new();
    for (i, s) in services.iter().enumerate() {
        if let Some(id) = text(s, "id")
            && !ids.insert(id.to_owned())
        {
            problems.push(problem(
                &format!("services.csv line {}", i + 2),
                "id",
                format!("{id} is given twice"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let organizations = by_id(&get("organizations"));
    let locations = by_id(&get("locations"));
    let terms = by_id(&terms);
    let places = group(&get("service_at_location"), "service_id");
    let addresses = group(&get("addresses"), "location_id");
    let accessibility = group(&get("accessibility"), "location_id");
    let schedules = group(&get("schedules"), "service_id");
    let languages = group(&get("languages"), "service_id");
    let phones = group(&get("phones"), "service_id");
    let costs = group(&get("cost_options"), "service_id");
    let attributes = group(&get("attributes"), "link_id");
    Ok(services
        .into_iter()
        .map(|mut s| {
            let id = text(&s, "id").unwrap_or_default().to_owned();
            if let Some(org) = text(&s, "organization_id").and_then(|o| organizations.get(o)) {
                s.insert("organization".into(), Value::Object(org.clone()));
            }
            let nested_places: Vec<Value> = places
                .get(&id)
                .into_iter()
                .flatten()
                .map(|p| {
                    let mut p = p.clone();
                    if let Some(mut l) = text(&p, "location_id").and_then(|l| locations.get(l)).cloned() {
                        let lid = text(&l, "id").unwrap_or_default().to_owned();
                        l.insert("addresses".into(), array(addresses.get(&lid)));
                        l.insert("accessibility".into(), array(accessibility.get(&lid)));
                        p.insert("location".into(), Value::Object(l));
                    }
                    Value::Object(p)
                })
                .collect();
            s.insert("service_at_locations".into(), Value::Array(nested_places));
            s.insert("schedules".into(), array(schedules.get(&id)));
            s.insert("languages".into(), array(languages.get(&id)));
            s.insert("phones".into(), array(phones.get(&id)));
            s.insert("cost_options".into(), array(costs.get(&id)));
            let attrs: Vec<Value> = attributes
                .get(&id)
                .into_iter()
                .flatten()
                .map(|a| {
                    let mut a = a.clone();
                    if let Some(t) = text(&a, "taxonomy_term_id").and_then(|t| terms.get(t)) {
                        a.insert("taxonomy_term".into(), Value::Object(t.clone()));
                    }
                    Value::Object(a)
                })
                .collect();
            s.insert("attributes".into(), Value::Array(attrs));
            Value::Object(s)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(id: &str, parent: Option<&str>) -> Row {
        let mut r = Row::new();
        r.insert("id".into(), Value::String(id.into()));
        if let Some(p) = parent {
            r.insert("parent_id".into(), Value::String(p.into()));
        }
        r
    }

    #[test]
    fn parent_cycles_and_duplicate_terms_are_found() {
        let fine = [term("a", None), term("b", Some("a")), term("c", Some("b"))];
        assert!(check_terms("t", &fine).is_empty());
        let cycle = [term("a", Some("c")), term("b", Some("a")), term("c", Some("b"))];
        let found = check_terms("t", &cycle);
        assert!(
            found.iter().all(|p| p.message.contains("cycle")) && !found.is_empty(),
            "{found:?}"
        );
        let own = [term("a", Some("a"))];
        assert_eq!(check_terms("t", &own).len(), 1);
        let twice = [term("a", None), term("a", None)];
        assert!(check_terms("t", &twice).iter().any(|p| p.message.contains("twice")));
    }
}
