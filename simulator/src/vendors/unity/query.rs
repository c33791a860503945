//! Request parameters as Unisphere reads them: `compact`, `fields`, `filter`, `page`,
//! `per_page`, `with_entrycount` and `timeout` (a repeated parameter: the last one wins;
//! unknown parameters are ignored), and the filter language (`eq ne lt le gt ge lk`, `and`,
//! `or`, `not`, parentheses; string comparisons are case-insensitive).

use serde_json::{Map, Value};

use super::error::UnityError;

/// The default and largest page size.
pub const MAX_PER_PAGE: usize = 2000;

#[derive(Debug, Clone)]
pub struct Query {
    pub compact: bool,
    pub fields: Option<Vec<String>>,
    pub fields_raw: Option<String>,
    pub filter: Option<Filter>,
    pub filter_raw: Option<String>,
    pub page: usize,
    pub per_page: usize,
    pub with_entrycount: bool,
    /// `timeout=0`: answer 202 with a job instead of waiting.
    pub asynchronous: bool,
}

fn parse_bool(name: &str, v: &str) -> Result<bool, UnityError> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" => Ok(true),
        "false" | "f" | "no" | "n" | "0" => Ok(false),
        _ => Err(UnityError::bad_query(&format!(
            "{name}={v} is not a boolean (use true or false)"
        ))),
    }
}

fn parse_count(name: &str, v: &str, max: usize) -> Result<usize, UnityError> {
    match v.trim().parse::<usize>() {
        Ok(n) if n >= 1 && n <= max => Ok(n),
        _ => Err(UnityError::bad_query(&format!(
            "{name}={v} must be a whole number from 1 to {max}"
        ))),
    }
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Result<Self, UnityError> {
        let mut q = Query {
            compact: false,
            fields: None,
            fields_raw: None,
            filter: None,
            filter_raw: None,
            page: 1,
            per_page: MAX_PER_PAGE,
            with_entrycount: false,
            asynchronous: false,
        };
        let Some(raw) = raw else { return Ok(q) };
        for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
            match k.as_ref() {
                "compact" => q.compact = parse_bool("compact", &v)?,
                "fields" => {
                    let list: Vec<String> = v
                        .split(',')
                        .map(|f| f.trim().to_string())
                        .filter(|f| !f.is_empty())
                        .collect();
                    q.fields_raw = (!list.is_empty()).then(|| list.join(","));
                    q.fields = (!list.is_empty()).then_some(list);
                }
                "filter" => {
                    if v.trim().is_empty() {
                        q.filter = None;
                        q.filter_raw = None;
                    } else {
                        q.filter = Some(Filter::parse(&v)?);
                        q.filter_raw = Some(v.to_string());
                    }
                }
                "page" => q.page = parse_count("page", &v, usize::MAX / 4)?,
                "per_page" => q.per_page = parse_count("per_page", &v, MAX_PER_PAGE)?,
                "with_entrycount" => q.with_entrycount = parse_bool("with_entrycount", &v)?,
                "timeout" => match v.trim().parse::<u64>() {
                    Ok(n) => q.asynchronous = n == 0,
                    Err(_) => {
                        return Err(UnityError::bad_query(&format!(
                            "timeout={v} must be a whole number of seconds"
                        )))
                    }
                },
                _ => {}
            }
        }
        Ok(q)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Lk,
}

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Cmp(String, Op, Value),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    LParen,
    RParen,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Tok::LParen);
            i += 1;
        } else if c == ')' {
            out.push(Tok::RParen);
            i += 1;
        } else if c == '"' {
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("a string is missing its closing '\"'".into()),
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some('\\') if chars.get(i + 1).is_some() => {
                        text.push(chars[i + 1]);
                        i += 2;
                    }
                    Some(ch) => {
                        text.push(*ch);
                        i += 1;
                    }
                }
            }
            // storops percent-encodes string values (except ':' and ' '); requests decodes
            // them once on the way, so what arrives may still hold %XX: decode it.
            let decoded = percent_encoding::percent_decode_str(&text)
                .decode_utf8()
                .map(|c| c.into_owned())
                .unwrap_or(text);
            out.push(Tok::Str(decoded));
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !"()\"".contains(chars[i]) {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek_word(&self) -> Option<String> {
        match self.toks.get(self.pos) {
            Some(Tok::Word(w)) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    /// `next (word next)*`, folded left with `join`.
    fn chain(
        &mut self,
        word: &str,
        next: fn(&mut Self) -> Result<Filter, String>,
        join: fn(Box<Filter>, Box<Filter>) -> Filter,
    ) -> Result<Filter, String> {
        let mut left = next(self)?;
        while self.peek_word().as_deref() == Some(word) {
            self.pos += 1;
            let right = next(self)?;
            left = join(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn or(&mut self) -> Result<Filter, String> {
        self.chain("or", Self::and, Filter::Or)
    }

    fn and(&mut self) -> Result<Filter, String> {
        self.chain("and", Self::unary, Filter::And)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if self.peek_word().as_deref() == Some("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.toks.get(self.pos) == Some(&Tok::LParen) {
            self.pos += 1;
            let inner = self.or()?;
            if self.toks.get(self.pos) != Some(&Tok::RParen) {
                return Err("a '(' is not closed".into());
            }
            self.pos += 1;
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Filter, String> {
        let attr = match self.toks.get(self.pos) {
            Some(Tok::Word(w)) => w.clone(),
            Some(other) => return Err(format!("expected an attribute name, found {other:?}")),
            None => return Err("the filter ends where an attribute name was expected".into()),
        };
        if !attr
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        {
            return Err(format!("'{attr}' is not an attribute name"));
        }
        self.pos += 1;
        let op = match self.peek_word().as_deref() {
            Some("eq") => Op::Eq,
            Some("ne") => Op::Ne,
            Some("lt") => Op::Lt,
            Some("le") => Op::Le,
            Some("gt") => Op::Gt,
            Some("ge") => Op::Ge,
            Some("lk") => Op::Lk,
            Some(w) => {
                return Err(format!(
                    "'{w}' after '{attr}' is not an operator (eq, ne, lt, le, gt, ge, lk)"
                ))
            }
            None => return Err(format!("'{attr}' must be followed by an operator like eq")),
        };
        self.pos += 1;
        let value = match self.toks.get(self.pos) {
            Some(Tok::Str(s)) => Value::String(s.clone()),
            Some(Tok::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                _ => match w.parse::<f64>() {
                    Ok(n) if n.is_finite() => serde_json::Number::from_f64(n)
                        .map(Value::Number)
                        .unwrap_or(Value::Null),
                    _ => {
                        return Err(format!(
                            "'{w}' is not a value: quote strings (\"text\"), numbers and true/false are bare"
                        ))
                    }
                },
            },
            _ => return Err(format!("the comparison on '{attr}' has no value")),
        };
        self.pos += 1;
        Ok(Filter::Cmp(attr, op, value))
    }
}

impl Filter {
    pub fn parse(text: &str) -> Result<Self, UnityError> {
        let toks = tokenize(text).map_err(|e| UnityError::bad_query(&format!("filter: {e}")))?;
        let mut p = Parser { toks, pos: 0 };
        let f = p
            .or()
            .map_err(|e| UnityError::bad_query(&format!("filter: {e}")))?;
        if p.pos != p.toks.len() {
            return Err(UnityError::bad_query(&format!(
                "filter: unexpected {:?} after a complete expression (join conditions with and/or)",
                p.toks[p.pos]
            )));
        }
        Ok(f)
    }

    /// The attribute roots the filter uses (checked against the type like `fields`).
    pub fn attributes(&self) -> Vec<&str> {
        match self {
            Filter::Cmp(a, _, _) => vec![a.split('.').next().unwrap_or_default()],
            Filter::And(l, r) | Filter::Or(l, r) => {
                let mut v = l.attributes();
                v.extend(r.attributes());
                v
            }
            Filter::Not(f) => f.attributes(),
        }
    }

    pub fn matches(&self, content: &Map<String, Value>) -> bool {
        match self {
            Filter::And(l, r) => l.matches(content) && r.matches(content),
            Filter::Or(l, r) => l.matches(content) || r.matches(content),
            Filter::Not(f) => !f.matches(content),
            Filter::Cmp(attr, op, want) => {
                let mut cur: Option<&Value> = None;
                for (i, part) in attr.split('.').enumerate() {
                    cur = if i == 0 {
                        content.get(part)
                    } else {
                        cur.and_then(|v| v.get(part))
                    };
                }
                let got = cur.unwrap_or(&Value::Null);
                compare(got, *op, want)
            }
        }
    }
}

fn compare(got: &Value, op: Op, want: &Value) -> bool {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (got, want) {
        (Value::Number(a), Value::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
        (Value::String(a), Value::String(b)) => {
            Some(a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase()))
        }
        (Value::String(a), Value::Number(b)) => a
            .parse::<f64>()
            .ok()
            .and_then(|a| a.partial_cmp(&b.as_f64()?)),
        (Value::Number(a), Value::String(b)) => b
            .parse::<f64>()
            .ok()
            .and_then(|b| a.as_f64()?.partial_cmp(&b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    };
    match op {
        Op::Eq => ord == Some(Ordering::Equal),
        Op::Ne => ord != Some(Ordering::Equal),
        Op::Lt => ord == Some(Ordering::Less),
        Op::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        Op::Gt => ord == Some(Ordering::Greater),
        Op::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
        Op::Lk => match (got, want) {
            (Value::String(g), Value::String(pattern)) => like(g, pattern),
            _ => false,
        },
    }
}

/// `lk`: `*` matches any run of characters, case-insensitively.
fn like(text: &str, pattern: &str) -> bool {
    let text = text.to_ascii_lowercase();
    let parts: Vec<String> = pattern
        .to_ascii_lowercase()
        .split('*')
        .map(str::to_string)
        .collect();
    if parts.len() == 1 {
        return text == parts[0];
    }
    let mut rest = text.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !rest.starts_with(part.as_str()) {
                return false;
            }
            rest = &rest[part.len()..];
        } else if i == parts.len() - 1 {
            return rest.ends_with(part.as_str());
        } else if let Some(at) = rest.find(part.as_str()) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn storops_job_filters_parse_and_match() {
        let f = Filter::parse(r#"id eq "N-1" or id eq "N-2""#).unwrap();
        assert!(f.matches(&obj(json!({"id": "n-2"}))));
        assert!(!f.matches(&obj(json!({"id": "N-3"}))));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let f = Filter::parse("status eq 1 or status eq 6 and percentComplete gt 50").unwrap();
        assert!(f.matches(&obj(json!({"status": 1, "percentComplete": 0}))));
        assert!(!f.matches(&obj(json!({"status": 6, "percentComplete": 10}))));
    }

    #[test]
    fn bad_filters_are_rejected_with_a_reason() {
        for bad in [
            "id eq",
            "id equals 3",
            "(id eq 3",
            "id eq 3 id eq 4",
            "\"x\" eq 3",
            "id eq \"open",
        ] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn storops_query_strings_parse() {
        let q = Query::parse(Some("compact=True&fields=id,status&page=2")).unwrap();
        assert!(q.compact);
        assert_eq!(q.page, 2);
        assert_eq!(q.fields.unwrap(), vec!["id", "status"]);
        let q = Query::parse(Some("compact=True&fields=")).unwrap();
        assert!(q.fields.is_none());
    }
}
