//! The OB upgrade route: from the running version to the target through the target package's
//! `oceanbase_upgrade_dep.yml`, as the real server finds it (4.2.6 and HEAD
//! `executor/ob/upgrade_route.go` `GetOBUpgradeRoute`, `upgrade_ob_check.go`
//! `generateUpgradeRouteList`). The graph, its stack-ordered search, the path walk-back and the
//! barrier filter (`FormatRoute`) are the server's, quirks included: each edge is listed twice,
//! a neighbour missing from the file is a fresh node, and a target that cannot be reached
//! leaves an empty path that the server indexes and panics on. The route's length less one is
//! R, the number of "Upgrade process" templates in the DAG.

use serde::Deserialize;

use super::config::Profile;

/// `RELEASE_NULL`: an entry written without a build number.
pub const NULL: &str = "null";

/// One step of a route: a version, its build number (or `null`), whether it is a barrier, and
/// the deprecated build numbers of that version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub version: String,
    pub release: String,
    pub barrier: bool,
    pub deprecated: Vec<String>,
}

/// Why no route was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoRoute {
    /// The yaml did not parse (yaml.v2's words are not reproduced; the reason is the parser's).
    Yaml(String),
    /// `version %s has duplicate`.
    Duplicate(String),
    /// The running version is not in the file (`OB.Upgrade.Path.NotExist`): from, to.
    NoStart(String, String),
    /// The target is not reachable: the real server panics (index out of range), a 500.
    Unreachable,
    /// The target version is deprecated.
    Deprecated(String),
}

/// An entry as the file has it (unknown keys ignored, as yaml.v2 does).
#[derive(Debug, Clone, Deserialize)]
struct Entry {
    #[serde(default)]
    version: String,
    #[serde(default)]
    can_be_upgraded_to: Vec<String>,
    #[serde(default)]
    deprecated: bool,
    #[serde(default)]
    require_from_binary: Option<serde_yaml_ng::Value>,
}

/// A graph node (`VersionDep` after `BuildVersionNode`).
#[derive(Debug, Clone)]
struct Node {
    version: String,
    release: String,
    next: Vec<usize>,
    deprecated: bool,
    require: Option<serde_yaml_ng::Value>,
    precursor: Option<usize>,
    /// Keyed in the map (an entry of the file), not a fresh neighbour.
    listed: bool,
}

fn split(v: &str) -> (String, String) {
    let mut parts = v.split('-');
    let version = parts.next().unwrap_or_default().to_string();
    let release = parts.next().map_or(NULL.to_string(), str::to_string);
    (version, release)
}

/// The route from `current` to `target` (each a version and a build number) through `yaml`.
pub fn find(
    profile: Profile,
    yaml: &str,
    current: (&str, &str),
    target: (&str, &str),
) -> Result<Vec<Step>, NoRoute> {
    let entries: Vec<Entry> =
        serde_yaml_ng::from_str(yaml).map_err(|e| NoRoute::Yaml(e.to_string()))?;
    // Build: the map's keys are the entries' versions as written.
    let mut nodes: Vec<Node> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for e in &entries {
        if keys.contains(&e.version) {
            return Err(NoRoute::Duplicate(e.version.clone()));
        }
        keys.push(e.version.clone());
        let (version, release) = split(&e.version);
        nodes.push(Node {
            version,
            release,
            next: Vec::new(),
            deprecated: e.deprecated,
            require: e.require_from_binary.clone(),
            precursor: None,
            listed: true,
        });
    }
    for (i, e) in entries.iter().enumerate() {
        // BuildNeighbours runs twice over the list (direct false, then true).
        for _ in 0..2 {
            for k in &e.can_be_upgraded_to {
                let n = match keys.iter().position(|key| key == k) {
                    Some(n) => n,
                    None => {
                        let (version, release) = split(k);
                        nodes.push(Node {
                            version,
                            release,
                            next: Vec::new(),
                            deprecated: false,
                            require: None,
                            precursor: None,
                            listed: false,
                        });
                        nodes.len() - 1
                    }
                };
                if nodes[n].release == NULL {
                    nodes[i].next.push(n);
                } else {
                    nodes[i].next.insert(0, n);
                }
            }
        }
    }
    let start = get_node(&nodes, &keys, current)
        .ok_or_else(|| NoRoute::NoStart(current.0.into(), target.0.into()))?;
    // The search: a stack (the last pushed is taken first), visited by node.
    let mut stack = vec![start];
    let mut visited = vec![false; nodes.len()];
    visited[start] = true;
    let mut last = None;
    while let Some(n) = stack.pop() {
        if nodes[n].version == target.0 {
            if nodes[n].release == target.1 {
                last = Some(n);
                break;
            }
            if nodes[n].release == NULL {
                let mut pushed = false;
                for v in nodes[n].next.clone() {
                    if !visited[v] && nodes[v].version == target.0 {
                        pushed = true;
                        nodes[v].precursor = Some(n);
                        stack.push(v);
                        visited[v] = true;
                    }
                }
                if !pushed {
                    last = Some(n);
                    break;
                }
            }
        } else {
            for v in nodes[n].next.clone() {
                if !visited[v] {
                    nodes[v].precursor = Some(n);
                    stack.push(v);
                    visited[v] = true;
                }
            }
        }
    }
    // The walk back, skipping same-version precursors.
    let mut path = Vec::new();
    let mut p = last;
    while let Some(n) = p {
        path.insert(0, n);
        let mut pre = nodes[n].precursor;
        while let Some(q) = pre {
            match nodes[q].precursor {
                Some(qq) if nodes[n].version == nodes[q].version => pre = Some(qq),
                _ => break,
            }
        }
        p = pre;
    }
    if path.len() == 1 {
        path.insert(0, start);
    }
    if path.last().is_some_and(|&n| nodes[n].deprecated) {
        return Err(NoRoute::Deprecated(target.0.into()));
    }
    if path.is_empty() {
        return Err(NoRoute::Unreachable);
    }
    Ok(format_route(profile, &nodes, &path))
}

/// `GetNode`: the entry keyed `<version>-<build>`, else the entry of that version with the
/// greatest release (as strings compare).
fn get_node(nodes: &[Node], keys: &[String], repo: (&str, &str)) -> Option<usize> {
    let key = format!("{}-{}", repo.0, repo.1);
    if let Some(i) = keys.iter().position(|k| *k == key) {
        return Some(i);
    }
    let mut found: Option<usize> = None;
    for (i, n) in nodes.iter().enumerate().filter(|(_, n)| n.listed) {
        if n.version == repo.0 && found.is_none_or(|f| n.release > nodes[f].release) {
            found = Some(i);
        }
    }
    found
}

/// `FormatRoute`: each step's barrier flag (a `when_come_from` list holds only after the last
/// barrier), then the start, the barriers between, and the target.
fn format_route(profile: Profile, nodes: &[Node], path: &[usize]) -> Vec<Step> {
    use serde_yaml_ng::Value;
    let mut steps = Vec::new();
    let mut pre = path[0];
    for &i in path {
        let n = &nodes[i];
        let (mut value, when): (bool, Vec<String>) = match &n.require {
            Some(Value::Bool(b)) => (*b, Vec::new()),
            Some(Value::Mapping(m)) => (
                m.get("value").and_then(Value::as_bool).unwrap_or(false),
                m.get("when_come_from")
                    .and_then(Value::as_sequence)
                    .map(|s| {
                        s.iter()
                            .filter_map(|v| match v {
                                Value::String(s) => Some(s.clone()),
                                Value::Number(x) => Some(x.to_string()),
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            _ => (false, Vec::new()),
        };
        if !when.is_empty() {
            let p = &nodes[pre];
            let full = format!("{}-{}", p.version, p.release);
            value = value && when.iter().any(|w| *w == p.version || *w == full);
            if value {
                pre = i;
            }
        }
        let deprecated = nodes
            .iter()
            .filter(|m| m.listed && m.version == n.version && m.deprecated)
            .map(|m| m.release.clone())
            .collect();
        steps.push(Step {
            version: n.version.clone(),
            release: n.release.clone(),
            barrier: value,
            deprecated,
        });
    }
    let mut out = vec![steps[steps.len() - 1].clone()];
    // HEAD stops before the start; 4.2.6 looks at the start too (and may list it twice).
    let low = usize::from(profile == Profile::Current);
    for i in (low..steps.len().saturating_sub(1)).rev() {
        if steps[i].barrier {
            out.insert(0, steps[i].clone());
        }
    }
    out.insert(0, steps[0].clone());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEP: &str = "
- version: 4.2.1.0
  can_be_upgraded_to: [4.2.1.1]
- version: 4.2.1.1
  can_be_upgraded_to: [4.2.2.0]
  require_from_binary:
    value: true
    when_come_from: [4.2.1.0]
- version: 4.2.2.0
  can_be_upgraded_to: [4.3.0.0]
  require_from_binary: true
- version: 4.3.0.0
";

    fn versions(r: &[Step]) -> Vec<&str> {
        r.iter().map(|s| s.version.as_str()).collect()
    }

    #[test]
    fn barriers_on_the_way_become_steps_of_the_route() {
        let r = find(Profile::Current, DEP, ("4.2.1.0", "1"), ("4.3.0.0", "9")).unwrap();
        assert_eq!(versions(&r), ["4.2.1.0", "4.2.1.1", "4.2.2.0", "4.3.0.0"]);
        // From 4.2.1.1 the `when_come_from` barrier does not hold: 4.2.2.0 is the only one.
        let r = find(Profile::Current, DEP, ("4.2.1.1", "1"), ("4.3.0.0", "9")).unwrap();
        assert_eq!(versions(&r), ["4.2.1.1", "4.2.2.0", "4.3.0.0"]);
        // A direct edge with no barrier between: one step.
        let r = find(Profile::Current, DEP, ("4.2.2.0", "1"), ("4.3.0.0", "9")).unwrap();
        assert_eq!(versions(&r), ["4.2.2.0", "4.3.0.0"]);
    }

    #[test]
    fn a_plain_true_barrier_does_not_move_the_when_come_from_reference() {
        // `preBarrier` moves only at a `when_come_from` barrier: after the plain `true` at
        // 4.2.2.0 it is still the start, so 4.2.3.0's condition fails.
        let dep = "
- {version: 4.2.1.0, can_be_upgraded_to: [4.2.2.0]}
- {version: 4.2.2.0, can_be_upgraded_to: [4.2.3.0], require_from_binary: true}
- {version: 4.2.3.0, can_be_upgraded_to: [4.3.0.0], require_from_binary: {value: true, when_come_from: [4.2.2.0]}}
- {version: 4.3.0.0}
";
        let r = find(Profile::Current, dep, ("4.2.1.0", "1"), ("4.3.0.0", "9")).unwrap();
        assert_eq!(versions(&r), ["4.2.1.0", "4.2.2.0", "4.3.0.0"]);
    }

    #[test]
    fn legacy_counts_a_barrier_at_the_start_twice_and_head_does_not() {
        // 4.2.6 `FormatRoute` scans down to index 0 (`i >= 0`), so a start that is itself a
        // barrier is listed again: one more upgrade process. HEAD stops at 1.
        let dep = "
- {version: 4.2.1.0, can_be_upgraded_to: [4.3.0.0], require_from_binary: true}
- {version: 4.3.0.0}
";
        let legacy = find(Profile::Legacy, dep, ("4.2.1.0", "1"), ("4.3.0.0", "9")).unwrap();
        assert_eq!(versions(&legacy), ["4.2.1.0", "4.2.1.0", "4.3.0.0"]);
        let head = find(Profile::Current, dep, ("4.2.1.0", "1"), ("4.3.0.0", "9")).unwrap();
        assert_eq!(versions(&head), ["4.2.1.0", "4.3.0.0"]);
    }

    #[test]
    fn a_missing_start_or_target_is_the_servers_refusal() {
        assert_eq!(
            find(Profile::Current, DEP, ("4.1.0.0", "1"), ("4.3.0.0", "9")),
            Err(NoRoute::NoStart("4.1.0.0".into(), "4.3.0.0".into()))
        );
        assert_eq!(
            find(Profile::Current, DEP, ("4.2.1.0", "1"), ("4.4.0.0", "9")),
            Err(NoRoute::Unreachable)
        );
        let dup = "- version: 4.2.1.0\n- version: 4.2.1.0\n";
        assert_eq!(
            find(Profile::Legacy, dup, ("4.2.1.0", "1"), ("4.4.0.0", "9")),
            Err(NoRoute::Duplicate("4.2.1.0".into()))
        );
    }
}
