//! `upgrade-sim timeline`: a journal drawn as a self-contained HTML page with an SVG Gantt
//! chart. One lane per resource (a DAG and its nodes, a plan and its batches, an instance and
//! its job, a session and its tasks), children under their parent by path prefix, bars coloured
//! by state family, fault firings marked where and when they fired, virtual time on the axis.
//!
//! ```
//! use upgrade_sim::timeline;
//! let line = r#"{"seq":1,"at_ms":0,"at":"","wall":"","kind":"transition","vendor":"ota",
//!     "resource":"plan/p-1","from":"pending","to":"running"}"#.replace('\n', "");
//! let doc = timeline::parse(&line, "example").unwrap();
//! let html = timeline::render(&doc, &timeline::Limits::default());
//! assert!(html.contains("data-resource=\"plan/p-1\""));
//! ```

mod axis;
mod fetch;
mod html;
mod input;
mod lanes;
mod palette;

pub use axis::Axis;
pub use fetch::{fetch, FetchError};
pub use html::{CHART_WIDTH, LABEL_WIDTH, LANE_HEIGHT};
pub use input::{parse, InputError, JournalDoc};
pub use lanes::{build, Chart, Limits};
pub use palette::Family;

/// Draws `doc` as an HTML page.
pub fn render(doc: &JournalDoc, limits: &Limits) -> String {
    let chart = lanes::build(&doc.entries, *limits);
    html::page(doc, &chart)
}
