//! Reading a JSON request body field by field, so that every problem names its field: an
//! object with only the declared fields and each required one present, then each field read by
//! its JSON type. A wrong field does not stop the reading: the answer lists them all.

use serde_json::{Map, Value};

use super::ApiError;

/// Reads the body's fields by their JSON types, each problem named by its field.
pub(super) struct Reader {
    /// (field, i18n key of the message) per problem found so far.
    pub(super) problems: Vec<(String, &'static str)>,
}

impl Reader {
    /// The body as a JSON object with only `fields`, each of `required` present (else 400
    /// naming each unknown and each missing field).
    pub(super) fn object(
        body: &[u8],
        fields: &[&str],
        required: &[&str],
    ) -> Result<(Self, Map<String, Value>), ApiError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|_| ApiError::Invalid(vec![(String::new(), "api-body-not-json")]))?;
        let Value::Object(map) = value else {
            return Err(ApiError::Invalid(vec![(String::new(), "api-body-not-object")]));
        };
        let mut problems = Vec::new();
        for key in map.keys() {
            if !fields.contains(&key.as_str()) {
                problems.push((key.clone(), "api-field-unknown"));
            }
        }
        for field in required {
            if !map.contains_key(*field) {
                problems.push(((*field).to_owned(), "api-field-required"));
            }
        }
        if problems.is_empty() {
            Ok((Self { problems }, map))
        } else {
            Err(ApiError::Invalid(problems))
        }
    }

    /// Records a value of the wrong JSON type.
    pub(super) fn wrong(&mut self, field: &str) -> String {
        self.problems.push((field.to_owned(), "api-field-wrong-type"));
        String::new()
    }

    /// A string (`nullable`: absent or `null` reads as empty).
    pub(super) fn string(&mut self, field: &str, v: Option<&Value>, nullable: bool) -> String {
        match v {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) if nullable => String::new(),
            _ => self.wrong(field),
        }
    }

    /// An integer, as its decimal text for the domain's parser (`nullable`: absent or `null`
    /// reads as empty).
    pub(super) fn integer(&mut self, field: &str, v: Option<&Value>, nullable: bool) -> String {
        match v {
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
            None | Some(Value::Null) if nullable => String::new(),
            _ => self.wrong(field),
        }
    }

    /// A required string that must be one of a field's codes (`parse`): an unknown code is
    /// named as such, a missing one or one of the wrong type as [`Self::string`] does.
    pub(super) fn code<T>(&mut self, field: &str, v: Option<&Value>, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let text = self.string(field, v, false);
        let parsed = parse(&text);
        if parsed.is_none() && !text.is_empty() {
            self.problems.push((field.to_owned(), "api-field-unknown-code"));
        }
        parsed
    }

    /// A version read earlier: an integer of at least `minimum`.
    pub(super) fn version(&mut self, field: &str, v: Option<&Value>, minimum: i64) -> i64 {
        match v.and_then(Value::as_i64) {
            Some(version) if version >= minimum => version,
            _ => {
                self.problems.push((field.to_owned(), "api-field-not-version"));
                0
            }
        }
    }

    /// A boolean (absent or `null` reads as `false`).
    pub(super) fn boolean(&mut self, field: &str, v: Option<&Value>) -> bool {
        match v {
            Some(Value::Bool(b)) => *b,
            None | Some(Value::Null) => false,
            _ => {
                self.wrong(field);
                false
            }
        }
    }

    /// An array of strings (absent or `null` reads as empty when `nullable`).
    pub(super) fn strings(&mut self, field: &str, v: Option<&Value>, nullable: bool) -> Vec<String> {
        let items = match v {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) if nullable => return Vec::new(),
            _ => {
                self.wrong(field);
                return Vec::new();
            }
        };
        let texts: Option<Vec<String>> = items.iter().map(|i| i.as_str().map(str::to_owned)).collect();
        texts.unwrap_or_else(|| {
            self.wrong(field);
            Vec::new()
        })
    }

    /// The value read, or every problem found.
    pub(super) fn finish<T>(self, value: T) -> Result<T, ApiError> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::Invalid(self.problems))
        }
    }
}
