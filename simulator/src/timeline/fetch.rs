//! Reading the journal of a running simulator: `GET <base>/_sim/journal` (and `/_sim/health`
//! for the scenario's name and seed, which the journal ring may have dropped). A plain blocking
//! client (reqwest's), because the command does one request and exits.

use std::time::Duration;

use serde_json::Value;

use super::input::{parse, InputError, JournalDoc};

/// Why the journal could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("GET {url}: {message}; is `upgrade-sim serve` running there?")]
    Http { url: String, message: String },
    #[error("GET {url}: the simulator answered {status}: {body}")]
    Status {
        url: String,
        status: u16,
        body: String,
    },
    #[error(transparent)]
    Input(#[from] InputError),
}

/// The journal and health URLs for what a user typed: a base ("http://127.0.0.1:8080") or the
/// journal's own URL (possibly with a query such as `?vendor=ota`).
pub fn urls(given: &str) -> (String, String) {
    let given = given.trim();
    let with_scheme = if given.contains("://") {
        given.to_string()
    } else {
        format!("http://{given}")
    };
    match with_scheme.find("/_sim/journal") {
        Some(i) => (
            with_scheme.clone(),
            format!("{}/_sim/health", &with_scheme[..i]),
        ),
        None => {
            let base = with_scheme.trim_end_matches('/');
            (
                format!("{base}/_sim/journal"),
                format!("{base}/_sim/health"),
            )
        }
    }
}

fn get(client: &reqwest::blocking::Client, url: &str) -> Result<String, FetchError> {
    let http = |e: reqwest::Error| FetchError::Http {
        url: url.to_string(),
        message: e.to_string(),
    };
    let resp = client.get(url).send().map_err(http)?;
    let status = resp.status().as_u16();
    let body = resp.text().map_err(http)?;
    if !(200..300).contains(&status) {
        return Err(FetchError::Status {
            url: url.to_string(),
            status,
            body: body.chars().take(300).collect(),
        });
    }
    Ok(body)
}

/// Fetches and parses a running simulator's journal. Must not be called from inside an async
/// runtime (the blocking client runs its own).
pub fn fetch(given: &str) -> Result<JournalDoc, FetchError> {
    let (journal_url, health_url) = urls(given);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        // `serve --tls` makes a self-signed certificate at start; this client only ever talks
        // to a simulator the user pointed it at, to read its journal.
        .danger_accept_invalid_certs(true)
        .build()
        .map_err(|e| FetchError::Http {
            url: journal_url.clone(),
            message: e.to_string(),
        })?;
    let text = get(&client, &journal_url)?;
    let mut doc = parse(&text, &journal_url)?;
    // The journal's own "scenario" event wins; health fills in when the ring dropped it.
    if doc.scenario.is_none() || doc.seed.is_none() {
        if let Ok(health) = get(&client, &health_url) {
            if let Ok(v) = serde_json::from_str::<Value>(&health) {
                if doc.scenario.is_none() {
                    doc.scenario = v
                        .get("scenario")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                }
                if doc.seed.is_none() {
                    doc.seed = v.get("seed").and_then(Value::as_u64);
                }
            }
        }
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::urls;

    #[test]
    fn a_base_url_or_the_journals_own_url_both_work() {
        assert_eq!(
            urls("http://127.0.0.1:8080/"),
            (
                "http://127.0.0.1:8080/_sim/journal".to_string(),
                "http://127.0.0.1:8080/_sim/health".to_string()
            )
        );
        assert_eq!(
            urls("localhost:9/_sim/journal?vendor=ota"),
            (
                "http://localhost:9/_sim/journal?vendor=ota".to_string(),
                "http://localhost:9/_sim/health".to_string()
            )
        );
    }
}
