//! Request steps: building the request a step describes (path, query, headers, body, auth
//! spec, all interpolated), sending it through the vendor's auth adapter, learning which model
//! operation it performed, polling until the step's conditions hold, and capturing values.
//! Also the evidence strings for the report (the request as sent, secrets cut; the answer).

use super::{pretty, Ctx};
use crate::auth::{self, AuthSpec, Incoming, Outgoing};
use crate::matchers::{self, cut, select};
use crate::report::StepResult;
use crate::script::{Action, Step};
use serde_json::Value;

impl Ctx<'_> {
    fn build(&self, step: &Step) -> Result<(Outgoing, Option<Value>, AuthSpec), String> {
        let Action::Request(req) = &step.action else {
            return Err("not a request".into());
        };
        let path = self.interp_str(&req.path)?;
        let mut target = path;
        if !req.query.is_empty() {
            let mut parts = Vec::new();
            for (k, v) in &req.query {
                let v = self.interp(v)?;
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                parts.push(format!("{}={}", enc(k), enc(&text)));
            }
            target.push(if target.contains('?') { '&' } else { '?' });
            target.push_str(&parts.join("&"));
        }
        let mut out = Outgoing {
            method: req.method.clone(),
            target,
            headers: vec![],
            body: vec![],
        };
        let mut json = None;
        if let Some(j) = &req.json {
            let j = self.interp(j)?;
            out.body = serde_json::to_vec(&j).map_err(|e| e.to_string())?;
            out.set_header("Content-Type", "application/json");
            json = Some(j);
        } else if let Some(b) = &req.body {
            out.body = self.interp_str(b)?.into_bytes();
            json = serde_json::from_slice(&out.body).ok();
        }
        for (k, v) in &req.headers {
            out.set_header(k, self.interp_str(v)?);
        }
        let spec = match &req.auth {
            Some(a) => a.over(&self.case.auth),
            None => self.case.auth.clone(),
        };
        let spec = AuthSpec {
            overrides: match self.interp(&Value::Object(spec.overrides.clone()))? {
                Value::Object(o) => o,
                _ => spec.overrides.clone(),
            },
            ..spec
        };
        Ok((out, json, spec))
    }

    async fn send(
        &mut self,
        out: &Outgoing,
        json: Option<&Value>,
        spec: &AuthSpec,
        step: &Step,
    ) -> Result<(Outgoing, Incoming), String> {
        let (sent, resp) = auth::send(
            &self.target.http,
            &self.target.creds,
            &mut self.session,
            &self.case.vendor,
            spec,
            out.clone(),
        )
        .await
        .map_err(|e| format!("the request could not be sent: {e:#}"))?;
        let path = out.path();
        for e in crate::models::endpoints() {
            if e.matches(&out.method, path) {
                self.coverage.endpoints.insert(e.label());
            }
        }
        if (200..300).contains(&resp.status) {
            for m in crate::models::all() {
                if let Some(op) = m.operation_of(&out.method, path, json) {
                    self.tracker.performed(m.name, &op);
                }
            }
            if let Some(op) = &step.does {
                self.tracker.performed_any(op);
            }
        }
        Ok((sent, resp))
    }

    pub(super) async fn request_step(&mut self, step: &Step, r: &mut StepResult) {
        let (out, json, spec) = match self.build(step) {
            Ok(x) => x,
            Err(e) => {
                r.failures.push(e);
                return;
            }
        };
        r.expected = self.describe(&step.expect);
        let mut waited = 0u64;
        let mut last;
        loop {
            r.attempts += 1;
            let (sent, resp) = match self.send(&out, json.as_ref(), &spec, step).await {
                Ok(x) => x,
                Err(e) => {
                    r.sent = Some(describe_sent(&out, &out));
                    r.failures.push(e);
                    return;
                }
            };
            r.sent = Some(describe_sent(&out, &sent));
            r.got = Some(describe_got(&resp));
            let body = resp.json();
            // Kept at once, so that `diff` compares what came back even when this answer
            // then fails a model check or a poll runs out.
            r.answer = Some((resp.status, body.clone()));
            // Every answer is checked against the models, polled ones included.
            if let Err(e) = self.observe(step, body.as_ref(), r) {
                r.failures.push(e);
                return;
            }
            last = (resp, body);
            let Some(poll) = &step.poll else { break };
            let mut unmet = None;
            for (ptr, spec) in &poll.until {
                let m = match self.matcher(spec) {
                    Ok(m) => m,
                    Err(e) => {
                        r.failures.push(format!("poll.until {ptr}: {e}"));
                        return;
                    }
                };
                let values = if ptr == "status" {
                    vec![(ptr.clone(), Some(Value::from(last.0.status)))]
                } else {
                    select(last.1.as_ref(), ptr)
                        .into_iter()
                        .map(|(p, v)| (p, v.cloned()))
                        .collect()
                };
                let ok =
                    !values.is_empty() && values.iter().all(|(_, v)| m.check(v.as_ref()).is_ok());
                if !ok {
                    unmet = Some(format!(
                        "{ptr} {} (last: {})",
                        m.describe(),
                        values
                            .first()
                            .map(|(_, v)| matchers::show(v.as_ref()))
                            .unwrap_or_else(|| "nothing".into())
                    ));
                    break;
                }
            }
            let Some(unmet) = unmet else { break };
            if waited >= poll.timeout_ms {
                r.failures.push(format!(
                    "poll: still not {unmet} after {} attempts over {}",
                    r.attempts,
                    human_ms(waited)
                ));
                return;
            }
            let dt = poll.every_ms.min(poll.timeout_ms - waited).max(1);
            if let Err(e) = self.pass_time(dt).await {
                r.failures.push(format!("poll: {e}"));
                return;
            }
            waited += dt;
        }
        if step.poll.is_some() && waited > 0 {
            r.notes.push(format!(
                "polled {} times over {} ({})",
                r.attempts,
                human_ms(waited),
                if self.target.simulator {
                    "virtual time"
                } else {
                    "real time"
                }
            ));
        }
        let (resp, body) = last;
        self.check(&step.expect, &resp, body.as_ref(), r);
        if !r.failures.is_empty() {
            return;
        }
        for (var, from) in &step.capture {
            let v = if let Some(h) = from.strip_prefix("header:") {
                resp.header(h).map(|s| Value::String(s.to_string()))
            } else {
                select(body.as_ref(), from)
                    .into_iter()
                    .next()
                    .and_then(|(_, v)| v.cloned())
            };
            match v {
                Some(v) => {
                    self.vars.insert(var.clone(), v);
                }
                None => r
                    .failures
                    .push(format!("capture {var}: nothing at {from} in the answer")),
            }
        }
    }
}

fn enc(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'_')
        .remove(b'.')
        .remove(b'-')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

pub(super) fn human_ms(ms: u64) -> String {
    if ms >= 60_000 {
        format!("{}m{}s", ms / 60_000, (ms % 60_000) / 1000)
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
    }
}

const SECRET_HEADERS: [&str; 6] = [
    "authorization",
    "x-ocs-header",
    "x-ocs-agent-header",
    "x-ocs-auth",
    "x-auth-token",
    "cookie",
];

fn describe_sent(plain: &Outgoing, sent: &Outgoing) -> String {
    let mut s = format!("{} {}", sent.method, sent.target);
    for (k, v) in &sent.headers {
        let v = if SECRET_HEADERS.contains(&k.to_ascii_lowercase().as_str()) {
            // Only a scheme word (`Bearer`, `SDK-HMAC-SHA256`) is shown; a short token cut
            // to a prefix would still be the whole token.
            match v.split_once(' ') {
                Some((scheme, rest)) => format!("{scheme} … ({} chars hidden)", rest.len()),
                None => format!("… ({} chars hidden)", v.len()),
            }
        } else {
            v.clone()
        };
        s.push_str(&format!("\n{k}: {v}"));
    }
    if !plain.body.is_empty() {
        s.push_str(&format!(
            "\n\n{}",
            cut(&String::from_utf8_lossy(&plain.body), 1500)
        ));
        if plain.body != sent.body {
            s.push_str("\n(sent encrypted by the vendor's auth)");
        }
    }
    s
}

fn describe_got(resp: &Incoming) -> String {
    let mut s = format!("status {} ({} ms)", resp.status, resp.millis);
    for k in ["content-type", "location", "x-request-id"] {
        if let Some(v) = resp.header(k) {
            s.push_str(&format!("\n{k}: {v}"));
        }
    }
    if !resp.body.is_empty() {
        let text = match resp.json() {
            Some(v) => pretty(&v),
            None => String::from_utf8_lossy(&resp.body).into_owned(),
        };
        s.push_str(&format!("\n\n{}", cut(&text, 3000)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_evidence_never_shows_a_token_however_short() {
        let mut req = Outgoing {
            method: "GET".into(),
            target: "/api/v1/lifecycle/upgrade-plans".into(),
            ..Outgoing::default()
        };
        req.set_header("Authorization", "Bearer sim-token");
        req.set_header("X-Auth-Token", "tok");
        let shown = describe_sent(&req, &req);
        assert!(
            !shown.contains("sim-token") && !shown.contains("tok\n"),
            "{shown}"
        );
        assert!(
            shown.contains("Authorization: Bearer … (9 chars hidden)"),
            "{shown}"
        );
    }
}
