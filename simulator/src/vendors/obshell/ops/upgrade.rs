//! The upgrade operations (`POST /api/v1/agent/upgrade(/check)`, `/api/v1/ob/upgrade(/check)`,
//! and the timeline's `upgrade_agent` / `upgrade_ob`): the body bound as gin's `BindJSON` does
//! it, then the real pre-check order of each profile, then DAG creation under the maintenance
//! lock. The answer is the new DAG as the creation response shows it.

use serde_json::Value;

use super::super::cluster::{build_number, compare_versions, rpm_name};
use super::super::config::Profile;
use super::super::error::ObError;
use super::super::gin::{bind_object, field, required, wrong_type};
use super::super::model::Model;
use super::super::templates::DagKind;
use crate::kernel::Core;

/// What is upgraded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Agent,
    Ob,
}

/// One upgrade request: its target, whether it only checks, and its bound body.
#[derive(Debug, Clone)]
pub struct Upgrade {
    pub target: Target,
    pub check: bool,
    pub params: Params,
}

/// The bound request body.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub version: String,
    pub release: String,
    pub upgrade_dir: String,
    pub mode: String,
    pub freeze_server: bool,
}

impl Upgrade {
    /// Binds `body` as the route's parameter type: `ObUpgradeParam` for an OB upgrade (with
    /// `mode`), `UpgradeCheckParam` for the others.
    pub fn parse(target: Target, check: bool, body: &[u8]) -> Result<Self, ObError> {
        let params = bind(body, target == Target::Ob && !check)?;
        Ok(Self {
            target,
            check,
            params,
        })
    }

    /// The pre-checks, then the DAG; returns its index.
    pub fn apply(&self, m: &mut Model, core: &mut Core) -> Result<usize, ObError> {
        match self.target {
            Target::Agent => agent_upgrade(m, core, &self.params, self.check),
            Target::Ob => ob_upgrade(m, core, &self.params, self.check),
        }
    }
}

/// `c.BindJSON` into `UpgradeCheckParam` (`ob = false`) or `ObUpgradeParam` (`ob = true`).
pub fn bind(body: &[u8], ob: bool) -> Result<Params, ObError> {
    let (outer, inner) = if ob {
        ("ObUpgradeParam", "ObUpgradeParam.UpgradeCheckParam")
    } else {
        ("UpgradeCheckParam", "UpgradeCheckParam")
    };
    let o = bind_object(body, &format!("param.{outer}"))?;
    let string = |key: &str, owner: &str| -> Result<String, ObError> {
        match field(&o, key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v) => Err(wrong_type(v, owner, key, "string")),
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
            Some(v) => return Err(wrong_type(v, outer, "freeze_server", "bool")),
        };
    }
    let mut missing = Vec::new();
    for (val, name, owner) in [
        (&p.version, "Version", inner),
        (&p.release, "Release", inner),
        (&p.mode, "Mode", outer),
    ] {
        if val.is_empty() && (ob || name != "Mode") {
            missing.push(required(owner, name));
        }
    }
    if !missing.is_empty() {
        return Err(ObError::bind(&missing.join("\n")));
    }
    Ok(p)
}

/// `checkUpgradeDir`: an `upgradeDir` that trims to nothing means the default; otherwise
/// `utils.CheckPathValid` runs on the value as sent, untrimmed (4.2.6 `utils/path.go`, HEAD
/// `ob/utils/path.go`): it must start with `/`, match the pattern, and not climb above the root
/// it is joined to (so `..` is refused only when it escapes).
fn check_dir(dir: &str) -> Result<(), ObError> {
    use super::super::error::BadPath;
    if dir.trim().is_empty() {
        return Ok(());
    }
    if !dir.starts_with('/') {
        return Err(ObError::invalid_path(dir, BadPath::Relative));
    }
    let ok = dir.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, '-' | '_' | ':' | '@' | '/' | '.')
            || ('\u{4e00}'..='\u{9fa5}').contains(&c)
    });
    if !ok {
        return Err(ObError::invalid_path(dir, BadPath::Pattern));
    }
    let mut depth = 0i64;
    for seg in dir.split('/') {
        match seg {
            "" | "." => {}
            ".." => depth -= 1,
            _ => depth += 1,
        }
        if depth < 0 {
            return Err(ObError::invalid_path(dir, BadPath::Escapes));
        }
    }
    Ok(())
}

/// The checks every upgrade makes of its target, in this order: the directory, the release's
/// form, then that the target is newer than `current`.
fn check_target(
    p: &Params,
    ob: bool,
    current: &str,
    minimum: Option<&str>,
) -> Result<String, ObError> {
    check_dir(&p.upgrade_dir)?;
    if !p.release.contains('.') {
        return Err(ObError::release_format(&p.release));
    }
    if let Some(min) = minimum {
        if compare_versions(&p.version, min) == std::cmp::Ordering::Less {
            return Err(ObError::ob_version_unsupported(&p.version));
        }
    }
    let target = format!("{}-{}", p.version, build_number(&p.release));
    if compare_versions(&target, current) != std::cmp::Ordering::Greater {
        return Err(ObError::lower_version(ob, &target, current));
    }
    Ok(target)
}

/// POST /api/v1/agent/upgrade (`check = false`) or /check: pre-checks, then the DAG.
fn agent_upgrade(
    m: &mut Model,
    core: &mut Core,
    p: &Params,
    check: bool,
) -> Result<usize, ObError> {
    // 4.2.x (`upgrade_agent_check.go` `preCheckForAgentUpgrade`) checks no agent's status.
    if m.profile == Profile::Current {
        if let Some(list) = m.agents_down() {
            return Err(ObError::agent_unavailable(&list));
        }
    }
    check_target(p, false, &m.agent_full_version(), None)?;
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
fn ob_upgrade(m: &mut Model, core: &mut Core, p: &Params, check: bool) -> Result<usize, ObError> {
    let mode = p.mode.to_uppercase();
    let mode_check = || {
        if !matches!(mode.as_str(), "ROLLING" | "STOPSERVICE") {
            return Err(ObError::mode_not_supported(&mode));
        }
        if mode == "ROLLING" && m.zones.len() < 3 {
            return Err(ObError::rolling_needs_three_zones());
        }
        Ok(())
    };
    if m.profile == Profile::Legacy {
        let mode = mode_check();
        return legacy_ob_upgrade(m, core, p, check, mode);
    }
    if check {
        return current_ob_check(m, core, p);
    }
    if let Some(list) = m.agents_down() {
        return Err(ObError::agent_unavailable(&list));
    }
    if let Some(list) = m.observers_down() {
        return Err(ObError::observer_unavailable(&list));
    }
    mode_check()?;
    check_target(p, true, &m.ob_full_version(), Some("4.2.0.0"))?;
    let missing = missing_ob_packages(m, p);
    if !missing.is_empty() {
        return Err(ObError::ob_packages_missing(&missing));
    }
    create_ob_dag(m, core, p, check)
}

fn create_ob_dag(
    m: &mut Model,
    core: &mut Core,
    p: &Params,
    check: bool,
) -> Result<usize, ObError> {
    let kind = match (check, p.mode.to_uppercase().as_str()) {
        (true, _) => DagKind::ObCheck,
        (false, "ROLLING") => DagKind::ObRolling,
        _ => DagKind::ObStopService,
    };
    // 4.2.x's `ObUpgradeParam` has no `freeze_server` (`param/ob.go`): gin ignores the key.
    let freeze = p.freeze_server && m.profile == Profile::Current;
    m.create_dag(core, kind, &p.version, &p.release, freeze, None)
}

/// The target packages an OB upgrade needs that the store lacks.
fn missing_ob_packages(m: &Model, p: &Params) -> Vec<String> {
    ["oceanbase-ce", "oceanbase-ce-libs"]
        .iter()
        .filter(|n| !m.has_package(n, &p.version, &p.release))
        .map(|n| rpm_name(n, &p.version, &p.release, &m.arch))
        .collect()
}

/// HEAD `upgrade_ob_check.go` `preCheckForObUpgradeCheck`: identity, upgradeDir, packages
/// (the target `oceanbase-ce` is looked up for its upgrade_dep YAML first, so its absence is a
/// bare gorm error), python; no agent or observer status.
fn current_ob_check(m: &mut Model, core: &mut Core, p: &Params) -> Result<usize, ObError> {
    check_target(p, true, &m.ob_full_version(), Some("4.2.0.0"))?;
    let missing = missing_ob_packages(m, p);
    let ce = rpm_name("oceanbase-ce", &p.version, &p.release, &m.arch);
    if missing.contains(&ce) {
        return Err(ObError::unexpected(&format!("{ce}: record not found")));
    }
    if !missing.is_empty() {
        return Err(ObError::ob_packages_missing(&missing));
    }
    create_ob_dag(m, core, p, true)
}

/// A 4.2.x OB upgrade or check (4.2.6 `upgrade_ob.go` `preCheckForObUpgrade`,
/// `upgrade_ob_check.go` `checkForAllRequiredPkgs`): the mode and zone count (upgrade only,
/// `ErrKnown`), the directory (`ErrIllegalArgument`; the check wraps it once more in
/// `ErrUnexpected`), then the package checks, every failure `ErrUnexpected` (500, 1002) with the
/// 4.2.x texts. No agent or observer status is checked.
fn legacy_ob_upgrade(
    m: &mut Model,
    core: &mut Core,
    p: &Params,
    check: bool,
    mode: Result<(), ObError>,
) -> Result<usize, ObError> {
    if !check {
        mode?;
    }
    if let Err(e) = check_dir(&p.upgrade_dir) {
        if !check {
            return Err(e);
        }
        let inner = &e.legacy;
        return Err(ObError::unexpected(&format!(
            "OcsAgentError: code = {}, message = {}",
            inner.code.unwrap_or(1001),
            inner.message
        )));
    }
    let fail = |text: String| Err(ObError::unexpected(&text));
    if !p.release.contains('.') {
        return fail(format!("release format {} is illegal", p.release));
    }
    let target = format!("{}-{}", p.version, build_number(&p.release));
    if compare_versions(&target, "4.2.0.0") == std::cmp::Ordering::Less {
        return fail(format!(
            "unsupported version '{target}', the minimum supported version is '4.2.0.0'"
        ));
    }
    let current = m.ob_full_version();
    if compare_versions(&target, &current) != std::cmp::Ordering::Greater {
        return fail(format!("target version {target} is not greater than current version {current}. Please verify if the params have been filled out correctly"));
    }
    let missing = missing_ob_packages(m, p);
    let ce = rpm_name("oceanbase-ce", &p.version, &p.release, &m.arch);
    if missing.contains(&ce) {
        return fail(format!("{ce}: record not found"));
    }
    if !missing.is_empty() {
        let each: Vec<String> = missing
            .iter()
            .map(|r| format!("{r}: record not found"))
            .collect();
        return fail(format!("[{}]", each.join(" ")));
    }
    create_ob_dag(m, core, p, check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_required_fields_read_like_go_validator() {
        let e = bind(b"{}", true).err().unwrap();
        assert!(e.current.message.contains(
            "Key: 'ObUpgradeParam.UpgradeCheckParam.Version' Error:Field validation for 'Version' failed on the 'required' tag"
        ));
        assert!(e.current.message.contains("'ObUpgradeParam.Mode'"));
    }
}
