//! The servers a bundle must cover, from what users give: served chain files, live servers,
//! and CAs by any name [`crate::caname`] resolves (any server of that CA).

use std::path::Path;

use super::plan::{Endpoint, Offer};
use crate::anchor::TrustAnchor;
use crate::events::Events;
use crate::intake::Origin;
use crate::store::Store;

/// What the servers given need.
#[derive(Debug, Clone, Default)]
pub struct Servers {
    /// One endpoint per chain, live server, and root of each CA named.
    pub endpoints: Vec<Endpoint>,
    /// The roots of the CAs named that the store does not hold (compiled-in public roots such
    /// as Let's Encrypt's Root YR), offered to the optimizer beside the store's.
    pub offers: Vec<Offer>,
    /// Lone leaves completed from the known intermediates: the notes to print.
    pub completed: Vec<String>,
}

/// Endpoints from chain files (leaf first; a lone leaf is completed from the compiled-in
/// intermediates, and said so), live servers (`HOST[:PORT]`, captured as sent) and CA names
/// (each of the CA's roots valid at `at` must stay trusted), in that order. The error names
/// the input.
pub fn read(
    chains: &[&Path],
    connect: &[&str],
    cas: &[&str],
    store: &Store,
    events: &Events,
    at: i64,
) -> Result<Servers, String> {
    let mut endpoints = Vec::new();
    let mut offers: Vec<Offer> = Vec::new();
    let mut completed = Vec::new();
    for c in chains {
        let found = crate::intake::read_path(c).map_err(|e| e.to_string())?;
        let mut chain: Vec<_> = found.iter().filter_map(|f| f.cert().cloned()).collect();
        if chain.is_empty() {
            return Err(format!(
                "{}: no certificate in the chain (expected the served chain, leaf first)",
                c.display()
            ));
        }
        if let Some((full, done)) = crate::complete::complete_certs(&chain, at, Some(events)) {
            completed.push(format!("{}: {}", c.display(), done.note()));
            chain = full;
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
        let ca = crate::caname::resolve(name, events, store).map_err(|e| e.to_string())?;
        let roots: Vec<_> = ca.roots.iter().filter(|r| r.not_after >= at).collect();
        if roots.is_empty() {
            return Err(format!(
                "--ca '{name}': every root of {} has expired by then",
                ca.name
            ));
        }
        // Servers of that CA may chain to any of its roots: each must stay trusted.
        for r in roots {
            if store.contains_cert(r).is_none()
                && !offers.iter().any(|o| o.anchor.spki_raw() == r.spki_raw())
            {
                offers.push(Offer {
                    anchor: TrustAnchor::from_cert(
                        r.clone(),
                        Origin::builtin("anchorkit public CA data", 0),
                    ),
                    owner: crate::store::known::by_der(r.der())
                        .map_or_else(|| ca.name.clone(), |k| k.owner.clone()),
                    common: false,
                });
            }
            endpoints.push(Endpoint {
                name: format!("{name}: {}", r.subject.short()),
                chain: Vec::new(),
                accept: Some(vec![r.spki_raw().to_vec()]),
            });
        }
    }
    Ok(Servers {
        endpoints,
        offers,
        completed,
    })
}
