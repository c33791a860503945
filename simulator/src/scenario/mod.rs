//! Scenario files: the YAML that declares a run (fleet, credentials, packages, durations,
//! faults). Parsing is two steps, as in ripgrep's flags: serde reads the raw file into plain
//! types (unknown keys are errors, with line and column and a "did you mean"), then each
//! vendor validates its section while building its model, and a failure there is reported
//! at the line of the key it concerns.

mod error;
pub mod limits;
mod schema;
mod timeline;

use std::any::Any;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use serde::de::{Error as _, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

pub use crate::engine::TimelineEvent;
pub use crate::kernel::Invalid;
pub use error::ScenarioError;
pub use schema::scenario_schema;
pub use timeline::{check_outcome, Expect, JournalCheck, RunSpec, StateCheck};

use crate::engine::{Blueprint, Setup, Sim, World};
use crate::faults::HttpFaultSpec;
use crate::kernel::{Clock, Core, Journal, WallClock};
use crate::registry::{self, Sections};

/// The scenario built into the binary: all five APIs, ready for the docs' sample requests.
pub const DEFAULT_SCENARIO: &str = include_str!("../../assets/default-scenario.yaml");

/// A parsed and validated scenario.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    /// A short name, shown by `/_sim/health` and in the journal.
    pub name: String,
    /// What story the scenario tells.
    pub description: String,
    /// The seed every random stream derives from (default 0). `serve --seed` overrides it.
    pub seed: u64,
    pub clock: ClockConfig,
    pub journal: JournalConfig,
    /// HTTP-level faults on routes (latency, errors, resets...).
    pub http_faults: Vec<HttpFaultSpec>,
    /// Events at virtual times: domain faults ("at 12m: zone2 observer down") and client calls
    /// the scenario makes itself (start an upgrade at 0s), so that a scenario tells a whole story.
    pub timeline: Vec<TimelineEvent>,
    /// What a run of this scenario is expected to end with (the scenario library checks it).
    pub expect: Option<Expect>,
    /// Each vendor's section, under the vendor's name (see the registry).
    pub vendors: Sections,
    /// The text the scenario was read from, for `GET /_sim/scenario` and error locations.
    pub source: String,
    /// Where it came from ("<embedded default>", a path, "PUT /_sim/scenario").
    pub origin: String,
}

/// The keys of a scenario file that are not a vendor's section.
pub(crate) const BASIC_KEYS: [&str; 8] = [
    "name",
    "description",
    "seed",
    "clock",
    "journal",
    "http_faults",
    "timeline",
    "expect",
];

/// Every top-level key a scenario may have: the basic ones, then each vendor's section.
fn all_keys() -> &'static [&'static str] {
    static KEYS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        BASIC_KEYS
            .iter()
            .chain(registry::NAMES.iter())
            .copied()
            .collect()
    })
}

/// A top-level key, refused while it is read (so that the error carries the key's line and
/// column) unless it is one of [`all_keys`].
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a scenario key")
            }
            fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Key, E> {
                if all_keys().contains(&key) {
                    Ok(Key(key.to_string()))
                } else {
                    Err(E::unknown_field(key, all_keys()))
                }
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// Reads a scenario map key by key: the basic keys here, vendor sections through the
/// registry, anything else an "unknown key" error at its line (with the keys allowed).
impl<'de> Deserialize<'de> for Scenario {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> Visitor<'de> for Keys {
            type Value = Scenario;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a scenario: a map of name, seed, clock, vendor sections...")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scenario, A::Error> {
                let mut s = Scenario::default();
                let mut seen = Vec::<String>::new();
                while let Some(Key(key)) = map.next_key::<Key>()? {
                    if seen.contains(&key) {
                        let known = all_keys().iter().find(|k| **k == key).copied();
                        return Err(A::Error::duplicate_field(known.unwrap_or("key")));
                    }
                    match key.as_str() {
                        "name" => s.name = map.next_value()?,
                        "description" => s.description = map.next_value()?,
                        "seed" => s.seed = map.next_value()?,
                        "clock" => s.clock = map.next_value()?,
                        "journal" => s.journal = map.next_value()?,
                        "http_faults" => s.http_faults = map.next_value()?,
                        "timeline" => s.timeline = map.next_value()?,
                        "expect" => s.expect = map.next_value()?,
                        other => {
                            if !s.vendors.read(other, &mut map)? {
                                return Err(A::Error::unknown_field(other, all_keys()));
                            }
                        }
                    }
                    seen.push(key);
                }
                Ok(s)
            }
        }
        d.deserialize_map(Keys)
    }
}

/// Virtual time settings.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockConfig {
    /// The date virtual time starts at (default 2026-01-01T08:00:00+08:00). Fixed, not "now",
    /// so that every run of a scenario shows the same timestamps.
    #[serde(default = "default_epoch")]
    pub epoch: DateTime<FixedOffset>,
}

impl Default for ClockConfig {
    fn default() -> Self {
        Self {
            epoch: default_epoch(),
        }
    }
}

fn default_epoch() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-01-01T08:00:00+08:00").unwrap_or_default()
}

/// Journal settings.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JournalConfig {
    /// How many entries the ring keeps (default 100000); older ones are dropped and counted.
    #[serde(default = "default_capacity")]
    #[schemars(range(min = 1))]
    pub capacity: usize,
}

impl Default for JournalConfig {
    fn default() -> Self {
        Self {
            capacity: default_capacity(),
        }
    }
}

fn default_capacity() -> usize {
    100_000
}

impl Scenario {
    /// Parses and validates a scenario. `origin` names it in errors (a path, usually).
    pub fn parse(text: &str, origin: &str) -> Result<Self, ScenarioError> {
        limits::check(text).map_err(|(line, message)| ScenarioError {
            origin: origin.to_string(),
            line,
            column: None,
            message,
        })?;
        let mut scenario: Scenario =
            serde_yaml_ng::from_str(if text.trim().is_empty() { "{}" } else { text })
                .map_err(|e| ScenarioError::from_yaml(origin, &e))?;
        scenario.source = text.to_string();
        scenario.origin = origin.to_string();
        scenario.validate()?;
        Ok(scenario)
    }

    /// The embedded default scenario.
    pub fn embedded_default() -> Result<Self, ScenarioError> {
        Self::parse(DEFAULT_SCENARIO, "<embedded scenarios/default.yaml>")
    }

    /// Reads and parses a scenario file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            origin: path.display().to_string(),
            line: None,
            column: None,
            message: format!("cannot read the file: {e}"),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Checks what serde cannot: builds every vendor model on a scratch core, so a scenario
    /// that parses here also loads in `serve`.
    fn validate(&self) -> Result<(), ScenarioError> {
        if self.journal.capacity == 0 {
            return Err(self.locate(Invalid::new(
                "journal.capacity",
                "must be at least 1 (the journal is a ring of this many entries)",
            )));
        }
        for (i, fault) in self.http_faults.iter().enumerate() {
            fault
                .validate(&registry::NAMES)
                .map_err(|m| self.locate(Invalid::new(&format!("http_faults[{i}]"), &m)))?;
        }
        let mut scratch = Core::new(
            Clock::new(self.clock.epoch),
            Journal::new(16),
            self.seed,
            WallClock::system(),
        );
        let models = registry::models(&self.vendors, &mut scratch)
            .map_err(|invalid| self.locate(invalid))?;
        for (i, event) in self.timeline.iter().enumerate() {
            let known = match models.iter().find(|m| m.vendor() == event.vendor) {
                Some(m) => m.actions(),
                None => {
                    let (last, rest) = registry::NAMES.split_last().unwrap_or((&"", &[]));
                    return Err(self.locate(Invalid::new(
                        &format!("timeline[{i}].do"),
                        &format!(
                            "no vendor '{}' (use {} or {last})",
                            event.vendor,
                            rest.join(", ")
                        ),
                    )));
                }
            };
            if !known.contains(&event.action.as_str()) {
                return Err(self.locate(Invalid::new(
                    &format!("timeline[{i}].do"),
                    &format!(
                        "{} has no action '{}'; its actions are: {}",
                        event.vendor,
                        event.action,
                        known.join(", ")
                    ),
                )));
            }
        }
        if let Some(expect) = &self.expect {
            expect
                .validate()
                .map_err(|m| self.locate(Invalid::new("expect", &m)))?;
        }
        Ok(())
    }

    /// Turns a validation failure into an error at the line of the key it names.
    pub fn locate(&self, invalid: Invalid) -> ScenarioError {
        let line = error::line_of_path(&self.source, &invalid.path);
        ScenarioError {
            origin: self.origin.clone(),
            line,
            column: None,
            message: format!("{}: {}", invalid.path, invalid.message),
        }
    }
}

impl Scenario {
    /// What the engine needs of this scenario to build a world.
    fn setup(&self) -> Setup<'_> {
        Setup {
            name: &self.name,
            epoch: self.clock.epoch,
            journal_capacity: self.journal.capacity,
            http_faults: &self.http_faults,
            timeline: &self.timeline,
        }
    }

    /// The scenario `sim` runs on (every `Sim` above the engine is built from one).
    pub fn of(sim: &Sim) -> Arc<Scenario> {
        sim.blueprint()
            .into_any()
            .downcast::<Scenario>()
            .unwrap_or_else(|_| Arc::new(Scenario::default()))
    }
}

impl Blueprint for Scenario {
    fn seed(&self) -> u64 {
        self.seed
    }
    fn build(&self, seed: u64, wall: WallClock) -> anyhow::Result<World> {
        World::build(self.setup(), seed, wall, |core| {
            registry::models(&self.vendors, core)
        })
    }
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_default_scenario_is_valid() {
        let s = Scenario::embedded_default();
        assert!(
            s.is_ok(),
            "{}",
            s.err().map(|e| e.to_string()).unwrap_or_default()
        );
    }

    #[test]
    fn an_unknown_key_is_reported_with_its_line_and_a_suggestion() {
        let err = Scenario::parse("name: x\nseed: 3\njournl:\n  capacity: 5\n", "t.yaml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("t.yaml: line 3"), "{err}");
        assert!(err.contains("unknown key 'journl'"), "{err}");
        assert!(err.contains("did you mean 'journal'?"), "{err}");
    }

    #[test]
    fn a_wrong_type_is_reported_with_its_line() {
        let err = Scenario::parse("seed: many\n", "t.yaml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("t.yaml: line 1"), "{err}");
    }

    #[test]
    fn a_semantic_error_points_at_the_key_it_concerns() {
        let err = Scenario::parse("name: x\njournal:\n  capacity: 0\n", "t.yaml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("t.yaml: line 3"), "{err}");
        assert!(err.contains("journal.capacity"), "{err}");
    }
}
