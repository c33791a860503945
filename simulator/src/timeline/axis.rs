//! The time axis: a span of virtual time mapped onto pixels, with ticks at round durations
//! ("30s", "5m", "1h30m") so people can read times off the chart.

use crate::kernel::clock::{format_duration, Millis};

/// Steps the axis may use, smallest first.
const STEPS: [Millis; 24] = [
    100,
    250,
    500,
    1_000,
    2_000,
    5_000,
    10_000,
    15_000,
    30_000,
    60_000,
    2 * 60_000,
    5 * 60_000,
    10 * 60_000,
    15 * 60_000,
    30 * 60_000,
    3_600_000,
    2 * 3_600_000,
    3 * 3_600_000,
    6 * 3_600_000,
    12 * 3_600_000,
    86_400_000,
    2 * 86_400_000,
    7 * 86_400_000,
    30 * 86_400_000,
];

/// Virtual time `start..=end` drawn over `width` pixels starting at `left`.
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    pub start: Millis,
    pub end: Millis,
    pub left: f64,
    pub width: f64,
}

impl Axis {
    /// An axis over `start..=end`; a span shorter than a second is widened to one, so a
    /// journal whose entries all share an instant still gets a readable axis.
    pub fn new(start: Millis, end: Millis, left: f64, width: f64) -> Self {
        Self {
            start,
            end: end.max(start + 1_000),
            left,
            width,
        }
    }

    /// The x of virtual instant `at` (clamped to the axis).
    pub fn x(&self, at: Millis) -> f64 {
        let at = at.clamp(self.start, self.end);
        let frac = (at - self.start) as f64 / (self.end - self.start) as f64;
        round2(self.left + frac * self.width)
    }

    /// The tick step: the smallest round step giving at most `max_ticks` ticks.
    pub fn step(&self, max_ticks: u64) -> Millis {
        let span = self.end - self.start;
        STEPS
            .iter()
            .copied()
            .find(|s| span / s <= max_ticks)
            .unwrap_or_else(|| span.div_ceil(max_ticks.max(1)).max(1))
    }

    /// Ticks `(at, label)` at multiples of the step within the span.
    pub fn ticks(&self, max_ticks: u64) -> Vec<(Millis, String)> {
        let step = self.step(max_ticks);
        let first = self.start.div_ceil(step) * step;
        (0..)
            .map(|i| first + i * step)
            .take_while(|t| *t <= self.end)
            .map(|t| (t, format_duration(t)))
            .collect()
    }
}

/// Two decimals are plenty for pixels and keep the SVG short and stable.
pub fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_round_durations_with_human_labels() {
        let axis = Axis::new(0, 3_600_000, 0.0, 1000.0);
        let ticks = axis.ticks(12);
        let labels: Vec<&str> = ticks.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            labels,
            [
                "0s", "5m", "10m", "15m", "20m", "25m", "30m", "35m", "40m", "45m", "50m", "55m",
                "1h"
            ]
        );
        assert_eq!(axis.x(1_800_000), 500.0);
    }

    #[test]
    fn a_span_of_one_instant_still_has_an_axis() {
        let axis = Axis::new(5_000, 5_000, 10.0, 100.0);
        assert_eq!(axis.x(5_000), 10.0);
        assert!(!axis.ticks(10).is_empty());
    }

    #[test]
    fn ticks_start_at_the_first_round_instant_after_the_start() {
        let axis = Axis::new(90_000, 600_000, 0.0, 100.0);
        let first = axis.ticks(10)[0].clone();
        assert_eq!(first, (120_000, "2m".to_string()));
    }
}
