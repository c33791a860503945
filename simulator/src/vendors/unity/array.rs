//! The storage system itself: its product and software version, the health of its
//! components, and the one upgrade candidate it may hold. Everything the upgrade reads about
//! the system, and the two things that change it (an uploaded candidate, a finished upgrade).

use indexmap::IndexMap;
use serde_json::json;

use super::config::{self, health_is_ok, ArrayConfig};
use super::model::{Model, VENDOR};
use crate::kernel::Core;

#[derive(Debug, Clone)]
pub struct Array {
    /// The product name ("Unity 380F"), `model` on the wire.
    pub product: String,
    pub name: String,
    pub serial_number: String,
    pub version: String,
    pub build: u32,
    /// The installed software's build date, Unix ms.
    pub release_ms: i64,
    pub sp_model: String,
    pub components: IndexMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: String,
    pub version: String,
    pub build: u32,
    pub release_ms: i64,
}

/// `5.3.0` build 120 → `5.3.0.0.5.120`.
fn full_version(version: &str, build: u32) -> String {
    format!("{version}.0.5.{build:03}")
}

impl Candidate {
    pub fn full_version(&self) -> String {
        full_version(&self.version, self.build)
    }
}

impl Array {
    pub fn from_config(a: &ArrayConfig, release_ms: i64) -> Self {
        Array {
            product: a.model.clone(),
            name: a.name.clone(),
            serial_number: a.serial_number.clone(),
            version: a.software_version.clone(),
            build: a.software_build,
            release_ms,
            sp_model: a.sp_model.clone(),
            components: a.components.clone(),
        }
    }

    pub fn full_version(&self) -> String {
        full_version(&self.version, self.build)
    }

    /// `softwareFullVersion` as a 5.x array prints it:
    /// `Unity 5.3.0.0 (Release, Build 120, 2023-03-18 19:02:01, 5.3.0.0.5.120)`.
    pub fn software_full_version(&self) -> String {
        let built = chrono::DateTime::from_timestamp_millis(self.release_ms)
            .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        format!(
            "Unity {}.0 (Release, Build {}, {built}, {})",
            self.version,
            self.build,
            self.full_version()
        )
    }

    /// Components whose health blocks an upgrade, with their health.
    pub fn unhealthy(&self) -> Vec<(String, String)> {
        self.components
            .iter()
            .filter(|(_, h)| !health_is_ok(h))
            .map(|(c, h)| (c.clone(), h.clone()))
            .collect()
    }

    pub fn api_version(&self) -> String {
        let k = config::version_key(&self.version);
        match (k.first(), k.get(1)) {
            (Some(5), Some(minor)) => format!("{}.0", 10 + minor),
            (Some(major), Some(minor)) => format!("{major}.{minor}"),
            _ => "4.0".into(),
        }
    }

    /// Whether `candidate` is newer than the installed software.
    pub fn is_older_than(&self, candidate: &Candidate) -> bool {
        config::version_key(&candidate.version) > config::version_key(&self.version)
    }
}

impl Model {
    /// Uploads (or replaces) the candidate: there is at most one on the system. Its id.
    pub fn install_candidate(
        &mut self,
        core: &mut Core,
        version: &str,
        build: u32,
        release: i64,
    ) -> String {
        self.candidate_seq += 1;
        let c = Candidate {
            id: format!("candidate_{}", self.candidate_seq),
            version: version.to_string(),
            build,
            release_ms: release,
        };
        core.event(
            VENDOR,
            &format!("candidate/{}", c.id),
            json!({"uploaded": c.full_version(), "replaces": self.candidate.as_ref().map(|o| o.id.clone())}),
        );
        let id = c.id.clone();
        self.candidate = Some(c);
        id
    }

    /// Removes the candidate `id` if it is still the system's (a cancelled session's).
    pub fn remove_candidate(&mut self, core: &mut Core, id: &str) {
        if self.candidate.as_ref().is_some_and(|c| c.id == id) {
            self.candidate = None;
            core.event(VENDOR, &format!("candidate/{id}"), json!({"removed": true}));
        }
    }
}
