//! Reading instances and versions: instance details and lists (v3 with the classic status,
//! v3.1 with the unified one), an instance's kernel version against the latest
//! (`database-version`), and the engine versions on offer (`datastores/gaussdb-mysql`).

use serde_json::{json, Value};

use super::super::error::{Code, TaurusError};
use super::super::fleet::Model;
use super::super::lifecycle::version_cmp;
use super::super::wire;
use super::{Operation, Query};
use crate::kernel::Core;

/// One instance of a project, as a path names it.
#[derive(Debug, Clone)]
pub struct InstanceRef {
    pub project: String,
    pub id: String,
}

impl InstanceRef {
    pub fn show(&self, core: &Core, model: &Model, unified: bool) -> Result<Value, TaurusError> {
        let inst = model.instance_in(&self.project, &self.id)?;
        Ok(json!({"instance": wire::instance_detail(core, inst, unified)}))
    }

    pub fn version(&self, model: &Model) -> Result<Value, TaurusError> {
        let inst = model.instance_in(&self.project, &self.id)?;
        Ok(json!({
            "datastore": {
                "current_version": inst.version,
                "current_kernel_version": inst.version,
                "latest_version": model.latest,
                "latest_kernel_version": model.latest,
            },
            "upgrade_flag": version_cmp(&inst.version, &model.latest) == std::cmp::Ordering::Less,
        }))
    }
}

/// The instance list: `offset` (from 0), `limit` (default and at most 100), `id`, `name`
/// (a substring).
#[derive(Debug, Clone)]
pub struct InstanceList {
    project: String,
    unified: bool,
    offset: usize,
    limit: usize,
    id: Option<String>,
    name: Option<String>,
}

impl InstanceList {
    pub fn parse(project: String, q: &Query, unified: bool) -> Result<Self, TaurusError> {
        Ok(Self {
            project,
            unified,
            offset: q.number("offset", 0, usize::MAX)?,
            limit: q.number("limit", 100, 100)?.max(1),
            id: q.get("id").map(str::to_string),
            name: q.get("name").map(str::to_string),
        })
    }

    pub fn apply(self, core: &Core, model: &Model) -> Value {
        let matching: Vec<_> = model
            .instances
            .values()
            .filter(|i| i.project_id == self.project)
            .filter(|i| self.id.as_deref().is_none_or(|id| id == i.id))
            .filter(|i| self.name.as_deref().is_none_or(|n| i.name.contains(n)))
            .collect();
        let total = matching.len();
        let items: Vec<Value> = matching
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .map(|i| wire::instance_list_item(core, i, self.unified))
            .collect();
        json!({"instances": items, "total_count": total})
    }
}

/// `GET /datastores/{database_name}`: only gaussdb-mysql has versions.
pub fn parse_datastores(name: &str) -> Result<Operation, TaurusError> {
    if name.eq_ignore_ascii_case("gaussdb-mysql") {
        Ok(Operation::Datastores)
    } else {
        Err(TaurusError::with(
            Code::InvalidDatabaseType,
            format!("Use gaussdb-mysql, not {name}."),
        ))
    }
}

pub fn datastores(model: &Model) -> Value {
    let datastores: Vec<Value> = model
        .versions
        .iter()
        .rev()
        .map(|v| {
            let h = crate::kernel::rng::stable_hash(v.as_bytes());
            json!({
                "id": format!("{h:016x}{:016x}", h.rotate_left(29)),
                "name": wire::MYSQL_VERSION,
                "version": "8.0.32",
                "kernel_version": v,
            })
        })
        .collect();
    json!({"datastores": datastores})
}
