//! Reading instances and versions: instance details and lists (v3 with the classic status,
//! v3.1 with the unified one), an instance's kernel version against the latest
//! (`database-version`), and the engine versions on offer (`datastores/gaussdb-mysql`).

use super::super::error::{Code, TaurusError};
use super::super::fleet::{Instance, Model};
use super::super::lifecycle::version_cmp;
use super::super::wire::{
    self, Json, ListGaussMySqlInstancesResponse, MysqlInstanceInfoDetail, MysqlInstanceListInfo,
    ShowGaussMySqlEngineVersionResponse, ShowGaussMySqlInstanceInfoResponse,
    ShowInstanceDatabaseVersionResponse,
};
use super::{Operation, Query};
use crate::kernel::Core;

/// One instance of a project, as a path names it.
#[derive(Debug, Clone)]
pub struct InstanceRef {
    pub project: String,
    pub id: String,
}

impl InstanceRef {
    pub fn show(&self, core: &Core, model: &Model, unified: bool) -> Result<Json, TaurusError> {
        let inst = model.instance_in(&self.project, &self.id)?;
        Ok(wire::render(&ShowGaussMySqlInstanceInfoResponse {
            instance: MysqlInstanceInfoDetail::new(core, inst, unified),
        }))
    }

    pub fn version(&self, model: &Model) -> Result<Json, TaurusError> {
        let inst = model.instance_in(&self.project, &self.id)?;
        let behind = version_cmp(&inst.version, &model.latest) == std::cmp::Ordering::Less;
        Ok(wire::render(&ShowInstanceDatabaseVersionResponse::new(
            inst,
            &model.latest,
            behind,
        )))
    }
}

/// `name` or `id` as the list matches it: exactly, or (after a leading `*`) as a substring.
#[derive(Debug, Clone)]
enum Match {
    Exact(String),
    Fuzzy(String),
}

impl Match {
    fn parse(q: &Query, key: &str) -> Result<Option<Self>, TaurusError> {
        match q.get(key) {
            None => Ok(None),
            Some("*") => Err(TaurusError::param(format!(
                "{key} cannot be only *: * starts a fuzzy match and needs a value after it."
            ))),
            Some(v) => Ok(Some(match v.strip_prefix('*') {
                Some(rest) => Self::Fuzzy(rest.to_string()),
                None => Self::Exact(v.to_string()),
            })),
        }
    }

    fn matches(&self, value: &str) -> bool {
        match self {
            Self::Exact(v) => v == value,
            Self::Fuzzy(v) => value.contains(v.as_str()),
        }
    }
}

/// The instance list (`ListGaussMySqlInstancesRequest`): `offset` (records to skip, from 0),
/// `limit` (1 to 100, default 100), `id` and `name` (exact, or fuzzy after a leading `*`),
/// `type` (Cluster), `datastore_type` (gaussdb-mysql), `vpc_id`, `subnet_id`, `private_ip`,
/// `readonly_private_ip`, `proxy_ip` and `tags` (`key=value` pairs, comma-separated, all
/// required). A filter that matches nothing gives an empty list.
#[derive(Debug, Clone)]
pub struct InstanceList {
    project: String,
    unified: bool,
    offset: usize,
    limit: usize,
    id: Option<Match>,
    name: Option<Match>,
    exact: Vec<(&'static str, String)>,
    tags: Vec<(String, String)>,
}

/// The filters that compare one field exactly.
pub const EXACT: &[&str] = &[
    "type",
    "datastore_type",
    "vpc_id",
    "subnet_id",
    "private_ip",
    "readonly_private_ip",
    "proxy_ip",
];

/// A count from the query: digits only, within `min..=max`.
fn count(
    q: &Query,
    key: &str,
    default: usize,
    min: usize,
    max: usize,
) -> Result<usize, TaurusError> {
    let Some(v) = q.get(key) else {
        return Ok(default);
    };
    v.parse::<usize>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            let range = if max == usize::MAX {
                format!("a number from {min} up")
            } else {
                format!("a number from {min} to {max}")
            };
            TaurusError::param(format!("{key} must be {range}, not {v}."))
        })
}

impl InstanceList {
    pub fn parse(project: String, q: &Query, unified: bool) -> Result<Self, TaurusError> {
        let tags = match q.get("tags") {
            None => Vec::new(),
            Some(raw) => {
                let mut pairs: Vec<(String, String)> = Vec::new();
                for pair in raw.split(',') {
                    let (k, v) = pair
                        .split_once('=')
                        .filter(|(k, _)| !k.is_empty())
                        .ok_or_else(|| {
                            TaurusError::param(format!(
                                "tags must be key=value pairs separated by commas, not {raw}."
                            ))
                        })?;
                    if pairs.iter().any(|(seen, _)| seen == k) {
                        return Err(TaurusError::param(format!("tags names the key {k} twice.")));
                    }
                    pairs.push((k.to_string(), v.to_string()));
                }
                pairs
            }
        };
        Ok(Self {
            project,
            unified,
            offset: count(q, "offset", 0, 0, usize::MAX)?,
            limit: count(q, "limit", 100, 1, 100)?,
            id: Match::parse(q, "id")?,
            name: Match::parse(q, "name")?,
            exact: EXACT
                .iter()
                .filter_map(|k| q.get(k).map(|v| (*k, v.to_string())))
                .collect(),
            tags,
        })
    }

    fn keeps(&self, i: &Instance) -> bool {
        let field = |key: &str, want: &str| match key {
            "type" => want == "Cluster",
            "datastore_type" => want == "gaussdb-mysql",
            "vpc_id" => want == i.vpc_id,
            "subnet_id" => want == i.subnet_id,
            "private_ip" => want == i.private_ip(),
            "readonly_private_ip" => i.readonly_ips().iter().any(|ip| ip == want),
            "proxy_ip" => i.proxy_ip.as_deref() == Some(want),
            _ => false,
        };
        i.project_id == self.project
            && self.id.as_ref().is_none_or(|m| m.matches(&i.id))
            && self.name.as_ref().is_none_or(|m| m.matches(&i.name))
            && self.exact.iter().all(|(k, v)| field(k, v))
            && self
                .tags
                .iter()
                .all(|(k, v)| i.tags.get(k).is_some_and(|t| t == v))
    }

    pub fn apply(self, core: &Core, model: &Model) -> Json {
        let matching: Vec<_> = model.instances.values().filter(|i| self.keeps(i)).collect();
        let total = matching.len();
        let instances = matching
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .map(|i| MysqlInstanceListInfo::new(core, i, self.unified))
            .collect();
        wire::render(&ListGaussMySqlInstancesResponse {
            instances,
            total_count: total,
        })
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

pub fn datastores(model: &Model) -> Json {
    wire::render(&ShowGaussMySqlEngineVersionResponse::new(model))
}
