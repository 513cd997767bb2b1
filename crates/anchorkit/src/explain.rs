//! explain (placeholder).
