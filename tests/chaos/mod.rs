//! Tests for chaos (filled in by its issue).
mod timeline;
