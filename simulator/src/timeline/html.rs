//! The page: a header (scenario, seed, span), a legend, a sticky time axis, one collapsible
//! SVG section per vendor, and a table of fault firings. Self-contained: inline CSS, no script,
//! no external assets. Written as well-formed XML so any parser (and any test) can read it.

use std::fmt::Write;

use serde_json::Value;

use super::axis::{round2, Axis};
use super::lanes::{Chart, Lane, Mark, RequestBin, Row, Section, Segment};
use super::palette::Family;
use super::JournalDoc;
use crate::kernel::clock::{format_duration, Millis};

/// Left column for lane names.
pub const LABEL_WIDTH: f64 = 300.0;
/// The drawing area for time.
pub const CHART_WIDTH: f64 = 1110.0;
const RIGHT_PAD: f64 = 30.0;
const TOTAL_WIDTH: f64 = LABEL_WIDTH + CHART_WIDTH + RIGHT_PAD;
pub const LANE_HEIGHT: f64 = 20.0;
const BAR_HEIGHT: f64 = 14.0;
const MAX_TICKS: u64 = 12;
/// Fault rows listed in the table under the chart.
const MAX_FAULT_ROWS: usize = 500;
/// Rough width of one 11px character, to decide whether a label fits in its bar.
const CHAR_WIDTH: f64 = 6.4;

/// The axis every section shares.
pub fn axis_of(chart: &Chart) -> Axis {
    Axis::new(chart.start, chart.end, LABEL_WIDTH, CHART_WIDTH)
}

/// Escapes text for element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newline are not allowed in XML.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A detail value, short enough for a tooltip.
fn short_json(v: &Value, max: usize) -> String {
    if v.is_null() {
        return String::new();
    }
    let s = v.to_string();
    if s.chars().count() <= max {
        s
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// What a fault was, in a word or two: the timeline action, the HTTP fault's kind
/// ("http Error"), the refusal, or the fault's own name or message.
pub fn fault_name(m: &Mark) -> String {
    // Debug-printed enums ("Error { status: 503, .. }", "Latency(…)") are cut to their name.
    let short = |s: &str| -> String { s.split(['(', '{']).next().unwrap_or(s).trim().to_string() };
    if let Some(a) = m.detail.get("action").and_then(Value::as_str) {
        return if m.resource == "http" {
            format!("http {}", short(a))
        } else {
            short(a)
        };
    }
    if let Some(r) = m.detail.get("refusal").and_then(Value::as_str) {
        return format!("refused: {}", short(r));
    }
    for key in ["fault", "kind", "type", "reason", "message", "error", "log"] {
        if let Some(s) = m.detail.get(key).and_then(Value::as_str) {
            let cut: String = s.chars().take(48).collect();
            return if cut.len() < s.len() {
                format!("{cut}…")
            } else {
                cut
            };
        }
    }
    m.resource.clone()
}

/// Timeline actions (scenario or live) touch a whole vendor; HTTP faults touch one request.
fn is_action(m: &Mark) -> bool {
    m.resource == "timeline"
}

fn when(at: Millis, date: &str) -> String {
    if date.is_empty() {
        format_duration(at)
    } else {
        format!("{} ({date})", format_duration(at))
    }
}

const CSS: &str = r#"
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 16px 20px; color: #1d2330; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
.meta { margin: 0 0 6px; color: #3c4454; }
.meta b { color: #1d2330; }
.warn { color: #8a4b00; margin: 4px 0; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 8px 0 6px; font-size: 13px; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.sw { display: inline-block; width: 22px; height: 12px; border-radius: 2px; }
.axis { position: sticky; top: 0; background: #fff; z-index: 2; border-bottom: 1px solid #d5dae2; }
details { margin: 0; }
summary { font-weight: 600; padding: 6px 0 4px; cursor: pointer; background: #f3f5f8; border-top: 1px solid #d5dae2; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: system-ui, "DejaVu Sans", sans-serif; font-size: 12px; fill: #1d2330; }
svg .tick { font-size: 12px; fill: #3c4454; }
svg .grid { stroke: #e3e7ee; stroke-width: 1; }
svg .lane-name { font-size: 12px; }
svg .root { font-weight: 600; }
svg .in-bar { font-size: 11px; fill: #fff; pointer-events: none; }
svg .in-bar.dark { fill: #1d2330; }
svg .beside-bar { font-size: 11px; font-weight: 600; }
svg .collapsed { font-style: italic; fill: #5b6475; }
svg .fault path { fill: #c2185b; stroke: #fff; stroke-width: 1; }
svg .fault-line { stroke: #c2185b; stroke-width: 1; stroke-dasharray: 3 3; opacity: 0.55; }
svg .fault-label { font-size: 11px; fill: #8e1244; }
svg .req-ok { fill: #7b8aa3; }
svg .req-err { fill: #d55e00; }
table { border-collapse: collapse; margin-top: 8px; font-size: 13px; }
th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid #e3e7ee; vertical-align: top; }
td.detail { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; color: #3c4454; }
footer { margin-top: 14px; color: #6b7385; font-size: 12px; }
"#;

/// Renders the whole page.
pub fn page(doc: &JournalDoc, chart: &Chart) -> String {
    let axis = axis_of(chart);
    let mut h = String::with_capacity(64 * 1024);
    let scenario = doc
        .scenario
        .as_deref()
        .unwrap_or("(scenario not named in the journal)");
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>upgrade-sim timeline: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(scenario)
    );
    header(&mut h, doc, chart, scenario);
    legend(&mut h);
    let _ = writeln!(h, "<div class=\"axis\">{}</div>", axis_svg(&axis));
    for section in &chart.sections {
        section_html(&mut h, section, &axis);
    }
    if chart.lanes_cut > 0 {
        let _ = writeln!(
            h,
            "<p class=\"warn\" id=\"lanes-cut\">{} more lanes are not drawn (the page stops at \
             --max-lanes); render a part of the journal, or raise the limit.</p>",
            chart.lanes_cut
        );
    }
    fault_table(&mut h, chart);
    let _ = writeln!(
        h,
        "<footer>Drawn by <code>upgrade-sim timeline</code> from {}. Times are virtual, since \
         the scenario's epoch. Hover a bar or a marker for its details.</footer>\n</body>\n</html>",
        esc(&doc.source)
    );
    h
}

fn header(h: &mut String, doc: &JournalDoc, chart: &Chart, scenario: &str) {
    let _ = writeln!(h, "<header>\n<h1>Upgrade timeline: {}</h1>", esc(scenario));
    let seed = doc
        .seed
        .map_or_else(|| "unknown".to_string(), |s| s.to_string());
    let requests: usize = chart.sections.iter().map(|s| s.request_count).sum();
    let resources: usize = chart.sections.iter().map(|s| s.resource_count).sum();
    let _ = writeln!(
        h,
        "<p class=\"meta\">seed <b id=\"seed\">{}</b> · virtual time <b id=\"span\">{} → {}</b> \
         (span {}) · from {} to {}</p>",
        esc(&seed),
        format_duration(chart.start),
        format_duration(chart.end),
        format_duration(chart.end - chart.start),
        esc(&chart.start_at),
        esc(&chart.end_at),
    );
    let _ = writeln!(
        h,
        "<p class=\"meta\">{} resources · {} state transitions · {} fault firings · {} requests \
         · {} journal entries</p>",
        resources,
        chart.transitions,
        chart.faults.len(),
        requests,
        doc.entries.len()
    );
    if doc.dropped > 0 {
        let _ = writeln!(
            h,
            "<p class=\"warn\" id=\"dropped\">The simulator's journal ring dropped {} older \
             entries before this was read: the chart starts at the oldest entry kept. Raise \
             journal.capacity in the scenario to keep them.</p>",
            doc.dropped
        );
    }
    h.push_str("</header>\n");
}

fn legend(h: &mut String) {
    h.push_str("<div class=\"legend\">\n");
    for f in Family::ALL {
        let _ = writeln!(
            h,
            "<span class=\"key state-{}\"><i class=\"sw\" style=\"background:{}\"></i>{}</span>",
            f.name(),
            f.colour(),
            esc(f.legend())
        );
    }
    h.push_str(
        "<span class=\"key\"><svg width=\"14\" height=\"14\" viewBox=\"-7 -7 14 14\">\
         <path d=\"M0,-6 L5,0 L0,6 L-5,0 Z\" fill=\"#c2185b\"/></svg>fault fired</span>\n\
         <span class=\"key\"><i class=\"sw\" style=\"background:#7b8aa3;width:8px\"></i>requests \
         <i class=\"sw\" style=\"background:#d55e00;width:8px\"></i>requests answered 4xx/5xx</span>\n\
         <span class=\"key\">faded bar: finished, nothing changed since</span>\n",
    );
    h.push_str("</div>\n");
}

fn axis_svg(axis: &Axis) -> String {
    let height = 26.0;
    let mut s = format!(
        "<svg class=\"axis-svg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{TOTAL_WIDTH}\" \
         height=\"{height}\" viewBox=\"0 0 {TOTAL_WIDTH} {height}\">"
    );
    let _ = write!(
        s,
        "<text x=\"8\" y=\"17\" class=\"tick\">virtual time →</text>"
    );
    for (at, label) in axis.ticks(MAX_TICKS) {
        let x = axis.x(at);
        let _ = write!(
            s,
            "<g class=\"axis-tick\" data-at-ms=\"{at}\"><line x1=\"{x}\" x2=\"{x}\" y1=\"20\" y2=\"26\" \
             stroke=\"#8a93a3\"/><text class=\"tick\" x=\"{x}\" y=\"15\" text-anchor=\"middle\">{}</text></g>",
            esc(&label)
        );
    }
    s.push_str("</svg>");
    s
}

fn section_html(h: &mut String, section: &Section, axis: &Axis) {
    let _ = writeln!(
        h,
        "<details open=\"open\" class=\"vendor\" data-vendor=\"{v}\">\n<summary>{v} — {}, {}, \
         {}</summary>",
        plural(section.resource_count, "resource", "resources"),
        plural(section.fault_count, "fault firing", "fault firings"),
        plural(section.request_count, "request", "requests"),
        v = esc(&section.vendor),
    );
    let has_requests = !section.requests.is_empty();
    let has_loose = !section.loose_faults.is_empty();
    let rows = section.rows.len() + usize::from(has_requests) + usize::from(has_loose);
    let height = round2(rows.max(1) as f64 * LANE_HEIGHT + 4.0);
    let _ = writeln!(
        h,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{TOTAL_WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {TOTAL_WIDTH} {height}\">"
    );
    // Grid first, so everything else is drawn over it.
    for (at, _) in axis.ticks(MAX_TICKS) {
        let x = axis.x(at);
        let _ = writeln!(
            h,
            "<line class=\"grid\" x1=\"{x}\" x2=\"{x}\" y1=\"0\" y2=\"{height}\"/>"
        );
    }
    let mut y = 2.0;
    if has_requests {
        request_row(h, &section.requests, axis, y);
        y += LANE_HEIGHT;
    }
    let faults_y = y;
    if has_loose {
        let _ = writeln!(
            h,
            "<text class=\"lane-name root\" x=\"8\" y=\"{}\">faults &amp; timeline actions</text>",
            round2(y + 14.0)
        );
        let labelled = section.loose_faults.iter().filter(|m| is_action(m)).count() <= 24;
        for m in &section.loose_faults {
            fault_marker(h, m, axis, y, labelled && is_action(m));
        }
        y += LANE_HEIGHT;
    }
    for (i, row) in section.rows.iter().enumerate() {
        if i % 2 == 1 {
            let _ = writeln!(
                h,
                "<rect x=\"0\" y=\"{y}\" width=\"{TOTAL_WIDTH}\" height=\"{LANE_HEIGHT}\" fill=\"#f7f8fa\"/>"
            );
        }
        match row {
            Row::Lane(lane) => lane_row(h, lane, axis, y),
            Row::Collapsed {
                depth,
                parent,
                hidden,
                by_family,
            } => {
                let counts: Vec<String> = by_family
                    .iter()
                    .map(|(f, n)| format!("{n} {}", f.name()))
                    .collect();
                let _ = writeln!(
                    h,
                    "<text class=\"collapsed\" x=\"{}\" y=\"{}\">… {hidden} more under {} not drawn \
                     (last states: {}); troubled ones are always shown</text>",
                    8.0 + *depth as f64 * 14.0,
                    round2(y + 14.0),
                    esc(parent),
                    esc(&counts.join(", "))
                );
            }
        }
        y += LANE_HEIGHT;
    }
    // A timeline action touches the whole vendor: a dashed line down through its lanes.
    for m in section.loose_faults.iter().filter(|m| is_action(m)) {
        let x = axis.x(m.at);
        let _ = writeln!(
            h,
            "<line class=\"fault-line\" x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{height}\"/>",
            round2(faults_y + 17.0)
        );
    }
    h.push_str("</svg>\n</details>\n");
}

/// "1 fault firing", "3 fault firings".
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn request_row(h: &mut String, bins: &[RequestBin], axis: &Axis, y: f64) {
    let max = bins.iter().map(|b| b.total).max().unwrap_or(1).max(1) as f64;
    let _ = writeln!(
        h,
        "<text class=\"lane-name root\" x=\"8\" y=\"{}\">requests</text>",
        round2(y + 14.0)
    );
    let base = y + 17.0;
    for b in bins {
        let x = axis.x(b.start);
        let w = (axis.x(b.end) - x).max(1.0);
        let total_h = round2((b.total as f64 / max) * 15.0).max(1.5);
        let err_h = round2(total_h * b.errors as f64 / b.total as f64);
        let _ = writeln!(
            h,
            "<g class=\"req\"><title>{}, {} answered 4xx/5xx, {} – {}</title>\
             <rect class=\"req-ok\" x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{total_h}\"/>{}</g>",
            plural(b.total, "request", "requests"),
            b.errors,
            format_duration(b.start),
            format_duration(b.end),
            round2(base - total_h),
            round2(w),
            if b.errors > 0 {
                format!(
                    "<rect class=\"req-err\" x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{err_h}\"/>",
                    round2(base - total_h),
                    round2(w)
                )
            } else {
                String::new()
            }
        );
    }
}

fn lane_row(h: &mut String, lane: &Lane, axis: &Axis, y: f64) {
    let indent = 8.0 + lane.depth as f64 * 14.0;
    // Bold names are wider; long ids keep their kind, head and tail ("job/83b1…a0e1").
    let char_width = if lane.depth == 0 { 7.6 } else { 7.0 };
    let room = ((LABEL_WIDTH - indent - 12.0) / char_width).max(6.0) as usize;
    let chars: Vec<char> = lane.label.chars().collect();
    let label = if chars.len() > room {
        let tail = room / 3;
        let head = room - tail - 1;
        let mut s: String = chars[..head].iter().collect();
        s.push('…');
        s.extend(&chars[chars.len() - tail..]);
        s
    } else {
        lane.label.clone()
    };
    let _ = writeln!(
        h,
        "<g class=\"lane\" data-resource=\"{p}\" data-depth=\"{}\"><text class=\"lane-name{}\" \
         x=\"{indent}\" y=\"{}\"><title>{p}</title>{}</text>",
        lane.depth,
        if lane.depth == 0 { " root" } else { "" },
        round2(y + 14.0),
        esc(&label),
        p = esc(&lane.path),
    );
    for (i, seg) in lane.segments.iter().enumerate() {
        // Room left of the last bar: what the bar before it leaves free beside its own label.
        let room_before = match (i + 1 == lane.segments.len(), i.checked_sub(1)) {
            (true, Some(p)) => {
                let prev = &lane.segments[p];
                let w = axis.x(prev.end) - axis.x(prev.start);
                let label = prev.state.chars().count() as f64 * CHAR_WIDTH + 8.0;
                if w > label {
                    w - label
                } else {
                    w
                }
            }
            (true, None) => axis.x(seg.start) - axis.left,
            (false, _) => 0.0,
        };
        segment(
            h,
            lane,
            seg,
            axis,
            y,
            i + 1 == lane.segments.len(),
            room_before,
        );
    }
    for m in &lane.faults {
        fault_marker(h, m, axis, y, false);
    }
    h.push_str("</g>\n");
}

fn segment(
    h: &mut String,
    lane: &Lane,
    seg: &Segment,
    axis: &Axis,
    y: f64,
    last: bool,
    room_before: f64,
) {
    let x = axis.x(seg.start);
    let w = round2((axis.x(seg.end) - x).max(1.5));
    let faded = (seg.open && seg.family.is_final()) || seg.assumed;
    let mut tip = format!(
        "{}\n{} ({})\nfrom {}\n{} {}",
        lane.path,
        seg.state,
        seg.family.name(),
        when(seg.start, &seg.start_at),
        if seg.open {
            "still so at the end,"
        } else {
            "to"
        },
        when(seg.end, &seg.end_at),
    );
    let _ = write!(tip, "\nfor {}", format_duration(seg.end - seg.start));
    if seg.assumed {
        tip.push_str(
            "\n(the state it left at its first transition, assumed since the journal's start)",
        );
    }
    let detail = short_json(&seg.detail, 300);
    if !detail.is_empty() {
        let _ = write!(tip, "\ndetail: {detail}");
    }
    let _ = write!(
        h,
        "<rect class=\"seg state-{}\" data-state=\"{}\" x=\"{x}\" y=\"{}\" width=\"{w}\" \
         height=\"{BAR_HEIGHT}\" rx=\"2\" fill=\"{}\"{}><title>{}</title></rect>",
        seg.family.name(),
        esc(&seg.state),
        round2(y + 3.0),
        seg.family.colour(),
        if faded { " fill-opacity=\"0.35\"" } else { "" },
        esc(&tip)
    );
    // The state's name inside its bar when it fits; a last state too short for its name
    // (a failure at the very end of a long wait) is named beside its bar instead.
    let text_width = seg.state.chars().count() as f64 * CHAR_WIDTH;
    let right = x + w + 3.0;
    let beside = if right + text_width <= LABEL_WIDTH + CHART_WIDTH + RIGHT_PAD {
        Some((right, "start"))
    } else if room_before > text_width + 10.0 {
        Some((x - 3.0, "end"))
    } else {
        None
    };
    if let (Some((tx, anchor)), true) = (beside, w <= text_width + 8.0 && last) {
        let _ = write!(
            h,
            "<text class=\"beside-bar\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            round2(tx),
            round2(y + 14.0),
            esc(&seg.state)
        );
    }
    if w > text_width + 8.0 {
        let dark = faded || seg.family == Family::Pending || seg.family == Family::Paused;
        let _ = write!(
            h,
            "<text class=\"in-bar{}\" x=\"{}\" y=\"{}\">{}</text>",
            if dark { " dark" } else { "" },
            round2(x + 4.0),
            round2(y + 14.0),
            esc(&seg.state)
        );
    }
    h.push('\n');
}

fn fault_marker(h: &mut String, m: &Mark, axis: &Axis, y: f64, labelled: bool) {
    let x = axis.x(m.at);
    let cy = round2(y + 10.0);
    let name = fault_name(m);
    let mut tip = format!(
        "fault: {name}\non {}\nat {}",
        m.resource,
        when(m.at, &m.at_date)
    );
    let detail = short_json(&m.detail, 300);
    if !detail.is_empty() {
        let _ = write!(tip, "\ndetail: {detail}");
    }
    let _ = write!(
        h,
        "<g class=\"fault\" data-at-ms=\"{}\" transform=\"translate({x},{cy})\"><title>{}</title>\
         <path d=\"M0,-7 L5,0 L0,7 L-5,0 Z\"/></g>",
        m.at,
        esc(&tip)
    );
    if labelled {
        let _ = write!(
            h,
            "<text class=\"fault-label\" x=\"{}\" y=\"{}\">{}</text>",
            round2(x + 7.0),
            round2(cy + 4.0),
            esc(&name)
        );
    }
    h.push('\n');
}

fn fault_table(h: &mut String, chart: &Chart) {
    if chart.faults.is_empty() {
        return;
    }
    h.push_str(
        "<h2 style=\"font-size:16px;margin:18px 0 0\">Fault firings</h2>\n<table class=\"faults\">\
         <tr><th>virtual time</th><th>vendor</th><th>resource</th><th>fault</th><th>detail</th></tr>\n",
    );
    for m in chart.faults.iter().take(MAX_FAULT_ROWS) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"detail\">{}</td></tr>",
            format_duration(m.at),
            esc(&m.vendor),
            esc(&m.resource),
            esc(&fault_name(m)),
            esc(&short_json(&m.detail, 200))
        );
    }
    h.push_str("</table>\n");
    if chart.faults.len() > MAX_FAULT_ROWS {
        let _ = writeln!(
            h,
            "<p class=\"warn\">… and {} more fault firings.</p>",
            chart.faults.len() - MAX_FAULT_ROWS
        );
    }
}
