//! Scenario files: the YAML that declares a run (fleet, credentials, packages, durations,
//! faults). Parsing is two steps, as in ripgrep's flags: serde reads the raw file into plain
//! types (unknown keys are errors, with line and column and a "did you mean"), then each
//! vendor validates its section while building its model, and a failure there is reported
//! at the line of the key it concerns.

mod error;
mod timeline;

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

pub use error::{Invalid, ScenarioError};
pub use timeline::{check_outcome, Expect, JournalCheck, RunSpec, StateCheck, TimelineEvent};

use crate::engine::{Core, Journal, WallClock};
use crate::vendors::{self, Vendors};

/// The scenario built into the binary: all five APIs, ready for the docs' sample requests.
pub const DEFAULT_SCENARIO: &str = include_str!("../../../scenarios/default.yaml");

/// A parsed and validated scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name, shown by `/_sim/health` and in the journal.
    #[serde(default)]
    pub name: String,
    /// What story the scenario tells.
    #[serde(default)]
    pub description: String,
    /// The seed every random stream derives from (default 0). `serve --seed` overrides it.
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub clock: ClockConfig,
    #[serde(default)]
    pub journal: JournalConfig,
    /// HTTP-level faults on routes (latency, errors, resets...).
    #[serde(default)]
    pub http_faults: Vec<crate::faults::HttpFaultSpec>,
    /// Events at virtual times: domain faults ("at 12m: zone2 observer down") and client calls
    /// the scenario makes itself (start an upgrade at 0s), so that a scenario tells a whole story.
    #[serde(default)]
    pub timeline: Vec<TimelineEvent>,
    /// What a run of this scenario is expected to end with (the scenario library checks it).
    #[serde(default)]
    pub expect: Option<Expect>,
    #[serde(default)]
    pub obshell: vendors::obshell::Config,
    #[serde(default)]
    pub ota: vendors::ota::Config,
    #[serde(default)]
    pub taurusdb: vendors::taurusdb::Config,
    #[serde(default)]
    pub unity: vendors::unity::Config,
    /// The text the scenario was read from, for `GET /_sim/scenario` and error locations.
    #[serde(skip)]
    pub source: String,
    /// Where it came from ("<embedded default>", a path, "PUT /_sim/scenario").
    #[serde(skip)]
    pub origin: String,
}

/// Virtual time settings.
#[derive(Debug, Clone, Deserialize)]
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalConfig {
    /// How many entries the ring keeps (default 100000); older ones are dropped and counted.
    #[serde(default = "default_capacity")]
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
                .validate()
                .map_err(|m| self.locate(Invalid::new(&format!("http_faults[{i}]"), &m)))?;
        }
        let mut scratch = Core::new(
            crate::engine::Clock::new(self.clock.epoch),
            Journal::new(16),
            self.seed,
            WallClock::system(),
        );
        let vendors = Vendors::build(self, &mut scratch).map_err(|invalid| self.locate(invalid))?;
        for (i, event) in self.timeline.iter().enumerate() {
            let known = match vendors.model(&event.vendor) {
                Some(m) => m.actions(),
                None => {
                    return Err(self.locate(Invalid::new(
                        &format!("timeline[{i}].do"),
                        &format!(
                            "no vendor '{}' (use obshell, ota, taurusdb or unity)",
                            event.vendor
                        ),
                    )))
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
