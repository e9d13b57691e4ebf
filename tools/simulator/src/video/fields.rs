//! Reading a JSON request body field by field, keeping every problem, so
//! each provider can refuse it in its own words: Runway lists zod issues,
//! Luma says the first, fal lists pydantic's.

use serde_json::{Map, Value};

use super::Failure;

/// One reason a provider refuses a body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    pub field: &'static str,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Missing,
    /// The wrong JSON type; what it should have been.
    Type(Expected),
    /// A value that is none of those allowed (as JSON values), and the one sent.
    NotOneOf {
        allowed: Vec<Value>,
        sent: Value,
    },
    Empty,
    TooLong {
        max_chars: usize,
    },
    OutOfRange {
        min: i64,
        max: i64,
    },
    /// Any other rule, in words.
    Rule(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expected {
    String,
    Integer,
    Boolean,
}

impl Expected {
    pub fn name(self) -> &'static str {
        match self {
            Expected::String => "string",
            Expected::Integer => "integer",
            Expected::Boolean => "boolean",
        }
    }
}

/// A body being read. `null` counts as absent.
pub(crate) struct Fields {
    body: Map<String, Value>,
    problems: Vec<Problem>,
}

impl Fields {
    /// The body as a JSON object, or `Failure::NotJson`.
    pub fn read(bytes: &[u8]) -> Result<Self, Failure> {
        match serde_json::from_slice(bytes) {
            Ok(Value::Object(body)) => Ok(Fields { body, problems: Vec::new() }),
            _ => Err(Failure::NotJson),
        }
    }

    pub fn refuse(&mut self, field: &'static str, kind: Kind) {
        self.problems.push(Problem { field, kind });
    }

    fn sent(&self, field: &str) -> Option<&Value> {
        self.body.get(field).filter(|value| !value.is_null())
    }

    /// A string of 1 to `max_chars` characters; `required` refuses none.
    pub fn text(&mut self, field: &'static str, required: bool, max_chars: usize) -> Option<String> {
        let kind = match self.sent(field) {
            None if required => Kind::Missing,
            None => return None,
            Some(Value::String(text)) if text.trim().is_empty() => Kind::Empty,
            Some(Value::String(text)) if text.chars().count() > max_chars => Kind::TooLong { max_chars },
            Some(Value::String(text)) => return Some(text.clone()),
            Some(_) => Kind::Type(Expected::String),
        };
        self.refuse(field, kind);
        None
    }

    /// One of `allowed`, or `default` when absent (none: required).
    pub fn choice(&mut self, field: &'static str, allowed: &[&'static str], default: Option<&'static str>) -> Option<&'static str> {
        let kind = match self.sent(field) {
            None => match default {
                Some(value) => return Some(value),
                None => Kind::Missing,
            },
            Some(Value::String(sent)) => match allowed.iter().find(|value| *value == sent) {
                Some(value) => return Some(value),
                None => Kind::NotOneOf { allowed: allowed.iter().map(|&value| value.into()).collect(), sent: sent.as_str().into() },
            },
            Some(_) => Kind::Type(Expected::String),
        };
        self.refuse(field, kind);
        None
    }

    /// One of the whole numbers `allowed`, or `default` when absent.
    pub fn number_choice(&mut self, field: &'static str, allowed: &[u64], default: u64) -> Option<u64> {
        let kind = match self.sent(field) {
            None => return Some(default),
            Some(Value::Number(sent)) => match sent.as_u64().filter(|n| allowed.contains(n)) {
                Some(value) => return Some(value),
                None => Kind::NotOneOf { allowed: allowed.iter().map(|&value| value.into()).collect(), sent: Value::Number(sent.clone()) },
            },
            Some(_) => Kind::Type(Expected::Integer),
        };
        self.refuse(field, kind);
        None
    }

    /// An optional whole number from `min` to `max`.
    pub fn integer(&mut self, field: &'static str, (min, max): (i64, i64)) -> Option<i64> {
        let kind = match self.sent(field).map(|value| (value, value.as_i64())) {
            None => return None,
            Some((_, Some(n))) if (min..=max).contains(&n) => return Some(n),
            Some((_, Some(_))) => Kind::OutOfRange { min, max },
            Some(_) => Kind::Type(Expected::Integer),
        };
        self.refuse(field, kind);
        None
    }

    /// An optional boolean.
    pub fn boolean(&mut self, field: &'static str) -> Option<bool> {
        match self.sent(field) {
            None => None,
            Some(Value::Bool(value)) => Some(*value),
            Some(_) => {
                self.refuse(field, Kind::Type(Expected::Boolean));
                None
            }
        }
    }

    /// What was read, or every problem as one refusal.
    pub fn finish<T>(self, read: T) -> Result<T, Failure> {
        if self.problems.is_empty() {
            Ok(read)
        } else {
            Err(Failure::Invalid(self.problems))
        }
    }
}

/// `'a'` for a string, `5` for a number: how zod and pydantic quote values.
pub(crate) fn quoted(value: &Value) -> String {
    match value {
        Value::String(text) => format!("'{text}'"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(body: Value) -> Fields {
        Fields::read(body.to_string().as_bytes()).unwrap()
    }

    fn kinds(fields: Fields) -> Vec<(&'static str, Kind)> {
        match fields.finish(()) {
            Err(Failure::Invalid(problems)) => problems.into_iter().map(|p| (p.field, p.kind)).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn every_problem_is_kept_in_order() {
        let mut read = fields(json!({"prompt": "", "ratio": "1:1", "duration": "5", "seed": -1, "loop": "yes", "model": null}));
        assert_eq!(read.text("prompt", true, 10), None);
        assert_eq!(read.choice("ratio", &["16:9", "9:16"], None), None);
        assert_eq!(read.number_choice("duration", &[5, 10], 5), None);
        assert_eq!(read.integer("seed", (0, 10)), None);
        assert_eq!(read.boolean("loop"), None);
        assert_eq!(read.choice("model", &["ray-2"], None), None);
        assert_eq!(
            kinds(read),
            [
                ("prompt", Kind::Empty),
                ("ratio", Kind::NotOneOf { allowed: vec![json!("16:9"), json!("9:16")], sent: json!("1:1") }),
                ("duration", Kind::Type(Expected::Integer)),
                ("seed", Kind::OutOfRange { min: 0, max: 10 }),
                ("loop", Kind::Type(Expected::Boolean)),
                ("model", Kind::Missing),
            ]
        );
    }

    #[test]
    fn absent_fields_take_their_defaults() {
        let mut read = fields(json!({"prompt": "a fox", "duration": 10}));
        assert_eq!(read.text("prompt", true, 10).as_deref(), Some("a fox"));
        assert_eq!(read.text("negative_prompt", false, 10), None);
        assert_eq!(read.choice("ratio", &["16:9"], Some("16:9")), Some("16:9"));
        assert_eq!(read.number_choice("duration", &[5, 10], 5), Some(10));
        assert_eq!(read.number_choice("other", &[5, 10], 5), Some(5));
        assert!(read.finish(()).is_ok());
        assert_eq!(quoted(&json!("16:9")), "'16:9'");
        assert_eq!(quoted(&json!(5)), "5");
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused_whole() {
        assert!(matches!(Fields::read(b"[1]"), Err(Failure::NotJson)));
        assert!(matches!(Fields::read(b"prompt=x"), Err(Failure::NotJson)));
    }
}
