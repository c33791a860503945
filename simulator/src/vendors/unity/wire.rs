//! Unisphere's wire forms: the response headers, DateTime and interval encodings, and the
//! collection and instance envelopes (`@base`, `updated`, `links` with `&page=N` hrefs,
//! `entryCount`, `entries[].content`, and the compact form), plus `fields=` selection.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::UnityError;
use super::query::Query;

pub use super::error::format_datetime;

/// The Content-Type a real array answers with.
pub const CONTENT_TYPE: &str = "application/json; version=1.0;charset=UTF-8";

/// A JSON answer with Unity's headers.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, max-age=0"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("en-US"));
    resp
}

/// 204 with an empty body (resume, logout, actions without out-arguments).
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// Unity's interval: `HH:MM:SS.sss` (hours may exceed 24), which storops splits on ':'.
pub fn format_interval(ms: u64) -> String {
    let h = ms / 3_600_000;
    let m = (ms / 60_000) % 60;
    let s = (ms / 1000) % 60;
    let milli = ms % 1000;
    format!("{h:02}:{m:02}:{s:02}.{milli:03}")
}

/// `https://<host>` as the client addressed us (real arrays always speak https).
pub fn base_url(host: &str) -> String {
    format!("https://{host}")
}

/// Selects `fields` from a full instance. `None` (no fields=) keeps only `id`. Each field is
/// `attr` or `attr.sub...`; the root must be an attribute of the type (`known`), else 422.
/// Attributes without a value are omitted, as on a real array.
pub fn select(
    content: &Map<String, Value>,
    fields: Option<&[String]>,
    known: &[&str],
) -> Result<Map<String, Value>, UnityError> {
    let mut out = Map::new();
    if let Some(id) = content.get("id") {
        out.insert("id".into(), id.clone());
    }
    let Some(fields) = fields else {
        return Ok(out);
    };
    for f in fields {
        let root = f.split('.').next().unwrap_or_default();
        if !known.contains(&root) {
            return Err(UnityError::invalid_field(f));
        }
    }
    // The request's order, as the one recorded upgrade-session answer shows.
    let mut roots: Vec<&str> = Vec::new();
    for f in fields {
        let root = f.split('.').next().unwrap_or_default();
        if root != "id" && !roots.contains(&root) {
            roots.push(root);
        }
    }
    for attr in roots {
        let wanted = under(fields, attr);
        let Some(value) = content.get(attr).filter(|v| !v.is_null()) else {
            continue;
        };
        if !wanted.is_empty() {
            out.insert(attr.to_string(), cut(value, &wanted));
        }
    }
    Ok(out)
}

/// The paths in `paths` below `key` (`""` where `key` itself is asked for).
fn under<'a, S: AsRef<str>>(paths: &'a [S], key: &str) -> Vec<&'a str> {
    paths
        .iter()
        .filter_map(|p| {
            let mut parts = p.as_ref().splitn(2, '.');
            (parts.next() == Some(key)).then(|| parts.next().unwrap_or(""))
        })
        .collect()
}

/// `value` cut down to `wanted`: the whole value when it is asked for itself.
fn cut(value: &Value, wanted: &[&str]) -> Value {
    if wanted.contains(&"") {
        value.clone()
    } else {
        pick_nested(value, wanted)
    }
}

/// `candidate.version` on `{"id":..,"version":..}` keeps id and version; lists map per item.
fn pick_nested(value: &Value, subs: &[&str]) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| pick_nested(v, subs)).collect()),
        Value::Object(obj) => {
            let mut out = Map::new();
            if let Some(id) = obj.get("id") {
                out.insert("id".into(), id.clone());
            }
            for (k, v) in obj {
                let deeper = under(subs, k);
                if !deeper.is_empty() {
                    out.insert(k.clone(), cut(v, &deeper));
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// One instance: `{"content":{..}}` compact, else with `@base`, `updated` and a self link.
pub fn instance_envelope(
    host: &str,
    type_name: &str,
    id: &str,
    content: Map<String, Value>,
    compact: bool,
    updated: &str,
) -> Value {
    let base = || format!("{}/api/instances/{type_name}", base_url(host));
    to_json(&Instance::new(compact, base, updated, id, content))
}

/// A link of an envelope.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "UnityLink")]
pub struct Link {
    /// `self`, `first`, `prev`, `next` or `last`.
    pub rel: &'static str,
    /// Relative to `@base`: `/<id>`, or `&page=N` in a collection.
    pub href: String,
}

impl Link {
    fn new(rel: &'static str, href: String) -> Self {
        Link { rel, href }
    }
}

/// An instance (and type metadata, and each entry of a collection): only `content` when
/// compact, else also `@base`, `updated` and a self link.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "UnityInstance")]
pub struct Instance {
    #[serde(rename = "@base", skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<Link>>,
    pub content: Map<String, Value>,
}

impl Instance {
    /// The envelope of `content` (with id `id`, under `base`).
    pub fn new(
        compact: bool,
        base: impl FnOnce() -> String,
        updated: &str,
        id: &str,
        content: Map<String, Value>,
    ) -> Self {
        if compact {
            return Instance {
                base: None,
                updated: None,
                links: None,
                content,
            };
        }
        Instance {
            base: Some(base()),
            updated: Some(updated.to_string()),
            links: Some(vec![Link::new("self", format!("/{id}"))]),
            content,
        }
    }
}

/// A collection query's answer.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "UnityCollection")]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    #[serde(rename = "@base")]
    pub base: String,
    pub updated: String,
    pub links: Vec<Link>,
    /// Only with `with_entrycount=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_count: Option<usize>,
    pub entries: Vec<Instance>,
}

/// A wire value as JSON (these types always serialize).
pub fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// A collection page.
pub struct Page<'a> {
    pub host: &'a str,
    pub type_name: &'a str,
    pub query: &'a Query,
    pub updated: &'a str,
}

impl Page<'_> {
    /// Renders the `entries` (already filtered and selected) of page `query.page`.
    pub fn render(&self, all: Vec<(String, Map<String, Value>)>) -> Value {
        let q = self.query;
        let total = all.len();
        let per_page = q.per_page;
        let pages = total.div_ceil(per_page).max(1);
        let page = q.page;
        let start = (page - 1).saturating_mul(per_page).min(total);
        let end = start.saturating_add(per_page).min(total);
        let mut base = format!(
            "{}/api/types/{}/instances?",
            base_url(self.host),
            self.type_name
        );
        if let Some(f) = &q.fields_raw {
            base.push_str(&format!("fields={f}&"));
        }
        if let Some(f) = &q.filter_raw {
            base.push_str(&format!("filter={f}&"));
        }
        base.push_str(&format!("per_page={per_page}"));
        if q.compact {
            base.push_str("&compact=true");
        }
        if q.with_entrycount {
            base.push_str("&with_entrycount=true");
        }
        let mut links = vec![Link::new("self", format!("&page={page}"))];
        if q.with_entrycount && page > 1 {
            links.push(Link::new("first", "&page=1".into()));
        }
        if page > 1 && page <= pages + 1 {
            links.push(Link::new("prev", format!("&page={}", page - 1)));
        }
        if page < pages {
            links.push(Link::new("next", format!("&page={}", page + 1)));
        }
        if q.with_entrycount && pages > 1 {
            links.push(Link::new("last", format!("&page={pages}")));
        }
        let entries = all
            .into_iter()
            .skip(start)
            .take(end - start)
            .map(|(id, content)| {
                let base = || format!("{}/api/instances/{}", base_url(self.host), self.type_name);
                Instance::new(q.compact, base, self.updated, &id, content)
            })
            .collect();
        to_json(&Collection {
            base,
            updated: self.updated.to_string(),
            links,
            entry_count: q.with_entrycount.then_some(total),
            entries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn intervals_are_hours_minutes_seconds_and_millis() {
        assert_eq!(format_interval(210_000), "00:03:30.000");
        assert_eq!(format_interval(90_061_001), "25:01:01.001");
    }

    #[test]
    fn without_fields_only_the_id_is_returned() {
        let content = json!({"id": "0", "model": "Unity 380F"});
        let out = select(content.as_object().unwrap(), None, &["id", "model"]).unwrap();
        assert_eq!(Value::Object(out), json!({"id": "0"}));
    }

    #[test]
    fn nested_fields_keep_the_reference_id() {
        let content =
            json!({"id": "s", "candidate": {"id": "c1", "version": "5.3.0", "revision": 1}});
        let out = select(
            content.as_object().unwrap(),
            Some(&["candidate.version".to_string()]),
            &["id", "candidate"],
        )
        .unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"id": "s", "candidate": {"id": "c1", "version": "5.3.0"}})
        );
    }
}
