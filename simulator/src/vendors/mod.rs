//! The five vendor API families, one folder each. This module wires them together: the
//! scenario sections into models, the models into the engine, the routes into one router,
//! and a path to the vendor that owns it (for 404s and injected faults in the right shape).

pub mod obshell;
pub mod ota;
pub mod taurusdb;
pub mod unity;

use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;

use crate::engine::{Core, Model};
use crate::scenario::{Invalid, Scenario};
use crate::Sim;

/// Every vendor's model.
pub struct Vendors {
    pub obshell: obshell::Model,
    pub ota: ota::Model,
    pub taurusdb: taurusdb::Model,
    pub unity: unity::Model,
}

impl Vendors {
    pub fn build(scenario: &Scenario, core: &mut Core) -> Result<Self, Invalid> {
        Ok(Self {
            obshell: obshell::Model::build(scenario, core)?,
            ota: ota::Model::build(scenario, core)?,
            taurusdb: taurusdb::Model::build(scenario, core)?,
            unity: unity::Model::build(scenario, core)?,
        })
    }

    /// The models in a fixed order (the order timers due at the same instant fire in).
    pub fn models(&self) -> [&dyn Model; 4] {
        [&self.obshell, &self.ota, &self.taurusdb, &self.unity]
    }

    /// The model of the vendor named `name` (as `Model::vendor` spells it).
    pub fn model(&self, name: &str) -> Option<&dyn Model> {
        self.models().into_iter().find(|m| m.vendor() == name)
    }

    pub fn model_mut(&mut self, name: &str) -> Option<&mut dyn Model> {
        self.models_mut().into_iter().find(|m| m.vendor() == name)
    }

    pub fn models_mut(&mut self) -> [&mut dyn Model; 4] {
        [
            &mut self.obshell,
            &mut self.ota,
            &mut self.taurusdb,
            &mut self.unity,
        ]
    }
}

/// Which vendor a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VendorId {
    Obshell,
    Ota,
    Taurusdb,
    Unity,
}

impl VendorId {
    pub fn of_path(path: &str) -> Option<Self> {
        if path.starts_with("/api/v1/lifecycle") {
            Some(Self::Ota)
        } else if path.starts_with("/api/v1/") || path == "/api/v1" {
            Some(Self::Obshell)
        } else if path.starts_with("/v3/") || path.starts_with("/v3.1/") || path.starts_with("/v3")
        {
            Some(Self::Taurusdb)
        } else if path.starts_with("/api/") || path.starts_with("/upload/") {
            Some(Self::Unity)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Obshell => "obshell",
            Self::Ota => "ota",
            Self::Taurusdb => "taurusdb",
            Self::Unity => "unity",
        }
    }

    /// An error in this vendor's own shape.
    pub fn error_response(self, status: StatusCode, message: &str) -> Response {
        match self {
            Self::Obshell => obshell::error_response(status, message),
            Self::Ota => ota::error_response(status, message),
            Self::Taurusdb => taurusdb::error_response(status, message),
            Self::Unity => unity::error_response(status, message),
        }
    }

    pub fn not_found(self, path: &str) -> Response {
        match self {
            Self::Obshell => obshell::not_found(path),
            Self::Ota => ota::not_found(path),
            Self::Taurusdb => taurusdb::not_found(path),
            Self::Unity => unity::not_found(path),
        }
    }
}

/// All vendors' routes on one router.
pub fn routes() -> Router<Sim> {
    Router::new()
        .merge(obshell::routes())
        .merge(ota::routes())
        .merge(taurusdb::routes())
        .merge(unity::routes())
}
