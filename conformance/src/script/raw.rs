//! The case format as serde reads it: one raw type per YAML mapping, unknown keys refused
//! (with the line serde_yaml reports), and the JSON Schema of case files derived from them.
//! The parent module validates these into [`super::Case`]s.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

/// A case file: defaults for its cases (vendor, auth, vars, scenario), then the cases (conformance/README.md).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CaseFile")]
pub(super) struct RawFile {
    #[serde(default)]
    pub(super) vendor: Option<String>,
    #[serde(default)]
    pub(super) requires: Vec<String>,
    #[serde(default)]
    pub(super) tags: Vec<String>,
    #[serde(default)]
    pub(super) auth: Option<Value>,
    #[serde(default)]
    pub(super) vars: IndexMap<String, Value>,
    #[serde(default)]
    pub(super) scenario: Option<String>,
    pub(super) cases: Vec<RawCase>,
}

/// One case: a name and its steps.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Case")]
pub(super) struct RawCase {
    pub(super) name: String,
    #[serde(default)]
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) vendor: Option<String>,
    #[serde(default)]
    pub(super) requires: Vec<String>,
    #[serde(default)]
    pub(super) tags: Vec<String>,
    #[serde(default)]
    pub(super) auth: Option<Value>,
    #[serde(default)]
    pub(super) vars: IndexMap<String, Value>,
    #[serde(default)]
    pub(super) scenario: Option<String>,
    pub(super) steps: Vec<RawStep>,
}

/// One step: exactly one of `request`, `sim` or `wait`, and what to expect, capture, poll and track.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Step")]
pub(super) struct RawStep {
    pub(super) name: String,
    #[serde(default)]
    pub(super) request: Option<RawRequest>,
    #[serde(default)]
    pub(super) sim: Option<Value>,
    #[serde(default)]
    pub(super) wait: Option<Value>,
    #[serde(default)]
    pub(super) expect: Option<RawExpect>,
    #[serde(default)]
    pub(super) capture: IndexMap<String, String>,
    #[serde(default)]
    pub(super) poll: Option<RawPoll>,
    #[serde(default)]
    pub(super) track: Vec<RawTrack>,
    #[serde(default)]
    pub(super) does: Option<String>,
}

/// What to send.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Request")]
pub(super) struct RawRequest {
    pub(super) method: String,
    pub(super) path: String,
    #[serde(default)]
    pub(super) query: IndexMap<String, Value>,
    #[serde(default)]
    pub(super) headers: IndexMap<String, String>,
    #[serde(default)]
    pub(super) json: Option<Value>,
    #[serde(default)]
    pub(super) body: Option<String>,
    /// A multipart/form-data body, its parts in order (conformance/README.md).
    #[serde(default)]
    pub(super) multipart: Option<Vec<RawPart>>,
    /// A raw body: the bytes of this file, relative to the case file.
    #[serde(default)]
    pub(super) body_file: Option<String>,
    #[serde(default)]
    pub(super) auth: Option<Value>,
}

/// One part of a multipart/form-data body: a file (relative to the case file; `filename`
/// defaults to its base name, as Python's requests sends it) or a text field.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Part")]
pub(super) struct RawPart {
    pub(super) name: String,
    #[serde(default)]
    pub(super) file: Option<String>,
    #[serde(default)]
    pub(super) text: Option<String>,
    #[serde(default)]
    pub(super) filename: Option<String>,
    #[serde(default)]
    pub(super) content_type: Option<String>,
}

/// What the answer must show: status, headers, body, text, JSON pointers to matchers, a snapshot.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Expect")]
pub(super) struct RawExpect {
    #[serde(default)]
    pub(super) status: Option<Value>,
    #[serde(default)]
    pub(super) headers: IndexMap<String, Value>,
    #[serde(default)]
    pub(super) body: Option<Value>,
    #[serde(default)]
    pub(super) text: Option<Value>,
    #[serde(default)]
    pub(super) json: IndexMap<String, Value>,
    #[serde(default)]
    pub(super) snapshot: Option<Value>,
}

/// Repeat the request every `every` until the conditions hold, for at most `timeout`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Poll")]
pub(super) struct RawPoll {
    pub(super) every: Value,
    pub(super) timeout: Value,
    pub(super) until: IndexMap<String, Value>,
}

/// Follow a resource's states through a transition model.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Track")]
pub(super) struct RawTrack {
    pub(super) model: String,
    pub(super) path: Value,
    #[serde(default)]
    pub(super) entity: Option<String>,
    #[serde(default)]
    pub(super) key: Option<String>,
    #[serde(default)]
    pub(super) monotonic: Option<String>,
}
