//! Request steps: building the request a step describes (path, query, headers, body, auth
//! spec, all interpolated), sending it through the vendor's auth adapter, learning which model
//! operation it performed, polling until the step's conditions hold, and capturing values.
//! Also the evidence strings for the report (the request as sent, secrets cut; the answer).

use super::{pretty, Ctx};
use crate::auth::{self, AuthSpec, Incoming, Outgoing};
use crate::matchers::{self, cut, select};
use crate::report::StepResult;
use crate::script::{Action, Part, Step};
use serde_json::Value;
use std::path::Path;

/// A request ready to send: the bytes before auth, the JSON the models read (if any), the auth
/// to apply, and how the report shows a body that is no text (a file's bytes).
struct Built {
    out: Outgoing,
    json: Option<Value>,
    spec: AuthSpec,
    shown: Option<String>,
}

impl Ctx<'_> {
    async fn build(&self, step: &Step) -> Result<Built, String> {
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
        let mut shown = None;
        if !req.multipart.is_empty() {
            let (content_type, bytes) = multipart(&self.target.http.client, &req.multipart).await?;
            out.body = bytes;
            out.set_header("Content-Type", content_type);
            shown = Some(describe_parts(&req.multipart, out.body.len()));
        } else if let Some(f) = &req.body_file {
            out.body = read(f)?;
            shown = Some(format!("({} bytes of {})", out.body.len(), f.display()));
        } else if let Some(j) = &req.json {
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
        Ok(Built {
            out,
            json,
            spec,
            shown,
        })
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
        let Built {
            out,
            json,
            spec,
            shown,
        } = match self.build(step).await {
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
                    r.sent = Some(describe_sent(&out, &out, shown.as_deref()));
                    r.failures.push(e);
                    return;
                }
            };
            r.sent = Some(describe_sent(&out, &sent, shown.as_deref()));
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

/// A multipart/form-data body as reqwest writes it (its random boundary in the returned
/// Content-Type), collected into bytes so that the vendor's auth can sign or encrypt it as the
/// vendor's client does (the obshell SDK's `upload_pkg` AES-encrypts the whole form under v2).
/// A file part has no Content-Type unless the case gives one, as requests' `files=` sends it.
async fn multipart(client: &reqwest::Client, parts: &[Part]) -> Result<(String, Vec<u8>), String> {
    use http_body_util::BodyExt;
    let mut form = reqwest::multipart::Form::new();
    for p in parts {
        form = match p {
            Part::Text { name, value } => form.text(name.clone(), value.clone()),
            Part::File {
                name,
                path,
                filename,
                content_type,
            } => {
                let mut part =
                    reqwest::multipart::Part::bytes(read(path)?).file_name(filename.clone());
                if let Some(ct) = content_type {
                    part = part
                        .mime_str(ct)
                        .map_err(|e| format!("part '{name}': content_type '{ct}': {e}"))?;
                }
                form.part(name.clone(), part)
            }
        };
    }
    // Built, never sent: the client only renders the form and its header.
    let mut req = client
        .post("http://form.invalid/")
        .multipart(form)
        .build()
        .map_err(|e| format!("multipart: {e}"))?;
    let content_type = req
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or("multipart: reqwest wrote no Content-Type")?
        .to_string();
    let body = match req.body_mut().take() {
        Some(b) => b
            .collect()
            .await
            .map_err(|e| format!("multipart: {e}"))?
            .to_bytes()
            .to_vec(),
        None => Vec::new(),
    };
    Ok((content_type, body))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The report's view of a multipart body: each part, not the file's bytes.
fn describe_parts(parts: &[Part], total: usize) -> String {
    let mut s = format!("(multipart/form-data, {total} bytes)");
    for p in parts {
        match p {
            Part::Text { name, value } => s.push_str(&format!("\n{name}: {}", cut(value, 200))),
            Part::File {
                name,
                path,
                filename,
                ..
            } => s.push_str(&format!(
                "\n{name}: file {} as filename \"{filename}\"",
                path.display()
            )),
        }
    }
    s
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

fn describe_sent(plain: &Outgoing, sent: &Outgoing, shown: Option<&str>) -> String {
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
        let body = match shown {
            Some(text) => text.to_string(),
            None => cut(&String::from_utf8_lossy(&plain.body), 1500),
        };
        s.push_str(&format!("\n\n{body}"));
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
        let shown = describe_sent(&req, &req, None);
        assert!(
            !shown.contains("sim-token") && !shown.contains("tok\n"),
            "{shown}"
        );
        assert!(
            shown.contains("Authorization: Bearer … (9 chars hidden)"),
            "{shown}"
        );
    }

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/obshell/rpm")
            .join(name)
    }

    #[tokio::test]
    async fn a_file_part_is_sent_as_pythons_requests_sends_files() {
        let path = fixture("obshell-4.1.0.0-1.el7.x86_64.rpm");
        let bytes = std::fs::read(&path).unwrap();
        let parts = [Part::File {
            name: "file".into(),
            path,
            filename: "obshell-4.1.0.0-1.el7.x86_64.rpm".into(),
            content_type: None,
        }];
        let (ct, body) = multipart(&reqwest::Client::new(), &parts).await.unwrap();
        let boundary = ct
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap_or_else(|| panic!("{ct}"));
        // requests' encode_files for {'file': (name, f)}: no Content-Type on the part.
        let mut want = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"obshell-4.1.0.0-1.el7.x86_64.rpm\"\r\n\r\n"
        )
        .into_bytes();
        want.extend_from_slice(&bytes);
        want.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        assert_eq!(body, want, "{}", String::from_utf8_lossy(&body));
    }

    #[tokio::test]
    async fn a_text_part_and_a_content_type_go_in_order() {
        let parts = [
            Part::Text {
                name: "note".into(),
                value: "hi".into(),
            },
            Part::File {
                name: "file".into(),
                path: fixture("not-an-rpm.rpm"),
                filename: "p.rpm".into(),
                content_type: Some("application/x-rpm".into()),
            },
        ];
        let (_, body) = multipart(&reqwest::Client::new(), &parts).await.unwrap();
        let text = String::from_utf8_lossy(&body);
        let note = text
            .find("name=\"note\"\r\n\r\nhi\r\n")
            .unwrap_or(usize::MAX);
        let file = text
            .find("name=\"file\"; filename=\"p.rpm\"\r\nContent-Type: application/x-rpm\r\n")
            .unwrap_or(usize::MAX);
        assert!(note < file && file != usize::MAX, "{text}");
    }

    #[tokio::test]
    async fn a_bad_content_type_is_an_error_naming_the_part() {
        let parts = [Part::File {
            name: "file".into(),
            path: fixture("not-an-rpm.rpm"),
            filename: "p.rpm".into(),
            content_type: Some("not a mime".into()),
        }];
        let e = multipart(&reqwest::Client::new(), &parts)
            .await
            .unwrap_err();
        assert!(e.contains("part 'file'"), "{e}");
    }

    #[test]
    fn the_evidence_names_the_uploaded_file_not_its_bytes() {
        let parts = [Part::File {
            name: "file".into(),
            path: "fixtures/x.rpm".into(),
            filename: "x.rpm".into(),
            content_type: None,
        }];
        let req = Outgoing {
            method: "POST".into(),
            target: "/api/v1/upgrade/package".into(),
            body: vec![0xED, 0xAB, 0xEE, 0xDB],
            ..Outgoing::default()
        };
        let shown = describe_sent(&req, &req, Some(&describe_parts(&parts, 4)));
        assert!(
            shown.ends_with(
                "(multipart/form-data, 4 bytes)\nfile: file fixtures/x.rpm as filename \"x.rpm\""
            ),
            "{shown}"
        );
    }
}
