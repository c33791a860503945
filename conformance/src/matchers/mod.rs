//! Matchers: small values behind one trait (as wiremock-rs's `Match`), each checking one JSON
//! value a response produced (or its absence) and describing itself for the report. Case files
//! build them through [`parse`]; Rust callers use the free functions (`equals`, `of_type`,
//! `regex`, `range`, `one_of`, `absent`, `present`, `length`, `contains`, `not`, `all`).
//! This module also owns JSON-pointer selection with a `*` wildcard ([`select`]).

use regex::Regex;
use serde_json::Value;
use std::fmt::Debug;

/// One check on one value. `actual` is `None` when the value is absent (a missing key, header,
/// or array element).
pub trait Matcher: Send + Sync + Debug {
    /// `Err` says, in a few words, why `actual` does not match.
    fn check(&self, actual: Option<&Value>) -> Result<(), String>;
    /// What this matcher expects, for the report ("one of [\"READY\", \"RUNNING\"]").
    fn describe(&self) -> String;
}

/// A boxed matcher, the form cases hold.
pub type BoxMatcher = Box<dyn Matcher>;

/// Renders a value compactly for messages, cut to a readable length.
pub fn show(v: Option<&Value>) -> String {
    match v {
        None => "nothing (absent)".to_string(),
        Some(v) => cut(&v.to_string(), 200),
    }
}

/// Cuts `s` to at most `max` characters, saying how much was left out.
pub fn cut(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        s.to_string()
    } else {
        let head: String = s.chars().take(max).collect();
        format!("{head}… ({} more chars)", n - max)
    }
}

/// JSON equality where numbers compare by value (200 equals 200.0).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

#[derive(Debug)]
struct Equals(Value);
impl Matcher for Equals {
    fn check(&self, actual: Option<&Value>) -> Result<(), String> {
        match actual {
            Some(a) if json_eq(a, &self.0) => Ok(()),
            other => Err(format!("expected {}, got {}", self.describe(), show(other))),
        }
    }
    fn describe(&self) -> String {
        cut(&self.0.to_string(), 200)
    }
}
/// The value equals `v` (numbers by value, objects whole).
pub fn equals(v: Value) -> BoxMatcher {
    Box::new(Equals(v))
}

/// JSON types a `type` matcher names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Object,
    Array,
    Null,
}

impl JsonType {
    pub const NAMES: [&'static str; 7] = [
        "string", "number", "integer", "boolean", "object", "array", "null",
    ];
    pub fn parse(s: &str) -> Option<JsonType> {
        Some(match s {
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "boolean" | "bool" => JsonType::Boolean,
            "object" => JsonType::Object,
            "array" => JsonType::Array,
            "null" => JsonType::Null,
            _ => return None,
        })
    }
    fn name(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::Null => "null",
        }
    }
    fn of(v: &Value) -> &'static str {
        match v {
            Value::String(_) => "string",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::Bool(_) => "boolean",
            Value::Object(_) => "object",
            Value::Array(_) => "array",
            Value::Null => "null",
        }
    }
    fn holds(self, v: &Value) -> bool {
        match self {
            JsonType::String => v.is_string(),
            JsonType::Number => v.is_number(),
            JsonType::Integer => v.is_i64() || v.is_u64(),
            JsonType::Boolean => v.is_boolean(),
            JsonType::Object => v.is_object(),
            JsonType::Array => v.is_array(),
            JsonType::Null => v.is_null(),
        }
    }
}

#[derive(Debug)]
struct OfType(JsonType);
impl Matcher for OfType {
    fn check(&self, actual: Option<&Value>) -> Result<(), String> {
        match actual {
            Some(a) if self.0.holds(a) => Ok(()),
            Some(a) => Err(format!(
                "expected a {}, got a {} ({})",
                self.0.name(),
                JsonType::of(a),
                show(Some(a))
            )),
            None => Err(format!(
                "expected a {}, got nothing (absent)",
                self.0.name()
            )),
        }
    }
    fn describe(&self) -> String {
        format!("a {}", self.0.name())
    }
}
/// The value has JSON type `t`.
pub fn of_type(t: JsonType) -> BoxMatcher {
    Box::new(OfType(t))
}

#[derive(Debug)]
struct Pattern(Regex);
impl Matcher for Pattern {
    fn check(&self, actual: Option<&Value>) -> Result<(), String> {
        match actual {
            Some(Value::String(s)) if self.0.is_match(s) => Ok(()),
            Some(Value::String(_)) => Err(format!(
                "expected a string matching /{}/, got {}",
                self.0.as_str(),
                show(actual)
            )),
            other => Err(format!(
                "expected a string matching /{}/, got {}",
                self.0.as_str(),
                show(other)
            )),
        }
    }
    fn describe(&self) -> String {
        format!("a string matching /{}/", self.0.as_str())
    }
}
/// The value is a string matching `re`.
pub fn regex(re: Regex) -> BoxMatcher {
    Box::new(Pattern(re))
}

#[derive(Debug)]
struct Range {
    min: Option<f64>,
    max: Option<f64>,
}
impl Matcher for Range {
    fn check(&self, actual: Option<&Value>) -> Result<(), String> {
        let Some(n) = actual.and_then(Value::as_f64) else {
            return Err(format!(
                "expected {}, got {}",
                self.describe(),
                show(actual)
            ));
        };
        if self.min.is_some_and(|m| n < m) || self.max.is_some_and(|m| n > m) {
            return Err(format!("expected {}, got {n}", self.describe()));
        }
        Ok(())
    }
    fn describe(&self) -> String {
        match (self.min, self.max) {
            (Some(a), Some(b)) => format!("a number in {a}..={b}"),
            (Some(a), None) => format!("a number >= {a}"),
            (None, Some(b)) => format!("a number <= {b}"),
            (None, None) => "a number".to_string(),
        }
    }
}
/// The value is a number within the inclusive bounds given.
pub fn range(min: Option<f64>, max: Option<f64>) -> BoxMatcher {
    Box::new(Range { min, max })
}

#[derive(Debug)]
struct OneOf(Vec<Value>);
impl Matcher for OneOf {
    fn check(&self, actual: Option<&Value>) -> Result<(), String> {
        match actual {
            Some(a) if self.0.iter().any(|v| json_eq(a, v)) => Ok(()),
            other => Err(format!("expected {}, got {}", self.describe(), show(other))),
        }
    }
    fn describe(&self) -> String {
        format!(
            "one of {}",
            cut(&Value::Array(self.0.clone()).to_string(), 200)
        )
    }
}
/// The value equals one of `vs`.
pub fn one_of(vs: Vec<Value>) -> BoxMatcher {
    Box::new(OneOf(vs))
}

#[derive(Debug)]
struct Absent;
impl Matcher for Absent {
    fn check(&self, actual: Option<&Value>) -> Result<(), String> {
        match actual {
            None => Ok(()),
            Some(v) => Err(format!("expected absent, got {}", show(Some(v)))),
        }
    }
    fn describe(&self) -> String {
        "absent".to_string()
    }
}
/// The key (or header) is not there at all (`null` counts as present).
pub fn absent() -> BoxMatcher {
    Box::new(Absent)
}

#[derive(Debug)]
struct Present;
impl Matcher for Present {
    fn check(&self, actual: Option<&Value>) -> Result<(), String> {
        match actual {
            Some(_) => Ok(()),
            None => Err("expected present, got nothing (absent)".to_string()),
        }
    }
    fn describe(&self) -> String {
        "present".to_string()
    }
}
/// The key (or header) is there, with any value.
pub fn present() -> BoxMatcher {
    Box::new(Present)
}

#[derive(Debug)]
struct Length(BoxMatcher);
impl Matcher for Length {
    fn check(&self, actual: Option<&Value>) -> Result<(), String> {
        let n = match actual {
            Some(Value::Array(a)) => a.len(),
            Some(Value::String(s)) => s.chars().count(),
            Some(Value::Object(o)) => o.len(),
            other => {
                return Err(format!(
                    "expected something with length {}, got {}",
                    self.0.describe(),
                    show(other)
                ))
            }
        };
        self.0
            .check(Some(&Value::from(n)))
            .map_err(|_| format!("expected length {}, got length {n}", self.0.describe()))
    }
    fn describe(&self) -> String {
        format!("length {}", self.0.describe())
    }
}
/// The array (string, object) has a length matching `m`.
pub fn length(m: BoxMatcher) -> BoxMatcher {
    Box::new(Length(m))
}

#[derive(Debug)]
struct Contains(Value);
impl Matcher for Contains {
    fn check(&self, actual: Option<&Value>) -> Result<(), String> {
        let ok = match (actual, &self.0) {
            (Some(Value::String(s)), Value::String(needle)) => s.contains(needle.as_str()),
            (Some(Value::Array(items)), needle) => items.iter().any(|i| json_eq(i, needle)),
            (Some(Value::Object(o)), Value::String(k)) => o.contains_key(k),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "expected {}, got {}",
                self.describe(),
                show(actual)
            ))
        }
    }
    fn describe(&self) -> String {
        format!("something containing {}", cut(&self.0.to_string(), 120))
    }
}
/// A string containing a substring, an array containing an element, an object with a key.
pub fn contains(v: Value) -> BoxMatcher {
    Box::new(Contains(v))
}

#[derive(Debug)]
struct Not(BoxMatcher);
impl Matcher for Not {
    fn check(&self, actual: Option<&Value>) -> Result<(), String> {
        match self.0.check(actual) {
            Ok(()) => Err(format!(
                "expected {}, got {}",
                self.describe(),
                show(actual)
            )),
            Err(_) => Ok(()),
        }
    }
    fn describe(&self) -> String {
        format!("not {}", self.0.describe())
    }
}
/// The inverse of `m`.
pub fn not(m: BoxMatcher) -> BoxMatcher {
    Box::new(Not(m))
}

#[derive(Debug)]
struct All(Vec<BoxMatcher>);
impl Matcher for All {
    fn check(&self, actual: Option<&Value>) -> Result<(), String> {
        for m in &self.0 {
            m.check(actual)?;
        }
        Ok(())
    }
    fn describe(&self) -> String {
        self.0
            .iter()
            .map(|m| m.describe())
            .collect::<Vec<_>>()
            .join(" and ")
    }
}
/// Every one of `ms` holds.
pub fn all(mut ms: Vec<BoxMatcher>) -> BoxMatcher {
    if ms.len() == 1 {
        ms.remove(0)
    } else {
        Box::new(All(ms))
    }
}

/// The keys a matcher mapping may use in a case file.
pub const KEYS: [&str; 12] = [
    "equals", "type", "regex", "min", "max", "range", "one_of", "absent", "present", "length",
    "contains", "not",
];

/// Builds a matcher from its case-file form: a scalar or list means "equals"; a mapping uses
/// the keys in [`KEYS`] (several keys must all hold). `interp` substitutes `${var}` in
/// expected values first.
pub fn parse(spec: &Value, interp: &dyn Fn(&Value) -> Value) -> Result<BoxMatcher, String> {
    let Value::Object(map) = spec else {
        return Ok(equals(interp(spec)));
    };
    if map.is_empty() {
        return Err(
            "an empty matcher mapping; write `equals: {}` to expect an empty object".into(),
        );
    }
    let mut out = Vec::new();
    let (mut min, mut max) = (None, None);
    for (k, v) in map {
        match k.as_str() {
            "equals" => out.push(equals(interp(v))),
            "type" => {
                let name = v.as_str().unwrap_or_default();
                let t = JsonType::parse(name).ok_or_else(|| {
                    format!(
                        "unknown type '{name}' (use one of {})",
                        JsonType::NAMES.join(", ")
                    )
                })?;
                out.push(of_type(t));
            }
            "regex" => {
                let src = interp(v);
                let src = src.as_str().ok_or("regex must be a string")?;
                let re = Regex::new(src).map_err(|e| format!("bad regex /{src}/: {e}"))?;
                out.push(regex(re));
            }
            "min" => min = Some(number(&interp(v), "min")?),
            "max" => max = Some(number(&interp(v), "max")?),
            "range" => {
                let arr = v
                    .as_array()
                    .filter(|a| a.len() == 2)
                    .ok_or("range must be [min, max]")?;
                min = Some(number(&interp(&arr[0]), "range")?);
                max = Some(number(&interp(&arr[1]), "range")?);
            }
            "one_of" => {
                let arr = v.as_array().ok_or("one_of must be a list")?;
                out.push(one_of(arr.iter().map(interp).collect()));
            }
            "absent" => {
                if v.as_bool() != Some(true) {
                    return Err("write `absent: true`".into());
                }
                out.push(absent());
            }
            "present" => {
                if v.as_bool() != Some(true) {
                    return Err("write `present: true`".into());
                }
                out.push(present());
            }
            "length" => out.push(length(parse(v, interp)?)),
            "contains" => out.push(contains(interp(v))),
            "not" => out.push(not(parse(v, interp)?)),
            other => {
                let hint = KEYS
                    .iter()
                    .map(|k| (strsim::jaro_winkler(other, k), *k))
                    .filter(|(s, _)| *s > 0.8)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, k)| format!(" (did you mean '{k}'?)"))
                    .unwrap_or_default();
                return Err(format!(
                    "unknown matcher key '{other}'{hint}; matcher keys are {}; to expect an \
                     object write `equals: {{...}}`",
                    KEYS.join(", ")
                ));
            }
        }
    }
    if min.is_some() || max.is_some() {
        out.push(range(min, max));
    }
    Ok(all(out))
}

fn number(v: &Value, key: &str) -> Result<f64, String> {
    v.as_f64().ok_or_else(|| format!("{key} must be a number"))
}

/// Selects values by JSON pointer, where a `*` segment stands for every element of an array
/// (or every value of an object). Returns each concrete pointer with its value (`None` when
/// absent). A pointer without `*` always yields exactly one entry.
pub fn select<'a>(root: Option<&'a Value>, pointer: &str) -> Vec<(String, Option<&'a Value>)> {
    if pointer.is_empty() {
        return vec![(String::new(), root)];
    }
    let segs: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut out = Vec::new();
    walk(root, &segs, String::new(), &mut out);
    out
}

fn walk<'a>(
    cur: Option<&'a Value>,
    segs: &[String],
    at: String,
    out: &mut Vec<(String, Option<&'a Value>)>,
) {
    let Some((seg, rest)) = segs.split_first() else {
        out.push((at, cur));
        return;
    };
    if seg == "*" {
        match cur {
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    walk(Some(item), rest, format!("{at}/{i}"), out);
                }
            }
            Some(Value::Object(map)) => {
                for (k, item) in map {
                    walk(Some(item), rest, format!("{at}/{k}"), out);
                }
            }
            _ => {}
        }
        return;
    }
    let next = match cur {
        Some(Value::Object(map)) => map.get(seg.as_str()),
        Some(Value::Array(items)) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    };
    walk(next, rest, format!("{at}/{seg}"), out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(spec: Value) -> BoxMatcher {
        parse(&spec, &|v| v.clone()).unwrap()
    }

    #[test]
    fn a_scalar_means_equals_and_numbers_compare_by_value() {
        assert!(m(json!(200)).check(Some(&json!(200.0))).is_ok());
        assert!(m(json!("READY")).check(Some(&json!("RUNNING"))).is_err());
    }

    #[test]
    fn several_keys_must_all_hold() {
        let mm = m(json!({"type": "string", "regex": "^1[0-9]+$"}));
        assert!(mm.check(Some(&json!("12"))).is_ok());
        assert!(mm.check(Some(&json!(12))).unwrap_err().contains("a string"));
    }

    #[test]
    fn range_length_one_of_absent_and_not_report_what_they_saw() {
        assert!(m(json!({"min": 0, "max": 100}))
            .check(Some(&json!(101)))
            .unwrap_err()
            .contains("101"));
        assert!(m(json!({"length": 9}))
            .check(Some(&json!([1, 2])))
            .unwrap_err()
            .contains("length 2"));
        assert!(m(json!({"one_of": ["A", "B"]}))
            .check(Some(&json!("B")))
            .is_ok());
        assert!(m(json!({"absent": true}))
            .check(Some(&Value::Null))
            .is_err());
        assert!(m(json!({"not": {"equals": 5}}))
            .check(Some(&json!(4)))
            .is_ok());
    }

    #[test]
    fn an_unknown_key_suggests_the_right_one() {
        let e = parse(&json!({"lenght": 3}), &|v| v.clone()).unwrap_err();
        assert!(e.contains("did you mean 'length'"), "{e}");
    }

    #[test]
    fn select_expands_a_star_over_arrays() {
        let v = json!({"data": {"nodes": [{"state": "A"}, {"state": "B"}]}});
        let got = select(Some(&v), "/data/nodes/*/state");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, "/data/nodes/1/state");
        assert_eq!(select(Some(&v), "/data/missing")[0].1, None);
        assert_eq!(select(Some(&v), "")[0].1, Some(&v));
    }
}
