//! The registry: the one file that names every vendor. It says which path prefixes each vendor
//! owns, how each writes an error and a 404, which scenario section configures it, and in which
//! order the engine fires their timers. Everything below it (the kernel, the faults, the
//! engine, each vendor) is vendor-blind or knows only itself; everything above it (the scenario
//! format, the admin API, the server) asks the registry.

use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;
use serde::de::MapAccess;
use serde_json::{json, Map, Value};

use crate::engine::{ErrorRenderer, Sim, VendorModel, World};
use crate::kernel::{Core, Invalid};
use crate::vendors::{obshell, ota, taurusdb, unity};

/// How the HTTP layer treats one vendor.
#[derive(Clone, Copy)]
pub struct Vendor {
    /// The name in the journal, the state snapshot, fault specs and timeline actions.
    pub name: &'static str,
    /// An error in the vendor's own shape (injected faults, refusals, fallbacks).
    pub render_error: ErrorRenderer,
    /// The vendor's answer to a path under its prefix that no route matches.
    pub not_found: fn(&mut World, &str) -> Response,
}

const OBSHELL: Vendor = Vendor {
    name: obshell::VENDOR,
    render_error: obshell::error_response,
    not_found: obshell::not_found,
};
const OTA: Vendor = Vendor {
    name: "ota",
    render_error: |_, status, message| ota::error_response(status, message),
    not_found: |_, path| ota::not_found(path),
};
const TAURUSDB: Vendor = Vendor {
    name: "taurusdb",
    render_error: |_, status, message| taurusdb::error_response(status, message),
    not_found: |_, path| taurusdb::not_found(path),
};
const UNITY: Vendor = Vendor {
    name: "unity",
    render_error: unity::error_response,
    not_found: unity::not_found,
};

/// Every vendor, in firing order (the order timers due at one instant fire in).
pub const VENDORS: [Vendor; 4] = [OBSHELL, OTA, TAURUSDB, UNITY];

/// Every vendor's name, in firing order.
pub const NAMES: [&str; 4] = [OBSHELL.name, OTA.name, TAURUSDB.name, UNITY.name];

/// The vendor that owns `path`, by prefix: OTA's `/api/v1/lifecycle` before OBShell's
/// `/api/v1`, TaurusDB's `/v3` and `/v3.1`, Unity's `/api` and `/upload`.
pub fn vendor_of_path(path: &str) -> Option<&'static Vendor> {
    if path.starts_with("/api/v1/lifecycle") {
        Some(&VENDORS[1])
    } else if path.starts_with("/api/v1/") || path == "/api/v1" {
        Some(&VENDORS[0])
    } else if path.starts_with("/v3") {
        Some(&VENDORS[2])
    } else if path.starts_with("/api/") || path.starts_with("/upload/") {
        Some(&VENDORS[3])
    } else {
        None
    }
}

/// The vendor named `name`.
pub fn vendor(name: &str) -> Option<&'static Vendor> {
    VENDORS.iter().find(|v| v.name == name)
}

/// All vendors' routes on one router.
pub fn routes() -> Router<Sim> {
    Router::new()
        .merge(obshell::routes())
        .merge(ota::routes())
        .merge(taurusdb::routes())
        .merge(unity::routes())
}

/// Every vendor's scenario section.
#[derive(Debug, Clone, Default)]
pub struct Sections {
    pub obshell: obshell::Config,
    pub ota: ota::Config,
    pub taurusdb: taurusdb::Config,
    pub unity: unity::Config,
}

impl Sections {
    /// Reads the section under `key` from a scenario map being deserialized; `Ok(false)` when
    /// `key` names no vendor.
    pub fn read<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "obshell" => self.obshell = map.next_value()?,
            "ota" => self.ota = map.next_value()?,
            "taurusdb" => self.taurusdb = map.next_value()?,
            "unity" => self.unity = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Sections {
    /// Each vendor section's JSON Schema under its key, as [`Sections::read`] reads them (the
    /// scenario's schema composes these).
    pub fn schemas(
        generator: &mut schemars::SchemaGenerator,
    ) -> [(&'static str, schemars::Schema); 4] {
        [
            ("obshell", generator.subschema_for::<obshell::Config>()),
            ("ota", generator.subschema_for::<ota::Config>()),
            ("taurusdb", generator.subschema_for::<taurusdb::Config>()),
            ("unity", generator.subschema_for::<unity::Config>()),
        ]
    }
}

/// Each vendor's part of the OpenAPI documents (its routes, auth scheme and error schema, see
/// `crate::openapi`), in firing order; a vendor without one yet is left out.
pub fn openapi_parts(generator: &mut schemars::SchemaGenerator) -> Vec<Value> {
    vec![ota::openapi(generator)]
}

/// The vendor models of a world, in firing order, each built from its section.
pub fn models(sections: &Sections, core: &mut Core) -> Result<Vec<Box<dyn VendorModel>>, Invalid> {
    Ok(vec![
        Box::new(obshell::Model::new(&sections.obshell, core)?),
        Box::new(ota::Model::from_config(&sections.ota, core)?),
        Box::new(taurusdb::Model::from_config(&sections.taurusdb)?),
        Box::new(unity::Model::build(&sections.unity, core)?),
    ])
}

/// An error in the shape of the vendor that owns `path` (a generic `{"error"}` otherwise).
pub fn error_for_path(
    world: &mut World,
    path: &str,
    status: StatusCode,
    message: &str,
) -> Response {
    match vendor_of_path(path) {
        Some(v) => (v.render_error)(world, status, message),
        None => crate::engine::plain_error(world, status, message),
    }
}

/// The credentials a client needs for each vendor, in the conformance harness's
/// `credentials:` shape (`GET /_sim/credentials`); a vendor with none configured is left out.
pub fn credentials(sections: &Sections) -> Value {
    let mut out = Map::new();
    out.insert(
        "obshell".into(),
        json!({"password": sections.obshell.password}),
    );
    if let Some(t) = sections.ota.tokens.first() {
        out.insert("ota".into(), json!({"token": t.token}));
    }
    let t = &sections.taurusdb;
    let mut huawei = Map::new();
    if let Some(p) = t.projects.first() {
        huawei.insert("project_id".into(), json!(p.id));
    }
    if let Some(k) = t.credentials.access_keys.first() {
        huawei.insert("ak".into(), json!(k.ak));
        huawei.insert("sk".into(), json!(k.sk));
    }
    if let Some(token) = t.credentials.tokens.first() {
        huawei.insert("token".into(), json!(token));
    }
    if !huawei.is_empty() {
        out.insert("taurusdb".into(), Value::Object(huawei));
    }
    if let Some(u) = sections.unity.users.first() {
        out.insert(
            "unity".into(),
            json!({"username": u.name, "password": u.password}),
        );
    }
    Value::Object(out)
}
