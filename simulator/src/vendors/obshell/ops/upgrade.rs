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
use super::super::route::{self, NoRoute, Step};
use super::super::templates::{DagKind, Shape};
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
    m.create_dag(
        core,
        kind,
        &p.version,
        &p.release,
        Shape::default(),
        missing,
    )
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
    let steps = ob_route(m, p).map_err(|r| r.current())?;
    create_ob_dag(m, core, p, check, steps)
}

fn create_ob_dag(
    m: &mut Model,
    core: &mut Core,
    p: &Params,
    check: bool,
    steps: usize,
) -> Result<usize, ObError> {
    let kind = match (check, p.mode.to_uppercase().as_str()) {
        (true, _) => DagKind::ObCheck,
        (false, "ROLLING") => DagKind::ObRolling,
        _ => DagKind::ObStopService,
    };
    // 4.2.x's `ObUpgradeParam` has no `freeze_server` (`param/ob.go`): gin ignores the key.
    let freeze = p.freeze_server && m.profile == Profile::Current;
    let shape = Shape { freeze, steps };
    m.create_dag(core, kind, &p.version, &p.release, shape, None)
}

/// Why `checkForAllRequiredPkgs` found no route (after the target's version checks).
#[derive(Debug, Clone)]
enum RouteRefusal {
    /// The target `oceanbase-ce` is not stored (gorm's error, wrapped with its file name).
    Target(String),
    /// It carries no upgrade_dep YAML and the version changes.
    NoYaml,
    Route(NoRoute),
    /// Packages of the route's steps that are not stored.
    Missing(Vec<String>),
}

impl RouteRefusal {
    /// HEAD's answer (`upgrade_ob_check.go`, `upgrade_route.go`): the gorm and yaml errors are
    /// plain errors (`Common.Unexpected`, their own text as the message).
    fn current(self) -> ObError {
        match self {
            Self::Target(rpm) => ObError::plain(&format!("{rpm}: record not found")),
            Self::NoYaml => ObError::dep_yaml_missing(),
            Self::Route(NoRoute::Yaml(e)) => ObError::plain(&e),
            Self::Route(NoRoute::Duplicate(v)) => {
                ObError::unexpected(&format!("version {v} has duplicate"))
            }
            Self::Route(NoRoute::NoStart(from, to)) => ObError::path_not_exist(&from, &to),
            Self::Route(NoRoute::Unreachable) => ObError::panic(),
            Self::Route(NoRoute::Deprecated(v)) => ObError::deprecated_target(&v),
            Self::Missing(list) => ObError::ob_packages_missing(&list),
        }
    }

    /// 4.2.6's plain errors (wrapped by the caller in `ErrUnexpected`).
    fn legacy(self) -> Result<String, ObError> {
        Ok(match self {
            Self::Target(rpm) => format!("{rpm}: record not found"),
            Self::NoYaml => "target pkg upgrade dep yaml is empty".into(),
            Self::Route(NoRoute::Yaml(e)) => e,
            Self::Route(NoRoute::Duplicate(v)) => format!("version {v} has duplicate"),
            Self::Route(NoRoute::NoStart(..)) => {
                "Can not find the upgrade path from the current version to the target version"
                    .into()
            }
            Self::Route(NoRoute::Unreachable) => return Err(ObError::panic()),
            Self::Route(NoRoute::Deprecated(_)) => "target version is deprecated".into(),
            Self::Missing(list) => {
                let each: Vec<String> = list
                    .iter()
                    .map(|r| format!("{r}: record not found"))
                    .collect();
                format!("[{}]", each.join(" "))
            }
        })
    }
}

/// `getTargetObUpgradeDepYaml` and `checkForAllRequiredPkgsExist` (4.2.6 and HEAD
/// `upgrade_ob_check.go`): the target `oceanbase-ce` and its YAML, the route from the running
/// version (a new build of the same version needs none), then every step's `oceanbase-ce`
/// and `oceanbase-ce-libs` (a step without a build number takes any build of its version
/// that is not deprecated). Returns R, the steps after the running version.
fn ob_route(m: &Model, p: &Params) -> Result<usize, RouteRefusal> {
    let build = build_number(&p.release);
    let dist = p.release.split('.').nth(1).unwrap_or_default();
    let Some(target) = m.find_package("oceanbase-ce", &p.version, &p.release) else {
        let rpm = rpm_name("oceanbase-ce", &p.version, &p.release, &m.arch);
        return Err(RouteRefusal::Target(rpm));
    };
    let current_build = build_number(&m.ob_release);
    let mut steps = if m.ob_version == p.version {
        vec![Step {
            version: p.version.clone(),
            release: build.to_string(),
            barrier: false,
            deprecated: Vec::new(),
        }]
    } else if target.upgrade_dep_yaml.is_empty() {
        return Err(RouteRefusal::NoYaml);
    } else {
        let r = route::find(
            m.profile,
            &target.upgrade_dep_yaml,
            (&m.ob_version, current_build),
            (&p.version, build),
        )
        .map_err(RouteRefusal::Route)?;
        r.into_iter().skip(1).collect()
    };
    if let Some(last) = steps.last_mut() {
        last.release = build.to_string();
    }
    let mut missing = Vec::new();
    for step in &steps {
        for name in ["oceanbase-ce", "oceanbase-ce-libs"] {
            let found = m.packages.iter().any(|pk| {
                let mut parts = pk.release.split('.');
                let (b, d) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                pk.name == name
                    && pk.version == step.version
                    && d == dist
                    && pk.arch == m.arch
                    && if step.release == route::NULL {
                        !step.deprecated.iter().any(|x| x == b)
                    } else {
                        b == step.release
                    }
            });
            if !found {
                let release = if step.release == route::NULL {
                    "${release}"
                } else {
                    &step.release
                };
                missing.push(format!(
                    "{name}-{}-{release}.{dist}.{}.rpm",
                    step.version, m.arch
                ));
            }
        }
    }
    if !missing.is_empty() {
        return Err(RouteRefusal::Missing(missing));
    }
    Ok(steps.len())
}

/// HEAD `upgrade_ob_check.go` `preCheckForObUpgradeCheck`: identity, upgradeDir, packages
/// (the target `oceanbase-ce` is looked up for its upgrade_dep YAML first, so its absence is a
/// bare gorm error), python; no agent or observer status.
fn current_ob_check(m: &mut Model, core: &mut Core, p: &Params) -> Result<usize, ObError> {
    check_target(p, true, &m.ob_full_version(), Some("4.2.0.0"))?;
    let steps = ob_route(m, p).map_err(|r| r.current())?;
    create_ob_dag(m, core, p, true, steps)
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
    let steps = match ob_route(m, p) {
        Ok(steps) => steps,
        Err(r) => return fail(r.legacy()?),
    };
    create_ob_dag(m, core, p, check, steps)
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
