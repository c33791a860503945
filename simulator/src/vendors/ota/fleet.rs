//! Building the fleet from the scenario's `ota:` section: agents listed one by one and
//! generated ranges, their uuids (given, or derived from the seed and the names so they are
//! the same in every run), the failures and outages the section plans for them. Every
//! mistake is an [`Invalid`] naming its scenario path.

use std::fmt::Write;
use std::sync::Arc;

use rand::Rng;

use super::config::Config;
use super::model::{Agent, Claim, Model, Names};
use crate::kernel::clock::parse_duration;
use crate::kernel::{Core, Invalid};

fn derived_uuid(core: &Core, key: &str) -> u128 {
    core.rng(key).random::<u128>()
}

fn parse_uuid(path: &str, text: &str) -> Result<u128, Invalid> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 {
        return Err(Invalid::new(
            path,
            "a uuid is 32 hex digits (dashes allowed), e.g. abcdef0123456789abcdef0123456789",
        ));
    }
    u128::from_str_radix(&hex, 16).map_err(|_| Invalid::new(path, "a uuid is made of hex digits"))
}

/// The uuid at `path` if the scenario gives one, else one derived from `key`.
fn uuid_or_derived(
    core: &Core,
    path: &str,
    given: Option<&String>,
    key: &str,
) -> Result<u128, Invalid> {
    match given {
        Some(u) => parse_uuid(path, u),
        None => Ok(derived_uuid(core, key)),
    }
}

/// What the fleet's agents share: their version, release and component names (a fleet of
/// 100,000 holds each once, each agent its numbers), one uuid per component name, and a
/// scratch string for the keys uuids are derived from (no allocation per key).
#[derive(Default)]
struct Shared {
    names: Names,
    key: String,
}

/// `key` cleared and written with `parts`.
fn write_key<'a>(key: &'a mut String, parts: &[&str]) -> &'a str {
    key.clear();
    for p in parts {
        key.push_str(p);
    }
    key
}

impl Shared {
    /// The uuid derived from `prefix` and `name` ("ota/node/" and the node's name).
    fn derived(&mut self, core: &Core, prefix: &str, name: &str) -> u128 {
        derived_uuid(core, write_key(&mut self.key, &[prefix, name]))
    }

    /// An online agent, unclaimed, with no fault planned.
    fn agent(
        &mut self,
        core: &Core,
        id: Arc<str>,
        (version, release, component): (&str, &str, &str),
        (node_uuid, lca_uuid): (u128, u128),
    ) -> Agent {
        let uuid = || derived_uuid(core, &format!("ota/component/{component}"));
        Agent {
            instance_uuid: self.derived(core, "ota/instance/", &id),
            id,
            version: self.names.intern(version),
            release: self.names.intern(release),
            component: self.names.component_of(component, uuid),
            node_uuid,
            lca_uuid,
            online: true,
            claim: Claim::NONE,
            faults: None,
        }
    }
}

impl Model {
    pub fn from_config(config: &Config, core: &mut Core) -> Result<Self, Invalid> {
        let settings = config.settings()?;
        let mut model = Model::default();
        let mut shared = Shared::default();
        // Every agent at once: no growing (and copying) of the fleet and its index.
        let total = config.fleet.agents.len()
            + (config.fleet.generate.iter())
                .map(|g| g.count.min(1_000_000))
                .sum::<usize>();
        model.agent_index.reserve(total);
        Arc::make_mut(&mut model.agents).reserve(total);
        for (i, a) in config.fleet.agents.iter().enumerate() {
            let path = format!("ota.fleet.agents[{i}]");
            if a.id.trim().is_empty() || a.id.contains(',') {
                return Err(Invalid::new(
                    &format!("{path}.id"),
                    "an agent id must be non-empty and contain no comma",
                ));
            }
            let node = a.node.as_deref().unwrap_or(&a.id);
            // The node's and the LCA's uuid: given, or derived from the node's name.
            let uuid = |of: &str, given: Option<&String>| {
                let key = format!("ota/{of}/{node}");
                uuid_or_derived(core, &format!("{path}.{of}_uuid"), given, &key)
            };
            let node_uuid = uuid("node", a.node_uuid.as_ref())?;
            let lca_uuid = uuid("lca", a.lca_uuid.as_ref())?;
            let mut agent = shared.agent(
                core,
                Arc::from(a.id.as_str()),
                (&a.version, &a.release, &a.component),
                (node_uuid, lca_uuid),
            );
            agent.online = !a.offline;
            model.add_agent(agent, &format!("{path}.id"))?;
        }
        for (g, gen) in config.fleet.generate.iter().enumerate() {
            let path = format!("ota.fleet.generate[{g}]");
            if gen.count > 1_000_000 {
                return Err(Invalid::new(
                    &format!("{path}.count"),
                    "at most 1,000,000 agents per range",
                ));
            }
            if gen.agents_per_node == 0 {
                return Err(Invalid::new(
                    &format!("{path}.agents_per_node"),
                    "must be at least 1",
                ));
            }
            let last = gen.start + gen.count.saturating_sub(1);
            let digits = gen.digits.unwrap_or_else(|| last.to_string().len().max(4));
            let mut node = String::new();
            for n in 0..gen.count {
                let id = format!("{}{:0digits$}", gen.prefix, gen.start + n);
                node.clear();
                let _ = write!(node, "{}node-{}", gen.prefix, n / gen.agents_per_node);
                let uuids = (
                    shared.derived(core, "ota/node/", &node),
                    shared.derived(core, "ota/lca/", &node),
                );
                let names = (&*gen.version, &*gen.release, &*gen.component);
                let agent = shared.agent(core, Arc::from(id), names, uuids);
                model.add_agent(agent, &format!("{path}.prefix"))?;
            }
        }
        for (i, f) in config.faults.failing_agents.iter().enumerate() {
            let path = format!("ota.faults.failing_agents[{i}].agent");
            let a = model.agent_named(&path, &f.agent)?;
            let faults = a.faults_mut();
            faults.forced_failures = f.times;
            faults.forced_error = f.error.as_deref().map(Arc::from);
        }
        for (i, f) in config.faults.offline_agents.iter().enumerate() {
            let base = format!("ota.faults.offline_agents[{i}]");
            let after =
                parse_duration(&f.after).map_err(|e| Invalid::new(&format!("{base}.after"), &e))?;
            let back = match &f.for_ {
                Some(t) => {
                    Some(parse_duration(t).map_err(|e| Invalid::new(&format!("{base}.for"), &e))?)
                }
                None => None,
            };
            let a = model.agent_named(&format!("{base}.agent"), &f.agent)?;
            a.faults_mut().offline = Some((after, back));
        }
        model.settings = Some(settings);
        model.names = Arc::new(shared.names);
        Ok(model)
    }

    fn add_agent(&mut self, agent: Agent, path: &str) -> Result<(), Invalid> {
        if self.agent_index.contains_key(&agent.id) {
            return Err(Invalid::new(
                path,
                &format!("agent id '{}' is declared twice", agent.id),
            ));
        }
        let n = self.agents.len() as u32;
        self.agent_index.insert(agent.id.clone(), n);
        Arc::make_mut(&mut self.agents).push(agent);
        Ok(())
    }

    fn agent_named(&mut self, path: &str, id: &str) -> Result<&mut Agent, Invalid> {
        match self.agent_index.get(id) {
            Some(&n) => Ok(&mut Arc::make_mut(&mut self.agents)[n as usize]),
            None => Err(Invalid::new(path, &format!("no agent '{id}' in ota.fleet"))),
        }
    }
}
