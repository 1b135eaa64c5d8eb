//! The `/hsds` part of `/api/openapi.json`: its paths, written here, and its schemas, made from
//! the official HSDS 3.0 modular schemas (`interop/hsds-3.0/schema/`, copied unchanged) as
//! `hsds_<object>` components. The copy keeps the JSON Schema keywords (types, formats, enums,
//! required fields, descriptions), drops the data-package annotations, turns the file
//! references into component references, and forbids unknown properties, so a response
//! conformance check (schemathesis) holds the answers to the specification strictly.

use serde_json::{Map, Value, json};

macro_rules! schemas {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../../../interop/hsds-3.0/schema/", $name, ".json")))),*]
    };
}

/// The modular schemas: (object name, file text).
pub const SCHEMAS: [(&str, &str); 21] = schemas![
    "accessibility",
    "address",
    "attribute",
    "contact",
    "cost_option",
    "funding",
    "language",
    "location",
    "meta_table_description",
    "metadata",
    "organization",
    "organization_identifier",
    "phone",
    "program",
    "required_document",
    "schedule",
    "service",
    "service_area",
    "service_at_location",
    "taxonomy",
    "taxonomy_term",
];

/// The JSON Schema keywords kept from the official files.
const KEPT: [&str; 9] = [
    "type",
    "properties",
    "items",
    "required",
    "enum",
    "format",
    "description",
    "title",
    "$ref",
];

/// Adds `additionalProperties: false` to every object schema that lists its properties (the
/// strict reading: no property the specification does not define).
pub fn forbid_unknown_properties(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") {
                map.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            for (key, value) in map.iter_mut() {
                if key == "properties" {
                    if let Value::Object(props) = value {
                        props.values_mut().for_each(forbid_unknown_properties);
                    }
                } else {
                    forbid_unknown_properties(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(forbid_unknown_properties),
        _ => {}
    }
}

/// A schema of the official files with only the kept keywords, `"x.json"` references turned
/// into `#/components/schemas/hsds_x`.
fn clean(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                if !KEPT.contains(&key.as_str()) {
                    continue;
                }
                let value = match (key.as_str(), value) {
                    ("$ref", Value::String(file)) => {
                        Value::String(format!("#/components/schemas/hsds_{}", file.trim_end_matches(".json")))
                    }
                    ("properties", Value::Object(props)) => {
                        Value::Object(props.iter().map(|(name, p)| (name.clone(), clean(p))).collect())
                    }
                    ("items", v) => clean(v),
                    (_, v) => v.clone(),
                };
                out.insert(key.clone(), value);
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// The `hsds_*` component schemas.
pub fn components() -> Map<String, Value> {
    let mut out = Map::new();
    for (name, text) in SCHEMAS {
        let Ok(official) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        let mut schema = clean(&official);
        forbid_unknown_properties(&mut schema);
        out.insert(format!("hsds_{name}"), schema);
    }
    // An organization with its services (the compiled HSDS organization schema adds this
    // array; the modular file does not have it).
    if let Some(Value::Object(org)) = out.get("hsds_organization").cloned() {
        let mut org = org;
        if let Some(Value::Object(props)) = org.get_mut("properties") {
            props.insert(
                "services".to_owned(),
                json!({"type": "array", "items": {"$ref": "#/components/schemas/hsds_service"}}),
            );
        }
        out.insert("hsds_organization_with_services".to_owned(), Value::Object(org));
    }
    // A service at a location as lists give it: with the service (as the compiled HSDS list
    // schema has it).
    if let Some(Value::Object(sal)) = out.get("hsds_service_at_location").cloned() {
        let mut sal = sal;
        if let Some(Value::Object(props)) = sal.get_mut("properties") {
            props.insert(
                "service".to_owned(),
                json!({"$ref": "#/components/schemas/hsds_service"}),
            );
        }
        out.insert("hsds_service_at_location_item".to_owned(), Value::Object(sal));
    }
    out.insert(
        "hsds_minimal_service".to_owned(),
        json!({
            "type": "object",
            "description": "A service's id and change time (`minimal=true`).",
            "required": ["id", "last_modified"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "last_modified": {"type": "string", "format": "date-time"}
            },
            "additionalProperties": false
        }),
    );
    out
}

fn page_of(items: &Value) -> Value {
    json!({
        "type": "object",
        "description": "A page of a list (the HSDS Page object).",
        "required": ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"],
        "properties": {
            "total_items": {"type": "integer", "minimum": 0},
            "total_pages": {"type": "integer", "minimum": 0},
            "page_number": {"type": "integer", "minimum": 1},
            "size": {"type": "integer", "minimum": 0},
            "first_page": {"type": "boolean"},
            "last_page": {"type": "boolean"},
            "empty": {"type": "boolean"},
            "contents": {"type": "array", "items": items}
        },
        "additionalProperties": false
    })
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn query(name: &str, description: &str, schema: &Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn paging() -> Vec<Value> {
    vec![
        query(
            "page",
            "Page number, from 1.",
            &json!({"type": "integer", "minimum": 1, "maximum": crate::hsds::MAX_PAGE}),
        ),
        query(
            "per_page",
            "Results per page (50 unless given).",
            &json!({"type": "integer", "minimum": 1, "maximum": lotse_app::offer_search::MAX_PER_PAGE}),
        ),
    ]
}

fn service_filters() -> Vec<Value> {
    let mut params = vec![query(
        "search",
        "Full-text search in German, Danish and English (stemming, typo tolerance, folded diacritics).",
        &json!({"type": "string", "maxLength": crate::hsds::MAX_SEARCH_CHARS}),
    )];
    params.extend(paging());
    let uuid = json!({"type": "string", "format": "uuid"});
    let age = json!({"type": "integer", "minimum": 0, "maximum": 150});
    let time = json!({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"});
    params.extend([
        query("taxonomy_id", "Only services with a term of this taxonomy.", &uuid),
        query("taxonomy_term_id", "Only services with this taxonomy term.", &uuid),
        query("organization_id", "Only services of this organization.", &uuid),
        query(
            "modified_after",
            "Only services modified on or after this time (RFC 3339, or a date: its start in UTC).",
            &json!({"type": "string"}),
        ),
        query("minimum_age", "Only services whose minimum age is at least this.", &age),
        query("maximum_age", "Only services whose maximum age is at most this.", &age),
        query(
            "day",
            "Only services with a session on this weekday.",
            &json!({"type": "string", "enum": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]}),
        ),
        query(
            "start_time",
            "Only sessions starting at or after this local time.",
            &time,
        ),
        query("end_time", "Only sessions ending at or before this local time.", &time),
        query(
            "postcode",
            "Measure from this postcode's centroid (nearest first unless there is a search).",
            &json!({"type": "string"}),
        ),
        query(
            "proximity",
            "Only services within this many metres of the postcode.",
            &json!({"type": "integer", "minimum": 1, "maximum": crate::hsds::MAX_PROXIMITY_M}),
        ),
    ]);
    params
}

fn problem(description: &str) -> Value {
    json!({"description": description, "content": {"application/problem+json": {"schema": schema_ref("Problem")}}})
}

fn ok(description: &str, schema: &Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn get(tag: &str, summary: &str, parameters: &[Value], responses: &Value) -> Value {
    json!({"get": {"tags": [tag], "summary": summary, "parameters": parameters, "responses": responses}})
}

fn by_id(tag: &str, summary: &str, schema: &Value, extra: &[Value]) -> Value {
    let mut parameters = vec![json!({
        "name": "id", "in": "path", "required": true, "description": "The id.",
        "schema": {"type": "string", "format": "uuid"}
    })];
    parameters.extend_from_slice(extra);
    get(
        tag,
        summary,
        &parameters,
        &json!({
            "200": ok(summary, schema),
            "400": problem("The id is not a UUID"),
            "404": problem("No such listed record"),
        }),
    )
}

/// The `/hsds` paths.
pub fn paths() -> Map<String, Value> {
    let tag = "hsds";
    let boolean = json!({"type": "boolean"});
    let info = json!({
        "type": "object",
        "required": ["version", "profile", "openapi_url"],
        "properties": {
            "version": {"type": "string"},
            "profile": {"type": "string", "format": "uri"},
            "openapi_url": {"type": "string", "format": "uri"}
        },
        "additionalProperties": false
    });
    let root = get(
        tag,
        "What this API is: the HSDS version, the profile and where this document is",
        &[],
        &json!({"200": ok("About this API", &info)}),
    );
    let mut services_params = service_filters();
    services_params.extend([
        query(
            "format",
            "`json` (a page) or `ndjson` (every matching service, one per line, unpaginated).",
            &json!({"type": "string", "enum": ["json", "ndjson"]}),
        ),
        query("minimal", "Only each service's id and change time.", &boolean),
        query("full", "Fully nested services.", &boolean),
    ]);
    let service_items = json!({"anyOf": [schema_ref("hsds_service"), schema_ref("hsds_minimal_service")]});
    let mut services_ok = ok("A page of listed services", &page_of(&service_items));
    if let Some(content) = services_ok.get_mut("content").and_then(Value::as_object_mut) {
        content.insert("application/x-ndjson".to_owned(), json!({"schema": {"type": "string"}}));
    }
    let services = get(
        tag,
        "Listed services (published, active offers) of every public directory",
        &services_params,
        &json!({"200": services_ok, "400": problem("A parameter is wrong")}),
    );
    let sal = get(
        tag,
        "Listed services at their locations",
        &service_filters(),
        &json!({
            "200": ok("A page of services at locations", &page_of(&schema_ref("hsds_service_at_location_item"))),
            "400": problem("A parameter is wrong"),
        }),
    );
    let mut org_params = vec![query(
        "search",
        "Only organizations whose name contains this.",
        &json!({"type": "string", "maxLength": crate::hsds::MAX_SEARCH_CHARS}),
    )];
    org_params.extend(paging());
    org_params.push(query(
        "full",
        "Accepted for compatibility; organizations have no nested parts here.",
        &boolean,
    ));
    let organizations = get(
        tag,
        "Organizations with a listed service",
        &org_params,
        &json!({
            "200": ok("A page of organizations", &page_of(&schema_ref("hsds_organization"))),
            "400": problem("A parameter is wrong"),
        }),
    );
    let org_extra = [
        query("full_service", "Fully nested services.", &boolean),
        query("full", "Accepted for compatibility.", &boolean),
    ];
    let mut terms_params = paging();
    terms_params.push(query(
        "taxonomy_id",
        "Only the terms of this taxonomy.",
        &json!({"type": "string", "format": "uuid"}),
    ));
    let list = |summary: &str, item: &str, params: &[Value]| {
        get(
            tag,
            summary,
            params,
            &json!({"200": ok(summary, &page_of(&schema_ref(item))), "400": problem("A parameter is wrong")}),
        )
    };
    let mut out = Map::new();
    out.insert("/hsds".to_owned(), root.clone());
    out.insert("/hsds/".to_owned(), root);
    out.insert("/hsds/services".to_owned(), services);
    out.insert(
        "/hsds/services/{id}".to_owned(),
        by_id(
            tag,
            "One listed service, fully nested",
            &schema_ref("hsds_service"),
            &[],
        ),
    );
    out.insert("/hsds/service_at_locations".to_owned(), sal);
    out.insert(
        "/hsds/service_at_locations/{id}".to_owned(),
        by_id(
            tag,
            "One listed service at its location",
            &schema_ref("hsds_service_at_location_item"),
            &[],
        ),
    );
    out.insert("/hsds/organizations".to_owned(), organizations);
    out.insert(
        "/hsds/organizations/{id}".to_owned(),
        by_id(
            tag,
            "One organization with its listed services",
            &schema_ref("hsds_organization_with_services"),
            &org_extra,
        ),
    );
    out.insert(
        "/hsds/taxonomies".to_owned(),
        list("The taxonomies", "hsds_taxonomy", &paging()),
    );
    out.insert(
        "/hsds/taxonomies/{id}".to_owned(),
        by_id(tag, "One taxonomy", &schema_ref("hsds_taxonomy"), &[]),
    );
    out.insert(
        "/hsds/taxonomy_terms".to_owned(),
        list("The taxonomy terms", "hsds_taxonomy_term", &terms_params),
    );
    out.insert(
        "/hsds/taxonomy_terms/{id}".to_owned(),
        by_id(tag, "One taxonomy term", &schema_ref("hsds_taxonomy_term"), &[]),
    );
    out
}

/// Adds the `/hsds` paths and schemas to the generated document.
pub fn merge(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        paths.extend(self::paths());
    }
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        schemas.extend(components());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_official_schema_is_read_and_every_reference_resolves() {
        let components = components();
        assert_eq!(components.len(), SCHEMAS.len() + 3);
        let text = serde_json::to_string(&components).unwrap();
        for (i, _) in text.match_indices("#/components/schemas/") {
            let rest = &text[i + "#/components/schemas/".len()..];
            let name = &rest[..rest.find('"').unwrap()];
            assert!(
                components.contains_key(name) || name == "Problem",
                "dangling reference {name}"
            );
        }
        assert!(!text.contains("datapackage_metadata"));
        let service = &components["hsds_service"];
        assert_eq!(service["additionalProperties"], Value::Bool(false));
        assert_eq!(
            service["properties"]["phones"]["items"]["$ref"],
            "#/components/schemas/hsds_phone"
        );
        assert_eq!(service["required"], json!(["id", "name", "status"]));
    }
}
