//! The registry: the one file that names every vendor. It says which path prefixes each vendor
//! owns, how each writes an error and a 404, which scenario section configures it, and in which
//! order the engine fires their timers. Everything below it (the kernel, the faults, the
//! engine, each vendor) is vendor-blind or knows only itself; everything above it (the scenario
//! format, the admin API, the server) asks the registry.

use axum::extract::DefaultBodyLimit;
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
    /// The largest request body the vendor takes; a `Content-Length` above it is refused with
    /// a 413 in the vendor's shape before any byte of the body is read (README, "Limits").
    pub body_limit: usize,
    /// The headers that carry the vendor's credential: a request with none of them may carry
    /// at most [`BODY_LIMIT_WITHOUT_CREDENTIALS`], so that an unauthenticated client never
    /// makes the server buffer a large body it would refuse anyway.
    pub credentials: &'static [&'static str],
}

/// The most of a body read from a request that carries no credential header of its vendor.
pub const BODY_LIMIT_WITHOUT_CREDENTIALS: usize = 1024 * 1024;

const MIB: usize = 1024 * 1024;

const OBSHELL: Vendor = Vendor {
    name: obshell::VENDOR,
    render_error: obshell::error_response,
    not_found: obshell::not_found,
    // The agent's gin engine sets no limit of its own; the simulator reads at most 256 MB (an
    // upgrade package is about 100 MB).
    body_limit: 256 * MIB,
    credentials: &["x-ocs-auth", "x-ocs-header", "x-ocs-agent-header"],
};
const OTA: Vendor = Vendor {
    name: "ota",
    render_error: |_, status, message| ota::error_response(status, message),
    not_found: |_, path| ota::not_found(path),
    // A plan over 100,000 agents is a body of a few megabytes.
    body_limit: 64 * MIB,
    credentials: &["authorization"],
};
const TAURUSDB: Vendor = Vendor {
    name: "taurusdb",
    render_error: |_, status, message| taurusdb::error_response(status, message),
    not_found: |_, path| taurusdb::not_found(path),
    // Huawei Cloud's API gateway (APIG) takes request bodies up to its `request_body_size`
    // default of 12 MB.
    body_limit: 12 * MIB,
    credentials: &["authorization", "x-auth-token"],
};
const UNITY: Vendor = Vendor {
    name: "unity",
    render_error: unity::error_response,
    not_found: unity::not_found,
    // Not documented for Unity: large enough for a candidate image upload (which is buffered);
    // an unauthenticated body is still capped at 1 MiB by its missing credentials.
    body_limit: 1024 * MIB,
    credentials: &["authorization", "cookie"],
};

/// Every vendor, in firing order (the order timers due at one instant fire in).
pub const VENDORS: [Vendor; 4] = [OBSHELL, OTA, TAURUSDB, UNITY];

/// Every vendor's name, in firing order.
pub const NAMES: [&str; 4] = [OBSHELL.name, OTA.name, TAURUSDB.name, UNITY.name];

/// The vendor that owns `path`, by prefix: OTA's `/api/v1/lifecycle` before OBShell's
/// `/api/v1`, TaurusDB's `/v3` and `/v3.1`, Unity's `/api` and `/upload`.
///
/// However the path is spelled: percent-escapes, repeated slashes and upper case do not change
/// its owner (`//API/V1/Info` is OBShell's, and gets OBShell's 404, as no route matches it).
pub fn vendor_of_path(path: &str) -> Option<&'static Vendor> {
    let path = normal_spelling(path);
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

/// `path` percent-decoded, lower-cased, with runs of slashes made one (borrowed when it is
/// already so: the common case costs no allocation).
fn normal_spelling(path: &str) -> std::borrow::Cow<'_, str> {
    let plain = !path.contains("//")
        && !path
            .bytes()
            .any(|b| b == b'%' || b.is_ascii_uppercase() || !b.is_ascii());
    if plain {
        return path.into();
    }
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut out = String::with_capacity(decoded.len());
    for c in decoded.chars() {
        if !(c == '/' && out.ends_with('/')) {
            out.extend(c.to_lowercase());
        }
    }
    out.into()
}

/// The vendor named `name`.
pub fn vendor(name: &str) -> Option<&'static Vendor> {
    VENDORS.iter().find(|v| v.name == name)
}

/// All vendors' routes on one router, each vendor's body extractors held to its limit.
pub fn routes() -> Router<Sim> {
    let limit = |v: Vendor| DefaultBodyLimit::max(v.body_limit);
    Router::new()
        .merge(obshell::routes())
        .merge(ota::routes().layer(limit(OTA)))
        .merge(taurusdb::routes().layer(limit(TAURUSDB)))
        .merge(unity::routes().layer(limit(UNITY)))
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
    vec![
        obshell::openapi(generator),
        ota::openapi(generator),
        unity::openapi(generator),
    ]
}

/// The most OTA agents a scenario may declare, listed and generated together (README,
/// "Limits"): about 300 bytes each once built, so the cap keeps a fleet within a few hundred
/// megabytes. Checked from the counts alone, before any agent is built.
pub const MAX_OTA_AGENTS: usize = 1_000_000;

/// Refuses a fleet over [`MAX_OTA_AGENTS`] from its section's counts, before building it.
fn check_fleet_size(ota: &ota::Config) -> Result<(), Invalid> {
    let mut total = ota.fleet.agents.len();
    for (g, range) in ota.fleet.generate.iter().enumerate() {
        if range.start.checked_add(range.count).is_none() {
            return Err(Invalid::new(
                &format!("ota.fleet.generate[{g}].start"),
                "start + count must be a number this machine can count to",
            ));
        }
        total = total.saturating_add(range.count);
        if total > MAX_OTA_AGENTS {
            return Err(Invalid::new(
                &format!("ota.fleet.generate[{g}].count"),
                &format!(
                    "the fleet would hold more than {MAX_OTA_AGENTS} agents in all (listed and \
                     generated together); split the rehearsal or generate fewer"
                ),
            ));
        }
    }
    Ok(())
}

/// The vendor models of a world, in firing order, each built from its section.
pub fn models(sections: &Sections, core: &mut Core) -> Result<Vec<Box<dyn VendorModel>>, Invalid> {
    check_fleet_size(&sections.ota)?;
    Ok(vec![
        Box::new(obshell::Model::new(&sections.obshell, core)?),
        Box::new(ota::Model::from_config(&sections.ota, core)?),
        Box::new(taurusdb::Model::from_config(&sections.taurusdb)?),
        Box::new(unity::Model::build(&sections.unity, core)?),
    ])
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
