//! The case format's parser and validator, fed good and broken YAML.

use super::*;

#[test]
fn durations_read_like_people_write_them() {
    let d = |s: &str| duration_ms(&Value::from(s));
    assert_eq!(d("30s"), Ok(30_000));
    assert_eq!(d("1h30m"), Ok(5_400_000));
    assert_eq!(d("250ms"), Ok(250));
    assert_eq!(duration_ms(&Value::from(2)), Ok(2000));
    assert!(d("5 minutes").is_err());
    assert!(d("5").is_err());
}

#[test]
fn an_unknown_key_is_an_error_with_its_line() {
    let text = "cases:\n  - name: a\n    steps:\n      - name: s\n        requets: {}\n";
    let e = parse(text, Path::new("x.yaml")).unwrap_err();
    assert!(
        e.contains("unknown field `requets`") && e.contains("line 5"),
        "{e}"
    );
}

#[test]
fn a_bad_matcher_is_caught_at_load_time_naming_the_step() {
    let text = "cases:\n  - name: a\n    steps:\n      - name: create\n        request: {method: GET, path: /x}\n        expect: {json: {/data: {lenght: 1}}}\n";
    let e = parse(text, Path::new("x.yaml")).unwrap_err();
    assert!(
        e.contains("step 1 'create'") && e.contains("did you mean 'length'"),
        "{e}"
    );
}

#[test]
fn sim_steps_need_the_simulator_capability() {
    let text = "cases:\n  - name: a\n    steps:\n      - name: tick\n        sim: {advance: 5m}\n";
    let e = parse(text, Path::new("x.yaml")).unwrap_err();
    assert!(e.contains("requires: [simulator]"), "{e}");
}

fn case_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("suites/obshell/x.yaml")
}

fn one_request(request: &str) -> Result<Request, String> {
    let text =
        format!("cases:\n  - name: a\n    steps:\n      - name: up\n        request: {request}\n");
    let cases = parse(&text, &case_path())?;
    match &cases[0].steps[0].action {
        Action::Request(r) => Ok((**r).clone()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_file_part_is_found_next_to_the_case_file_and_named_by_its_base_name() {
    let r = one_request(
        "{method: POST, path: /u, multipart: [{name: file, file: ../../../fixtures/obshell/rpm/not-an-rpm.rpm}]}",
    )
    .unwrap();
    let dir = case_path().parent().unwrap().to_path_buf();
    assert_eq!(
        r.multipart,
        vec![Part::File {
            name: "file".into(),
            path: dir.join("../../../fixtures/obshell/rpm/not-an-rpm.rpm"),
            filename: "not-an-rpm.rpm".into(),
            content_type: None,
        }]
    );
    let r = one_request(
        "{method: POST, path: /u, body_file: ../../../fixtures/obshell/rpm/not-an-rpm.rpm}",
    )
    .unwrap();
    assert!(r.body_file.is_some_and(|p| p.is_file()));
}

#[test]
fn a_missing_file_is_a_load_time_error_naming_the_step() {
    let e = one_request("{method: POST, path: /u, multipart: [{name: file, file: nowhere.rpm}]}")
        .unwrap_err();
    assert!(
        e.contains("step 1 'up'")
            && e.contains("request.multipart[0]")
            && e.contains("nowhere.rpm"),
        "{e}"
    );
    let e = one_request("{method: POST, path: /u, body_file: nowhere.bin}").unwrap_err();
    assert!(
        e.contains("request.body_file") && e.contains("nowhere.bin"),
        "{e}"
    );
}

#[test]
fn a_request_has_one_body_and_a_part_one_source() {
    let e = one_request("{method: POST, path: /u, json: {}, multipart: [{name: a, text: b}]}")
        .unwrap_err();
    assert!(e.contains("more than one of"), "{e}");
    let e = one_request("{method: POST, path: /u, multipart: [{name: a}]}").unwrap_err();
    assert!(e.contains("exactly one of `file` or `text`"), "{e}");
    let e = one_request("{method: POST, path: /u, multipart: [{name: a, text: b, filename: c}]}")
        .unwrap_err();
    assert!(e.contains("belong to a `file` part"), "{e}");
    let e = one_request("{method: POST, path: /u, multipart: []}").unwrap_err();
    assert!(e.contains("at least one part"), "{e}");
}
