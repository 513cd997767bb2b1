//! Scenarios aimed at OpenSSL's TLS-client verification rules (purpose, name constraints,
//! security level, host matching).

use crate::corpus::Scenario;

/// Adds the OpenSSL-focused scenarios.
pub fn cases(_v: &mut Vec<Scenario>) {}
