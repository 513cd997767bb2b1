//! inspect (placeholder).
