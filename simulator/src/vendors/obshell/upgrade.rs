//! The upgrade operations: POST /api/v1/agent/upgrade(/check), /api/v1/ob/upgrade(/check) and
//! /api/v1/upgrade/package. Body binding as gin's `BindJSON` does it (Go's case-insensitive
//! keys, `required` tags, type errors), then the real pre-check order of each profile, then
//! DAG creation under the maintenance lock.

use axum::extract::{FromRequest, Multipart, State};
use axum::http::Request;
use axum::response::Response;
use serde_json::{Map, Value};

use super::auth::{go_kind, Authed, Verified};
use super::config::Profile;
use super::dto;
use super::error::ObError;
use super::model::{build_number, compare_versions, rpm_name, Model};
use super::templates::DagKind;
use crate::kernel::Core;
use crate::Sim;

/// The bound request body.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub version: String,
    pub release: String,
    pub upgrade_dir: String,
    pub mode: String,
    pub freeze_server: bool,
}

/// `c.BindJSON` into `UpgradeCheckParam` (`ob = false`) or `ObUpgradeParam` (`ob = true`).
pub fn bind(body: &[u8], ob: bool) -> Result<Params, ObError> {
    let text = std::str::from_utf8(body).unwrap_or("\u{fffd}");
    let text = if text.trim().is_empty() { "{}" } else { text };
    let value: Value =
        serde_json::from_str(text).map_err(|e| ObError::bind(&go_syntax(text, &e)))?;
    let (outer, inner) = if ob {
        ("ObUpgradeParam", "ObUpgradeParam.UpgradeCheckParam")
    } else {
        ("UpgradeCheckParam", "UpgradeCheckParam")
    };
    let Value::Object(o) = value else {
        return Err(ObError::bind(&format!(
            "json: cannot unmarshal {} into Go value of type param.{outer}",
            go_kind(&value)
        )));
    };
    let string = |key: &str, owner: &str| -> Result<String, ObError> {
        match field(&o, key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v) => Err(ObError::bind(&format!(
                "json: cannot unmarshal {} into Go struct field {owner}.{key} of type string",
                go_kind(v)
            ))),
        }
    };
    let mut p = Params {
        version: string("version", inner)?,
        release: string("release", inner)?,
        upgrade_dir: string("upgradeDir", inner)?,
        ..Params::default()
    };
    if ob {
        p.mode = string("mode", outer)?;
        p.freeze_server = match field(&o, "freeze_server") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(v) => {
                return Err(ObError::bind(&format!(
                "json: cannot unmarshal {} into Go struct field {outer}.freeze_server of type bool",
                go_kind(v)
            )))
            }
        };
    }
    let mut missing = Vec::new();
    for (val, name, owner) in [
        (&p.version, "Version", inner),
        (&p.release, "Release", inner),
        (&p.mode, "Mode", outer),
    ] {
        if val.is_empty() && (ob || name != "Mode") {
            missing.push(format!(
                "Key: '{owner}.{name}' Error:Field validation for '{name}' failed on the 'required' tag"
            ));
        }
    }
    if !missing.is_empty() {
        return Err(ObError::bind(&missing.join("\n")));
    }
    Ok(p)
}

/// Go's JSON matching: an exact key wins, else the first case-insensitive match.
pub fn field<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// A Go-like syntax error text for a body serde could not read.
pub fn go_syntax(text: &str, e: &serde_json::Error) -> String {
    if e.is_eof() {
        return "unexpected EOF".into();
    }
    let offending = text
        .lines()
        .nth(e.line().saturating_sub(1))
        .and_then(|l| l.chars().nth(e.column().saturating_sub(1)))
        .unwrap_or('?');
    format!("invalid character '{offending}' looking for beginning of value")
}

/// `utils.CheckPathValid` on a trimmed `upgradeDir` (empty means the default dir).
fn check_dir(dir: &str) -> Result<(), ObError> {
    let d = dir.trim();
    if d.is_empty() {
        return Ok(());
    }
    if !d.starts_with('/') {
        return Err(ObError::invalid_path(d, "must be an absolute path"));
    }
    let ok = d.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, '-' | '_' | ':' | '@' | '/' | '.')
            || ('\u{4e00}'..='\u{9fa5}').contains(&c)
    });
    if !ok {
        return Err(ObError::invalid_path(d, "contains illegal characters"));
    }
    if d.split('/').any(|seg| seg == "..") {
        return Err(ObError::invalid_path(d, "must not contain '..'"));
    }
    Ok(())
}

fn agents_down(m: &Model) -> Option<String> {
    let down: Vec<String> = m
        .servers
        .iter()
        .filter(|s| !s.agent_up)
        .map(|s| s.addr())
        .collect();
    (!down.is_empty()).then(|| format!("[{}]", down.join(" ")))
}

fn observers_down(m: &Model) -> Option<String> {
    let down: Vec<String> = m
        .servers
        .iter()
        .filter(|s| !s.observer_up)
        .map(|s| s.sql_addr())
        .collect();
    (!down.is_empty()).then(|| down.join(","))
}

/// POST /api/v1/agent/upgrade (`check = false`) or /check: pre-checks, then the DAG.
pub fn agent_upgrade(
    m: &mut Model,
    core: &mut Core,
    p: &Params,
    check: bool,
) -> Result<usize, ObError> {
    if let Some(list) = agents_down(m) {
        return Err(ObError::agent_unavailable(&list));
    }
    check_dir(&p.upgrade_dir)?;
    if !p.release.contains('.') {
        return Err(ObError::release_format(&p.release));
    }
    let target = format!("{}-{}", p.version, build_number(&p.release));
    let current = m.agent_full_version();
    if compare_versions(&target, &current) != std::cmp::Ordering::Greater {
        return Err(ObError::lower_version(false, &target, &current));
    }
    let mut missing = None;
    if !m.has_package("obshell", &p.version, &p.release) {
        let rpm = rpm_name("obshell", &p.version, &p.release, &m.arch);
        match m.profile {
            Profile::Legacy => return Err(ObError::agent_package_missing(&rpm)),
            // obshell >= 4.3 never reports it here (a dead error slice); stage 3 fails.
            Profile::Current => missing = Some(rpm),
        }
    }
    let kind = if check {
        DagKind::AgentCheck
    } else {
        DagKind::Agent
    };
    m.create_dag(core, kind, &p.version, &p.release, false, missing)
}

/// POST /api/v1/ob/upgrade (`check = false`) or /check.
pub fn ob_upgrade(
    m: &mut Model,
    core: &mut Core,
    p: &Params,
    check: bool,
) -> Result<usize, ObError> {
    let mode = p.mode.to_uppercase();
    let mode_ok = matches!(mode.as_str(), "ROLLING" | "STOPSERVICE");
    let rolling_ok = mode != "ROLLING" || m.zones.len() >= 3;
    let legacy = m.profile == Profile::Legacy;
    if legacy && !check {
        // 4.2.x checked the mode right after the identity.
        if !mode_ok {
            return Err(ObError::mode_not_supported(&mode));
        }
        if !rolling_ok {
            return Err(ObError::rolling_needs_three_zones());
        }
    }
    if let Some(list) = agents_down(m) {
        return Err(ObError::agent_unavailable(&list));
    }
    if let Some(list) = observers_down(m) {
        return Err(ObError::observer_unavailable(&list));
    }
    if !legacy && !check {
        if !mode_ok {
            return Err(ObError::mode_not_supported(&mode));
        }
        if !rolling_ok {
            return Err(ObError::rolling_needs_three_zones());
        }
    }
    check_dir(&p.upgrade_dir)?;
    if !p.release.contains('.') {
        return Err(ObError::release_format(&p.release));
    }
    if compare_versions(&p.version, "4.2.0.0") == std::cmp::Ordering::Less {
        return Err(ObError::ob_version_unsupported(&p.version));
    }
    let target = format!("{}-{}", p.version, build_number(&p.release));
    let current = m.ob_full_version();
    if compare_versions(&target, &current) != std::cmp::Ordering::Greater {
        return Err(ObError::lower_version(true, &target, &current));
    }
    let missing: Vec<String> = ["oceanbase-ce", "oceanbase-ce-libs"]
        .iter()
        .filter(|n| !m.has_package(n, &p.version, &p.release))
        .map(|n| rpm_name(n, &p.version, &p.release, &m.arch))
        .collect();
    if !missing.is_empty() {
        return Err(ObError::ob_packages_missing(&missing));
    }
    let kind = match (check, mode.as_str()) {
        (true, _) => DagKind::ObCheck,
        (false, "ROLLING") => DagKind::ObRolling,
        _ => DagKind::ObStopService,
    };
    m.create_dag(core, kind, &p.version, &p.release, p.freeze_server, None)
}

/// Shared shape of the four upgrade handlers.
fn upgrade_route(sim: &Sim, a: Authed, ob: bool, check: bool) -> Response {
    let w = &mut *sim.lock();
    let (core, m) = w.split::<super::Model>();
    let result = bind(&a.body, ob && !check).and_then(|p| {
        if ob {
            ob_upgrade(m, core, &p, check)
        } else {
            agent_upgrade(m, core, &p, check)
        }
    });
    match result {
        Ok(d) => a.stamp.ok(Some(dto::dag(m, core, &m.dags[d], false, true))),
        Err(e) => e.render(m.profile, &a.stamp),
    }
}

pub async fn agent(State(sim): State<Sim>, Verified(a): Verified) -> Response {
    upgrade_route(&sim, a, false, false)
}

pub async fn agent_check(State(sim): State<Sim>, Verified(a): Verified) -> Response {
    upgrade_route(&sim, a, false, true)
}

pub async fn ob(State(sim): State<Sim>, Verified(a): Verified) -> Response {
    upgrade_route(&sim, a, true, false)
}

pub async fn ob_check(State(sim): State<Sim>, Verified(a): Verified) -> Response {
    upgrade_route(&sim, a, true, true)
}

/// Splits `obshell-4.2.1.1-101000062023110109.el7.x86_64.rpm` into name, version, release, arch.
pub fn parse_rpm(file: &str) -> Option<(String, String, String, String)> {
    let stem = file.strip_suffix(".rpm")?;
    let (rest, arch) = stem.rsplit_once('.')?;
    let (rest, release) = rest.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || !release.contains('.') {
        return None;
    }
    Some((name.into(), version.into(), release.into(), arch.into()))
}

/// POST /api/v1/upgrade/package: multipart field `file`; the package is registered by its
/// file name (the real server reads the RPM header; the simulator trusts the name).
pub async fn upload(State(sim): State<Sim>, Verified(a): Verified) -> Response {
    let mut found: Result<(String, u64), String> = Err("http: no such file".into());
    let mut req = Request::new(axum::body::Body::from(a.body.clone()));
    if let Some(ct) = a.headers.get(axum::http::header::CONTENT_TYPE) {
        req.headers_mut()
            .insert(axum::http::header::CONTENT_TYPE, ct.clone());
    }
    match Multipart::from_request(req, &()).await {
        Err(e) => {
            found = Err(format!(
                "request Content-Type isn't multipart/form-data ({e})"
            ))
        }
        Ok(mut mp) => loop {
            match mp.next_field().await {
                Ok(Some(f)) => {
                    if f.name() == Some("file") {
                        let name = f.file_name().unwrap_or_default().to_string();
                        let size = f.bytes().await.map(|b| b.len() as u64).unwrap_or(0);
                        found = Ok((name, size));
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    found = Err(format!("multipart: {e}"));
                    break;
                }
            }
        },
    }
    let w = &mut *sim.lock();
    let (core, m) = w.split::<super::Model>();
    let stamp = a.stamp;
    let (file, size) = match found {
        Ok(x) => x,
        Err(e) => return ObError::bind(&e).render(m.profile, &stamp),
    };
    let Some((name, version, release, arch)) = parse_rpm(&file) else {
        return ObError::bind(&format!(
            "'{file}' is not an rpm file name of the form <name>-<version>-<release>.<arch>.rpm"
        ))
        .render(m.profile, &stamp);
    };
    let p = m.add_package(core, &name, &version, &release, &arch, size);
    let (build, dist) = release.split_once('.').unwrap_or((&release, ""));
    let mut o = Map::new();
    o.insert("PkgId".into(), p.pkg_id.into());
    o.insert("Name".into(), name.into());
    o.insert("Version".into(), version.into());
    o.insert("ReleaseDistribution".into(), release.clone().into());
    o.insert("Distribution".into(), dist.to_string().into());
    o.insert("Release".into(), build.to_string().into());
    o.insert("Architecture".into(), arch.into());
    o.insert("Size".into(), size.into());
    o.insert("PayloadSize".into(), size.into());
    o.insert("ChunkCount".into(), 1.into());
    o.insert("Md5".into(), "".into());
    o.insert("UpgradeDepYaml".into(), "".into());
    o.insert(
        "GmtModify".into(),
        super::wire::time_at(core, core.now()).into(),
    );
    stamp.ok(Some(Value::Object(o)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpm_names_split_into_their_coordinates() {
        assert_eq!(
            parse_rpm("oceanbase-ce-libs-4.2.1.1-101000062023110109.el7.x86_64.rpm"),
            Some((
                "oceanbase-ce-libs".into(),
                "4.2.1.1".into(),
                "101000062023110109.el7".into(),
                "x86_64".into()
            ))
        );
        assert_eq!(parse_rpm("notes.txt"), None);
    }

    #[test]
    fn missing_required_fields_read_like_go_validator() {
        let e = bind(b"{}", true).err().unwrap();
        assert!(e.current.message.contains(
            "Key: 'ObUpgradeParam.UpgradeCheckParam.Version' Error:Field validation for 'Version' failed on the 'required' tag"
        ));
        assert!(e.current.message.contains("'ObUpgradeParam.Mode'"));
    }
}
