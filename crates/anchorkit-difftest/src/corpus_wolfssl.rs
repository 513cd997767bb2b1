//! Scenarios aimed at wolfSSL's TLS-client peer-chain processing (`ProcessPeerCerts`).

use crate::corpus::Scenario;

/// Adds the wolfSSL-focused scenarios.
pub fn cases(_v: &mut Vec<Scenario>) {}
