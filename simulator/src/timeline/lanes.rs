//! From journal entries to lanes: one lane per resource, children under their parent by path
//! prefix ("dag/12/node/3" under "dag/12"), each lane a run of state segments cut at its
//! transitions, plus the faults that fired on it. Vendors get a section each, in the order
//! they first appear. Big families are collapsed so a fleet of hundreds stays readable.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use serde_json::Value;

use super::palette::Family;
use crate::kernel::clock::Millis;
use crate::kernel::{Entry, EntryKind};

/// A stretch of time a resource spent in one state.
#[derive(Debug, Clone)]
pub struct Segment {
    pub state: String,
    pub family: Family,
    pub start: Millis,
    pub end: Millis,
    /// The dates of start and end, as the journal wrote them.
    pub start_at: String,
    pub end_at: String,
    /// Still in this state when the journal ends.
    pub open: bool,
    /// Before the resource's first transition: the state it left, assumed since the start.
    pub assumed: bool,
    /// The detail of the transition that entered this state.
    pub detail: Value,
}

/// A fault firing.
#[derive(Debug, Clone)]
pub struct Mark {
    pub vendor: String,
    pub at: Millis,
    pub at_date: String,
    pub resource: String,
    pub detail: Value,
}

/// One row of the chart.
#[derive(Debug, Clone)]
pub enum Row {
    Lane(Lane),
    /// Children left out of a big family, counted by the family of their last state.
    Collapsed {
        depth: usize,
        parent: String,
        hidden: usize,
        by_family: BTreeMap<Family, usize>,
    },
}

#[derive(Debug, Clone)]
pub struct Lane {
    pub path: String,
    /// How many ancestors it has on the chart.
    pub depth: usize,
    /// The label: the path relative to its parent lane.
    pub label: String,
    pub segments: Vec<Segment>,
    pub faults: Vec<Mark>,
}

impl Lane {
    /// Whether anything went wrong here (it is kept when its family is collapsed).
    fn troubled(&self) -> bool {
        !self.faults.is_empty()
            || self
                .segments
                .iter()
                .any(|s| matches!(s.family, Family::Failed | Family::Paused))
    }

    fn last_family(&self) -> Option<Family> {
        self.segments.last().map(|s| s.family)
    }
}

/// A time bucket of vendor requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestBin {
    pub start: Millis,
    pub end: Millis,
    pub total: usize,
    /// Answered 4xx or 5xx.
    pub errors: usize,
}

/// Everything drawn for one vendor.
#[derive(Debug, Clone)]
pub struct Section {
    pub vendor: String,
    pub rows: Vec<Row>,
    /// Faults that fired on no drawn resource (timeline actions, refused requests).
    pub loose_faults: Vec<Mark>,
    pub requests: Vec<RequestBin>,
    pub request_count: usize,
    /// Fault firings of this vendor, drawn or not.
    pub fault_count: usize,
    /// Resources that have a lane (before any cap).
    pub resource_count: usize,
}

/// How much to draw.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Lanes on the whole page; the rest are counted in a note.
    pub max_lanes: usize,
    /// Children shown under one parent; the rest are summed up in one row.
    pub max_children: usize,
    /// Buckets the request strip is cut into.
    pub request_bins: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_lanes: 400,
            max_children: 30,
            request_bins: 240,
        }
    }
}

/// The chart, ready to render.
#[derive(Debug, Clone)]
pub struct Chart {
    pub start: Millis,
    pub end: Millis,
    pub start_at: String,
    pub end_at: String,
    pub sections: Vec<Section>,
    /// Lanes left off because of `max_lanes`.
    pub lanes_cut: usize,
    pub transitions: usize,
    pub faults: Vec<Mark>,
}

/// Splits a path into segments that sort naturally ("node/10" after "node/9").
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let mut xs = a.split('/');
    let mut ys = b.split('/');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    _ => x.cmp(y),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// Whether `path` names a resource worth a lane ("dag/12"), not a bucket like "request".
fn is_resource(path: &str) -> bool {
    path.contains('/')
}

/// Whether `ancestor` is a proper path prefix of `path`.
fn is_under(path: &str, ancestor: &str) -> bool {
    path.len() > ancestor.len()
        && path.starts_with(ancestor)
        && path.as_bytes()[ancestor.len()] == b'/'
}

#[derive(Default)]
struct Resource {
    first_seen: Option<(Millis, String)>,
    /// (at, date, from, to, detail)
    transitions: Vec<(Millis, String, Option<String>, String, Value)>,
    faults: Vec<Mark>,
}

#[derive(Default)]
struct VendorAcc {
    resources: BTreeMap<String, Resource>,
    loose_faults: Vec<Mark>,
    requests: Vec<(Millis, u64)>,
}

/// Builds the chart of `entries` (in time order).
pub fn build(entries: &[Entry], limits: Limits) -> Chart {
    let start = entries.first().map_or(0, |e| e.at_ms);
    let end = entries.last().map_or(0, |e| e.at_ms);
    let start_at = entries.first().map(|e| e.at.clone()).unwrap_or_default();
    let end_at = entries.last().map(|e| e.at.clone()).unwrap_or_default();
    let mut vendors: IndexMap<String, VendorAcc> = IndexMap::new();
    let mut transitions = 0;
    let mut all_faults = Vec::new();

    for e in entries {
        let acc = vendors.entry(e.vendor.clone()).or_default();
        match e.kind {
            EntryKind::Request => {
                let status = e.detail.get("status").and_then(Value::as_u64).unwrap_or(0);
                acc.requests.push((e.at_ms, status));
                continue;
            }
            EntryKind::Fault => {
                let mark = Mark {
                    vendor: e.vendor.clone(),
                    at: e.at_ms,
                    at_date: e.at.clone(),
                    resource: e.resource.clone(),
                    detail: e.detail.clone(),
                };
                all_faults.push(mark.clone());
                if is_resource(&e.resource) {
                    let r = acc.resources.entry(e.resource.clone()).or_default();
                    r.first_seen.get_or_insert((e.at_ms, e.at.clone()));
                    r.faults.push(mark);
                } else {
                    acc.loose_faults.push(mark);
                }
            }
            EntryKind::Transition => {
                transitions += 1;
                let r = acc.resources.entry(e.resource.clone()).or_default();
                r.first_seen.get_or_insert((e.at_ms, e.at.clone()));
                let to = e.to.clone().unwrap_or_else(|| "?".into());
                r.transitions
                    .push((e.at_ms, e.at.clone(), e.from.clone(), to, e.detail.clone()));
            }
            EntryKind::Event => {
                // An event only tells us a resource existed by then (it may open its lane).
                if let Some(r) = acc.resources.get_mut(&e.resource) {
                    r.first_seen.get_or_insert((e.at_ms, e.at.clone()));
                }
            }
        }
    }

    let mut sections = Vec::new();
    let mut budget = limits.max_lanes;
    let mut lanes_cut = 0;
    for (vendor, acc) in vendors {
        if acc.resources.is_empty() && acc.loose_faults.is_empty() && acc.requests.is_empty() {
            continue;
        }
        let resource_count = acc.resources.len();
        let fault_count = acc.loose_faults.len()
            + acc
                .resources
                .values()
                .map(|r| r.faults.len())
                .sum::<usize>();
        let lanes = lanes_of(acc.resources, (start, &start_at), end, &end_at);
        let rows = collapse(lanes, limits.max_children);
        let mut kept = Vec::new();
        for row in rows {
            if budget == 0 {
                if let Row::Lane(_) = row {
                    lanes_cut += 1;
                }
                continue;
            }
            budget -= 1;
            kept.push(row);
        }
        let request_count = acc.requests.len();
        sections.push(Section {
            vendor,
            rows: kept,
            loose_faults: acc.loose_faults,
            requests: bin_requests(&acc.requests, start, end, limits.request_bins),
            request_count,
            fault_count,
            resource_count,
        });
    }
    Chart {
        start,
        end,
        start_at,
        end_at,
        sections,
        lanes_cut,
        transitions,
        faults: all_faults,
    }
}

/// Lanes in tree order, with a lane added for every missing ancestor ("dag/12" for
/// "dag/12/node/3" when the DAG itself never changed state) so children sit under a parent.
fn lanes_of(
    resources: BTreeMap<String, Resource>,
    start: (Millis, &str),
    end: Millis,
    end_at: &str,
) -> Vec<Lane> {
    let mut paths: BTreeSet<String> = resources.keys().cloned().collect();
    for p in resources.keys() {
        let parts: Vec<&str> = p.split('/').collect();
        // Resource paths come in kind/id pairs: "session/s1/task/2" has ancestor "session/s1".
        let mut n = 2;
        while n < parts.len() {
            paths.insert(parts[..n].join("/"));
            n += 2;
        }
    }
    let mut paths: Vec<String> = paths.into_iter().collect();
    paths.sort_by(|a, b| natural_cmp(a, b));

    let mut lanes = Vec::with_capacity(paths.len());
    let mut stack: Vec<String> = Vec::new();
    for path in paths {
        while stack.last().is_some_and(|top| !is_under(&path, top)) {
            stack.pop();
        }
        let label = match stack.last() {
            Some(parent) => path[parent.len() + 1..].to_string(),
            None => path.clone(),
        };
        let depth = stack.len();
        let (segments, faults) = match resources.get(&path) {
            Some(r) => (segments_of(r, start, end, end_at), r.faults.clone()),
            None => (Vec::new(), Vec::new()),
        };
        lanes.push(Lane {
            path: path.clone(),
            depth,
            label,
            segments,
            faults,
        });
        stack.push(path);
    }
    lanes
}

/// A resource's states: the state it left first (from when it was first seen), then one
/// segment per transition, the last running to the end of the journal.
fn segments_of(r: &Resource, start: (Millis, &str), end: Millis, end_at: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    if let Some((first, first_at, Some(from), _, _)) = r.transitions.first() {
        // A fleet's resources exist from the scenario's start without a journal line; the
        // state a resource first left is drawn from the start, marked as assumed.
        let (seen, seen_at) = start;
        if seen < *first {
            out.push(Segment {
                state: from.clone(),
                family: Family::of(from),
                start: seen,
                end: *first,
                start_at: seen_at.to_string(),
                end_at: first_at.clone(),
                open: false,
                assumed: true,
                detail: Value::Null,
            });
        }
    }
    for (i, (at, date, _, to, detail)) in r.transitions.iter().enumerate() {
        let (seg_end, seg_end_at, open) = match r.transitions.get(i + 1) {
            Some(next) => (next.0, next.1.clone(), false),
            None => (end, end_at.to_string(), true),
        };
        out.push(Segment {
            state: to.clone(),
            family: Family::of(to),
            start: *at,
            end: seg_end,
            start_at: date.clone(),
            end_at: seg_end_at,
            open,
            assumed: false,
            detail: detail.clone(),
        });
    }
    out
}

/// Keeps at most `max_children` direct children per parent, troubled ones first, and sums up
/// the rest (with their own children) in one row.
fn collapse(lanes: Vec<Lane>, max_children: usize) -> Vec<Row> {
    // Direct children per parent index.
    let mut children: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut parent_of: Vec<Option<usize>> = Vec::with_capacity(lanes.len());
    for (i, lane) in lanes.iter().enumerate() {
        stack.truncate(lane.depth);
        let parent = stack.last().copied();
        parent_of.push(parent);
        if let Some(p) = parent {
            children.entry(p).or_default().push(i);
        }
        stack.push(i);
    }
    // Which lanes to hide, and the summary to put after each over-full parent's last shown child.
    let mut hidden = vec![false; lanes.len()];
    let mut summaries: BTreeMap<usize, (usize, BTreeMap<Family, usize>)> = BTreeMap::new();
    for (&p, kids) in &children {
        if kids.len() <= max_children {
            continue;
        }
        let troubled: Vec<usize> = kids
            .iter()
            .copied()
            .filter(|&k| lanes[k].troubled())
            .collect();
        let mut keep: BTreeSet<usize> = troubled.into_iter().take(max_children).collect();
        for &k in kids {
            if keep.len() >= max_children {
                break;
            }
            keep.insert(k);
        }
        let mut by_family = BTreeMap::new();
        let mut count = 0;
        for &k in kids {
            if !keep.contains(&k) {
                count += 1;
                if let Some(f) = lanes[k].last_family() {
                    *by_family.entry(f).or_insert(0) += 1;
                }
            }
        }
        summaries.insert(p, (count, by_family));
        for &k in kids {
            if !keep.contains(&k) {
                hidden[k] = true;
            }
        }
    }
    // Descendants of hidden lanes are hidden too.
    for i in 0..lanes.len() {
        if let Some(p) = parent_of[i] {
            if hidden[p] {
                hidden[i] = true;
            }
        }
    }
    let mut rows = Vec::with_capacity(lanes.len());
    let depths: Vec<usize> = lanes.iter().map(|l| l.depth).collect();
    let paths: Vec<String> = lanes.iter().map(|l| l.path.clone()).collect();
    for (i, lane) in lanes.into_iter().enumerate() {
        if !hidden[i] {
            rows.push(Row::Lane(lane));
        }
        // After the last descendant of a collapsed parent, its summary row.
        let next_depth = depths.get(i + 1).copied().unwrap_or(0);
        let mut closing = Some(i);
        while let Some(c) = closing {
            if depths[c] < next_depth {
                break;
            }
            if let Some((count, by_family)) = summaries.remove(&c).filter(|_| !hidden[c]) {
                rows.push(Row::Collapsed {
                    depth: depths[c] + 1,
                    parent: paths[c].clone(),
                    hidden: count,
                    by_family,
                });
            }
            closing = parent_of[c].filter(|&p| depths[p] >= next_depth);
        }
    }
    rows
}

/// Counts requests into equal buckets of time (empty buckets are left out).
fn bin_requests(
    requests: &[(Millis, u64)],
    start: Millis,
    end: Millis,
    bins: usize,
) -> Vec<RequestBin> {
    if requests.is_empty() {
        return Vec::new();
    }
    let bins = bins.max(1) as u64;
    let span = end.saturating_sub(start).max(1_000);
    let width = span.div_ceil(bins).max(1);
    let mut out: BTreeMap<u64, RequestBin> = BTreeMap::new();
    for &(at, status) in requests {
        let b = (at.saturating_sub(start) / width).min(bins - 1);
        let bin = out.entry(b).or_insert_with(|| RequestBin {
            start: start + b * width,
            end: (start + (b + 1) * width).min(start + span),
            ..RequestBin::default()
        });
        bin.total += 1;
        if status >= 400 {
            bin.errors += 1;
        }
    }
    out.into_values().collect()
}
