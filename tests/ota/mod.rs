//! Tests for ota (filled in by its issue).
