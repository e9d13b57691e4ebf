//! Reading request bodies field by field, so every bad input names its field
//! and says what was expected.

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};

/// A parsed JSON object body.
#[derive(Debug, Clone)]
pub struct JsonObject(Map<String, Value>);

impl JsonObject {
    /// Parses raw bytes; anything but a JSON object is refused.
    pub fn parse(bytes: &[u8]) -> ApiResult<Self> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::new(400, "invalid_json", "the request body must be a JSON object"));
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(_) => Err(ApiError::new(400, "invalid_json", "the request body must be a JSON object")),
            Err(e) => Err(ApiError::new(400, "invalid_json", format!("the request body is not valid JSON: {e}"))),
        }
    }

    pub fn from_map(map: Map<String, Value>) -> Self {
        Self(map)
    }

    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.keys()
    }

    pub fn get(&self, field: &str) -> Option<&Value> {
        self.0.get(field).filter(|v| !v.is_null())
    }

    pub fn required_str(&self, field: &str) -> ApiResult<&str> {
        self.optional_str(field)?.ok_or_else(|| ApiError::missing_field(field))
    }

    pub fn optional_str(&self, field: &str) -> ApiResult<Option<&str>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(ApiError::wrong_type(field, "a string")),
        }
    }

    /// A whole number (JSON integer, not `1.5` nor `"1"`).
    pub fn optional_int(&self, field: &str) -> ApiResult<Option<i64>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| ApiError::wrong_type(field, "a whole number")),
            Some(_) => Err(ApiError::wrong_type(field, "a whole number")),
        }
    }

    pub fn required_int(&self, field: &str) -> ApiResult<i64> {
        self.optional_int(field)?.ok_or_else(|| ApiError::missing_field(field))
    }

    pub fn optional_bool(&self, field: &str) -> ApiResult<Option<bool>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::wrong_type(field, "a boolean")),
        }
    }

    pub fn optional_object(&self, field: &str) -> ApiResult<Option<JsonObject>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(JsonObject(m.clone()))),
            Some(_) => Err(ApiError::wrong_type(field, "an object")),
        }
    }

    /// Refuses any key not in `allowed`, naming it.
    pub fn only_keys(&self, allowed: &[&str], prefix: &str) -> ApiResult<()> {
        match self.0.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(ApiError::invalid(
                "unknown_field",
                &format!("{prefix}{k}"),
                format!("`{prefix}{k}` is not a known field; expected one of: {}", allowed.join(", ")),
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_objects_and_bad_json() {
        for body in [&b""[..], b"   ", b"[]", b"42", b"\"x\"", b"{", b"{\"a\":}"] {
            let err = JsonObject::parse(body).unwrap_err();
            assert_eq!((err.status, err.code), (400, "invalid_json"), "{:?}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn names_missing_and_mistyped_fields() {
        let o = JsonObject::parse(br#"{"email": 5, "name": null}"#).unwrap();
        assert_eq!(o.required_str("email").unwrap_err().code, "invalid_field_type");
        let e = o.required_str("name").unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), ("missing_field", Some("name")));
        assert_eq!(o.optional_str("absent").unwrap(), None);
    }

    #[test]
    fn integers_must_be_whole_numbers() {
        let o = JsonObject::parse(br#"{"a": 3, "b": 1.5, "c": "2", "d": -4}"#).unwrap();
        assert_eq!(o.required_int("a").unwrap(), 3);
        assert_eq!(o.required_int("d").unwrap(), -4);
        assert_eq!(o.required_int("b").unwrap_err().code, "invalid_field_type");
        assert_eq!(o.required_int("c").unwrap_err().code, "invalid_field_type");
        assert_eq!(o.required_int("e").unwrap_err().code, "missing_field");
    }

    #[test]
    fn only_keys_names_the_stranger() {
        let o = JsonObject::parse(br#"{"theme": "dark", "colour": 1}"#).unwrap();
        let e = o.only_keys(&["theme"], "").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("colour"));
    }
}
