//! The target: its base URL, whether it is the simulator (it answers `GET /_sim/health`), the
//! scenario it was running, and the credentials cases use. Against the simulator, values the
//! config file and the environment did not give come from the simulator itself (zero
//! configuration); elsewhere [`missing_credentials`] stops a run whose selected cases need a
//! value nobody gave, before the first request, with one line saying what to set.

use super::sim::admin;
use crate::auth::{Credentials, CredentialsSource, Http, Outgoing};
use crate::script::{Action, Case};
use std::collections::BTreeMap;

/// Where cases run.
#[derive(Debug)]
pub struct Target {
    pub http: Http,
    pub creds: Credentials,
    /// The target answers the simulator's admin API.
    pub simulator: bool,
    /// The scenario the simulator was running when the run began, restored before each case.
    pub home_scenario: Option<String>,
    /// Where credentials came from besides the config and environment, said in the report
    /// (`credentials for ota, unity from the simulator (GET /_sim/credentials)`).
    pub notes: Vec<String>,
}

impl Target {
    /// Connects to `base`, probing `/_sim/health` to learn whether it is the simulator; on
    /// the simulator, fills the credentials `creds` lacks from it.
    pub async fn connect(base: &str, mut creds: Credentials) -> anyhow::Result<Target> {
        let http = Http::new(base)?;
        let probe = http
            .send(&Outgoing {
                method: "GET".into(),
                target: "/_sim/health".into(),
                ..Outgoing::default()
            })
            .await;
        let simulator = matches!(&probe, Ok(r) if r.status == 200
            && r.json().is_some_and(|v| v["status"] == "ready"));
        let mut home_scenario = None;
        let mut notes = Vec::new();
        if simulator {
            // The scenario to restore after a case that loads its own: with its secrets, which the
            // simulator masks unless asked.
            let r = admin(&http, "GET", "/_sim/scenario?secrets=show", "", vec![]).await;
            home_scenario = r
                .ok()
                .map(|r| String::from_utf8_lossy(&r.body).into_owned());
            let served = admin(&http, "GET", "/_sim/credentials", "", vec![]).await;
            let (found, source) = match served.ok().and_then(|r| r.json()) {
                Some(v) => (Credentials::from_json(&v), CredentialsSource::Route),
                None => (
                    Credentials::from_scenario(home_scenario.as_deref().unwrap_or("")),
                    CredentialsSource::Scenario,
                ),
            };
            let got = creds.fill_from(&found);
            if !got.is_empty() {
                notes.push(format!("credentials for {} from {source}", got.join(", ")));
            }
        }
        Ok(Target {
            http,
            creds,
            simulator,
            home_scenario,
            notes,
        })
    }
}

impl Target {
    /// [`Target::connect`], then stops with [`missing_credentials`]' line when a case of
    /// `cases` that `filter` selects needs a value nobody gave.
    pub async fn connect_for(
        base: &str,
        creds: Credentials,
        cases: &[Case],
        filter: Option<&str>,
    ) -> anyhow::Result<Target> {
        let target = Target::connect(base, creds).await?;
        let chosen: Vec<&Case> = cases
            .iter()
            .filter(|c| super::selected(c, filter))
            .collect();
        if let Some(line) = missing_credentials(&chosen, &target.creds, target.simulator) {
            anyhow::bail!(line);
        }
        Ok(target)
    }
}

/// Whether `case` sends a request with the vendor's auth (not every request `auth: none`).
fn uses_auth(case: &Case) -> bool {
    case.steps.iter().any(|s| match &s.action {
        Action::Request(r) => !r.auth.as_ref().map_or(&case.auth, |a| a).none,
        _ => false,
    })
}

/// One line naming, per vendor that a case in `cases` needs and `creds` cannot serve, the
/// config key and the environment variable of each missing value; `None` when nothing is
/// missing. Cases that will be skipped (they need the simulator, and this is not it) need
/// nothing.
pub fn missing_credentials(
    cases: &[&Case],
    creds: &Credentials,
    simulator: bool,
) -> Option<String> {
    let mut needed: BTreeMap<&str, usize> = BTreeMap::new();
    for c in cases {
        let skipped = !simulator && c.requires.iter().any(|r| r == "simulator");
        if !skipped && uses_auth(c) {
            *needed.entry(c.vendor.as_str()).or_default() += 1;
        }
    }
    let mut parts = Vec::new();
    for (vendor, n) in needed {
        let missing = creds.missing(vendor);
        if missing.is_empty() {
            continue;
        }
        let what: Vec<String> = missing
            .iter()
            .map(|(key, env)| format!("{key} (or {env})"))
            .collect();
        parts.push(format!(
            "{vendor} needs {} for {n} selected case{}",
            what.join(", "),
            if n == 1 { "" } else { "s" }
        ));
    }
    if parts.is_empty() {
        return None;
    }
    Some(format!(
        "missing credentials, nothing was run: {}; set them in the target config file \
         (--config FILE) or the environment{}",
        parts.join("; "),
        if simulator {
            ""
        } else {
            " (this target does not answer /_sim/health, so they cannot come from the simulator)"
        }
    ))
}
