//! The scenario file's JSON Schema (2020-12), derived from the types the parser reads. The
//! top-level map is read key by key (see `Scenario`'s `Deserialize`), so its schema is
//! composed the same way: each basic key's schema from its field's type, then each vendor's
//! section through the registry, and no other key (`additionalProperties: false`).
//! `upgrade-sim schema scenario` prints it; schemas/scenario.schema.json is its copy.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

use super::{ClockConfig, Expect, JournalConfig, Scenario, BASIC_KEYS};
use crate::engine::TimelineEvent;
use crate::faults::HttpFaultSpec;
use crate::registry;

/// A duration as `kernel::clock::parse_duration` reads it: "90s", "5m", "1h30m", "250ms",
/// "2d", or a bare number of seconds.
pub(crate) const DURATION_PATTERN: &str = r"^\s*([0-9.]+|([0-9.]+(ms|s|m|h|d))+)\s*$";

/// A basic key's schema and what it means (the field's doc on `Scenario`).
fn basic_key(key: &str, g: &mut SchemaGenerator) -> Option<(Schema, &'static str)> {
    Some(match key {
        "name" => (
            g.subschema_for::<String>(),
            "A short name, shown by /_sim/health and in the journal.",
        ),
        "description" => (
            g.subschema_for::<String>(),
            "What story the scenario tells.",
        ),
        "seed" => (
            g.subschema_for::<u64>(),
            "The seed every random stream derives from (default 0). `serve --seed` overrides it.",
        ),
        "clock" => (g.subschema_for::<ClockConfig>(), "Virtual time settings."),
        "journal" => (g.subschema_for::<JournalConfig>(), "Journal settings."),
        "http_faults" => (
            g.subschema_for::<Vec<HttpFaultSpec>>(),
            "HTTP-level faults on routes (latency, errors, resets...).",
        ),
        "timeline" => (
            g.subschema_for::<Vec<TimelineEvent>>(),
            "Events at virtual times: domain faults and client calls the scenario makes itself.",
        ),
        "expect" => (
            g.subschema_for::<Option<Expect>>(),
            "What a run of this scenario is expected to end with (the scenario library checks it).",
        ),
        _ => return None,
    })
}

/// With `description` set on a copy of `schema` (a `$ref` keeps its siblings in 2020-12).
fn described(mut schema: Schema, description: &str) -> Value {
    schema.insert("description".into(), Value::from(description));
    schema.to_value()
}

impl JsonSchema for Scenario {
    fn schema_name() -> Cow<'static, str> {
        "Scenario".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let mut properties = Map::new();
        for key in BASIC_KEYS {
            if let Some((schema, doc)) = basic_key(key, g) {
                properties.insert(key.into(), described(schema, doc));
            }
        }
        for (vendor, schema) in registry::Sections::schemas(g) {
            let doc = format!("The {vendor} section (docs/{vendor}.md).");
            properties.insert(vendor.into(), described(schema, &doc));
        }
        json_schema!({
            "title": "upgrade-sim scenario",
            "description": "A scenario file: the fleet, credentials, packages, durations and faults of a run (docs in README.md and docs/<vendor>.md).",
            "type": "object",
            "properties": properties,
            "additionalProperties": false
        })
    }
}

/// The scenario file's JSON Schema (draft 2020-12), as `upgrade-sim schema scenario` prints it.
pub fn scenario_schema() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    generator.into_root_schema_for::<Scenario>().to_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_allows_exactly_the_keys_the_parser_reads() {
        let schema = scenario_schema();
        let mut keys: Vec<&str> = schema["properties"]
            .as_object()
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        let mut want = super::super::all_keys().to_vec();
        want.sort_unstable();
        assert_eq!(keys, want);
        assert_eq!(schema["additionalProperties"], Value::Bool(false));
    }
}
