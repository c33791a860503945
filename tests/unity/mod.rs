//! Tests for unity (filled in by its issue).
