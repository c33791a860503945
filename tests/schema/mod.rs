//! The JSON Schemas of scenario and case files (issue 16): the copies in schemas/ are what the
//! generators print, every shipped file names its schema on its first line and passes it, a
//! misspelt key fails it, and the schema and the parser agree on valid and broken files.

mod openapi;

use std::path::{Path, PathBuf};

use serde_json::Value;
use upgrade_sim::Scenario;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).expect("a shipped folder") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::new(schema).expect("the schema compiles")
}

fn as_json(yaml: &str) -> Value {
    serde_yaml_ng::from_str(if yaml.trim().is_empty() { "{}" } else { yaml })
        .expect("YAML the test wrote or the repo ships")
}

/// Every error the schema finds in `yaml`, one per line.
fn schema_errors(v: &jsonschema::Validator, yaml: &str) -> String {
    v.iter_errors(&as_json(yaml))
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect::<Vec<_>>()
        .join("\n")
}

fn committed(name: &str) -> Value {
    let path = root().join("schemas").join(name);
    let text = std::fs::read_to_string(&path).expect("schemas/ holds the generated copy");
    serde_json::from_str(&text).expect("a JSON schema")
}

#[test]
fn the_committed_schemas_are_what_the_generators_print() {
    assert!(
        committed("scenario.schema.json") == upgrade_sim::scenario::scenario_schema(),
        "schemas/scenario.schema.json is stale: run \
         `upgrade-sim schema scenario --out schemas/scenario.schema.json`"
    );
    assert!(
        committed("case.schema.json") == upgrade_conformance::script::case_schema(),
        "schemas/case.schema.json is stale: run \
         `upgrade-conformance schema case --out schemas/case.schema.json`"
    );
}

/// Checks every YAML file under `dir` names `schema_line` first and passes the schema.
fn every_file_passes(dir: &str, schema: &Value, schema_line: &str) -> usize {
    let v = validator(schema);
    let files = yaml_files(&root().join(dir));
    for f in &files {
        let text = std::fs::read_to_string(f).expect("a shipped file");
        assert_eq!(
            text.lines().next(),
            Some(schema_line),
            "{}: the first line names the schema",
            f.display()
        );
        let errors = schema_errors(&v, &text);
        assert!(errors.is_empty(), "{}:\n{errors}", f.display());
    }
    files.len()
}

#[test]
fn every_shipped_scenario_passes_the_scenario_schema() {
    let n = every_file_passes(
        "scenarios",
        &upgrade_sim::scenario::scenario_schema(),
        "# yaml-language-server: $schema=../schemas/scenario.schema.json",
    );
    assert!(n >= 16, "found only {n} scenarios");
}

#[test]
fn every_shipped_case_file_passes_the_case_schema() {
    let n = every_file_passes(
        "conformance/suites",
        &upgrade_conformance::script::case_schema(),
        "# yaml-language-server: $schema=../../../schemas/case.schema.json",
    );
    assert!(n >= 10, "found only {n} case files");
}

#[test]
fn a_misspelt_key_fails_the_scenario_schema_at_any_depth() {
    let v = validator(&upgrade_sim::scenario::scenario_schema());
    let default = upgrade_sim::scenario::DEFAULT_SCENARIO;
    for (right, wrong) in [
        ("\nseed:", "\nsede:"),
        ("\nota:", "\notaa:"),
        ("  tokens:", "  tokns:"),
        ("  stage_durations:", "  stage_duraton:"),
    ] {
        assert!(
            default.contains(right),
            "the default scenario has {right:?}"
        );
        let broken = default.replacen(right, wrong, 1);
        let errors = schema_errors(&v, &broken);
        assert!(
            errors.contains(wrong.trim().trim_end_matches(':')),
            "{wrong}: {errors}"
        );
    }
}

#[test]
fn a_misspelt_key_fails_the_case_schema() {
    let v = validator(&upgrade_conformance::script::case_schema());
    let case = "vendor: ota\ncases:\n  - name: one\n    steps:\n      - name: get\n        \
                request: {method: GET, path: /x}\n        expect: {staus: 200}\n";
    assert!(schema_errors(&v, case).contains("staus"));
    let right = case.replace("staus", "status");
    assert_eq!(schema_errors(&v, &right), "");
}

/// Scenario texts the parser (what `check-scenario` runs) and the schema must both accept.
const VALID: &[&str] = &[
    "",
    "name: x\nseed: 7\n",
    "clock:\n  epoch: 2026-03-01T00:00:00+08:00\njournal:\n  capacity: 10\n",
    "http_faults:\n  - route: GET /v3/**\n    error: {status: 503}\n",
    "timeline:\n  - at: 90s\n    do: obshell.observer_down\n    with: {zone: zone1}\n",
    "expect:\n  run: 5m\n  state:\n    - {path: /vendors, exists: true}\n",
    "ota:\n  task_duration: {min: 10s, max: 20s}\n",
];

/// Broken texts both must refuse.
const BROKEN: &[&str] = &[
    "journl:\n  capacity: 5\n",
    "seed: many\n",
    "seed: -1\n",
    "name: [a, list]\n",
    "journal:\n  capacity: 0\n",
    "journal:\n  capcity: 5\n",
    "clock:\n  epoch: 2026-03-01T00:00:00+08:00\n  speed: 2\n",
    "http_faults:\n  - error: {status: 503}\n",
    "http_faults:\n  - route: /x\n    eror: {status: 503}\n",
    "timeline:\n  - at: soon\n    do: obshell.observer_down\n",
    "timeline:\n  - at: 1m\n    do: observer_down\n",
    "timeline:\n  - at: 1m\n    do: obshell.observer_down\n    when: now\n",
    "expect:\n  run: later\n",
    "expect:\n  stat: []\n",
    "ota:\n  tokns: []\n",
    "unity:\n  users:\n    - {name: admin, pasword: x}\n",
    "taurusdb: 3\n",
    "- a\n- list\n",
];

#[test]
fn check_scenario_and_the_schema_agree_on_valid_and_broken_files() {
    let v = validator(&upgrade_sim::scenario::scenario_schema());
    let dir = std::env::temp_dir().join(format!("schema-agree-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    for (i, text) in VALID.iter().chain(BROKEN).enumerate() {
        let want_valid = i < VALID.len();
        let file = dir.join(format!("{i}.yaml"));
        std::fs::write(&file, text).expect("a temp file");
        let parsed = Scenario::from_file(&file);
        let errors = schema_errors(&v, text);
        assert_eq!(
            parsed.is_ok(),
            want_valid,
            "check-scenario on {text:?}: {:?}",
            parsed.err().map(|e| e.to_string())
        );
        assert_eq!(
            errors.is_empty(),
            want_valid,
            "the schema on {text:?}: {errors}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
