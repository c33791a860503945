//! The cluster the agent manages: its hosts (agent and observer per server, zone by zone), the
//! running agent and OB versions, the package store and the global maintenance lock. Split
//! from the task engine because the pre-checks, the DTOs and the domain faults all read it
//! without caring how DAGs run.

use super::model::Model;
use super::state::{LockOp, LockState};
use crate::kernel::{Core, Millis, StateTable};

/// One host: its agent and its observer.
#[derive(Debug, Clone)]
pub struct Server {
    pub ip: String,
    pub port: u16,
    pub sql_port: u16,
    /// The observer's RPC port (`svr_port`).
    pub rpc_port: u16,
    pub zone: usize,
    pub agent_up: bool,
    pub observer_up: bool,
}

impl Server {
    pub fn addr(&self) -> String {
        format!("{}:{}", self.ip, self.port)
    }
    pub fn sql_addr(&self) -> String {
        format!("{}:{}", self.ip, self.sql_port)
    }
}

/// A package in the store: a row of `ocs.upgrade_pkg_info` (4.2.6 and HEAD
/// `repository/model/oceanbase/upgrade_pkg_info.go`).
#[derive(Debug, Clone, Default)]
pub struct Package {
    pub pkg_id: u64,
    pub name: String,
    pub version: String,
    /// The whole release (`ReleaseDistribution`), e.g. `101000062023110109.el7`.
    pub release: String,
    pub arch: String,
    /// `RPMTAG_SIZE`.
    pub size: u64,
    /// `RPMSIGTAG_SIZE`.
    pub payload_size: u64,
    pub chunk_count: u64,
    pub md5: String,
    /// The route YAML an `oceanbase-ce` package carries ("" when none).
    pub upgrade_dep_yaml: String,
    pub uploaded_at: Millis,
}

impl Package {
    pub fn rpm(&self) -> String {
        rpm_name(&self.name, &self.version, &self.release, &self.arch)
    }

    fn is(&self, name: &str, version: &str, release: &str, arch: &str) -> bool {
        self.name == name && self.version == version && self.release == release && self.arch == arch
    }
}

pub fn rpm_name(name: &str, version: &str, release: &str, arch: &str) -> String {
    format!("{name}-{version}-{release}.{arch}.rpm")
}

/// The global maintenance lock and the DAG (index) holding it. Its moves follow
/// [`LockState`]'s table; the lock is not journalled (the DAG's creation and end are).
#[derive(Debug, Clone, Copy, Default)]
pub struct Maintenance {
    holder: Option<usize>,
}

impl Maintenance {
    pub fn state(&self) -> LockState {
        match self.holder {
            Some(_) => LockState::Held,
            None => LockState::Free,
        }
    }

    /// The DAG (index) holding the lock.
    pub fn holder(&self) -> Option<usize> {
        self.holder
    }

    /// Takes the lock for DAG `d`; where the table refuses (it is held), the holder.
    pub fn acquire(&mut self, d: usize) -> Result<(), usize> {
        match (self.state().permits(LockOp::Acquire), self.holder) {
            (false, Some(holder)) => Err(holder),
            _ => {
                self.holder = Some(d);
                Ok(())
            }
        }
    }

    /// Gives the lock back if DAG `d` holds it.
    pub fn release(&mut self, d: usize) {
        if self.holder == Some(d) && self.state().permits(LockOp::Release) {
            self.holder = None;
        }
    }
}

impl Model {
    /// The agent the SDK talks to (the first server): it creates DAGs and runs serial nodes.
    pub fn master(&self) -> &Server {
        &self.servers[0]
    }

    /// `VERSION-BUILD` of the running agent, as the upgrade check compares it.
    pub fn agent_full_version(&self) -> String {
        format!(
            "{}-{}",
            self.agent_version,
            build_number(&self.agent_release)
        )
    }

    pub fn ob_full_version(&self) -> String {
        format!("{}-{}", self.ob_version, build_number(&self.ob_release))
    }

    /// The servers of zone `who`, or the server whose agent or SQL address is `who`.
    fn find_servers(&self, who: &str) -> Result<Vec<usize>, String> {
        let zone = self.zones.iter().position(|z| z == who);
        let found: Vec<usize> = (0..self.servers.len())
            .filter(|&i| {
                let s = &self.servers[i];
                match zone {
                    Some(z) => s.zone == z,
                    None => s.addr() == who || s.sql_addr() == who,
                }
            })
            .collect();
        if found.is_empty() && zone.is_none() {
            Err(format!(
                "no server or zone '{who}' (use a zone name or ip:port of a server)"
            ))
        } else {
            Ok(found)
        }
    }

    pub fn set_agent(&mut self, who: &str, up: bool) -> Result<(), String> {
        for i in self.find_servers(who)? {
            self.servers[i].agent_up = up;
        }
        Ok(())
    }

    pub fn set_observer(&mut self, who: &str, up: bool) -> Result<(), String> {
        for i in self.find_servers(who)? {
            self.servers[i].observer_up = up;
        }
        Ok(())
    }

    /// The agents that are not RUNNING, as the pre-check lists them (`a,b`).
    pub fn agents_down(&self) -> Option<String> {
        // HEAD `upgrade_agent_check.go`: `strings.Join(unavailableAgents, ",")`.
        self.down(|s| s.agent_up, Server::addr, ",")
    }

    /// The observers that are down, as the pre-check lists them (`a,b`).
    pub fn observers_down(&self) -> Option<String> {
        self.down(|s| s.observer_up, Server::sql_addr, ",")
    }

    fn down(
        &self,
        up: impl Fn(&Server) -> bool,
        addr: impl Fn(&Server) -> String,
        sep: &str,
    ) -> Option<String> {
        let down: Vec<String> = self.servers.iter().filter(|s| !up(s)).map(addr).collect();
        (!down.is_empty()).then(|| down.join(sep))
    }

    pub fn has_package(&self, name: &str, version: &str, release: &str) -> bool {
        self.packages
            .iter()
            .any(|p| p.is(name, version, release, &self.arch))
    }

    /// Stores a package as a new row (the real table has no unique key: a second upload of
    /// the same coordinates is another row, and lookups take the last, gorm's `Last`).
    pub fn add_package(&mut self, core: &Core, mut p: Package) -> Package {
        p.pkg_id = self.next_pkg_id;
        p.uploaded_at = core.now();
        self.next_pkg_id += 1;
        self.packages.push(p.clone());
        p
    }

    /// The last stored package with these coordinates (on the cluster's arch).
    pub fn find_package(&self, name: &str, version: &str, release: &str) -> Option<&Package> {
        self.packages
            .iter()
            .rev()
            .find(|p| p.is(name, version, release, &self.arch))
    }
}

/// The part of a release before its first dot.
pub fn build_number(release: &str) -> &str {
    release.split('.').next().unwrap_or(release)
}

/// `pkg.CompareVersion`: dotted numeric parts (more parts = greater), then the build number.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    fn split(v: &str) -> (Vec<u64>, u128) {
        let (ver, build) = v.split_once('-').unwrap_or((v, "0"));
        (
            ver.split('.')
                .map(|p| p.trim().parse().unwrap_or(0))
                .collect(),
            build.trim().parse().unwrap_or(0),
        )
    }
    let (va, ba) = split(a);
    let (vb, bb) = split(b);
    for (x, y) in va.iter().zip(vb.iter()) {
        if x != y {
            return x.cmp(y);
        }
    }
    va.len().cmp(&vb.len()).then(ba.cmp(&bb))
}
