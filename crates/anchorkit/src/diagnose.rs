//! `doctor`: reproduce what the device did, say why in plain words, and propose the smallest
//! durable fix, each fix re-verified by the engine before it is shown.

use serde::Serialize;

use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, HashAlg, KeyKind, format_time};
use crate::explain::{Options as ExplainOptions, explain};
use crate::intake::Format;
use crate::profile::{Authmode, PROFILES, Profile, TrustMode};
use crate::store::{Store, known};
use crate::verify::{HostCheck, Reason, Request, Verdict, verify};

/// Schema identifier of the JSON form of [`Diagnosis`].
pub const SCHEMA: &str = "anchorkit.doctor/1";

/// What doctor needs.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// The device profile as configured.
    pub profile: Profile,
    /// What the device trusts.
    pub trust: &'a [TrustAnchor],
    /// What the server sends.
    pub chain: &'a [Certificate],
    /// The hostname the device checks.
    pub host: Option<&'a str>,
    /// The device clock.
    pub at: i64,
    /// The device log, if given.
    pub log: Option<&'a str>,
    /// How long the device must keep working, in seconds.
    pub lifetime: i64,
    /// The store to draw fixes from.
    pub store: &'a Store,
}

/// Whether the log agrees with the reproduction.
#[derive(Debug, Clone, Serialize)]
pub struct Reproduction {
    /// The engine's verdict for the configuration as given.
    pub verdict: Verdict,
    /// The mbedTLS code found in the log.
    pub logged_code: Option<String>,
    /// The log and the verdict agree (null without a log).
    pub matches_log: Option<bool>,
    /// When they do not agree: configurations that produce the logged code.
    pub alternatives: Vec<String>,
}

/// One proposed fix.
#[derive(Debug, Clone, Serialize)]
pub struct Fix {
    /// Rank, 1 = best.
    pub rank: usize,
    /// What to do.
    pub title: String,
    /// The anchors to trust (subjects).
    pub anchors: Vec<String>,
    /// Their owners.
    pub owners: Vec<String>,
    /// Bytes: DER total (cert_pem PEM size with NUL in `pem_bytes`).
    pub der_bytes: usize,
    /// PEM bytes including the terminating NUL mbedTLS needs.
    pub pem_bytes: usize,
    /// Flash cost when shipped as ESP-IDF bundle records.
    pub esp_bundle_bytes: usize,
    /// The fix as re-verified: the engine's code with it.
    pub verified_code: String,
    /// Whether the engine accepted the served chain with it (false when only the leaf was
    /// given and the fix is placed by key identifier).
    pub verified: bool,
    /// How it was checked.
    pub check: String,
    /// Ready-to-paste text in the user's own format.
    pub paste: Option<String>,
    /// The format of `paste`: `c`, `pem`.
    pub paste_format: Option<&'static str>,
}

/// The whole diagnosis.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// What the device does.
    pub reproduction: Reproduction,
    /// Why, in plain words, most important first.
    pub cause: Vec<String>,
    /// Fixes, ranked.
    pub fixes: Vec<Fix>,
    /// Things that bite later.
    pub warnings: Vec<String>,
}

fn run(
    p: &Profile,
    trust: &[TrustAnchor],
    chain: &[Certificate],
    host: Option<&str>,
    at: i64,
) -> Verdict {
    let chain = crate::cert::entries(chain);
    verify(
        p,
        &Request {
            trust,
            chain: &chain,
            host: host.map_or(HostCheck::None, HostCheck::Name),
            at,
        },
    )
}

fn logged_code(log: &str) -> Option<String> {
    let e = explain(log, &ExplainOptions::default()).ok()?;
    e.findings
        .iter()
        .find(|f| !f.parts.is_empty())
        .and_then(|f| f.code.clone())
}

fn alternatives(inp: &Input<'_>, want: &str) -> Vec<String> {
    let mut out = Vec::new();
    let base = &inp.profile;
    let mut variants: Vec<(String, Profile, Option<&str>)> = Vec::new();
    variants.push((
        format!(
            "time checks {}",
            if base.time_check {
                "off"
            } else {
                "on (CONFIG_MBEDTLS_HAVE_TIME_DATE=y)"
            }
        ),
        base.clone().with_time_check(!base.time_check),
        inp.host,
    ));
    if base.esp_idf.is_some() {
        let other = if base.trust_mode == TrustMode::CertPem {
            TrustMode::Bundle
        } else {
            TrustMode::CertPem
        };
        variants.push((
            format!("trust mode {other:?}"),
            base.clone().with_trust_mode(other),
            inp.host,
        ));
    }
    if inp.host.is_some() {
        variants.push((
            "a hostname that does not match the certificate".into(),
            base.clone(),
            Some("wrong.invalid"),
        ));
    }
    for p in PROFILES
        .iter()
        .filter(|p| p.family == base.family && p.name() != base.name())
    {
        variants.push((
            format!("profile {}", p.name()),
            p.clone()
                .with_trust_mode(base.trust_mode)
                .with_authmode(base.authmode),
            inp.host,
        ));
    }
    for (what, p, host) in variants {
        if p.validate().is_err() {
            continue;
        }
        let v = run(&p, inp.trust, inp.chain, host, inp.at);
        if v.code == want {
            out.push(format!("{what} gives {want}"));
        }
    }
    out
}

fn pem_block(certs: &[&Certificate]) -> String {
    certs.iter().map(|c| c.to_pem()).collect()
}

fn sizes(certs: &[&Certificate]) -> (usize, usize, usize) {
    let der = certs.iter().map(|c| c.der().len()).sum();
    let pem = certs.iter().map(|c| c.to_pem().len()).sum::<usize>() + 1;
    let esp = certs.iter().map(|c| c.esp_record_len()).sum::<usize>() + 2;
    (der, pem, esp)
}

/// Runs the diagnosis. `trust_format` is the format the user's trust came in, for pasting.
pub fn diagnose(inp: &Input<'_>, trust_format: Option<Format>) -> Diagnosis {
    let verdict = run(&inp.profile, inp.trust, inp.chain, inp.host, inp.at);
    let logged = inp.log.and_then(logged_code);
    let matches_log = logged.as_ref().map(|c| *c == verdict.code);
    let alts = match (&logged, matches_log) {
        (Some(c), Some(false)) => alternatives(inp, c),
        _ => Vec::new(),
    };

    let mut cause = Vec::new();
    let leaf_in_trust = inp.trust.iter().any(|a| {
        a.cert
            .as_ref()
            .is_some_and(|c| !c.is_ca() && !c.is_self_issued())
    });
    if !verdict.ok {
        for r in &verdict.reasons {
            if let Reason::LeafAsTrust { trust, issuer } = r {
                cause.push(format!(
                    "The trust list holds the server's own leaf certificate '{}' (issued by {issuer}). \
                     mbedTLS trusts a certificate from the CA list only as the issuer of the next \
                     certificate down, or as the leaf itself when it is self-signed; a CA-issued leaf \
                     is neither, so nothing anchors the chain and verification ends NOT_TRUSTED. Give \
                     the device the root CA the chain leads to instead.",
                    trust.name
                ));
            }
        }
        for r in &verdict.reasons {
            if !matches!(r, Reason::LeafAsTrust { .. }) {
                cause.push(r.message());
            }
        }
    } else {
        cause.push("The device accepts this chain with this trust.".into());
    }

    // Fixes: store roots that anchor the served chain, durable over the lifetime.
    let end = inp.at.saturating_add(inp.lifetime);
    let strict = inp.profile.clone().with_time_check(true);
    let leaf = inp.chain.first();
    let mut primary: Vec<(usize, bool, String)> = Vec::new();
    for (i, r) in inp.store.roots().iter().enumerate() {
        let Some(rc) = r.cert() else { continue };
        let one = std::slice::from_ref(&r.anchor);
        let v = run(&strict, one, inp.chain, inp.host, inp.at);
        if v.ok {
            primary.push((i, true, v.code));
        }
        let _ = rc;
    }
    // With only a leaf, place it by key identifier through a known intermediate.
    if primary.is_empty() {
        if let Some(aki) = leaf.and_then(|l| l.authority_key_id.as_ref()) {
            for k in known::by_key_id(aki) {
                let Ok(root_ski) = hex::decode(k.aki) else {
                    continue;
                };
                for (i, r) in inp.store.roots().iter().enumerate() {
                    let hit = r
                        .cert()
                        .and_then(|c| c.subject_key_id.as_ref())
                        .is_some_and(|s| *s == root_ski)
                        && r.anchor.subject.to_string() == k.issuer;
                    if hit && !primary.iter().any(|p| p.0 == i) {
                        primary.push((i, false, verdict.code.clone()));
                    }
                }
            }
        }
    }
    // Prefer anchors that outlive the lifetime, then the smallest.
    primary.sort_by_key(|(i, _, _)| {
        let r = &inp.store.roots()[*i];
        let c = r.cert();
        (
            c.is_none_or(|c| c.not_after < end),
            c.map_or(usize::MAX, |c| c.der().len()),
        )
    });
    let mut fixes = Vec::new();
    let as_c = matches!(trust_format, Some(Format::CString | Format::CByteArray));
    if let Some((pi, verified, code)) = primary.first().cloned() {
        let root = &inp.store.roots()[pi];
        if let Some(rc) = root.cert() {
            // A backup root of another owner, from ESP-IDF's common list, lasting the lifetime.
            let backup = inp
                .store
                .roots()
                .iter()
                .filter(|r| r.owner != root.owner && r.esp.as_ref().is_some_and(|e| e.common))
                .filter_map(|r| r.cert().map(|c| (r, c)))
                .filter(|(_, c)| c.not_after >= end && c.valid_at(inp.at))
                .min_by_key(|(_, c)| c.der().len());
            let mut sets: Vec<(String, Vec<(&crate::store::Root, &Certificate)>)> = vec![(
                format!(
                    "Trust {} ({}) instead of the leaf",
                    rc.subject.short(),
                    root.owner
                ),
                vec![(root, rc)],
            )];
            if let Some(b) = backup {
                sets.insert(
                    0,
                    (
                        format!(
                            "Trust {} plus a backup root of another CA owner, {} ({})",
                            rc.subject.short(),
                            b.1.subject.short(),
                            b.0.owner
                        ),
                        vec![(root, rc), b],
                    ),
                );
            }
            for (title, set) in sets {
                let certs: Vec<&Certificate> = set.iter().map(|(_, c)| *c).collect();
                let anchors: Vec<TrustAnchor> = set.iter().map(|(r, _)| r.anchor.clone()).collect();
                let v = run(&strict, &anchors, inp.chain, inp.host, inp.at);
                let (der, pem, esp) = sizes(&certs);
                let backup_note = if set.len() > 1 {
                    "; the backup root does not anchor today's chain, it keeps a way in if you move \
                     to that CA (ship firmware updates before a root change)"
                } else {
                    ""
                };
                let check = if verified {
                    format!(
                        "re-verified: the served chain passes under {} with time checks on at {}{backup_note}",
                        inp.profile.name(),
                        format_time(inp.at)
                    )
                } else {
                    "not re-verified against a full chain: only the leaf was given; placed by key \
                     identifier through its known intermediate. Re-run with the full served chain \
                     (--chain) to confirm"
                        .to_string()
                };
                fixes.push(Fix {
                    rank: fixes.len() + 1,
                    title,
                    anchors: certs.iter().map(|c| c.subject.to_string()).collect(),
                    owners: set.iter().map(|(r, _)| r.owner.clone()).collect(),
                    der_bytes: der,
                    pem_bytes: pem,
                    esp_bundle_bytes: esp,
                    verified_code: if verified {
                        v.code.clone()
                    } else {
                        format!("not verified ({code} with the leaf alone)")
                    },
                    verified: verified && v.ok,
                    check,
                    paste: Some(if as_c {
                        let owners: Vec<Option<String>> =
                            set.iter().map(|(r, _)| Some(r.owner.clone())).collect();
                        crate::bundle::formats::c_string("server_root_cert_pem", &anchors, &owners)
                            .unwrap_or_else(|_| pem_block(&certs))
                    } else {
                        pem_block(&certs)
                    }),
                    paste_format: Some(if as_c { "c" } else { "pem" }),
                });
            }
        }
    }
    // The ESP-IDF bundle as an alternative, with its flash cost and its own verdict.
    if inp.profile.esp_idf.is_some() {
        let bundle_profile = inp
            .profile
            .clone()
            .with_trust_mode(TrustMode::Bundle)
            .with_authmode(Authmode::Required);
        let anchors: Vec<TrustAnchor> =
            inp.store.roots().iter().map(|r| r.anchor.clone()).collect();
        let v = run(&bundle_profile, &anchors, inp.chain, inp.host, inp.at);
        let esp: usize = inp
            .store
            .roots()
            .iter()
            .map(|r| r.anchor.esp_record_len())
            .sum::<usize>()
            + 2;
        fixes.push(Fix {
            rank: fixes.len() + 1,
            title: format!(
                "Attach the ESP-IDF certificate bundle (crt_bundle_attach) built from the {} store ({} roots)",
                inp.store.name(),
                inp.store.len()
            ),
            anchors: Vec::new(),
            owners: Vec::new(),
            der_bytes: 0,
            pem_bytes: 0,
            esp_bundle_bytes: esp,
            verified_code: v.code.clone(),
            verified: v.ok,
            check: if v.ok {
                "re-verified in bundle mode".into()
            } else {
                format!(
                    "in bundle mode this chain gives {}: {}",
                    v.code,
                    v.reasons.iter().map(Reason::message).collect::<Vec<_>>().join("; ")
                )
            },
            paste: None,
            paste_format: None,
        });
    }

    // Warnings.
    let mut warnings = Vec::new();
    if primary.first().is_some_and(|p| !p.1) {
        if let Some(k) = leaf
            .and_then(|l| l.authority_key_id.as_ref())
            .and_then(|aki| known::by_key_id(aki).into_iter().next())
        {
            warnings.push(format!(
                "only the leaf was given as the served chain: the server must also send its \
                 intermediate ({}); check with `openssl s_client -showcerts`",
                k.subject
            ));
        }
    }
    if leaf_in_trust {
        warnings.push(
            "Never use a leaf or an intermediate as a long-term anchor: Let's Encrypt leaves last \
             90 days and intermediates a few years; roots last decades."
                .to_string(),
        );
    }
    for (i, c) in inp.chain.iter().enumerate() {
        if !c.is_self_issued() && inp.store.same_subject_and_key(c).iter().any(|_| true) {
            let issuer_expired = c.not_after < end;
            warnings.push(format!(
                "served certificate [{i}] {} is a cross-signed copy of a root, issued by {}{}; \
                 ESP bundle mode looks up that issuer, not the root itself",
                c.subject.short(),
                c.issuer.short(),
                if issuer_expired {
                    format!(", and it expires {}", crate::cert::format_date(c.not_after))
                } else {
                    String::new()
                }
            ));
        }
        if matches!(c.sig_alg.hash(), Some(HashAlg::Sha1 | HashAlg::Md5)) && !c.is_self_issued() {
            warnings.push(format!(
                "served certificate [{i}] {} is signed with {}",
                c.subject.short(),
                c.sig_alg.name()
            ));
        }
        if matches!(c.key, KeyKind::Rsa { bits, .. } if bits < 2048) {
            warnings.push(format!(
                "served certificate [{i}] {} has a {}-bit key",
                c.subject.short(),
                c.key.describe()
            ));
        }
    }
    if let Some(l) = leaf {
        let days = (l.not_after - l.not_before) / 86_400;
        if days <= 400 {
            warnings.push(format!(
                "the server's leaf is valid for {days} days (until {}): it will be replaced often, \
                 so trust a root, never the leaf",
                crate::cert::format_date(l.not_after)
            ));
        }
    }
    for a in inp.trust {
        if let Some(c) = &a.cert {
            if c.not_after < end {
                warnings.push(format!(
                    "trust entry {} expires {}, within the device lifetime",
                    c.subject.short(),
                    crate::cert::format_date(c.not_after)
                ));
            }
        }
    }
    let inspect = crate::inspect::inspect(
        &inp.chain
            .iter()
            .enumerate()
            .map(|(i, c)| crate::intake::Found {
                entry: crate::intake::Entry::Cert(c.clone()),
                origin: crate::intake::Origin::builtin("chain", i),
            })
            .collect::<Vec<_>>(),
        inp.at,
        inp.store,
    );
    if !inspect.chain.order_ok {
        warnings.push(format!(
            "the served chain is out of order; the working order is {:?}",
            inspect.chain.suggested_order
        ));
    }

    Diagnosis {
        schema: SCHEMA,
        reproduction: Reproduction {
            verdict,
            logged_code: logged,
            matches_log,
            alternatives: alts,
        },
        cause,
        fixes,
        warnings,
    }
}
