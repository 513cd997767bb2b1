//! From causes to fixes: each fix is a change of the world (the trust list, the served chain,
//! the clock, a build option, a model of a reissued certificate) on one side, applied and
//! verified again by the engine.

use std::rc::Rc;

use super::causes::{CauseKind, Context, Detail, Found, Missing, analyze, synced_time};
use super::{Fix, Input, Side, World, after_of};
use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, CertificateData, Curve, HashAlg, KeyKind, SigAlg, format_date};
use crate::intake::Format;
use crate::profile::build::{CURVE_OPTIONS, MbedBuild};
use crate::profile::{Family, TrustMode};
use crate::store::{Root, known};
use crate::verify::{CertRef, Verdict};

/// One change of the world.
#[derive(Clone)]
pub(crate) enum Change {
    /// Replace the trust list.
    Trust(Vec<TrustAnchor>),
    /// Add anchors to the trust list.
    AddTrust(Vec<TrustAnchor>),
    /// Replace the served chain.
    Chain(Vec<Certificate>),
    /// Set the hostname.
    Host(Option<String>),
    /// Set the device clock.
    At(i64),
    /// Turn time checks on or off.
    TimeCheck(bool),
    /// Change the trust mode.
    TrustMode(TrustMode),
    /// Replace the Mbed TLS build.
    Build(Box<MbedBuild>),
    /// Run another profile (a release), keeping the trust mode, authmode and time checks.
    Profile(Box<crate::profile::Profile>),
    /// Replace served certificate `i` by a model of it reissued with a change.
    Remodel(usize, Rc<dyn Fn(&mut CertificateData)>),
}

impl World {
    pub(crate) fn apply(&mut self, c: &Change) {
        match c {
            Change::Trust(t) => self.trust = t.clone(),
            Change::AddTrust(t) => self.trust.extend(t.iter().cloned()),
            Change::Chain(c) => {
                self.chain = c.clone();
                self.models.clear();
            }
            Change::Host(h) => self.host = h.clone(),
            Change::At(t) => self.at = *t,
            Change::TimeCheck(on) => self.profile = self.profile.clone().with_time_check(*on),
            Change::TrustMode(m) => self.profile = self.profile.clone().with_trust_mode(*m),
            Change::Build(b) => self.profile.build = Some((**b).clone()),
            Change::Profile(p) => {
                self.profile = (**p)
                    .clone()
                    .with_trust_mode(self.profile.trust_mode)
                    .with_authmode(self.profile.authmode)
                    .with_time_check(self.profile.time_check)
            }
            Change::Remodel(i, f) => {
                let f = f.clone();
                self.remodel(*i, move |d| f(d));
            }
        }
    }
}

/// A fix before it is checked.
#[derive(Clone)]
pub(crate) struct Plan {
    side: Side,
    kind: &'static str,
    text: String,
    /// None: the fix cannot be applied here (`why` says why).
    changes: Option<Vec<Change>>,
    why: Option<String>,
    /// How the check is to be read (e.g. "on a model of the reissued certificate").
    note: Option<String>,
    anchors: Vec<String>,
    owners: Vec<String>,
    sizes: (usize, usize, usize),
    paste: Option<String>,
    paste_format: Option<&'static str>,
    /// What the fix breaks for the server's other clients.
    breaks: Option<String>,
}

impl Plan {
    fn new(side: Side, kind: &'static str, text: String, changes: Vec<Change>) -> Plan {
        Plan {
            side,
            kind,
            text,
            changes: Some(changes),
            why: None,
            note: None,
            anchors: Vec::new(),
            owners: Vec::new(),
            sizes: (0, 0, 0),
            paste: None,
            paste_format: None,
            breaks: None,
        }
    }

    fn unverifiable(side: Side, kind: &'static str, text: String, why: String) -> Plan {
        Plan {
            changes: None,
            why: Some(why),
            ..Plan::new(side, kind, text, Vec::new())
        }
    }

    /// The plan, not re-verified (the diagnosis's work budget is spent).
    pub(crate) fn skipped(mut self, why: String) -> Plan {
        self.changes = None;
        self.why = Some(why);
        self
    }

    fn note(mut self, n: &str) -> Plan {
        self.note = Some(n.to_string());
        self
    }

    fn paste(mut self, text: String, format: &'static str) -> Plan {
        self.paste = Some(text);
        self.paste_format = Some(format);
        self
    }

    /// Marks what the fix breaks for the server's other clients.
    fn breaking(mut self, what: &str) -> Plan {
        self.breaks = Some(what.to_string());
        self
    }

    pub(crate) fn changes(&self) -> Option<&[Change]> {
        self.changes.as_deref()
    }
}

/// Applies the plan, runs the engine, and reports.
pub(crate) fn check(
    plan: Plan,
    found: &Found,
    all: &[Found],
    base: &World,
    cx: &Context<'_>,
    rank: usize,
) -> Fix {
    let (verified, after, why, check) = match &plan.changes {
        None => (
            false,
            None,
            plan.why.clone(),
            "not applied: see why_unverified".to_string(),
        ),
        Some(ch) => {
            let mut w = base.clone();
            for c in ch {
                w.apply(c);
            }
            let v = w.run();
            let later = analyze(&w, &v, cx);
            let gone = !later
                .iter()
                .any(|f| f.cause.kind == found.cause.kind && f.cause.cert == found.cause.cert);
            // Gone, and nothing new in its place.
            let no_new = later.iter().all(|l| {
                all.iter()
                    .any(|b| b.cause.kind == l.cause.kind && b.cause.cert == l.cause.cert)
            });
            let verified = plan.why.is_none() && (v.ok || (gone && no_new));
            let why = match (&plan.why, verified) {
                (Some(w), _) => Some(w.clone()),
                (None, true) => None,
                (None, false) => Some(format!(
                    "with this change the engine still says {}: {}",
                    v.code,
                    later
                        .iter()
                        .map(|f| f.cause.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                )),
            };
            let check = format!(
                "applied and verified again under {}: {}{}",
                base.profile.name(),
                if v.ok {
                    "the device accepts the chain".to_string()
                } else {
                    format!(
                        "{} ({})",
                        v.code,
                        if gone && no_new {
                            "this cause is gone; others remain"
                        } else if gone {
                            "this cause is gone but another takes its place"
                        } else {
                            "the cause remains"
                        }
                    )
                },
                plan.note
                    .as_ref()
                    .map(|n| format!("; {n}"))
                    .unwrap_or_default()
            );
            (verified, Some(after_of(&v)), why, check)
        }
    };
    Fix {
        rank,
        side: plan.side,
        kind: plan.kind,
        cause: found.cause.kind,
        text: plan.text,
        verified,
        after,
        why_unverified: why,
        check,
        anchors: plan.anchors,
        owners: plan.owners,
        der_bytes: plan.sizes.0,
        pem_bytes: plan.sizes.1,
        esp_bundle_bytes: plan.sizes.2,
        paste: plan.paste,
        paste_format: plan.paste_format,
        breaks: plan.breaks,
    }
}

/// The world with every change applied in order, run.
pub(crate) fn combine(base: &World, changes: &[Vec<Change>]) -> Option<Verdict> {
    if changes.is_empty() {
        return None;
    }
    let mut w = base.clone();
    for c in changes.iter().flatten() {
        w.apply(c);
    }
    Some(w.run())
}

fn sizes(certs: &[&Certificate]) -> (usize, usize, usize) {
    let der = certs.iter().map(|c| c.der().len()).sum();
    let pem = certs.iter().map(|c| c.to_pem().len()).sum::<usize>() + 1;
    let esp = certs.iter().map(|c| c.esp_record_len()).sum::<usize>() + 2;
    (der, pem, esp)
}

fn pem_block(certs: &[&Certificate]) -> String {
    certs.iter().map(|c| c.to_pem()).collect()
}

/// `c`'s issuers from `pool`, up to (not including) a self-issued root, each verifying the
/// one below.
fn issuers_from(c: &Certificate, pool: &[Certificate]) -> Vec<Certificate> {
    let mut out: Vec<Certificate> = Vec::new();
    let mut cur = c.clone();
    for _ in 0..8 {
        if cur.is_self_issued() {
            break;
        }
        let next = pool.iter().find(|p| {
            p.subject_raw() == cur.issuer_raw()
                && !p.is_self_issued()
                && !out.iter().any(|o| o.der() == p.der())
                && matches!(
                    crate::crypto::verify_signature(
                        p.spki_raw(),
                        &cur.sig_alg,
                        cur.tbs(),
                        &cur.signature
                    ),
                    crate::crypto::SigCheck::Valid
                )
        });
        match next {
            Some(n) => {
                out.push(n.clone());
                cur = n.clone();
            }
            None => break,
        }
    }
    out
}

/// Store roots that anchor `chain` in `w` with time checks on at the device clock, not yet
/// trusted, durable ones first, then the smallest.
fn anchoring_roots<'s>(w: &World, chain: &[Certificate], cx: &'s Context<'_>) -> Vec<&'s Root> {
    anchoring_roots_in(w, chain, cx.store, cx.lifetime)
}

fn anchoring_roots_in<'s>(
    w: &World,
    chain: &[Certificate],
    store: &'s crate::store::Store,
    lifetime: i64,
) -> Vec<&'s Root> {
    let end = w.at.saturating_add(lifetime);
    let mut strict = w.clone();
    strict.chain = chain.to_vec();
    strict.models.clear();
    if strict.profile.mbedtls.is_some() {
        strict.profile = strict.profile.clone().with_time_check(true);
    }
    let names: Vec<String> = chain
        .iter()
        .flat_map(|c| [c.issuer.loose(), c.subject.loose()])
        .collect();
    let mut out: Vec<&Root> = store
        .roots()
        .iter()
        .filter(|r| r.cert().is_some())
        .filter(|r| {
            !w.trust.iter().any(|a| {
                a.subject_raw() == r.anchor.subject_raw() && a.spki_raw() == r.anchor.spki_raw()
            })
        })
        // Only a root named as the issuer of a served certificate (or as one of them) can
        // anchor the chain: the others are not worth a verification each (a cross-signed mesh
        // makes every verification expensive). Names compare loosely (case and spaces
        // ignored), looser than any stack's matching.
        .filter(|r| {
            let name = r.anchor.subject.loose();
            names.contains(&name)
        })
        .filter(|r| {
            let mut t = strict.clone();
            t.trust = vec![r.anchor.clone()];
            t.run().ok
        })
        .collect();
    out.sort_by_key(|r| {
        let c = r.cert();
        (
            c.is_none_or(|c| c.not_after < end),
            c.map_or(usize::MAX, |c| c.der().len()),
        )
    });
    out
}

/// Roots placed by key identifier through a known intermediate (a lone leaf).
fn roots_by_key_id<'s>(w: &World, cx: &'s Context<'_>) -> Vec<&'s Root> {
    let Some(aki) = w.chain.first().and_then(|l| l.authority_key_id.as_ref()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for k in known::by_key_id(aki) {
        let Some(root_ski) = k.cert.authority_key_id.as_ref() else {
            continue;
        };
        for r in cx.store.roots() {
            let hit = r
                .cert()
                .and_then(|c| c.subject_key_id.as_ref())
                .is_some_and(|s| s == root_ski)
                && r.anchor.subject_raw() == k.cert.issuer_raw();
            if hit && !out.iter().any(|o: &&Root| std::ptr::eq(*o, r)) && !trusted_root(w, r) {
                out.push(r);
            }
        }
    }
    out
}

fn trusted_root(w: &World, r: &Root) -> bool {
    w.trust
        .iter()
        .any(|a| a.subject_raw() == r.anchor.subject_raw() && a.spki_raw() == r.anchor.spki_raw())
}

/// The served chain completed with intermediates from `--extra` (for a lone leaf).
fn completed_chain(w: &World, cx: &Context<'_>) -> Vec<Certificate> {
    let mut chain = w.chain.clone();
    if let Some(top) = chain.last().cloned() {
        chain.extend(issuers_from(&top, cx.extra));
    }
    chain
}

/// "Trust <root> [plus a backup]" plans, in the user's format. `keep` filters the current
/// trust entries kept next to the new roots.
pub(crate) fn trust_root_plans(
    w: &World,
    cx: &Context<'_>,
    inp: &Input<'_>,
    trust_format: Option<Format>,
    keep: &dyn Fn(&TrustAnchor) -> bool,
    instead_of: Option<&str>,
) -> Vec<Plan> {
    let lone_leaf = w.chain.len() == 1 && w.chain.first().is_some_and(|l| !l.is_ca());
    let search = if lone_leaf {
        completed_chain(w, cx)
    } else {
        w.chain.clone()
    };
    let completed = search.len() > w.chain.len();
    let mut roots = anchoring_roots(w, &search, cx);
    let mut by_key_id = false;
    if roots.is_empty() && lone_leaf {
        roots = roots_by_key_id(w, cx);
        by_key_id = true;
    }
    // The roots the user gave (--extra): a private CA's root is in no store.
    let given = crate::store::Store::from_anchors(
        "--extra",
        cx.extra
            .iter()
            .filter(|c| c.is_self_issued() && c.is_ca())
            .map(|c| {
                TrustAnchor::from_cert(c.clone(), crate::intake::Origin::builtin("--extra", 0))
            })
            .collect(),
    );
    if roots.is_empty() {
        roots = anchoring_roots_in(w, &search, &given, cx.lifetime);
        by_key_id = false;
    }
    let Some(root) = roots.first().copied() else {
        // Nothing here anchors it: the fix is still the root, named by the chain's top issuer.
        let issuer = search.last().map(|c| c.issuer.short()).unwrap_or_default();
        let instead = instead_of
            .map(|x| format!(" instead of {x}"))
            .unwrap_or_default();
        return vec![Plan::unverifiable(
            Side::Device,
            "trust-root",
            format!("Trust the root '{issuer}' that issued the chain's top certificate{instead}"),
            format!(
                "anchorkit does not have '{issuer}' (not in the {} store nor the compiled-in CA certificates): give it with --extra to verify",
                cx.store.name()
            ),
        )];
    };
    let Some(rc) = root.cert() else {
        return Vec::new();
    };
    let end = w.at.saturating_add(cx.lifetime);
    let backup = cx
        .store
        .roots()
        .iter()
        .filter(|r| r.owner != root.owner && r.esp.as_ref().is_some_and(|e| e.common))
        .filter(|r| !trusted_root(w, r))
        .filter_map(|r| r.cert().map(|c| (r, c)))
        .filter(|(_, c)| c.not_after >= end && c.valid_at(w.at))
        .min_by_key(|(_, c)| c.der().len());
    let instead = instead_of
        .map(|x| format!(" instead of {x}"))
        .unwrap_or_default();
    let mut sets: Vec<(String, Vec<(&Root, &Certificate)>)> = Vec::new();
    if let Some(b) = backup {
        sets.push((
            format!(
                "Trust {} ({}){instead}, plus a backup root of another CA owner, {} ({})",
                rc.subject.short(),
                root.owner,
                b.1.subject.short(),
                b.0.owner
            ),
            vec![(root, rc), b],
        ));
    }
    sets.push((
        format!("Trust {} ({}){instead}", rc.subject.short(), root.owner),
        vec![(root, rc)],
    ));
    let as_c = matches!(trust_format, Some(Format::CString | Format::CByteArray));
    // The list's other anchors stay (another of the firmware's servers may need them): the
    // paste is the whole new list.
    let kept: Vec<&TrustAnchor> = w.trust.iter().filter(|a| keep(a)).collect();
    let kept_names: Vec<String> = kept.iter().map(|a| a.subject.short()).collect();
    let mut out = Vec::new();
    for (title, set) in sets {
        let title = if kept.is_empty() {
            title
        } else {
            format!(
                "{title}; the paste keeps the list's other {} anchor(s) ({}) for the firmware's other servers",
                kept.len(),
                kept_names.join(", ")
            )
        };
        let certs: Vec<&Certificate> = set.iter().map(|(_, c)| *c).collect();
        let anchors: Vec<TrustAnchor> = set.iter().map(|(r, _)| r.anchor.clone()).collect();
        let mut trust: Vec<TrustAnchor> = w.trust.iter().filter(|a| keep(a)).cloned().collect();
        trust.extend(anchors.iter().cloned());
        let mut changes = vec![Change::Trust(trust)];
        let mut plan_note = if set.len() > 1 {
            Some(
                "the backup root does not anchor today's chain; it keeps a way in if the server \
                 moves to that CA (ship firmware updates before a root change)"
                    .to_string(),
            )
        } else {
            None
        };
        let mut why = None;
        if completed {
            changes.push(Change::Chain(search.clone()));
            plan_note = Some(format!(
                "verified with the served leaf followed by its intermediate from --extra, as the \
                 server must send it{}",
                plan_note.map(|n| format!("; {n}")).unwrap_or_default()
            ));
        } else if lone_leaf {
            why = Some(if by_key_id {
                "only the leaf was given as the served chain, so the fix was placed by key \
                 identifier through the leaf's known intermediate; give the full chain the server \
                 sends (--chain fullchain.pem) or its intermediate (--extra) to verify it"
                    .to_string()
            } else {
                "only the leaf was given as the served chain; give the full chain (--chain) or its \
                 intermediate (--extra) to verify it"
                    .to_string()
            });
        }
        let kept_certs: Vec<&Certificate> = kept.iter().filter_map(|a| a.cert.as_ref()).collect();
        let all_certs: Vec<&Certificate> = kept_certs.iter().chain(certs.iter()).copied().collect();
        let paste = if as_c {
            let mut list: Vec<TrustAnchor> = kept.iter().map(|a| (*a).clone()).collect();
            list.extend(anchors.iter().cloned());
            let mut owners: Vec<Option<String>> = kept.iter().map(|_| None).collect();
            owners.extend(set.iter().map(|(r, _)| Some(r.owner.clone())));
            crate::bundle::formats::c_string("server_root_cert_pem", &list, &owners)
                .map(|c| {
                    let usage: String = super::platform_of(inp)
                        .use_ca_string("server_root_cert_pem")
                        .lines()
                        .map(|l| format!("// {l}\n"))
                        .collect();
                    format!("{c}\n// in the firmware:\n{usage}")
                })
                .unwrap_or_else(|_| pem_block(&all_certs))
        } else {
            pem_block(&all_certs)
        };
        let mut p = Plan::new(Side::Device, "trust-root", title, changes)
            .paste(paste, if as_c { "c" } else { "pem" });
        p.why = why;
        p.note = plan_note;
        p.anchors = certs.iter().map(|c| c.subject.to_string()).collect();
        p.owners = set.iter().map(|(r, _)| r.owner.clone()).collect();
        p.sizes = sizes(&certs);
        out.push(p);
    }
    out
}

/// The ESP-IDF certificate bundle as the device-side alternative to a CA list.
fn bundle_plan(w: &World, cx: &Context<'_>, inp: &Input<'_>) -> Option<Plan> {
    let platform = super::platform_of(inp);
    if w.profile.esp_idf.is_none() || w.profile.trust_mode != TrustMode::CertPem {
        return None;
    }
    let anchors: Vec<TrustAnchor> = cx.store.roots().iter().map(|r| r.anchor.clone()).collect();
    let esp: usize = anchors
        .iter()
        .map(TrustAnchor::esp_record_len)
        .sum::<usize>()
        + 2;
    let (title, paste) = match platform {
        super::platform::Platform::ArduinoEsp32(major) => (
            format!(
                "Use a certificate bundle instead of one CA (WiFiClientSecure::setCACertBundle), built from the {} store ({} roots, {esp} bytes of flash): anchorkit bundle --from-store mozilla --format esp-bundle -o data/cert/x509_crt_bundle.bin, embedded with board_build.embed_files",
                cx.store.name(),
                cx.store.len()
            ),
            if major >= 3 {
                "extern const uint8_t x509_crt_bundle_start[] asm(\"_binary_data_cert_x509_crt_bundle_bin_start\");\nextern const uint8_t x509_crt_bundle_end[] asm(\"_binary_data_cert_x509_crt_bundle_bin_end\");\n\n// Arduino-ESP32 3.x takes the bundle's size too\nclient.setCACertBundle(x509_crt_bundle_start, x509_crt_bundle_end - x509_crt_bundle_start);\n".to_string()
            } else {
                "extern const uint8_t x509_crt_bundle_start[] asm(\"_binary_data_cert_x509_crt_bundle_bin_start\");\n\nclient.setCACertBundle(x509_crt_bundle_start);\n".to_string()
            },
        ),
        _ => (
            format!(
                "Attach the ESP-IDF certificate bundle (crt_bundle_attach) built from the {} store ({} roots, {esp} bytes of flash) instead of a CA list",
                cx.store.name(),
                cx.store.len()
            ),
            "esp_http_client_config_t config = {\n    .url = \"https://...\",\n    .crt_bundle_attach = esp_crt_bundle_attach,\n};\n".to_string(),
        ),
    };
    let mut p = Plan::new(
        Side::Device,
        "attach-bundle",
        title,
        vec![Change::TrustMode(TrustMode::Bundle), Change::Trust(anchors)],
    )
    .paste(paste, "c-code");
    p.sizes = (0, 0, esp);
    Some(p)
}

fn host_names(names: &[String]) -> Vec<String> {
    names
        .iter()
        .filter_map(|n| {
            n.strip_prefix("DNS:")
                .or_else(|| n.strip_prefix("IP:"))
                .or_else(|| n.strip_prefix("CN:"))
                .map(str::to_string)
        })
        .collect()
}

/// A concrete name the leaf holds: the first non-wildcard one, else a wildcard filled in.
fn usable_name(names: &[String]) -> Option<String> {
    let hs = host_names(names);
    hs.iter()
        .find(|n| !n.contains('*'))
        .cloned()
        .or_else(|| hs.first().map(|n| n.replacen('*', "www", 1)))
}

fn sync_clock_code(inp: &Input<'_>) -> (String, &'static str) {
    (super::platform_of(inp).sync_clock(), "c-code")
}

fn sdkconfig_line(name: &str, value: &str) -> String {
    format!("CONFIG_{name}={value}\n")
}

/// The served chain reduced to what the device needs: leaf, then each issuer found in the
/// chain, until one whose issuer is trusted (or a root).
fn minimal_chain(w: &World) -> Vec<Certificate> {
    let mut out: Vec<Certificate> = Vec::new();
    let Some(leaf) = w.chain.first() else {
        return out;
    };
    out.push(leaf.clone());
    let mut cur = leaf.clone();
    for _ in 0..w.chain.len() {
        if cur.is_self_issued() || w.trust.iter().any(|a| a.subject_raw() == cur.issuer_raw()) {
            break;
        }
        match w.chain.iter().find(|c| {
            c.subject_raw() == cur.issuer_raw() && !out.iter().any(|o| o.der() == c.der())
        }) {
            Some(n) => {
                out.push(n.clone());
                cur = n.clone();
            }
            None => break,
        }
    }
    out
}

/// Serve only what the device needs, when that is less than what is served.
fn shorten_plan(w: &World, why: &str) -> Option<Plan> {
    let min = minimal_chain(w);
    let dropped_ca = w
        .chain
        .iter()
        .any(|c| c.is_ca() && !c.is_self_issued() && !min.iter().any(|m| m.der() == c.der()));
    (min.len() < w.chain.len()).then(|| {
        let p = Plan::new(
            Side::Server,
            "shorten-chain",
            format!(
                "Serve only the {} certificates the device needs ({why})",
                min.len()
            ),
            vec![Change::Chain(min)],
        );
        if dropped_ca {
            p.breaking("clients that need the intermediates or cross-signs left out to reach a root they trust")
        } else {
            p
        }
    })
}

fn sha256_variant(alg: &SigAlg) -> SigAlg {
    match alg {
        SigAlg::RsaPkcs1 { .. } => SigAlg::RsaPkcs1 {
            hash: HashAlg::Sha256,
        },
        SigAlg::Ecdsa { .. } => SigAlg::Ecdsa {
            hash: HashAlg::Sha256,
        },
        SigAlg::RsaPss { .. } => SigAlg::RsaPss {
            hash: Some(HashAlg::Sha256),
            mgf1: Some(HashAlg::Sha256),
            salt_len: 32,
            trailer: 1,
        },
        other => other.clone(),
    }
}

/// The fixes for one cause, the right side first.
pub(crate) fn plans(
    f: &Found,
    w: &World,
    v: &Verdict,
    cx: &Context<'_>,
    inp: &Input<'_>,
    trust_format: Option<Format>,
) -> Vec<Plan> {
    let mut out = Vec::new();
    let chain_at = |at: CertRef| match at {
        CertRef::Chain(i) => Some(i),
        CertRef::Trust(_) => None,
    };
    match (&f.cause.kind, &f.detail) {
        (CauseKind::AnchorIsLeaf, _) => {
            out.extend(trust_root_plans(
                w,
                cx,
                inp,
                trust_format,
                &|a| {
                    a.cert
                        .as_ref()
                        .is_none_or(|c| c.is_ca() || c.is_self_issued())
                },
                Some("the leaf"),
            ));
            out.extend(bundle_plan(w, cx, inp));
        }
        (CauseKind::AnchorIsIntermediate, _) => {
            out.extend(trust_root_plans(
                w,
                cx,
                inp,
                trust_format,
                &|a| a.cert.as_ref().is_none_or(|c| c.is_self_issued()),
                Some("the intermediate"),
            ));
            out.extend(bundle_plan(w, cx, inp));
        }
        (CauseKind::AnchorWrongCa, _) => {
            out.extend(trust_root_plans(w, cx, inp, trust_format, &|_| true, None));
            out.extend(bundle_plan(w, cx, inp));
        }
        (CauseKind::MissingIntermediate, Detail::MissingIssuerOf(i)) => {
            let below = w.chain.get(*i).cloned();
            let issuer = below.as_ref().map(|c| c.issuer.short()).unwrap_or_default();
            let known_name = below
                .as_ref()
                .and_then(|c| c.authority_key_id.as_ref())
                .and_then(|k| known::by_key_id(k).into_iter().next())
                .map(|k| k.cert.subject.to_string());
            // The certificates the user gave, else what the CA served then, from anchorkit's
            // compiled-in public certificates.
            let mut found = below
                .as_ref()
                .map(|c| issuers_from(c, cx.extra))
                .unwrap_or_default();
            if found.is_empty() {
                if let Some(c) = &below {
                    let events = crate::events::Events::builtin();
                    if let Some((_, done)) = crate::complete::complete_certs(
                        std::slice::from_ref(c),
                        w.at,
                        Some(&events),
                    ) {
                        found = done.added.iter().map(|a| a.cert.clone()).collect();
                    }
                }
            }
            if found.is_empty() {
                out.push(Plan::unverifiable(
                    Side::Server,
                    "serve-chain",
                    format!(
                        "Make the server send its intermediate '{}' after the leaf: serve the full \
                         chain (certbot and acme.sh: fullchain.pem, not cert.pem; nginx: \
                         ssl_certificate fullchain.pem; Apache 2.4.8+: SSLCertificateFile \
                         fullchain.pem)",
                        known_name.clone().unwrap_or(issuer.clone())
                    ),
                    format!(
                        "anchorkit does not have '{}' itself: give it with --extra (the server's \
                         fullchain.pem, or the CA's intermediate) to verify this fix",
                        known_name.unwrap_or(issuer)
                    ),
                ));
            } else {
                let mut chain: Vec<Certificate> = w.chain[..=*i].to_vec();
                chain.extend(found.iter().cloned());
                let names: Vec<String> = found
                    .iter()
                    .map(|c| format!("'{}'", c.subject.short()))
                    .collect();
                let refs: Vec<&Certificate> = found.iter().collect();
                out.push(
                    Plan::new(
                        Side::Server,
                        "serve-chain",
                        format!(
                            "Make the server send {} after the leaf: serve the full chain \
                             (certbot and acme.sh: fullchain.pem, not cert.pem; nginx: \
                             ssl_certificate fullchain.pem; Apache 2.4.8+: SSLCertificateFile \
                             fullchain.pem)",
                            names.join(" and ")
                        ),
                        vec![Change::Chain(chain)],
                    )
                    .paste(pem_block(&refs), "pem"),
                );
                if inp.stopgap {
                    let anchors: Vec<TrustAnchor> = found
                        .iter()
                        .map(|c| {
                            TrustAnchor::from_cert(
                                c.clone(),
                                crate::intake::Origin::builtin("extra", 0),
                            )
                        })
                        .collect();
                    let mut p = Plan::new(
                        Side::Device,
                        "trust-intermediate",
                        format!(
                            "Stopgap until the server is fixed: trust {} on the device (it breaks \
                             when the CA rotates its intermediates)",
                            names.join(" and ")
                        ),
                        vec![Change::AddTrust(anchors)],
                    )
                    .paste(pem_block(&refs), "pem");
                    p.sizes = sizes(&refs);
                    out.push(p);
                }
            }
        }
        (CauseKind::CrossSignTopNotInBundle, Detail::At(at)) => {
            let top = chain_at(*at).and_then(|i| w.chain.get(i).map(|c| (i, c.clone())));
            if let Some(e) = w.profile.esp_idf {
                if e.cross_signed_mode {
                    out.push(
                        Plan::new(
                            Side::Config,
                            "cross-signed-verify",
                            "Turn on the bundle's cross-signed mode: it anchors the chain at any \
                             certificate whose issuer is in the bundle"
                                .into(),
                            vec![Change::TrustMode(TrustMode::BundleCrossSigned)],
                        )
                        .paste(
                            sdkconfig_line("MBEDTLS_CERTIFICATE_BUNDLE_CROSS_SIGNED_VERIFY", "y"),
                            "sdkconfig",
                        ),
                    );
                }
            }
            if let Some((i, c)) = &top {
                let mut chain = w.chain.clone();
                chain.remove(*i);
                out.push(Plan::new(
                    Side::Server,
                    "drop-cross-signed-top",
                    format!(
                        "Serve the chain without the cross-signed {} (issued by '{}'): it then \
                         ends at an intermediate whose issuer, the root, is in the bundle (certbot: \
                         --preferred-chain \"{}\")",
                        c.subject.short(),
                        c.issuer.short(),
                        c.subject.common_name().unwrap_or_else(|| c.subject.short())
                    ),
                    vec![Change::Chain(chain)],
                )
                .breaking(&format!(
                    "clients that trust only '{}' (older devices and stores): the cross-sign is their path to a root they have",
                    c.issuer.short()
                )));
                let issuer = cx
                    .store
                    .roots()
                    .iter()
                    .find(|r| r.anchor.subject_raw() == c.issuer_raw())
                    .map(|r| r.anchor.clone())
                    .or_else(|| {
                        cx.extra
                            .iter()
                            .find(|x| x.subject_raw() == c.issuer_raw())
                            .map(|x| {
                                TrustAnchor::from_cert(
                                    x.clone(),
                                    crate::intake::Origin::builtin("extra", 0),
                                )
                            })
                    })
                    // A retired root anchorkit ships (DST Root CA X3): its record still serves
                    // a device that does not check dates.
                    .or_else(|| {
                        known::by_subject(c.issuer_raw())
                            .into_iter()
                            .find(|k| k.role == known::Role::Root)
                            .map(|k| {
                                TrustAnchor::from_cert(
                                    k.cert.clone(),
                                    crate::intake::Origin::builtin(k.file, 0),
                                )
                            })
                    });
                match issuer {
                    Some(a) => out.push(Plan::new(
                        Side::Device,
                        "add-to-bundle",
                        format!(
                            "Add '{}' to a custom bundle (CONFIG_MBEDTLS_CUSTOM_CERTIFICATE_BUNDLE)",
                            a.label()
                        ),
                        vec![Change::AddTrust(vec![a])],
                    )),
                    None => out.push(Plan::unverifiable(
                        Side::Device,
                        "add-to-bundle",
                        format!(
                            "Add '{}' to a custom bundle (CONFIG_MBEDTLS_CUSTOM_CERTIFICATE_BUNDLE)",
                            c.issuer.short()
                        ),
                        format!(
                            "'{}' is not in the {} store (a retired root?); give it with --extra \
                             to verify",
                            c.issuer.short(),
                            cx.store.name()
                        ),
                    )),
                }
            }
        }
        (CauseKind::IpSanUnmatched, Detail::Names(names)) => {
            let ip = names.first().cloned().unwrap_or_default();
            let dns = ip.clone();
            out.push(
                Plan::new(
                    Side::Server,
                    "reissue",
                    format!(
                        "Reissue the server's certificate with the address also as a DNS name: subjectAltName DNS:{ip} next to IP:{ip} (openssl: -addext \"subjectAltName=DNS:{ip},IP:{ip}\"; a private CA can, a public one will not)"
                    ),
                    vec![Change::Remodel(
                        0,
                        Rc::new(move |d: &mut CertificateData| {
                            d.san.push(crate::cert::SanEntry::Dns(dns.clone()));
                            d.has_san = true;
                        }),
                    )],
                )
                .note("on a model of the reissued certificate (same CA, the DNS entry added)"),
            );
            let newer = if w.profile.esp_idf.is_some() {
                "esp-idf-5.4"
            } else {
                "mbedtls-3.6"
            };
            if let Ok(p) = crate::profile::Profile::by_name(newer) {
                out.push(Plan::new(
                    Side::Device,
                    "update-release",
                    format!(
                        "Or update the firmware to {} (Mbed TLS 3.5 and later match iPAddress entries)",
                        p.summary()
                    ),
                    vec![Change::Profile(Box::new(p))],
                ));
            }
        }
        (CauseKind::HostnameMismatch, Detail::Names(names)) => {
            if let Some(name) = usable_name(names) {
                out.push(
                    Plan::new(
                        Side::Device,
                        "set-hostname",
                        format!(
                            "Connect with a name the certificate holds ({}): e.g. '{name}' in the \
                             URL (esp_http_client_config_t.url / .host) or esp_tls_cfg_t.common_name",
                            host_names(names).join(", ")
                        ),
                        vec![Change::Host(Some(name.clone()))],
                    )
                    .paste(format!("https://{name}/"), "text"),
                );
            }
            if let Some(h) = w.host.clone() {
                let hn = h.clone();
                out.push(
                    Plan::new(
                        Side::Server,
                        "reissue",
                        format!(
                            "Reissue the server's certificate with '{h}' in its subjectAltName"
                        ),
                        vec![Change::Remodel(
                            0,
                            Rc::new(move |d: &mut CertificateData| {
                                d.san.push(crate::cert::SanEntry::Dns(hn.clone()));
                                d.has_san = true;
                            }),
                        )],
                    )
                    .note("on a model of the reissued certificate (same CA, the name added)"),
                );
            }
        }
        (CauseKind::NoHostname, _) => {
            let names = w
                .chain
                .first()
                .map(crate::verify::names::offered_names)
                .unwrap_or_default();
            if let Some(name) = usable_name(&names) {
                out.push(
                    Plan::new(
                        Side::Device,
                        "set-hostname",
                        format!(
                            "Set the hostname on the connection: '{name}' (esp-tls: leave \
                             skip_common_name off and set common_name, or use the URL's host; \
                             Mbed TLS: mbedtls_ssl_set_hostname)"
                        ),
                        vec![Change::Host(Some(name.clone()))],
                    )
                    .paste(
                        format!("mbedtls_ssl_set_hostname(&ssl, \"{name}\");\n"),
                        "c-code",
                    ),
                );
            }
            if let Some(b) = &w.profile.build {
                let mut nb = b.clone();
                nb.allow_no_hostname = true;
                out.push(
                    Plan::new(
                        Side::Config,
                        "allow-no-hostname",
                        "Allow verification without a hostname (no name check at all: any \
                         certificate of a trusted CA is accepted)"
                            .into(),
                        vec![Change::Build(Box::new(nb))],
                    )
                    .paste(
                        sdkconfig_line("MBEDTLS_ALLOW_WEAK_CERTIFICATE_VERIFICATION", "y"),
                        "sdkconfig",
                    ),
                );
            }
        }
        (CauseKind::ClockNotSet | CauseKind::ClockBehind, _) => {
            let (code, fmt) = sync_clock_code(inp);
            let t = synced_time(w, cx.now);
            out.push(
                Plan::new(
                    Side::Device,
                    "sync-clock",
                    "Set the clock before the first TLS connection: wait for SNTP to sync".into(),
                    vec![Change::At(t)],
                )
                .note(&format!(
                    "checked with the clock at {}{}",
                    format_date(t),
                    if t == cx.now {
                        " (today)"
                    } else {
                        ", inside every served certificate's validity"
                    }
                ))
                .paste(code, fmt),
            );
            if w.profile.mbedtls.is_some() && w.profile.time_check {
                out.push(
                    Plan::new(
                        Side::Config,
                        "time-checks-off",
                        "Or turn certificate date checks off (ESP-IDF's default; expired \
                         certificates are then accepted)"
                            .into(),
                        vec![Change::TimeCheck(false)],
                    )
                    .paste(
                        {
                            let p = super::platform_of(inp);
                            match p {
                                super::platform::Platform::EspIdf(_)
                                | super::platform::Platform::Zephyr => {
                                    p.config_line("MBEDTLS_HAVE_TIME_DATE", "", "n").0
                                }
                                _ => "#undef MBEDTLS_HAVE_TIME_DATE\n".to_string(),
                            }
                        },
                        match super::platform_of(inp) {
                            super::platform::Platform::EspIdf(_) => "sdkconfig",
                            super::platform::Platform::Zephyr => "prj.conf",
                            _ => "mbedtls-config",
                        },
                    ),
                );
            }
        }
        (CauseKind::NotYetValid, Detail::At(at)) => {
            let c = match at {
                CertRef::Chain(i) => w.chain.get(*i).cloned(),
                CertRef::Trust(i) => w.trust.get(*i).and_then(|a| a.cert.clone()),
            };
            if c.as_ref().is_some_and(|c| c.valid_at(cx.now)) && cx.now > w.at {
                let (code, fmt) = sync_clock_code(inp);
                out.push(
                    Plan::new(
                        Side::Device,
                        "sync-clock",
                        "The device clock is behind: sync it (SNTP) before connecting".into(),
                        vec![Change::At(cx.now)],
                    )
                    .paste(code, fmt),
                );
            } else {
                out.push(Plan::unverifiable(
                    Side::Server,
                    "serve-valid-certificate",
                    "Serve a certificate that is already valid".into(),
                    "the certificate is not valid yet even now; anchorkit cannot produce another"
                        .into(),
                ));
            }
        }
        (CauseKind::Expired, Detail::At(at)) => match at {
            CertRef::Chain(i) => {
                let i = *i;
                let c = &w.chain[i];
                let now_or_at = w.at;
                if !c.is_ca() {
                    out.push(
                        Plan::new(
                            Side::Server,
                            "renew",
                            format!(
                                "Renew the server's certificate (it expired {}): certbot renew, \
                                 or your CA's renewal",
                                format_date(c.not_after)
                            ),
                            vec![Change::Remodel(
                                i,
                                Rc::new(move |d: &mut CertificateData| {
                                    d.not_before = now_or_at - 86_400;
                                    d.not_after = now_or_at + 90 * 86_400;
                                }),
                            )],
                        )
                        .note("on a model of the renewed certificate (same names and CA)"),
                    );
                } else if c.is_self_issued() || !cx.store.same_subject_and_key(c).is_empty() {
                    let mut chain = w.chain.clone();
                    chain.remove(i);
                    out.push(Plan::new(
                        Side::Server,
                        "drop-expired",
                        format!(
                            "Stop sending the expired {} (the device does not need it)",
                            c.subject.short()
                        ),
                        vec![Change::Chain(chain)],
                    ));
                } else {
                    let current = cx.extra.iter().find(|x| {
                        x.subject_raw() == c.subject_raw()
                            && x.spki_raw() == c.spki_raw()
                            && x.valid_at(w.at)
                    });
                    match current {
                        Some(x) => {
                            let mut chain = w.chain.clone();
                            chain[i] = x.clone();
                            out.push(Plan::new(
                                Side::Server,
                                "serve-chain",
                                format!(
                                    "Serve the current {} (from --extra) instead of the expired one",
                                    c.subject.short()
                                ),
                                vec![Change::Chain(chain)],
                            ));
                        }
                        None => out.push(
                            Plan::new(
                                Side::Server,
                                "serve-chain",
                                format!(
                                    "Serve the CA's current intermediate instead of the expired \
                                     {} (update the chain file from the CA)",
                                    c.subject.short()
                                ),
                                vec![Change::Remodel(
                                    i,
                                    Rc::new(move |d: &mut CertificateData| {
                                        d.not_before = now_or_at - 86_400;
                                        d.not_after = now_or_at + 365 * 86_400;
                                    }),
                                )],
                            )
                            .note("on a model of the renewed intermediate (same name and key)"),
                        ),
                    }
                }
            }
            CertRef::Trust(_) => {
                out.extend(trust_root_plans(
                    w,
                    cx,
                    inp,
                    trust_format,
                    &|a| a.cert.as_ref().is_none_or(|c| c.not_after >= w.at),
                    Some("the expired anchor"),
                ));
                if w.profile.mbedtls.is_some() && w.profile.time_check {
                    out.push(
                        Plan::new(
                            Side::Config,
                            "time-checks-off",
                            "Or turn certificate date checks off (ESP-IDF's default)".into(),
                            vec![Change::TimeCheck(false)],
                        )
                        .paste(sdkconfig_line("MBEDTLS_HAVE_TIME_DATE", "n"), "sdkconfig"),
                    );
                }
            }
        },
        (CauseKind::WeakHash, Detail::At(CertRef::Chain(i))) => {
            let i = *i;
            let c = &w.chain[i];
            let alg = sha256_variant(&c.sig_alg);
            let name = alg.name();
            out.push(
                Plan::new(
                    Side::Server,
                    "reissue",
                    format!(
                        "Reissue {} signed with {name} (every public CA signs with SHA-256 or \
                         better)",
                        c.subject.short()
                    ),
                    vec![Change::Remodel(
                        i,
                        Rc::new(move |d: &mut CertificateData| d.sig_alg = alg.clone()),
                    )],
                )
                .note("on a model of the reissued certificate (same fields and CA, SHA-256)"),
            );
        }
        (CauseKind::WeakKey, Detail::At(CertRef::Chain(0))) => {
            let c = &w.chain[0];
            let rsa = matches!(c.key, KeyKind::Rsa { .. });
            out.push(
                Plan::new(
                    Side::Server,
                    "reissue",
                    format!(
                        "Reissue the server's certificate with a {} key",
                        if rsa {
                            "2048-bit (or larger) RSA"
                        } else {
                            "P-256"
                        }
                    ),
                    vec![Change::Remodel(
                        0,
                        Rc::new(move |d: &mut CertificateData| {
                            d.key = if rsa {
                                KeyKind::Rsa {
                                    bits: 2048,
                                    exponent: 65537,
                                }
                            } else {
                                KeyKind::Ec { curve: Curve::P256 }
                            };
                        }),
                    )],
                )
                .note("on a model of the reissued certificate (same fields and CA, new key)"),
            );
        }
        (CauseKind::WeakKey, Detail::At(at)) => {
            if matches!(at, CertRef::Trust(_)) {
                out.extend(trust_root_plans(w, cx, inp, trust_format, &|_| true, None));
            }
            out.push(Plan::unverifiable(
                Side::Server,
                "change-ca",
                "Use a CA whose chain has keys the device accepts (RSA 2048+ or P-256/P-384)"
                    .into(),
                "the weak key belongs to a CA; anchorkit cannot model another CA's chain".into(),
            ));
        }
        (CauseKind::UnsupportedAlgorithm, Detail::Missing(at, m)) => {
            let build = w.profile.build.as_ref();
            let config = match (m, build) {
                (Missing::Curve(c), Some(b)) => {
                    CURVE_OPTIONS.iter().find(|(_, x)| x == c).map(|(n, _)| {
                        let mut nb = b.clone();
                        nb.curves.push(c.clone());
                        (
                            format!("Enable the {} curve in the build", c.name()),
                            sdkconfig_line(&format!("MBEDTLS_ECP_DP_{n}_ENABLED"), "y"),
                            nb,
                        )
                    })
                }
                (Missing::Hash(h), Some(b)) => {
                    let opt = match h {
                        HashAlg::Md5 => Some("MBEDTLS_MD5_C"),
                        HashAlg::Sha1 => Some("MBEDTLS_SHA1_C"),
                        HashAlg::Sha224 => Some("MBEDTLS_SHA224_C"),
                        HashAlg::Sha256 => Some("MBEDTLS_SHA256_C"),
                        HashAlg::Sha384 | HashAlg::Sha512 => Some("MBEDTLS_SHA512_C"),
                        _ => None,
                    };
                    opt.map(|o| {
                        let mut nb = b.clone();
                        nb.hashes.push(*h);
                        if *h == HashAlg::Sha512 {
                            nb.hashes.push(HashAlg::Sha384);
                        }
                        if *h == HashAlg::Sha384 {
                            nb.hashes.push(HashAlg::Sha512);
                        }
                        (
                            format!("Enable {} in the build", h.name()),
                            sdkconfig_line(o, "y"),
                            nb,
                        )
                    })
                }
                (Missing::Pss, Some(b)) => {
                    let mut nb = b.clone();
                    nb.rsa_pss = true;
                    Some((
                        "Enable RSASSA-PSS certificate signatures in the build".to_string(),
                        "#define MBEDTLS_X509_RSASSA_PSS_SUPPORT\n".to_string(),
                        nb,
                    ))
                }
                _ => None,
            };
            if let Some((text, line, nb)) = config {
                let fmt = if line.starts_with("CONFIG_") {
                    "sdkconfig"
                } else {
                    "mbedtls-config"
                };
                out.push(
                    Plan::new(
                        Side::Config,
                        "enable-algorithm",
                        text,
                        vec![Change::Build(Box::new(nb))],
                    )
                    .paste(line, fmt),
                );
            }
            match at {
                CertRef::Chain(_) => out.push(Plan::unverifiable(
                    Side::Server,
                    "reissue",
                    "Serve a chain with algorithms the device has (ECDSA P-256/P-384 or RSA 2048+, \
                     SHA-256)"
                        .into(),
                    match m {
                        Missing::NotInLibrary(what) => format!(
                            "the library has no {what} at all; anchorkit cannot model a chain \
                             from another CA"
                        ),
                        _ => "anchorkit cannot model a chain from another CA".into(),
                    },
                )),
                CertRef::Trust(_) => out.extend(trust_root_plans(
                    w,
                    cx,
                    inp,
                    trust_format,
                    &|_| true,
                    None,
                )),
            }
        }
        (CauseKind::ExtendedKeyUsage, _) => out.push(
            Plan::new(
                Side::Server,
                "reissue",
                "Reissue the server's certificate for TLS servers (extendedKeyUsage serverAuth)"
                    .into(),
                vec![Change::Remodel(
                    0,
                    Rc::new(|d: &mut CertificateData| {
                        if let Some(e) = &mut d.ext_key_usage {
                            e.oids
                                .push(crate::cert::ExtKeyUsage::SERVER_AUTH.to_string());
                        }
                    }),
                )],
            )
            .note("on a model of the reissued certificate (serverAuth added)"),
        ),
        (CauseKind::KeyUsage, _) => out.push(
            Plan::new(
                Side::Server,
                "reissue",
                "Reissue the server's certificate with keyUsage digitalSignature (and \
                 keyEncipherment for RSA)"
                    .into(),
                vec![Change::Remodel(
                    0,
                    Rc::new(|d: &mut CertificateData| {
                        if let Some(k) = &mut d.key_usage {
                            k.bits |= crate::cert::KeyUsage::DIGITAL_SIGNATURE
                                | crate::cert::KeyUsage::KEY_ENCIPHERMENT;
                            k.bits &= !(crate::cert::KeyUsage::ENCIPHER_ONLY
                                | crate::cert::KeyUsage::DECIPHER_ONLY);
                        }
                    }),
                )],
            )
            .note("on a model of the reissued certificate (usages added)"),
        ),
        (CauseKind::PathTooLong, _) => {
            out.extend(shorten_plan(
                w,
                "leaf and the intermediates up to a trusted root",
            ));
            if let Some(b) = &w.profile.build {
                let need = w.chain.len().saturating_sub(1).max(b.max_intermediates + 1);
                let mut nb = b.clone();
                nb.max_intermediates = need;
                out.push(
                    Plan::new(
                        Side::Config,
                        "raise-limit",
                        format!("Raise MBEDTLS_X509_MAX_INTERMEDIATE_CA to {need}"),
                        vec![Change::Build(Box::new(nb))],
                    )
                    .paste(
                        format!("#define MBEDTLS_X509_MAX_INTERMEDIATE_CA {need}\n"),
                        "mbedtls-config",
                    ),
                );
            }
        }
        (CauseKind::BufferTooSmall, Detail::Size(size)) => {
            let reassembles = w
                .profile
                .mbedtls
                .is_some_and(|v| v >= crate::profile::Version(3, 6, 3));
            if let (true, Some(b)) = (reassembles, &w.profile.build) {
                let need = size.div_ceil(1024) * 1024;
                let mut nb = b.clone();
                nb.in_content_len = u32::try_from(need).unwrap_or(u32::MAX);
                out.push(
                    Plan::new(
                        Side::Config,
                        "raise-buffer",
                        format!(
                            "Raise the input buffer to {need} bytes (more RAM per connection; \
                             CONFIG_MBEDTLS_DYNAMIC_BUFFER frees it between records)"
                        ),
                        vec![Change::Build(Box::new(nb))],
                    )
                    .paste(
                        sdkconfig_line("MBEDTLS_SSL_IN_CONTENT_LEN", &need.to_string()),
                        "sdkconfig",
                    ),
                );
            }
            let shorter = shorten_plan(w, "a shorter Certificate message");
            let none = shorter.is_none();
            out.extend(shorter);
            if none && !reassembles {
                out.push(Plan::unverifiable(
                    Side::Server,
                    "smaller-chain",
                    "Serve a smaller chain (ECDSA certificates are a fraction of the size of RSA \
                     ones)"
                        .into(),
                    "this Mbed TLS cannot take a Certificate message spanning records whatever its \
                     buffer; anchorkit cannot model a chain from another CA"
                        .into(),
                ));
            }
        }
        (CauseKind::ChainOrder, Detail::Order(order)) => {
            let chain: Vec<Certificate> = order
                .iter()
                .filter_map(|i| w.chain.get(*i).cloned())
                .collect();
            out.push(Plan::new(
                Side::Server,
                "reorder-chain",
                "Serve the chain in order: the leaf, then each certificate's issuer".into(),
                vec![Change::Chain(chain)],
            ));
        }
        (CauseKind::BadSignature, Detail::Signature(child, by)) => match by {
            CertRef::Trust(_) => {
                out.extend(trust_root_plans(w, cx, inp, trust_format, &|_| true, None));
            }
            CertRef::Chain(bi) => {
                let c = chain_at(*child).and_then(|i| w.chain.get(i));
                let right = c.map(|c| issuers_from(c, cx.extra)).unwrap_or_default();
                match right.first() {
                    Some(x) => {
                        let mut chain = w.chain.clone();
                        chain[*bi] = x.clone();
                        out.push(Plan::new(
                            Side::Server,
                            "serve-chain",
                            format!(
                                "Serve the intermediate that signed the leaf: {}",
                                x.subject.short()
                            ),
                            vec![Change::Chain(chain)],
                        ));
                    }
                    None => out.push(Plan::unverifiable(
                        Side::Server,
                        "serve-chain",
                        "Serve the intermediate whose key signed the certificate below it".into(),
                        "anchorkit does not have it: give it with --extra to verify".into(),
                    )),
                }
            }
        },
        (CauseKind::BadSignature, Detail::At(_)) => {
            out.extend(trust_root_plans(w, cx, inp, trust_format, &|_| true, None));
        }
        (CauseKind::ParseError, Detail::At(at)) => match at {
            CertRef::Trust(i) => {
                let i = *i;
                let entry = w.trust.get(i);
                if entry.is_some_and(|a| a.cert.is_none()) && w.profile.esp_idf.is_some() {
                    out.push(Plan::new(
                        Side::Config,
                        "use-bundle-mode",
                        "These are ESP bundle records: attach them as a bundle (crt_bundle_attach), \
                         not as cert_pem"
                            .into(),
                        vec![Change::TrustMode(TrustMode::Bundle)],
                    ));
                } else {
                    let rest: Vec<TrustAnchor> = w
                        .trust
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .map(|(_, a)| a.clone())
                        .collect();
                    let copy = entry.and_then(|a| {
                        cx.store
                            .by_subject(a.subject_raw())
                            .next()
                            .map(|(_, r)| r.anchor.clone())
                    });
                    match copy {
                        Some(c) => {
                            let mut t = rest.clone();
                            t.push(c.clone());
                            out.push(Plan::new(
                                Side::Device,
                                "replace-anchor",
                                format!(
                                    "Replace the unreadable trust entry by the {} store's copy of {}",
                                    cx.store.name(),
                                    c.label()
                                ),
                                vec![Change::Trust(t)],
                            ));
                        }
                        None => {
                            out.extend(trust_root_plans(
                                w,
                                cx,
                                inp,
                                trust_format,
                                &|a| !std::ptr::eq(a, &w.trust[i]),
                                None,
                            ));
                        }
                    }
                }
            }
            CertRef::Chain(_) => out.push(Plan::unverifiable(
                Side::Server,
                "reissue",
                "Reissue the certificate the device cannot parse (and check it with `anchorkit \
                 inspect`)"
                    .into(),
                "anchorkit cannot produce the corrected certificate".into(),
            )),
        },
        _ => {}
    }
    let _ = v;
    out.into_iter()
        .map(|p| real_or_model(p, f, w, cx))
        .collect()
}

/// A fix that models a reissued served certificate: when `--extra` holds the reissued
/// certificate (same subject, other bytes) and serving it removes the cause, the fix serves
/// it for real; else the model stands where the engine reads parsed fields (Mbed TLS) and is
/// left unverified where the engine reads the certificate's own bytes.
fn real_or_model(p: Plan, f: &Found, w: &World, cx: &Context<'_>) -> Plan {
    let Some(i) = p.changes.as_ref().and_then(|ch| {
        ch.iter().find_map(|c| match c {
            Change::Remodel(i, _) => Some(*i),
            _ => None,
        })
    }) else {
        return p;
    };
    let Some(orig) = w.chain.get(i) else {
        return p;
    };
    for x in cx.extra {
        if x.subject_raw() != orig.subject_raw() || x.der() == orig.der() {
            continue;
        }
        let mut chain = w.chain.clone();
        chain[i] = x.clone();
        let mut t = w.clone();
        t.apply(&Change::Chain(chain.clone()));
        let v = t.run();
        let later = analyze(&t, &v, cx);
        let gone = !later
            .iter()
            .any(|l| l.cause.kind == f.cause.kind && l.cause.cert == f.cause.cert);
        if v.ok || gone {
            let mut q = p.clone();
            q.changes = Some(vec![Change::Chain(chain)]);
            q.note = Some(format!(
                "with the reissued {} from --extra served instead",
                x.subject.short()
            ));
            return q;
        }
    }
    if w.profile.family == Family::Mbedtls {
        return p;
    }
    let mut q = p;
    q.changes = None;
    q.why = Some(format!(
        "this engine reads the certificate's own bytes, so a model of the reissued certificate \
         cannot be checked; give the reissued certificate with --extra to verify ({} checks \
         models)",
        "the Mbed TLS engine"
    ));
    q
}
