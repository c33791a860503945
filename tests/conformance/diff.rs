//! `diff`: two simulators agree; a simulator and one seen through a proxy that spoils one
//! answer disagree, naming the case, the step and the field.

use super::proxy::{start_proxy, Mutation};
use super::{run_at, serve_sim, sim_credentials, suite, vendor_present};
use upgrade_conformance::diff::compare;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_simulators_agree_and_a_mutated_one_differs_naming_the_step_and_field() {
    let (sim_a, sim_b) = (
        super::super::support::default_sim_on_system_clock(),
        super::super::support::default_sim_on_system_clock(),
    );
    if !vendor_present(&sim_a, "taurusdb") {
        return;
    }
    let (a, b) = (serve_sim(sim_a).await, serve_sim(sim_b).await);
    let cases = suite("taurusdb");
    let filter = Some("batch-upgrade");
    let ra = run_at(&a, sim_credentials(), &cases, filter).await;
    let rb = run_at(&b, sim_credentials(), &cases, filter).await;
    assert!(ra.cases.len() > 1, "{}", ra.terminal(false));
    let same = compare(&ra, &rb);
    assert!(same.agree(), "{}", same.terminal());

    let (spoilt, _) = start_proxy(&b, Mutation::IllegalTransition).await;
    let rc = run_at(&spoilt, sim_credentials(), &cases, filter).await;
    let cmp = compare(&ra, &rc);
    println!("{}", cmp.terminal());
    assert!(!cmp.agree());
    let d = cmp
        .differences
        .iter()
        .find(|d| d.what.starts_with("states taurusdb.job /job/status"))
        .unwrap_or_else(|| panic!("no job state difference:\n{}", cmp.terminal()));
    assert!(d.step > 0 && !d.step_name.is_empty(), "{d:?}");
    assert!(
        d.what.contains("Completed") && d.what.contains("Pending"),
        "{d:?}"
    );
    // A step that failed on b kept its answer: no "answer: one (a) vs none (b)" noise.
    assert!(
        !cmp.differences
            .iter()
            .any(|d| d.what.starts_with("answer:")),
        "{}",
        cmp.terminal()
    );
    let text = cmp.terminal();
    assert!(
        text.contains(&format!("step {} '{}'", d.step, d.step_name)),
        "{text}"
    );

    let (status, _) = start_proxy(&b, Mutation::WrongStatus).await;
    let rd = run_at(&status, sim_credentials(), &cases, filter).await;
    let cmp = compare(&ra, &rd);
    assert!(
        cmp.differences
            .iter()
            .any(|d| d.step > 0 && d.what.starts_with("status: ")),
        "{}",
        cmp.terminal()
    );
}
