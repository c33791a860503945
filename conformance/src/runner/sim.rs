//! Simulator control: the admin calls (`/_sim/clock/advance`, `run-until-idle`, `reset`,
//! `PUT /_sim/scenario`) a case's `sim:` steps make, and letting time pass, which steps the
//! virtual clock on the simulator and sleeps elsewhere.

use super::Ctx;
use crate::auth::{Http, Incoming, Outgoing};
use crate::matchers::cut;
use crate::script::SimAction;

/// One admin call: `body` goes with `content_type`; any answer but 2xx is an error naming
/// the call and what came back.
pub(super) async fn admin(
    http: &Http,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<Incoming, String> {
    let mut req = Outgoing {
        method: method.into(),
        target: path.into(),
        headers: vec![],
        body,
    };
    if !req.body.is_empty() {
        req.set_header("Content-Type", content_type);
    }
    let r = http.send(&req).await.map_err(|e| format!("{e:#}"))?;
    if !(200..300).contains(&r.status) {
        return Err(format!(
            "{method} {path} answered {}: {}",
            r.status,
            cut(&String::from_utf8_lossy(&r.body), 800)
        ));
    }
    Ok(r)
}

impl Ctx<'_> {
    pub(super) async fn sim(&self, a: &SimAction) -> Result<(), String> {
        if !self.target.simulator {
            return Err("this target is not the simulator".into());
        }
        let http = &self.target.http;
        const JSON: &str = "application/json";
        match a {
            SimAction::Advance(ms) => {
                let body = serde_json::json!({"seconds": *ms as f64 / 1000.0}).to_string();
                admin(http, "POST", "/_sim/clock/advance", JSON, body.into_bytes()).await?;
            }
            SimAction::RunUntilIdle => {
                admin(http, "POST", "/_sim/clock/run-until-idle", JSON, vec![]).await?;
            }
            SimAction::Reset => {
                admin(http, "POST", "/_sim/reset", JSON, vec![]).await?;
            }
            SimAction::Scenario(yaml) => {
                admin(
                    http,
                    "PUT",
                    "/_sim/scenario",
                    "application/yaml",
                    yaml.clone().into_bytes(),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Lets `ms` of time pass: the simulator's clock, or a real sleep.
    pub(super) async fn pass_time(&self, ms: u64) -> Result<(), String> {
        if self.target.simulator {
            self.sim(&SimAction::Advance(ms)).await
        } else {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            Ok(())
        }
    }
}
