//! Tests for conformance (filled in by its issue).
