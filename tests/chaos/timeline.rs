//! `upgrade-sim timeline`: the page is well-formed, has one lane per resource, colours states
//! by family, puts fault markers and axis ticks where the times say, stays readable with a
//! big fleet, reads a running simulator, and (when Chromium is installed) renders in it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use upgrade_sim::timeline::{self, Limits};

use crate::support::{default_sim, get, send};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn fixture() -> timeline::JournalDoc {
    let path = repo().join("fixtures/timeline/four-vendors.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    timeline::parse(&text, "four-vendors.jsonl").unwrap()
}

fn page() -> String {
    timeline::render(&fixture(), &Limits::default())
}

/// Checks that `html` is well-formed XML: tags nest and close, attributes are quoted, every
/// `&` starts an entity. Returns the element names in document order.
fn well_formed(html: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        let (text, tail) = rest.split_at(i);
        assert!(
            !text.contains('>'),
            "a bare '>' in text near: {}",
            &text[text.len().saturating_sub(60)..]
        );
        if tail.starts_with('&') {
            let end = tail.find(';').expect("an entity ends with ';'");
            let name = &tail[1..end];
            assert!(
                ["amp", "lt", "gt", "quot", "#39"].contains(&name),
                "unknown entity &{name};"
            );
            rest = &tail[end + 1..];
            continue;
        }
        let close = tail.find('>').expect("a tag ends with '>'");
        let tag = &tail[1..close];
        rest = &tail[close + 1..];
        if tag.starts_with("!DOCTYPE") {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "</{name}> closes <{open}>");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name: String = body.chars().take_while(|c| !c.is_whitespace()).collect();
        // Attributes: name="value" pairs, values without '<' or a stray quote.
        let mut attrs = body[name.len()..].trim();
        while !attrs.is_empty() {
            let eq = attrs
                .find("=\"")
                .unwrap_or_else(|| panic!("unquoted attribute in <{tag}>"));
            let after = &attrs[eq + 2..];
            let end = after.find('"').expect("attribute value closes");
            assert!(
                !after[..end].contains('<'),
                "'<' in an attribute of <{name}>"
            );
            attrs = after[end + 1..].trim_start();
        }
        seen.push(name.clone());
        if !self_closing {
            // Inline CSS is the only raw text; it holds no '<' or '&'.
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    seen
}

/// The values of attribute `attr` on every element that has it, in order.
fn attr_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let start = i + needle.len();
            let end = html[start..].find('"').unwrap() + start;
            html[start..end].to_string()
        })
        .collect()
}

/// The element (its opening tag) that contains `needle`.
fn tags_with<'a>(html: &'a str, needle: &str) -> Vec<&'a str> {
    html.match_indices(needle)
        .map(|(i, _)| {
            let start = html[..i].rfind('<').unwrap();
            let end = html[i..].find('>').unwrap() + i;
            &html[start..=end]
        })
        .collect()
}

fn attr<'a>(tag: &'a str, name: &str) -> &'a str {
    let needle = format!(" {name}=\"");
    let start = tag
        .find(&needle)
        .unwrap_or_else(|| panic!("no {name} in {tag}"))
        + needle.len();
    let end = tag[start..].find('"').unwrap() + start;
    &tag[start..end]
}

/// The lane group of `resource`: from its `<g class="lane">` to its `</g>`.
fn lane<'a>(html: &'a str, resource: &str) -> &'a str {
    let start = html
        .find(&format!("<g class=\"lane\" data-resource=\"{resource}\""))
        .unwrap_or_else(|| panic!("no lane for {resource}"));
    let end = html[start..].find("</g>\n").unwrap() + start;
    &html[start..end]
}

#[test]
fn the_page_is_well_formed_and_self_contained() {
    let html = page();
    let elements = well_formed(&html);
    assert!(elements.iter().any(|e| e == "svg"));
    for external in ["<script", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(external), "the page loads {external}");
    }
}

#[test]
fn every_resource_gets_exactly_one_lane_with_children_under_their_parent() {
    let html = page();
    let lanes = attr_values(&html, "data-resource");
    let unique: BTreeSet<&String> = lanes.iter().collect();
    assert_eq!(
        unique.len(),
        lanes.len(),
        "a resource has two lanes: {lanes:?}"
    );
    assert_eq!(
        lanes,
        [
            "dag/12",
            "dag/12/node/1",
            "dag/12/node/2",
            "dag/12/node/3",
            "plan/p-1",
            "plan/p-1/batch/0",
            "plan/p-1/batch/1",
            "plan/p-1/batch/2",
            "instance/9d1c-in07",
            "job/3f2a",
            "session/s1",
            "session/s1/task/0",
            "session/s1/task/1",
            "session/s1/task/2",
            "session/s1/task/3",
        ]
    );
    let depth = |r: &str| attr(lane(&html, r), "data-depth").to_string();
    assert_eq!(depth("dag/12"), "0");
    assert_eq!(depth("dag/12/node/2"), "1");
    assert_eq!(depth("session/s1/task/3"), "1");
    // A child is labelled relative to its parent.
    assert!(lane(&html, "plan/p-1/batch/2").contains(">batch/2</text>"));
}

#[test]
fn each_state_is_drawn_in_its_familys_colour() {
    let html = page();
    let fill_of = |resource: &str, state: &str| -> String {
        let l = lane(&html, resource);
        let tag = tags_with(l, &format!("data-state=\"{state}\""))
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{resource} has no {state} bar"));
        attr(tag, "fill").to_string()
    };
    assert_eq!(fill_of("dag/12/node/2", "RUNNING"), "#0072b2");
    assert_eq!(fill_of("dag/12/node/2", "FAILED"), "#d55e00");
    assert_eq!(fill_of("dag/12/node/1", "SUCCEED"), "#009e73");
    assert_eq!(fill_of("dag/12/node/3", "READY"), "#c3c9d2");
    assert_eq!(fill_of("plan/p-1", "paused"), "#e69f00");
    assert_eq!(fill_of("session/s1", "Upgrade_Failed_Lock"), "#e69f00");
    assert_eq!(fill_of("instance/9d1c-in07", "abnormal"), "#d55e00");
    // The legend names each colour.
    for colour in ["#0072b2", "#d55e00", "#009e73", "#c3c9d2", "#e69f00"] {
        assert!(html.contains(&format!("class=\"sw\" style=\"background:{colour}\"")));
    }
}

#[test]
fn a_bar_runs_from_its_transition_to_the_next_and_says_so_in_its_tooltip() {
    let html = page();
    let l = lane(&html, "dag/12/node/2");
    let running = tags_with(l, "data-state=\"RUNNING\"")[0];
    let (x, w): (f64, f64) = (
        attr(running, "x").parse().unwrap(),
        attr(running, "width").parse().unwrap(),
    );
    let (x4, x12) = (x_at(&html, 4 * 60_000), x_at(&html, 12 * 60_000));
    assert!(
        (x - x4).abs() < 0.02 && (x + w - x12).abs() < 0.02,
        "{x}+{w} is not 4m..12m"
    );
    assert!(l.contains(
        "from 4m (2026-01-01T00:04:00+00:00)\nto 12m (2026-01-01T00:12:00+00:00)\nfor 8m"
    ));
    assert!(l.contains(
        "detail: {&quot;error&quot;:&quot;observer 10.0.0.2:2882 is not reachable&quot;}"
    ));
}

/// The x of virtual instant `at_ms`, read off the axis ticks (linear between the first and last).
fn x_at(html: &str, at_ms: u64) -> f64 {
    let ticks: Vec<(f64, f64)> = tags_with(html, "class=\"axis-tick\"")
        .iter()
        .map(|t| {
            let at: f64 = attr(t, "data-at-ms").parse().unwrap();
            let i = html.find(*t).unwrap() + t.len();
            let x: f64 = attr(&html[i..i + 60], "x1").parse().unwrap();
            (at, x)
        })
        .collect();
    let (a0, x0) = ticks[0];
    let (a1, x1) = *ticks.last().unwrap();
    x0 + (at_ms as f64 - a0) * (x1 - x0) / (a1 - a0)
}

#[test]
fn the_axis_is_labelled_in_round_virtual_durations() {
    let html = page();
    let labels: Vec<String> = tags_with(&html, "class=\"tick\" x=")
        .iter()
        .map(|t| {
            let i = html.find(*t).unwrap() + t.len();
            html[i..i + html[i..].find('<').unwrap()].to_string()
        })
        .collect();
    assert_eq!(labels, ["0s", "5m", "10m", "15m", "20m", "25m", "30m"]);
    assert!(html.contains("virtual time <b id=\"span\">0s → 30m</b>"));
}

#[test]
fn fault_markers_sit_at_the_virtual_time_they_fired() {
    let html = page();
    let faults = tags_with(&html, "<g class=\"fault\"");
    // The observer going down (12m), the agent offline in batch 2 (17m), the SP reboot window
    // (10m), the stuck TaurusDB upgrade (18m).
    let mut ats: Vec<&str> = faults.iter().map(|t| attr(t, "data-at-ms")).collect();
    ats.sort();
    assert_eq!(ats, ["1020000", "1080000", "600000", "720000"]);
    for t in faults {
        let at: u64 = attr(t, "data-at-ms").parse().unwrap();
        let translate = attr(t, "transform");
        let x: f64 = translate["translate(".len()..translate.find(',').unwrap()]
            .parse()
            .unwrap();
        assert!(
            (x - x_at(&html, at)).abs() < 0.02,
            "fault at {at} ms drawn at x {x}"
        );
    }
    // A fault on a resource sits in that resource's lane; timeline actions in the vendor's row.
    assert!(lane(&html, "plan/p-1/batch/2").contains("fault: agent_offline"));
    assert!(html.contains("fault: observer_down\non timeline\nat 12m"));
    assert!(html.contains("<td>12m</td><td>obshell</td><td>timeline</td><td>observer_down</td>"));
}

#[test]
fn the_header_names_the_scenario_seed_and_span() {
    let html = page();
    assert!(html.contains("<h1>Upgrade timeline: synthetic-four-vendors</h1>"));
    assert!(html.contains("seed <b id=\"seed\">42</b>"));
    assert!(html.contains("from 2026-01-01T00:00:00+00:00 to 2026-01-01T00:30:00+00:00"));
    assert!(html.contains("19 resources") || html.contains("resources ·"));
}

fn fleet(nodes: usize, failing: &[usize]) -> String {
    let mut lines = Vec::new();
    let mut seq = 0;
    let mut entry = |at: u64, resource: String, from: &str, to: &str| {
        seq += 1;
        lines.push(
            json!({"seq": seq, "at_ms": at, "at": "", "wall": "", "kind": "transition",
                   "vendor": "ota", "resource": resource, "from": from, "to": to})
            .to_string(),
        );
    };
    entry(0, "plan/big".into(), "pending", "running");
    for n in 0..nodes {
        let r = format!("plan/big/agent/{n}");
        entry(n as u64 * 1000, r.clone(), "pending", "running");
        let end = if failing.contains(&n) {
            "failed"
        } else {
            "completed"
        };
        entry(n as u64 * 1000 + 60_000, r, "running", end);
    }
    lines.join("\n")
}

#[test]
fn a_fleet_of_hundreds_is_collapsed_keeping_the_troubled_agents() {
    let doc = timeline::parse(&fleet(600, &[7, 450, 599]), "fleet").unwrap();
    let html = timeline::render(&doc, &Limits::default());
    well_formed(&html);
    let lanes = attr_values(&html, "data-resource");
    assert_eq!(lanes.len(), 1 + 30, "the plan and 30 of its agents");
    for troubled in [
        "plan/big/agent/7",
        "plan/big/agent/450",
        "plan/big/agent/599",
    ] {
        assert!(lanes.iter().any(|l| l == troubled), "{troubled} was hidden");
    }
    assert!(html.contains("… 570 more under plan/big not drawn (last states: 570 succeeded)"));
}

#[test]
fn the_page_stops_at_the_lane_limit_and_says_how_many_it_left_out() {
    let doc = timeline::parse(&fleet(100, &[]), "fleet").unwrap();
    let limits = Limits {
        max_lanes: 40,
        max_children: 1000,
        ..Limits::default()
    };
    let html = timeline::render(&doc, &limits);
    assert_eq!(attr_values(&html, "data-resource").len(), 40);
    assert!(html.contains("61 more lanes are not drawn"));
}

#[tokio::test]
async fn a_live_simulators_journal_is_drawn_with_its_requests() {
    let sim = default_sim();
    for _ in 0..3 {
        send(&sim, get("/api/v1/no-such-route")).await;
    }
    sim.advance(90_000).unwrap();
    send(&sim, get("/_sim/health")).await;
    let r = send(&sim, get("/_sim/journal")).await;
    let doc = timeline::parse(&r.text(), "GET /_sim/journal").unwrap();
    assert_eq!(
        (doc.scenario.as_deref(), doc.seed),
        (Some("default"), Some(42))
    );
    let html = timeline::render(&doc, &Limits::default());
    well_formed(&html);
    assert!(
        html.contains("<title>3 requests, 3 answered 4xx/5xx"),
        "{html}"
    );
}

#[tokio::test]
async fn http_faults_fired_by_a_real_simulator_are_marked_when_they_fired() {
    let sim = crate::support::sim_from(
        "name: flaky-jobs\nseed: 5\nhttp_faults:\n  - route: GET /v3/*/jobs\n    \
         error: {status: 503, message: backend down}\n",
    );
    send(&sim, get("/v3/p1/jobs")).await;
    sim.advance(10 * 60_000).unwrap();
    send(&sim, get("/v3/p1/jobs")).await;
    sim.advance(5 * 60_000).unwrap();
    send(&sim, get("/_sim/health")).await;
    let journal = send(&sim, get("/_sim/journal")).await.text();
    let doc = timeline::parse(&journal, "GET /_sim/journal").unwrap();
    let html = timeline::render(&doc, &Limits::default());
    well_formed(&html);
    assert!(html.contains("<h1>Upgrade timeline: flaky-jobs</h1>"));
    let faults = tags_with(&html, "<g class=\"fault\"");
    let ats: Vec<&str> = faults.iter().map(|t| attr(t, "data-at-ms")).collect();
    assert_eq!(ats, ["0", "600000"]);
    assert!(html.contains("<td>10m</td><td>taurusdb</td><td>http</td><td>http Error</td>"));
    // Both requests were answered 503: the request strip says so.
    assert!(
        html.contains("1 request, 1 answered 4xx/5xx, 10m"),
        "{html}"
    );
}

#[test]
fn timeline_from_reads_a_running_simulator_over_http() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = default_sim();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(upgrade_sim::serve(sim, listener, async {
        let _ = stopped.await;
    }));
    // The blocking client must run outside the runtime.
    let doc = std::thread::spawn(move || timeline::fetch(&format!("http://{addr}")))
        .join()
        .unwrap()
        .unwrap();
    let _ = stop.send(());
    let _ = runtime.block_on(server);
    assert_eq!(doc.scenario.as_deref(), Some("default"));
    assert!(doc.source.ends_with("/_sim/journal"));
    let err = std::thread::spawn(|| timeline::fetch("http://127.0.0.1:9/"))
        .join()
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("is `upgrade-sim serve` running there?"),
        "{err}"
    );
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(move |d| d.join(name))
                .collect::<Vec<_>>()
        })
        .find(|p| p.is_file())
}

#[test]
fn the_page_renders_in_headless_chromium() {
    let Some(chrome) = chromium() else {
        println!("skipped: no chromium on PATH (scripts/screenshot-timeline.sh installs it and is what CI runs)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("timeline-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page_path = dir.join("page.html");
    std::fs::write(&page_path, page()).unwrap();
    let out = std::process::Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page_path.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let _ = std::fs::remove_dir_all(&dir);
    // Chromium parsed the page into a DOM holding every lane and the fault markers.
    let lanes: Vec<Value> = attr_values(&dom, "data-resource")
        .into_iter()
        .map(Value::from)
        .collect();
    assert_eq!(lanes.len(), 15, "chromium's DOM: {dom:.2000}");
    assert_eq!(dom.matches("class=\"fault\"").count(), 4);
}
