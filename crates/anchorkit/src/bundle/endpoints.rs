//! The servers a bundle must cover, from what users give: served chain files, live servers,
//! and CAs by owner or root name (any server of that CA).

use std::path::Path;

use super::plan::Endpoint;
use crate::store::Store;

/// Endpoints from chain files (leaf first), live servers (`HOST[:PORT]`, captured) and CA
/// names (each of the CA's roots must stay trusted), in that order. The error names the input.
pub fn read(
    chains: &[&Path],
    connect: &[&str],
    cas: &[&str],
    store: &Store,
) -> Result<Vec<Endpoint>, String> {
    let mut endpoints = Vec::new();
    for c in chains {
        let found = crate::intake::read_path(c).map_err(|e| e.to_string())?;
        let chain: Vec<_> = found.iter().filter_map(|f| f.cert().cloned()).collect();
        if chain.is_empty() {
            return Err(format!(
                "{}: no certificate in the chain (expected the served chain, leaf first)",
                c.display()
            ));
        }
        endpoints.push(Endpoint {
            name: c.display().to_string(),
            chain,
            accept: None,
        });
    }
    for c in connect {
        let (certs, _) =
            crate::probe::served_chain(c).map_err(|e| format!("--connect {c}: {e}"))?;
        let chain: Vec<_> = certs
            .iter()
            .filter_map(|d| crate::cert::Certificate::from_der(d).ok())
            .collect();
        if chain.is_empty() {
            return Err(format!(
                "--connect {c}: the server sent no certificate anchorkit can read"
            ));
        }
        endpoints.push(Endpoint {
            name: (*c).to_string(),
            chain,
            accept: None,
        });
    }
    for name in cas {
        let mut roots = store.by_owner(name);
        if roots.is_empty() {
            roots = store.find_by_name(name);
        }
        if roots.is_empty() {
            return Err(format!(
                "--ca '{name}': no CA owner or root of that name in the Mozilla store"
            ));
        }
        // Servers of that CA may chain to any of its roots: each must stay trusted.
        for (_, r) in roots {
            endpoints.push(Endpoint {
                name: format!("{name}: {}", r.name()),
                chain: Vec::new(),
                accept: Some(vec![r.anchor.spki_raw().to_vec()]),
            });
        }
    }
    Ok(endpoints)
}
