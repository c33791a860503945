//! A scenario's story: a timeline of events at virtual times, and the outcome it is expected
//! to reach. Operators rehearse with `upgrade-sim rehearse FILE`; the scenario library's test
//! runs every file in scenarios/ the same way and checks the `expect` block.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::engine::TimelineEvent;

use crate::kernel::clock::{parse_duration, Millis};

/// One timeline event: `{at: 12m, do: obshell.observer_down, with: {zone: zone2}}`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "TimelineEvent")]
struct RawEvent {
    /// When, as a duration since the start ("0s", "12m", "1h30m").
    #[schemars(regex(pattern = super::schema::DURATION_PATTERN))]
    at: String,
    /// "<vendor>.<action>".
    #[schemars(regex(pattern = r"^[^.]+\.[^.]+"))]
    #[serde(rename = "do")]
    action: String,
    #[serde(default, rename = "with")]
    args: Option<Value>,
}

impl<'de> Deserialize<'de> for TimelineEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawEvent::deserialize(d)?;
        let at_ms = parse_duration(&raw.at).map_err(serde::de::Error::custom)?;
        let (vendor, action) = raw.action.split_once('.').ok_or_else(|| {
            serde::de::Error::custom(format!(
                "'do: {}' must name a vendor and an action, like 'obshell.upgrade_ob'",
                raw.action
            ))
        })?;
        Ok(Self {
            at_ms,
            vendor: vendor.to_string(),
            action: action.to_string(),
            args: raw.args.unwrap_or(Value::Null),
        })
    }
}

/// The outcome a scenario promises.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// How far to run: "until_idle" (default) or a duration of virtual time.
    #[serde(default)]
    pub run: RunSpec,
    /// Checks on `/_sim/state` after the run, by JSON pointer.
    #[serde(default)]
    pub state: Vec<StateCheck>,
    /// Journal entries that must exist after the run.
    #[serde(default)]
    pub journal: Vec<JournalCheck>,
}

impl Expect {
    pub fn validate(&self) -> Result<(), String> {
        for c in &self.state {
            if !c.path.starts_with('/') {
                return Err(format!(
                    "state check path '{}' must be a JSON pointer into /_sim/state, like /vendors/obshell/dags/0/state",
                    c.path
                ));
            }
            if c.equals.is_none() && c.one_of.is_none() && c.exists.is_none() {
                return Err(format!(
                    "state check '{}' needs equals, one_of or exists",
                    c.path
                ));
            }
        }
        if let RunSpec::For(ms) = self.run {
            if ms == 0 {
                return Err(
                    "run: a duration of 0 runs nothing; use until_idle or a duration".into(),
                );
            }
        }
        Ok(())
    }
}

/// How far a rehearsal runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RunSpec {
    #[default]
    UntilIdle,
    For(Millis),
}

impl schemars::JsonSchema for TimelineEvent {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TimelineEvent".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        RawEvent::json_schema(generator)
    }
}

impl schemars::JsonSchema for RunSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RunSpec".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "How far to run: until_idle, or a duration of virtual time (30s, 5m, 1h30m, 250ms)",
            "type": "string",
            "anyOf": [{"const": "until_idle"}, {"pattern": super::schema::DURATION_PATTERN}]
        })
    }
}

impl<'de> Deserialize<'de> for RunSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == "until_idle" {
            return Ok(Self::UntilIdle);
        }
        parse_duration(&s).map(Self::For).map_err(|e| {
            serde::de::Error::custom(format!("run: use until_idle or a duration ({e})"))
        })
    }
}

/// `{path: /vendors/obshell/dags/0/state, equals: FAILED}`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StateCheck {
    pub path: String,
    pub equals: Option<Value>,
    pub one_of: Option<Vec<Value>>,
    pub exists: Option<bool>,
}

/// `{resource: dag/1, to: FAILED}`: some journal entry for that resource (or a child) matches.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JournalCheck {
    pub resource: Option<String>,
    pub vendor: Option<String>,
    pub kind: Option<crate::kernel::EntryKind>,
    pub to: Option<String>,
    /// A substring of the entry's detail, as JSON text.
    pub detail_contains: Option<String>,
    /// How many entries must match (default: at least one).
    pub count: Option<usize>,
}

/// Checks a finished run against `expect`; returns every unmet promise.
pub fn check_outcome(
    expect: &Expect,
    state: &Value,
    journal: &[crate::kernel::Entry],
) -> Vec<String> {
    let mut failures = Vec::new();
    for c in &expect.state {
        let got = state.pointer(&c.path);
        if let Some(want) = c.exists {
            if got.is_some() != want {
                failures.push(format!(
                    "{}: expected it to {}exist",
                    c.path,
                    if want { "" } else { "not " }
                ));
            }
        }
        if let Some(want) = &c.equals {
            if got != Some(want) {
                failures.push(format!(
                    "{}: expected {want}, got {}",
                    c.path,
                    got.map_or("nothing".into(), Value::to_string)
                ));
            }
        }
        if let Some(options) = &c.one_of {
            if !got.is_some_and(|g| options.contains(g)) {
                failures.push(format!(
                    "{}: expected one of {}, got {}",
                    c.path,
                    Value::from(options.clone()),
                    got.map_or("nothing".into(), Value::to_string)
                ));
            }
        }
    }
    for c in &expect.journal {
        let matching = journal
            .iter()
            .filter(|e| {
                c.resource.as_deref().is_none_or(|r| e.is_within(r))
                    && c.vendor.as_deref().is_none_or(|v| e.vendor == v)
                    && c.kind.is_none_or(|k| e.kind == k)
                    && c.to.as_deref().is_none_or(|t| e.to.as_deref() == Some(t))
                    && c.detail_contains
                        .as_deref()
                        .is_none_or(|s| e.detail.to_string().contains(s))
            })
            .count();
        let ok = match c.count {
            Some(n) => matching == n,
            None => matching > 0,
        };
        if !ok {
            failures.push(format!(
                "journal: expected {} entries matching {:?}, found {matching}",
                c.count
                    .map_or("at least one".to_string(), |n| n.to_string()),
                c
            ));
        }
    }
    failures
}
