//! Virtual time. The engine owns `now`; nothing in the simulator reads the wall clock to decide
//! what state a resource is in. Time moves only when the admin API steps it or when the
//! real-time driver (wall time × speed) catches it up, which is what makes runs replayable.
//!
//! Wall time is injected too ([`WallClock`]), because a few vendor checks genuinely compare
//! against the client's real clock (OBShell's auth expiry, Huawei's signing skew window).
//! Tests pin it with [`WallClock::fixed`].

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, FixedOffset, Utc};

/// Milliseconds of virtual time since the scenario's epoch.
pub type Millis = u64;

/// The furthest virtual time goes: 1,000 (Gregorian) years after the epoch. Every duration,
/// step and timer stays within it, so a date can always be printed and time never wraps.
pub const MAX_MILLIS: Millis = 1000 * 31_556_952_000;

/// The fastest the real-time driver runs: a million virtual seconds per wall second (eleven and
/// a half virtual days a second); at that speed the clock reaches [`MAX_MILLIS`] after a year of wall time.
pub const MAX_SPEED: f64 = 1e6;

/// The virtual clock: an epoch (from the scenario) plus the milliseconds elapsed since.
#[derive(Debug, Clone)]
pub struct Clock {
    epoch: DateTime<FixedOffset>,
    now: Millis,
}

impl Clock {
    pub fn new(epoch: DateTime<FixedOffset>) -> Self {
        Self { epoch, now: 0 }
    }

    /// Milliseconds since the epoch.
    pub fn now(&self) -> Millis {
        self.now
    }

    pub fn epoch(&self) -> DateTime<FixedOffset> {
        self.epoch
    }

    /// The virtual instant `at` as a date in the epoch's time zone.
    pub fn datetime_at(&self, at: Millis) -> DateTime<FixedOffset> {
        let at = at.min(MAX_MILLIS) as i64;
        self.epoch
            .checked_add_signed(Duration::milliseconds(at))
            .unwrap_or(self.epoch)
    }

    /// The current virtual instant as a date in the epoch's time zone.
    pub fn datetime(&self) -> DateTime<FixedOffset> {
        self.datetime_at(self.now)
    }

    /// Moves time to `at`. Time never goes backwards: that would be an engine bug.
    pub(crate) fn set(&mut self, at: Millis) {
        assert!(
            at >= self.now,
            "virtual time cannot go backwards: now {} ms, asked for {} ms",
            self.now,
            at
        );
        self.now = at;
    }
}

/// Where wall time comes from: the system, or a pinned instant for tests and replays.
#[derive(Clone)]
pub struct WallClock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl WallClock {
    pub fn system() -> Self {
        Self(Arc::new(Utc::now))
    }

    /// A wall clock that always reads `at`.
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self(Arc::new(move || at))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl std::fmt::Debug for WallClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WallClock({})", self.now().to_rfc3339())
    }
}

/// The real-time driver: virtual time follows wall time times `speed` from an anchor.
/// It is lazy: the engine asks it for the target instant whenever someone looks at the world,
/// so an idle simulator does no work and an idle fleet costs nothing.
#[derive(Debug, Clone)]
pub struct Driver {
    speed: f64,
    anchor_wall: Instant,
    anchor_virtual: Millis,
}

impl Driver {
    pub fn new(speed: f64, now: Millis) -> Self {
        Self {
            speed: sanitize_speed(speed),
            anchor_wall: Instant::now(),
            anchor_virtual: now,
        }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The virtual instant the driver wants now (never before `current`).
    pub fn target(&self, current: Millis) -> Millis {
        if self.speed == 0.0 {
            return current;
        }
        let elapsed = self.anchor_wall.elapsed().as_secs_f64() * 1000.0 * self.speed;
        let target = (self.anchor_virtual as f64 + elapsed).min(MAX_MILLIS as f64) as Millis;
        target.max(current)
    }

    /// Re-anchors after a manual step or a speed change, so the driver continues from `now`.
    pub fn reanchor(&mut self, now: Millis) {
        self.anchor_wall = Instant::now();
        self.anchor_virtual = now;
    }

    pub fn set_speed(&mut self, speed: f64, now: Millis) {
        self.speed = sanitize_speed(speed);
        self.reanchor(now);
    }
}

fn sanitize_speed(speed: f64) -> f64 {
    if speed.is_finite() && speed > 0.0 {
        speed.min(MAX_SPEED)
    } else {
        0.0
    }
}

/// Writes `dt` as `YYYY-MM-DDTHH:MM:SS` (no fraction, no zone) digit by digit, the part of a
/// timestamp every vendor's envelope carries (strftime parses its pattern on every call).
/// Returns false, writing nothing, for a year outside 0..=9999.
pub fn push_date_time<Tz: chrono::TimeZone>(out: &mut String, dt: &DateTime<Tz>) -> bool {
    use chrono::{Datelike, Timelike};
    let Ok(year) = u32::try_from(dt.year()) else {
        return false;
    };
    if year > 9999 {
        return false;
    }
    push_digits(out, year, 4);
    for (sep, n) in [
        ('-', dt.month()),
        ('-', dt.day()),
        ('T', dt.hour()),
        (':', dt.minute()),
        (':', dt.second()),
    ] {
        out.push(sep);
        push_digits(out, n, 2);
    }
    true
}

/// Writes the last `width` decimal digits of `n`, zero-padded.
pub fn push_digits(out: &mut String, n: u32, width: u32) {
    for i in (0..width).rev() {
        let d = (n / 10u32.pow(i)) % 10;
        out.push(char::from(b'0' + d as u8));
    }
}

/// Parses a duration written as people write them: "90s", "5m", "1h30m", "250ms", "2d", or a
/// bare number of seconds ("42", "1.5").
pub fn parse_duration(text: &str) -> Result<Millis, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(secs) = s.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return within_range(text, secs * 1000.0);
        }
        return Err(format!(
            "duration '{text}' must be a non-negative number of seconds"
        ));
    }
    let mut total: f64 = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("duration '{text}' is missing a unit after the last number (use ms, s, m, h or d)"))?;
        if num_len == 0 {
            return Err(format!(
                "duration '{text}' is not of the form 1h30m, 90s, 250ms"
            ));
        }
        let value: f64 = rest[..num_len]
            .parse()
            .map_err(|_| format!("duration '{text}' has a malformed number"))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 1.0,
            "s" => 1000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            other => {
                return Err(format!(
                    "duration '{text}' has an unknown unit '{other}' (use ms, s, m, h or d)"
                ))
            }
        };
        total += value * factor;
        rest = &rest[unit_len..];
    }
    within_range(text, total)
}

/// `ms` as [`Millis`], or an error if it is longer than the clock's range.
fn within_range(text: &str, ms: f64) -> Result<Millis, String> {
    if ms.round() > MAX_MILLIS as f64 {
        return Err(format!(
            "duration '{text}' is longer than virtual time goes (1000 years after the epoch)"
        ));
    }
    Ok(ms.round() as Millis)
}

/// Formats milliseconds as the shortest readable duration ("1h30m", "90s" is "1m30s").
pub fn format_duration(ms: Millis) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = ms;
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
    ] {
        if rest >= size {
            out.push_str(&format!("{}{}", rest / size, unit));
            rest %= size;
        }
    }
    if rest > 0 {
        out.push_str(&format!("{rest}ms"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_the_way_people_write_them() {
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert_eq!(parse_duration("5m"), Ok(300_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("250ms"), Ok(250));
        assert_eq!(parse_duration("1.5"), Ok(1500));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("m5").is_err());
        assert!(parse_duration("-3").is_err());
    }

    #[test]
    fn durations_format_back_to_the_shortest_form() {
        assert_eq!(format_duration(5_400_000), "1h30m");
        assert_eq!(format_duration(90_000), "1m30s");
        assert_eq!(format_duration(1_250), "1s250ms");
    }

    #[test]
    fn a_duration_past_the_clocks_range_is_refused() {
        assert!(parse_duration("1000y").is_err());
        assert!(parse_duration("1e15").is_err(), "1e15 seconds");
        assert!(parse_duration("400000d").is_err());
        assert_eq!(parse_duration("365000d"), Ok(365_000 * 86_400_000));
    }

    #[test]
    fn the_last_instant_of_the_range_still_prints_as_a_date() {
        let epoch = DateTime::parse_from_rfc3339("2026-01-01T08:00:00+08:00").unwrap_or_default();
        let clock = Clock::new(epoch);
        assert!(clock
            .datetime_at(MAX_MILLIS)
            .to_rfc3339()
            .starts_with("3026-01-01"));
    }

    #[test]
    fn a_stopped_driver_never_moves_time() {
        let d = Driver::new(0.0, 42);
        assert_eq!(d.target(42), 42);
    }
}
