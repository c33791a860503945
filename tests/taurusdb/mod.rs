//! Tests for taurusdb (filled in by its issue).
