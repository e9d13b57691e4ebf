//! Reading a JSON request body field by field, keeping every problem, so
//! each provider can refuse it in its own words: Runway lists zod issues,
//! Luma says the first, fal lists pydantic's, the song gateways say them
//! all in a sentence. A field inside an object is named by its path
//! (`input.lyrics_type`).

use serde_json::{Map, Value};

/// Why a body is refused: each family turns this into its own failure.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Refusal {
    /// Not a JSON object at all.
    NotJson,
    /// Every problem with its fields, in order.
    Invalid(Vec<Problem>),
}

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
    Object,
}

impl Expected {
    pub fn name(self) -> &'static str {
        match self {
            Expected::String => "string",
            Expected::Integer => "integer",
            Expected::Boolean => "boolean",
            Expected::Object => "object",
        }
    }

    /// `a string`, `an integer`: the name in a sentence.
    fn with_article(self) -> String {
        let name = self.name();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
        format!("{article} {name}")
    }
}

impl Kind {
    /// A short name for the kind of problem: `missing`, `type`, `enum`, ...
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Type(_) => "type",
            Kind::NotOneOf { .. } => "enum",
            Kind::Empty => "empty",
            Kind::TooLong { .. } => "too_long",
            Kind::OutOfRange { .. } => "out_of_range",
            Kind::Rule(_) => "rule",
        }
    }
}

impl Problem {
    /// The problem in a sentence naming the field: `prompt is required`,
    /// `model 'x' is not supported; use one of 'a', 'b'`.
    pub fn describe(&self) -> String {
        let field = self.field;
        match &self.kind {
            Kind::Missing => format!("{field} is required"),
            Kind::Type(expected) => format!("{field} must be {}", expected.with_article()),
            Kind::NotOneOf { allowed, sent } => {
                let allowed: Vec<String> = allowed.iter().map(quoted).collect();
                format!("{field} {} is not supported; use one of {}", quoted(sent), allowed.join(", "))
            }
            Kind::Empty => format!("{field} must not be empty"),
            Kind::TooLong { max_chars } => format!("{field} must be at most {max_chars} characters"),
            Kind::OutOfRange { min, max } => format!("{field} must be from {min} to {max}"),
            Kind::Rule(rule) => format!("{field}: {rule}"),
        }
    }
}

/// A body being read. `null` counts as absent.
pub(crate) struct Fields {
    body: Map<String, Value>,
    problems: Vec<Problem>,
}

impl Fields {
    /// The body as a JSON object, or `Refusal::NotJson`.
    pub fn read(bytes: &[u8]) -> Result<Self, Refusal> {
        match serde_json::from_slice(bytes) {
            Ok(Value::Object(body)) => Ok(Fields { body, problems: Vec::new() }),
            _ => Err(Refusal::NotJson),
        }
    }

    pub fn refuse(&mut self, field: &'static str, kind: Kind) {
        self.problems.push(Problem { field, kind });
    }

    /// The value at `field`'s path (`input.seed`), unless it is absent or `null`.
    fn sent(&self, field: &str) -> Option<&Value> {
        let mut path = field.split('.');
        let first = self.body.get(path.next()?)?;
        path.try_fold(first, |value, key| value.get(key)).filter(|value| !value.is_null())
    }

    /// A string of 1 to `max_chars` characters; `required` refuses none.
    pub fn text(&mut self, field: &'static str, required: bool, max_chars: usize) -> Option<String> {
        self.string(field, required, max_chars, false)
    }

    /// A string of at most `max_chars` characters, which may be empty.
    pub fn any_text(&mut self, field: &'static str, required: bool, max_chars: usize) -> Option<String> {
        self.string(field, required, max_chars, true)
    }

    fn string(&mut self, field: &'static str, required: bool, max_chars: usize, empty_allowed: bool) -> Option<String> {
        let kind = match self.sent(field) {
            None if required => Kind::Missing,
            None => return None,
            Some(Value::String(text)) if !empty_allowed && text.trim().is_empty() => Kind::Empty,
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
        self.flag(field, false)
    }

    /// A boolean that must be sent.
    pub fn required_boolean(&mut self, field: &'static str) -> Option<bool> {
        self.flag(field, true)
    }

    fn flag(&mut self, field: &'static str, required: bool) -> Option<bool> {
        let kind = match self.sent(field) {
            None if required => Kind::Missing,
            None => return None,
            Some(Value::Bool(value)) => return Some(*value),
            Some(_) => Kind::Type(Expected::Boolean),
        };
        self.refuse(field, kind);
        None
    }

    /// Whether `field` is an object (whose fields are then read by their
    /// paths); `required` refuses none.
    pub fn object(&mut self, field: &'static str, required: bool) -> bool {
        let kind = match self.sent(field) {
            None if required => Kind::Missing,
            None => return false,
            Some(Value::Object(_)) => return true,
            Some(_) => Kind::Type(Expected::Object),
        };
        self.refuse(field, kind);
        false
    }

    /// What was read, or every problem as one refusal.
    pub fn finish<T>(self, read: T) -> Result<T, Refusal> {
        if self.problems.is_empty() {
            Ok(read)
        } else {
            Err(Refusal::Invalid(self.problems))
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
            Err(Refusal::Invalid(problems)) => problems.into_iter().map(|p| (p.field, p.kind)).collect(),
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
        assert!(matches!(Fields::read(b"[1]"), Err(Refusal::NotJson)));
        assert!(matches!(Fields::read(b"prompt=x"), Err(Refusal::NotJson)));
    }

    #[test]
    fn fields_inside_objects_are_read_by_their_paths() {
        let mut read = fields(json!({"input": {"lyrics_type": "user", "lyrics": "", "seed": 5}, "config": 3, "wait": true}));
        assert!(read.object("input", true));
        assert_eq!(read.choice("input.lyrics_type", &["user"], None), Some("user"));
        assert_eq!(read.any_text("input.lyrics", true, 10).as_deref(), Some(""));
        assert_eq!(read.integer("input.seed", (-1, 10)), Some(5));
        assert_eq!(read.required_boolean("wait"), Some(true));
        assert!(!read.object("config", false));
        assert_eq!(read.required_boolean("make_instrumental"), None);
        assert_eq!(read.text("input.lyrics", true, 10), None);
        assert_eq!(read.text("input.missing.deeper", true, 10), None);
        assert_eq!(
            kinds(read),
            [("config", Kind::Type(Expected::Object)), ("make_instrumental", Kind::Missing), ("input.lyrics", Kind::Empty), ("input.missing.deeper", Kind::Missing),]
        );
    }

    #[test]
    fn problems_are_described_naming_their_field() {
        let described = |field, kind| Problem { field, kind }.describe();
        assert_eq!(described("prompt", Kind::Missing), "prompt is required");
        assert_eq!(described("input", Kind::Type(Expected::Object)), "input must be an object");
        assert_eq!(described("wait_audio", Kind::Type(Expected::Boolean)), "wait_audio must be a boolean");
        assert_eq!(described("model", Kind::NotOneOf { allowed: vec![json!("a"), json!("b")], sent: json!("c") }), "model 'c' is not supported; use one of 'a', 'b'");
        assert_eq!(described("title", Kind::TooLong { max_chars: 80 }), "title must be at most 80 characters");
        assert_eq!(described("seed", Kind::OutOfRange { min: -1, max: 9 }), "seed must be from -1 to 9");
    }
}
