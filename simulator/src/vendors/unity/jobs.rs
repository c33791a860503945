//! Asynchronous jobs: an operation sent with `?timeout=0` answers 202 with a job, which runs for
//! the scenario's job duration and then reports the operation's outcome (`parametersOut`, or
//! the error in `messageOut`). A job's state follows from virtual time and the job table.

use serde_json::{json, Map, Value};

use super::error::UnityError;
use super::model::{unix_ms, Model, VENDOR};
use super::state::{JobOp, JobState};
use super::wire::{format_datetime, format_interval};
use crate::kernel::{Core, Millis, StateTable};

#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub method: String,
    pub description: String,
    pub submitted: Millis,
    pub outcome: Result<Value, UnityError>,
}

impl Model {
    /// Records a job for an operation's outcome: (`Type.method`, description).
    pub fn add_job(
        &mut self,
        core: &mut Core,
        (method, description): (String, String),
        outcome: Result<Value, UnityError>,
    ) -> usize {
        let id = format!("N-{}", self.jobs.len() + 1);
        core.event(
            VENDOR,
            &format!("job/{id}"),
            json!({"method": method, "ok": outcome.is_ok()}),
        );
        self.jobs.push(Job {
            id,
            method,
            description,
            submitted: core.now(),
            outcome,
        });
        self.jobs.len() - 1
    }

    /// The job's one task, with `messages` as a real array reports them: none while running
    /// or on success, the error in `{"locale": "en_US", "message": …}` form on failure (which
    /// storops' `JobStateError` joins into its text).
    fn job_task(&self, j: &Job, state: JobState) -> Value {
        let messages: Vec<Value> = match (&j.outcome, state) {
            (Err(e), JobState::Failed) => vec![json!({
                "errorCode": e.code,
                "messages": e.texts().map(|t| json!({"locale": "en_US", "message": t})).collect::<Vec<_>>(),
            })],
            _ => Vec::new(),
        };
        let (object, action) = j.method.split_once('.').unwrap_or((&j.method, ""));
        json!({
            "state": state.task_code(),
            "name": j.method,
            "object": object,
            "action": action,
            "description": j.description,
            "messages": messages,
        })
    }

    /// The job as Unisphere shows it.
    pub fn job_content(&self, core: &Core, j: &Job) -> Map<String, Value> {
        let now = core.now();
        let end = j.submitted + self.settings.job_ms;
        let running = now < end;
        let state = match (&j.outcome, running) {
            (_, true) => None,
            (Ok(_), false) => JobState::Running.next(JobOp::Succeed),
            (Err(_), false) => JobState::Running.next(JobOp::Fail),
        }
        .unwrap_or(JobState::Running);
        let submit = format_datetime(unix_ms(core, j.submitted));
        let ended = format_datetime(unix_ms(core, end));
        let mut m = Map::new();
        m.insert("id".into(), json!(j.id));
        m.insert(
            "instanceId".into(),
            json!(format!(
                "root/emc:EMC_UEM_TransactionJobLeaf%InstanceID={}",
                j.id
            )),
        );
        m.insert("description".into(), json!(j.description));
        m.insert("state".into(), json!(state.code()));
        m.insert(
            "stateChangeTime".into(),
            json!(if running { &submit } else { &ended }),
        );
        m.insert("submitTime".into(), json!(submit));
        m.insert("startTime".into(), json!(submit));
        if !running {
            m.insert("endTime".into(), json!(ended));
        }
        m.insert(
            "elapsedTime".into(),
            json!(format_interval(now.min(end) - j.submitted)),
        );
        m.insert(
            "estRemainTime".into(),
            json!(format_interval(end.saturating_sub(now))),
        );
        m.insert("progressPct".into(), json!(if running { 0 } else { 100 }));
        m.insert("tasks".into(), json!([self.job_task(j, state)]));
        m.insert("owner".into(), json!("System"));
        m.insert("requestId".into(), json!(""));
        m.insert("methodName".into(), json!(j.method));
        if !running {
            let (params, code, messages) = match &j.outcome {
                Ok(out) => (
                    out.clone(),
                    0,
                    vec![json!({"locale": "en_US", "message": "Success"})],
                ),
                Err(e) => (
                    json!({}),
                    e.code,
                    e.texts()
                        .map(|t| json!({"locale": "en_US", "message": t}))
                        .collect(),
                ),
            };
            m.insert("parametersOut".into(), params);
            m.insert(
                "messageOut".into(),
                json!({"errorCode": code, "messages": messages}),
            );
            m.insert("statusCodeOut".into(), json!(code));
        }
        m.insert("isJobCancelable".into(), json!(false));
        m.insert("isJobCancelled".into(), json!(false));
        m.insert("clientData".into(), json!(""));
        m
    }
}
