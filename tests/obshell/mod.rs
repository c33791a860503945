//! Tests for obshell (filled in by its issue).
