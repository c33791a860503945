//! TaurusDB's response bodies, in the SDK models' field order and types (vendor notes §3):
//! MysqlInstanceInfoDetail, MysqlInstanceListInfo, GetJobInfoDetail, TaskDetailInfo,
//! ScheduleTask. Times are `yyyy-mm-ddThh:mm:ss+0000` in UTC.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use super::fleet::{Instance, Job, Model, SCHEDULED_JOB_NAME, UPGRADE_JOB_NAME};
use super::state::{InstanceStatus, JobStatus};
use crate::kernel::{Core, Millis};

/// The MySQL version the kernel versions are compatible with.
pub const MYSQL_VERSION: &str = "8.0";
/// The full MySQL (engine) version every kernel version reports, apart from the kernel
/// version itself (`datastores`' `version`, `database-version`'s `current_version`).
pub const ENGINE_VERSION: &str = "8.0.32";

/// A virtual instant as Huawei writes it.
pub fn time(core: &Core, at: Millis) -> String {
    core.clock
        .datetime_at(at)
        .with_timezone(&Utc)
        .format("%Y-%m-%dT%H:%M:%S+0000")
        .to_string()
}

/// When instances were created: 30 days before the scenario starts.
fn created(core: &Core) -> String {
    (core.clock.epoch() - Duration::days(30))
        .with_timezone(&Utc)
        .format("%Y-%m-%dT%H:%M:%S+0000")
        .to_string()
}

fn ip(inst: &Instance, n: u32) -> String {
    inst.node_ip(n)
}

/// MysqlTags, in the scenario's order.
fn tags(inst: &Instance) -> Value {
    inst.tags
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect()
}

fn datastore(inst: &Instance) -> Value {
    json!({"type": "gaussdb-mysql", "version": MYSQL_VERSION, "kernel_version": inst.version})
}

/// MysqlInstanceInfoDetail (v3) or MysqlInstanceInfoDetailUnifyStatus (v3.1).
pub fn instance_detail(core: &Core, inst: &Instance, unified: bool) -> Value {
    let status = if unified {
        inst.status.unified().to_string()
    } else {
        inst.status.to_string()
    };
    let node_status = if unified {
        inst.status.unified().to_string()
    } else {
        inst.status.to_string()
    };
    let nodes: Vec<Value> = (0..inst.nodes)
        .map(|n| {
            json!({
                "id": format!("{:016x}{:016x}no07", crate::kernel::rng::stable_hash(inst.id.as_bytes()), n),
                "name": format!("{}_node0{}", inst.name, n + 1),
                "type": if n == 0 { "master" } else { "slave" },
                "status": node_status,
                "port": 3306,
                "private_read_ips": [ip(inst, n)],
                "volume": {"type": "POOL", "used": "0.5", "size": 10},
                "az_code": "cn-north-4a",
                "region_code": "cn-north-4",
                "created": created(core),
                "updated": time(core, inst.updated_ms),
                "flavor_id": "8e5a2a1c-0f7a-3cb1-8e6e-2ea9c4b5e1c1",
                "flavor_ref": "gaussdb.mysql.xlarge.x86.4",
                "max_connections": "1500",
                "vcpus": "4",
                "ram": "16",
                "need_restart": false,
                "priority": if n == 0 { 0 } else { 1 },
            })
        })
        .collect();
    let mut v = json!({
        "id": inst.id,
        "name": inst.name,
        "project_id": inst.project_id,
        "status": status,
        "port": "3306",
        "alias": "",
        "type": "Cluster",
        "charge_info": {"charge_mode": "postPaid", "order_id": ""},
        "node_count": inst.nodes,
        "datastore": datastore(inst),
        "backup_used_space": 0.0,
        "created": created(core),
        "updated": time(core, inst.updated_ms),
        "private_write_ips": [ip(inst, 0)],
        "private_dns_names": [],
        "public_ips": "",
        "db_user_name": "root",
        "vpc_id": inst.vpc_id,
        "subnet_id": inst.subnet_id,
        "security_group_id": "fc577a1a-f202-424a-977f-24faec3fdd55",
        "configuration_id": "43570e0de32e40c5a15f831aa5ce4176pr07",
        "backup_strategy": {"start_time": "19:00-20:00", "keep_days": "7"},
        "nodes": nodes,
        "enterprise_project_id": "0",
        "time_zone": "UTC",
        "az_mode": "single",
        "master_az_code": "cn-north-4a",
        "maintenance_window": inst.maintenance_window,
        "tags": tags(inst),
        "dedicated_resource_id": "",
        "proxies": [],
    });
    if unified {
        v["tde_info"] = json!({"enable_tde": false, "encryption_type": ""});
        v["eos_tag"] = json!(false);
    }
    v
}

/// MysqlInstanceListInfo (v3) or MysqlInstanceListInfoUnifyStatus (v3.1).
pub fn instance_list_item(core: &Core, inst: &Instance, unified: bool) -> Value {
    let mut v = json!({
        "id": inst.id,
        "name": inst.name,
        "status": if unified { inst.status.unified().to_string() } else { inst.status.to_string() },
        "private_ips": [ip(inst, 0)],
        "proxy_ips": inst.proxy_ip.iter().collect::<Vec<_>>(),
        "readonly_private_ips": inst.readonly_ips(),
        "public_ips": [],
        "port": "3306",
        "type": "Cluster",
        "region": "cn-north-4",
        "datastore": datastore(inst),
        "created": created(core),
        "updated": time(core, inst.updated_ms),
        "db_user_name": "root",
        "vpc_id": inst.vpc_id,
        "subnet_id": inst.subnet_id,
        "security_group_id": "fc577a1a-f202-424a-977f-24faec3fdd55",
        "flavor_ref": "gaussdb.mysql.xlarge.x86.4",
        "flavor_info": {"vcpus": "4", "ram": "16"},
        "volume": {"type": "POOL", "size": "10"},
        "backup_strategy": {"start_time": "19:00-20:00", "keep_days": "7"},
        "enterprise_project_id": "0",
        "time_zone": "UTC",
        "charge_info": {"charge_mode": "postPaid", "period_type": "", "period_num": 0, "is_auto_renew": "false", "is_auto_pay": "false"},
        "dedicated_resource_id": "",
        "tags": tags(inst),
    });
    if unified {
        v["eos_tag"] = json!(false);
    }
    v
}

fn progress(core: &Core, job: &Job) -> String {
    job.progress(core.now())
        .map(|p| format!("{p}%"))
        .unwrap_or_default()
}

fn ended(core: &Core, job: &Job) -> String {
    job.ended_ms.map(|e| time(core, e)).unwrap_or_default()
}

/// GetJobInfoDetail.
pub fn job_detail(core: &Core, model: &Model, job: &Job) -> Value {
    let name = model
        .instances
        .get(&job.instance_id)
        .map(|i| i.name.clone())
        .unwrap_or_default();
    json!({
        "id": job.id,
        "name": UPGRADE_JOB_NAME,
        "status": job.status.to_string(),
        "created": time(core, job.created_ms),
        "ended": ended(core, job),
        "process": progress(core, job),
        "instance": {"id": job.instance_id, "name": name},
        // GetJobEntitiesInfoDetail has no fields: the SDK keeps none of what is here.
        "entities": {},
        "fail_reason": job.fail_reason.clone().unwrap_or_default(),
    })
}

/// TaskDetailInfo (immediate-jobs).
pub fn task_detail(core: &Core, model: &Model, job: &Job) -> Value {
    let inst = model.instances.get(&job.instance_id);
    json!({
        "instance_id": job.instance_id,
        "instance_name": inst.map(|i| i.name.clone()).unwrap_or_default(),
        "instance_status": inst.map_or("deleted", |i| i.status.unified()),
        "job_id": job.id,
        "order_id": "",
        "job_name": UPGRADE_JOB_NAME,
        "status": job.status.to_string(),
        "process": progress(core, job),
        "created_time": time(core, job.created_ms),
        "ended_time": ended(core, job),
        "fail_reason": job.fail_reason.clone().unwrap_or_default(),
        "show_detail": false,
        "extend_fields": null,
    })
}

/// ScheduleTask (scheduled-jobs).
pub fn schedule_task(core: &Core, model: &Model, job: &Job) -> Value {
    let inst = model.instances.get(&job.instance_id);
    json!({
        "job_id": job.id,
        "instance_id": job.instance_id,
        "instance_name": inst.map(|i| i.name.clone()).unwrap_or_default(),
        "instance_status": inst.map_or("deleted", |i| i.status.unified()),
        "project_id": job.project_id,
        "job_name": SCHEDULED_JOB_NAME,
        "create_time": time(core, job.created_ms),
        "start_time": time(core, job.run_at),
        "end_time": ended(core, job),
        "job_status": job.status.to_string(),
        "datastore_type": "gaussdb-mysql",
        "target_config": {"target_version": job.target_version},
        "proxy_id": "",
        "proxy_name": "",
    })
}

/// How far a job got, in percent: its progress while Running, 100 once Completed, where it
/// stopped if it Failed, 0 before it ran.
fn reached(core: &Core, job: &Job) -> u64 {
    match job.status {
        JobStatus::Completed => 100,
        JobStatus::Running => job.progress(core.now()).map_or(0, u64::from),
        JobStatus::Failed => job.ended_ms.map_or(0, |e| {
            (e.saturating_sub(job.run_at).saturating_mul(100) / job.duration.max(1)).min(99)
        }),
        JobStatus::Pending | JobStatus::Canceled => 0,
    }
}

/// ShowTaskDetailsResponse: the job, with one SubTaskInfo per node (the read replicas first,
/// the primary last), each taking an equal share of the job's time.
pub fn task_center_detail(core: &Core, inst: &Instance, job: &Job) -> Value {
    let nodes = u64::from(inst.nodes.max(1));
    let done = reached(core, job) * nodes; // in hundredths of a node
    let share_ms = job.duration / nodes;
    let subs: Vec<Value> = (0..nodes)
        .map(|n| {
            let pct = done.saturating_sub(n * 100).min(100);
            let current = n == done / 100;
            let status = match job.status {
                _ if pct == 100 => "Completed",
                JobStatus::Running if current => "Running",
                JobStatus::Failed if current => "Failed",
                _ => "Pending",
            };
            let name = if n + 1 == nodes {
                format!("Upgrade primary node {}_node01", inst.name)
            } else {
                format!("Upgrade read replica {}_node0{}", inst.name, nodes - n)
            };
            json!({
                "sub_task_name": name,
                "percent": pct.to_string(),
                "status": status,
                "remaining_time": (share_ms * (100 - pct) / 100 / 1000).to_string(),
            })
        })
        .collect();
    json!({
        "instance_id": inst.id,
        "instance_name": inst.name,
        "job_id": job.id,
        "job_name": UPGRADE_JOB_NAME,
        "status": job.status.to_string(),
        "sub_task_list": subs,
    })
}

/// ScheduledTaskV3 (`schedule-tasks/exist`): times in epoch milliseconds; the task ends when
/// the maintenance window it starts in closes.
pub fn scheduled_task_v3(core: &Core, inst: &Instance, job: &Job) -> Value {
    let ms = |at: Millis| core.clock.datetime_at(at).timestamp_millis();
    let (start, end) = inst.window;
    let window_ms = u64::from((end + 24 * 60 - start) % (24 * 60)) * 60_000;
    json!({
        "create_time": ms(job.created_ms),
        "datastore_type": "gaussdb-mysql",
        "end_time": ms(job.run_at + window_ms),
        "instance_id": inst.id,
        "instance_name": inst.name,
        "instance_status": match inst.status {
            InstanceStatus::Active => "NORMAL",
            InstanceStatus::Upgrading => "MODIFYING",
            InstanceStatus::Failed => "FAILED",
            InstanceStatus::Frozen => "FROZEN",
        },
        "project_id": job.project_id,
        "proxy_id": "",
        "proxy_name": "",
        "start_time": ms(job.run_at),
        "target_config": {"target_version": job.target_version},
        "task_id": job.id,
        "task_name": SCHEDULED_JOB_NAME,
        "task_order": 1,
        "task_status": match job.status {
            JobStatus::Pending => "WAITING",
            JobStatus::Running => "RUNNING",
            JobStatus::Completed => "SUCCESS",
            JobStatus::Failed => "FAIL",
            JobStatus::Canceled => "CANCELED",
        },
    })
}

/// IAM's KeystoneListProjectsResponse for `GET /v3/projects?name=`: the projects the access
/// key's account owns (every project, for a token), of region `name` when given.
pub fn iam_projects(model: &Model, name: Option<&str>, ak: Option<&str>) -> Value {
    let owned = |p: &str| {
        ak.is_none_or(|ak| {
            model
                .access_keys
                .iter()
                .any(|k| k.ak == ak && k.projects.iter().any(|o| o == p))
        })
    };
    let domain = format!(
        "{:016x}{:016x}",
        crate::kernel::rng::stable_hash(b"taurusdb/domain"),
        crate::kernel::rng::stable_hash(b"taurusdb/domain/2")
    );
    let projects: Vec<Value> = model
        .regions
        .iter()
        .filter(|(id, region)| owned(id) && name.is_none_or(|n| n == region))
        .map(|(id, region)| {
            json!({
                "is_domain": false,
                "description": "",
                "links": {"self": format!("/v3/projects/{id}")},
                "enabled": true,
                "id": id,
                "parent_id": domain,
                "domain_id": domain,
                "name": region,
            })
        })
        .collect();
    let query = name.map(|n| format!("?name={n}")).unwrap_or_default();
    json!({
        "links": {"self": format!("/v3/projects{query}"), "previous": null, "next": null},
        "projects": projects,
    })
}
