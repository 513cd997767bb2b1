//! One way to name a CA, for every command that takes `--ca` (`plan`, `check`, `bundle`,
//! `doctor`, `diff`): an events id (`letsencrypt`), a service (`azure-iot-hub`, `aws-iot`), an
//! owner as people write it (`"Let's Encrypt"`, `ISRG`, `Amazon`), or a root's name
//! (`"ISRG Root X1"`), case-insensitive, with `:rsa` / `:ecdsa` for the leaf key. A name that
//! matches nothing gets "did you mean" with the nearest known names.
//!
//! The result says what is known of the CA: the events that describe its servers (when there
//! are), and its roots (the Mozilla store's and the compiled-in ones, [`crate::store::known`]).

use serde::Serialize;

use crate::cert::Certificate;
use crate::events::{Events, KeyClass, Kind};
use crate::store::Store;
use crate::store::known::{self, Role};

/// A resolved CA name.
#[derive(Debug, Clone, Serialize)]
pub struct CaName {
    /// What the user typed (without the key suffix).
    pub query: String,
    /// The display name.
    pub name: String,
    /// The events id, when dated events describe the CA's servers.
    pub events_id: Option<String>,
    /// The leaf key class (`:rsa` / `:ecdsa`; RSA by default).
    pub key: KeyClass,
    /// How the name matched: `events-id`, `service`, `owner`, `alias`, `root`.
    pub matched: String,
    /// The CA's roots, by subject (short form).
    pub root_names: Vec<String>,
    /// The roots themselves.
    #[serde(skip)]
    pub roots: Vec<Certificate>,
}

/// A name that matches no CA.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--ca '{query}': no CA, service or root of that name{hint}")]
pub struct UnknownCa {
    /// The name given.
    pub query: String,
    /// ` (did you mean ...?)`, or the list of known names.
    pub hint: String,
}

/// Lower-case letters and digits only: `Let's Encrypt` and `letsencrypt` compare equal.
pub fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `host` matches `pattern`, label by label (`*` is one label).
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let p: Vec<&str> = pattern.split('.').collect();
    let h: Vec<String> = host
        .trim_end_matches('.')
        .split('.')
        .map(str::to_ascii_lowercase)
        .collect();
    p.len() == h.len()
        && p.iter()
            .zip(&h)
            .all(|(a, b)| *a == "*" || a.eq_ignore_ascii_case(b))
}

/// The events CA whose servers a host name belongs to (by the events' host patterns).
pub fn ca_for_host<'e>(events: &'e Events, host: &str) -> Option<&'e crate::events::Ca> {
    events
        .cas
        .iter()
        .find(|c| c.hosts.iter().any(|p| host_matches(p, host)))
}

fn split_key(spec: &str) -> Result<(&str, KeyClass), UnknownCa> {
    match spec.rsplit_once(':') {
        Some((id, k)) if k.eq_ignore_ascii_case("rsa") => Ok((id, KeyClass::Rsa)),
        Some((id, k)) if k.eq_ignore_ascii_case("ecdsa") || k.eq_ignore_ascii_case("ec") => {
            Ok((id, KeyClass::Ecdsa))
        }
        Some((id, k)) if !id.is_empty() && !k.contains(' ') => Err(UnknownCa {
            query: spec.to_string(),
            hint: format!(": '{k}' after ':' is not rsa or ecdsa"),
        }),
        _ => Ok((spec, KeyClass::Rsa)),
    }
}

/// The roots the events say a CA's chains end at (anchor changes), or that its chain changes
/// lead to, with the owner's roots of the store and the compiled-in ones.
fn roots_of_events_ca(events: &Events, id: &str, store: &Store) -> Vec<Certificate> {
    let mut out: Vec<Certificate> = Vec::new();
    let mut push = |c: &Certificate| {
        if !out.iter().any(|x| x.der() == c.der()) {
            out.push(c.clone());
        }
    };
    let find = |sha: &str| -> Option<Certificate> {
        if let Some(k) = known::by_sha256(sha) {
            return Some(k.cert.clone());
        }
        store
            .roots()
            .iter()
            .filter_map(|r| r.anchor.cert.as_ref())
            .find(|c| hex::encode_upper(c.sha256()) == sha.to_ascii_uppercase())
            .cloned()
    };
    for e in events.events.iter().filter(|e| e.ca == id) {
        match e.kind {
            Kind::AnchorChange => {
                if let Some(c) = e.sha256.as_deref().and_then(find) {
                    push(&c);
                }
            }
            Kind::ChainChange => {
                // The root that issued the last certificate sent.
                if let Some(last) = e.chain.last().and_then(|h| find(h)) {
                    let roots = known::by_subject(last.issuer_raw())
                        .into_iter()
                        .filter(|k| k.role == Role::Root)
                        .map(|k| k.cert.clone())
                        .chain(
                            store
                                .by_subject(last.issuer_raw())
                                .filter_map(|(_, r)| r.anchor.cert.clone()),
                        );
                    for r in roots {
                        push(&r);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn store_roots(roots: Vec<(usize, &crate::store::Root)>) -> Vec<Certificate> {
    roots
        .into_iter()
        .filter_map(|(_, r)| r.anchor.cert.clone())
        .collect()
}

/// Every name a user could type that resolves, for "did you mean".
fn candidates(events: &Events, store: &Store) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for c in &events.cas {
        v.push(c.id.clone());
        v.push(c.name.clone());
        v.extend(c.aliases.iter().cloned());
    }
    for r in store.roots() {
        v.push(r.owner.clone());
        v.push(r.name());
    }
    for k in known::all().iter().filter(|k| k.role == Role::Root) {
        v.push(k.owner.clone());
        v.push(k.short());
    }
    v.sort();
    v.dedup();
    v
}

/// Resolves `spec` (a name, optionally `:rsa` / `:ecdsa`).
pub fn resolve(spec: &str, events: &Events, store: &Store) -> Result<CaName, UnknownCa> {
    let (q, key) = split_key(spec.trim())?;
    let n = norm(q);
    if n.is_empty() {
        return Err(UnknownCa {
            query: spec.to_string(),
            hint: ": give a CA, a service or a root name".into(),
        });
    }
    if let Some(found) = lookup(q, key, events, store) {
        return Ok(found);
    }
    // Nothing: the nearest names.
    let all = candidates(events, store);
    let mut scored: Vec<(f64, &String)> = all
        .iter()
        .map(|c| (strsim::jaro_winkler(&norm(c), &n), c))
        .filter(|(s, _)| *s >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut seen: Vec<String> = Vec::new();
    let mut near: Vec<String> = Vec::new();
    for (_, c) in &scored {
        // One spelling per CA: names that resolve to the same CA count once.
        let target = lookup(c, key, events, store).map_or_else(|| norm(c), |r| r.name);
        if !seen.contains(&target) && near.len() < 3 {
            seen.push(target);
            near.push(format!("'{c}'"));
        }
    }
    let hint = if near.is_empty() {
        format!(
            " (CAs and services with dated events: {}; or an owner or root name of the Mozilla store)",
            events
                .cas
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        format!(" (did you mean {}?)", near.join(", "))
    };
    Err(UnknownCa {
        query: spec.to_string(),
        hint,
    })
}

/// The CA a name (without its key suffix) names, if any.
fn lookup(q: &str, key: KeyClass, events: &Events, store: &Store) -> Option<CaName> {
    let n = norm(q);
    let made = |name: String, id: Option<String>, matched: &str, roots: Vec<Certificate>| {
        let mut roots = roots;
        roots.dedup_by(|a, b| a.der() == b.der());
        CaName {
            query: q.to_string(),
            name,
            events_id: id,
            key,
            matched: matched.into(),
            root_names: roots.iter().map(|r| r.subject.short()).collect(),
            roots,
        }
    };
    // 1. An events CA or service: its id, name, aliases or issuer organizations.
    for c in &events.cas {
        let how = if norm(&c.id) == n {
            Some(if c.issuer_organizations.is_empty() {
                "service"
            } else {
                "events-id"
            })
        } else if norm(&c.name) == n || c.aliases.iter().any(|a| norm(a) == n) {
            Some("alias")
        } else if c.issuer_organizations.iter().any(|o| norm(o) == n) {
            Some("owner")
        } else {
            None
        };
        if let Some(how) = how {
            let mut roots = roots_of_events_ca(events, &c.id, store);
            for o in &c.issuer_organizations {
                roots.extend(store_roots(store.by_owner(o)));
            }
            let mut uniq: Vec<Certificate> = Vec::new();
            for r in roots {
                if !uniq.iter().any(|x| x.der() == r.der()) {
                    uniq.push(r);
                }
            }
            return Some(made(c.name.clone(), Some(c.id.clone()), how, uniq));
        }
    }
    // 2. A root by name (the store's or a compiled-in one); its events CA when its subject's
    //    organization is one the events know.
    let mut by_name: Vec<Certificate> = store
        .roots()
        .iter()
        .filter(|r| norm(&r.name()) == n || r.esp.as_ref().is_some_and(|e| norm(e.name) == n))
        .filter_map(|r| r.anchor.cert.clone())
        .collect();
    for k in known::all().iter().filter(|k| k.role == Role::Root) {
        if norm(&k.short()) == n && !by_name.iter().any(|c| c.der() == k.cert.der()) {
            by_name.push(k.cert.clone());
        }
    }
    if let Some(root) = by_name.first().cloned() {
        let ca = root
            .subject
            .organization()
            .and_then(|o| events.ca_for_issuer_org(&o));
        return Some(made(
            root.subject.short(),
            ca.map(|c| c.id.clone()),
            "root",
            by_name,
        ));
    }
    // 3. An owner of the store's roots (with the usual aliases), and its compiled-in roots.
    let mut roots = store_roots(store.by_owner(q));
    for k in known::all().iter().filter(|k| k.role == Role::Root) {
        if norm(&k.owner) == n && !roots.iter().any(|c| c.der() == k.cert.der()) {
            roots.push(k.cert.clone());
        }
    }
    if !roots.is_empty() {
        let owner = store
            .by_owner(q)
            .first()
            .map(|(_, r)| r.owner.clone())
            .unwrap_or_else(|| q.to_string());
        return Some(made(owner, None, "owner", roots));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_of_naming_a_ca() {
        let ev = Events::builtin();
        let st = Store::mozilla();
        let table: &[(&str, Option<&str>, &str)] = &[
            ("letsencrypt", Some("letsencrypt"), "events-id"),
            ("Let's Encrypt", Some("letsencrypt"), "events-id"),
            ("LETS ENCRYPT", Some("letsencrypt"), "events-id"),
            ("le", Some("letsencrypt"), "alias"),
            ("ISRG", Some("letsencrypt"), "owner"),
            (
                "Internet Security Research Group",
                Some("letsencrypt"),
                "owner",
            ),
            ("ISRG Root X1", Some("letsencrypt"), "root"),
            ("letsencrypt:ecdsa", Some("letsencrypt"), "events-id"),
            ("azure-iot-hub", Some("azure-iot-hub"), "service"),
            ("Azure IoT Hub", Some("azure-iot-hub"), "service"),
            ("azure", Some("azure-iot-hub"), "alias"),
            ("aws-iot", Some("aws-iot"), "service"),
            ("Amazon", None, "owner"),
            ("DigiCert Global Root G2", None, "root"),
        ];
        for (q, id, how) in table {
            let r = resolve(q, &ev, st).unwrap_or_else(|e| panic!("{q}: {e}"));
            assert_eq!(r.events_id.as_deref(), *id, "{q}");
            assert_eq!(r.matched, *how, "{q}");
            assert!(!r.roots.is_empty(), "{q}: no roots");
        }
        let le = resolve("letsencrypt", &ev, st).expect("le");
        for root in ["ISRG Root X1", "ISRG Root X2", "Root YR", "Root YE"] {
            assert!(
                le.root_names.iter().any(|n| n == root),
                "{:?}",
                le.root_names
            );
        }
        assert_eq!(
            resolve("letsencrypt:ecdsa", &ev, st).expect("ec").key,
            KeyClass::Ecdsa
        );
    }

    #[test]
    fn a_miss_says_did_you_mean() {
        let ev = Events::builtin();
        let e = resolve("letsencrpyt", &ev, Store::mozilla()).expect_err("miss");
        assert!(e.to_string().contains("did you mean"), "{e}");
        assert!(e.to_string().contains("Let's Encrypt"), "{e}");
        let e = resolve("zzzz qqqq", &ev, Store::mozilla()).expect_err("miss");
        assert!(e.to_string().contains("azure-iot-hub"), "{e}");
        let e = resolve("letsencrypt:dsa", &ev, Store::mozilla()).expect_err("key");
        assert!(e.to_string().contains("rsa or ecdsa"), "{e}");
    }

    #[test]
    fn hosts_name_their_service() {
        let ev = Events::builtin();
        for (host, id) in [
            ("myhub.azure-devices.net", Some("azure-iot-hub")),
            (
                "global.azure-devices-provisioning.net",
                Some("azure-iot-dps"),
            ),
            (
                "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com",
                Some("aws-iot"),
            ),
            ("example.com", None),
        ] {
            assert_eq!(ca_for_host(&ev, host).map(|c| c.id.as_str()), id, "{host}");
        }
    }
}
