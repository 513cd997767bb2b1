//! `doctor`: reproduce what the device did, name each cause from a documented set, and propose
//! fixes on the side where they belong (the device, the server, the build configuration), each
//! applied and re-verified by the engine before it is shown.
//!
//! The flow: the configuration as given is verified; `causes::analyze` turns the verdict and
//! the inputs into causes; `fixes::plans` turns each cause into candidate changes of the world (another trust list, another served chain, a set clock, a
//! build option, a model of a reissued certificate); each change is run again and reported
//! with the verdict after it.

mod causes;
mod conn;
mod fixes;
mod pins;
mod platform;

use serde::Serialize;

use crate::anchor::TrustAnchor;
use crate::cert::Certificate;
use crate::explain::{Options as ExplainOptions, explain};
use crate::intake::Format;
use crate::profile::{PROFILES, Profile, TrustMode};
use crate::store::Store;
use crate::verify::{HostCheck, Request, Verdict, verify};

pub use causes::CauseKind;
pub use conn::{
    Candidate, FailureClass, HEAP_MARGIN_PERCENT, HeapNeed, MBEDTLS_HEAP_CODES, SERVER_RECORD,
};

/// The heap Mbed TLS needs at its peak for one TLS 1.2 handshake of `chain` under `profile`
/// with `trust` (None for stacks without an Mbed TLS build): the model doctor's memory cause
/// uses, calibrated against the real library's allocations.
pub fn heap_need(
    profile: &Profile,
    chain: &[Certificate],
    trust: &[TrustAnchor],
) -> Option<HeapNeed> {
    conn::heap_need(profile, chain, trust)
}

/// The heap doctor proposes for a need: the estimate plus its margin, rounded up to 4 KiB.
pub fn heap_to_set(need: &HeapNeed) -> usize {
    conn::heap_to_set(need)
}

/// What a device's input buffer of `in_content_len` makes of a full 16 KiB
/// application-data record (AES-GCM): the Mbed TLS error, or None when it takes it.
pub fn app_record_error(in_content_len: u32) -> Option<i32> {
    conn::app_record_error(in_content_len, None)
}

/// Device-side changes whose hellos doctor sends to a live server (`--connect`) to verify a
/// protocol fix: TLS 1.3 turned on where the library has it, or the release that has it.
/// Each with the change in words.
pub fn protocol_variants(p: &Profile) -> Vec<(String, Profile)> {
    use crate::profile::build::TlsVersion;
    let mut out = Vec::new();
    let Some(b) = p.build.as_ref() else {
        return out;
    };
    if b.versions.contains(&TlsVersion::Tls13) {
        return out;
    }
    let with13 = |q: &Profile| {
        let mut q = q.clone();
        if let Some(b) = q.build.as_mut() {
            b.versions.push(TlsVersion::Tls13);
        }
        q
    };
    if p.mbedtls.is_some_and(|v| v.is_2x()) {
        if let Ok(newer) = Profile::by_name(if p.esp_idf.is_some() {
            "esp-idf-5.4"
        } else {
            "mbedtls-3.6"
        }) {
            out.push((
                format!(
                    "Update the firmware to {} and turn TLS 1.3 on{}: Mbed TLS 2.28 has no TLS 1.3",
                    newer.summary(),
                    if p.esp_idf.is_some() {
                        " (CONFIG_MBEDTLS_SSL_PROTO_TLS1_3=y)"
                    } else {
                        " (MBEDTLS_SSL_PROTO_TLS1_3)"
                    }
                ),
                with13(&newer),
            ));
        }
    } else {
        out.push((
            if p.esp_idf.is_some() {
                "Turn TLS 1.3 on in the firmware: CONFIG_MBEDTLS_SSL_PROTO_TLS1_3=y".to_string()
            } else {
                "Turn TLS 1.3 on in the Mbed TLS build: #define MBEDTLS_SSL_PROTO_TLS1_3"
                    .to_string()
            },
            with13(p),
        ));
    }
    out
}

/// Schema identifier of the JSON form of [`Diagnosis`].
pub const SCHEMA: &str = "anchorkit.doctor/4";

/// What doctor needs.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// The device profile as configured.
    pub profile: Profile,
    /// What the device trusts.
    pub trust: &'a [TrustAnchor],
    /// What the server sends, leaf first, in the order sent.
    pub chain: &'a [Certificate],
    /// The hostname the device checks.
    pub host: Option<&'a str>,
    /// The device clock.
    pub at: i64,
    /// The real time now (what a synced device clock reads).
    pub now: i64,
    /// The device log, if given.
    pub log: Option<&'a str>,
    /// How long the device must keep working, in seconds.
    pub lifetime: i64,
    /// The store to draw anchors from.
    pub store: &'a Store,
    /// Other certificates the user has (the server's fullchain.pem, the CA's intermediates):
    /// used to propose and verify server-side fixes.
    pub extra: &'a [Certificate],
    /// Also propose device-side stopgaps for server-side causes (e.g. trusting a missing
    /// intermediate).
    pub stopgap: bool,
    /// What the caller assumed to get `chain` (no chain given, a leaf completed, ...), in
    /// plain words; reported as the diagnosis's assumptions.
    pub assumed: &'a [String],
    /// What completion added to the chain the user gave, when it did.
    pub completed: Option<&'a crate::complete::Completion>,
    /// The Certificate message's entries as sent, when some are not certificates (`chain`
    /// holds only the certificates): the device reads them all, so the reproduction does.
    pub entries: Option<&'a [crate::cert::ChainEntry]>,
    /// What the server answered the device's own hello (first, labelled with the profile's
    /// name) and the hellos of device-side changes (labelled with the change, in words), when
    /// doctor could ask it (`--connect`): the protocol model's evidence.
    pub hellos: &'a [(String, crate::probe::device::Answer)],
    /// Fingerprint pins found in the trust input (`setFingerprint`, fingerprint strings and
    /// arrays). With no certificate in `trust`, the device trusts by these alone.
    pub pins: &'a [crate::intake::pins::Pin],
}

/// One configuration change that reproduces a logged code the given configuration does not.
#[derive(Debug, Clone, Serialize)]
pub struct Alternative {
    /// Rank, 1 = the likely cause.
    pub rank: usize,
    /// The class of failure the knob belongs to.
    pub class: FailureClass,
    /// The knob changed, in words.
    pub change: String,
    /// The code the engine gives with it.
    pub code: String,
}

/// Whether the log agrees with the reproduction.
#[derive(Debug, Clone, Serialize)]
pub struct Reproduction {
    /// The engine's verdict for the configuration as given (null when there is no served
    /// chain to judge).
    pub verdict: Option<Verdict>,
    /// The code found in the log.
    pub logged_code: Option<String>,
    /// The log and the verdict agree (null without a log).
    pub matches_log: Option<bool>,
    /// When they do not agree: single knob changes that produce the logged code, likeliest
    /// first.
    pub alternatives: Vec<Alternative>,
    /// When they do not agree: every class of failure that produces the logged code, each
    /// with whether a model of it reproduces the code on what was given, and the evidence
    /// that tells them apart.
    pub candidates: Vec<Candidate>,
    /// What reproduces the log: a model that gives the logged code on the configuration as
    /// given, or the one knob change that does when nothing else could (null when several
    /// could: never a guess).
    pub likely: Option<String>,
}

/// One cause of the verdict.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Cause {
    /// The kind, from the documented set.
    pub kind: CauseKind,
    /// What happens, in plain words, once.
    pub text: String,
    /// The certificate concerned (`served [i] name` / `trust [i] name`), when one is.
    pub cert: Option<String>,
}

/// Where a fix is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The device's firmware or its trust list.
    Device,
    /// The TLS server or its certificate.
    Server,
    /// The device's build configuration (sdkconfig, mbedtls_config.h).
    Config,
}

/// The verdict after a fix.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct After {
    /// The device proceeds.
    pub ok: bool,
    /// The library's code.
    pub code: String,
    /// Mbed TLS verify flags, when the stack has them.
    pub flags: Option<u32>,
}

impl Fix {
    /// A fix not yet checked: no verdict after it, no paste, no sizes.
    pub(crate) fn new(side: Side, kind: &'static str, cause: CauseKind, text: String) -> Fix {
        Fix {
            rank: 0,
            side,
            kind,
            cause,
            text,
            verified: false,
            after: None,
            why_unverified: None,
            check: String::new(),
            anchors: Vec::new(),
            owners: Vec::new(),
            der_bytes: 0,
            pem_bytes: 0,
            esp_bundle_bytes: 0,
            paste: None,
            paste_format: None,
            breaks: None,
        }
    }
}

/// One proposed fix.
#[derive(Debug, Clone, Serialize)]
pub struct Fix {
    /// Rank, 1 = best.
    pub rank: usize,
    /// Where it is made.
    pub side: Side,
    /// What kind of change: `trust-root`, `serve-chain`, `set-hostname`, `sync-clock`, ...
    pub kind: &'static str,
    /// The cause it addresses.
    pub cause: CauseKind,
    /// What to do, in plain words.
    pub text: String,
    /// The engine, run again with the fix applied, no longer finds the cause (and accepts
    /// the chain unless another cause remains).
    pub verified: bool,
    /// The verdict with the fix applied (null when it could not be applied).
    pub after: Option<After>,
    /// Why the fix is not verified, when it is not.
    pub why_unverified: Option<String>,
    /// How it was checked.
    pub check: String,
    /// Anchors to trust (subjects), for trust fixes.
    pub anchors: Vec<String>,
    /// Their CA owners.
    pub owners: Vec<String>,
    /// DER bytes of those anchors.
    pub der_bytes: usize,
    /// cert_pem bytes including the terminating NUL.
    pub pem_bytes: usize,
    /// Flash bytes as ESP-IDF bundle records.
    pub esp_bundle_bytes: usize,
    /// Ready-to-paste text: certificates in the user's format, a configuration line, code.
    pub paste: Option<String>,
    /// The format of `paste`: `c`, `pem`, `sdkconfig`, `prj.conf`, `mbedtls-config`,
    /// `c-code`, `shell`.
    pub paste_format: Option<&'static str>,
    /// What the fix breaks for other clients of the server, when it does (such a fix is
    /// never ranked first).
    pub breaks: Option<String>,
}

/// The whole diagnosis.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The device accepts the chain as configured.
    pub accepted: bool,
    /// What the device does.
    pub reproduction: Reproduction,
    /// Why, most important first, each once.
    pub causes: Vec<Cause>,
    /// Fixes, ranked: for each cause in order, the fix on the right side first.
    pub fixes: Vec<Fix>,
    /// The verdict with the first fix of every cause applied together (null when there is
    /// nothing to fix or no fix could be applied).
    pub after_all: Option<After>,
    /// Things that bite later (hardening, expiry within the lifetime).
    pub warnings: Vec<String>,
    /// What was assumed to answer (no served chain, a chain completed from the known
    /// intermediates), in plain words.
    pub assumptions: Vec<String>,
    /// Certificates added to the served chain from anchorkit's compiled-in CA data.
    pub completed_with: Vec<crate::complete::Added>,
    /// The one input that would confirm or complete the answer, when one is missing.
    pub needs: Option<Needs>,
}

/// A missing input and how to get it.
#[derive(Debug, Clone, Serialize)]
pub struct Needs {
    /// The option that takes it (`--chain`).
    pub input: String,
    /// Why it matters.
    pub why: String,
    /// The command that gets it.
    pub command: String,
}

/// A configuration to verify: the inputs, changed by a fix.
#[derive(Debug, Clone)]
pub(crate) struct World {
    pub profile: Profile,
    pub trust: Vec<TrustAnchor>,
    pub chain: Vec<Certificate>,
    pub host: Option<String>,
    pub at: i64,
    /// Modeled certificates: (original, model, issuer SubjectPublicKeyInfo).
    pub models: Vec<(Certificate, Certificate, Vec<u8>)>,
}

impl World {
    fn of(inp: &Input<'_>) -> World {
        World {
            profile: inp.profile.clone(),
            trust: inp.trust.to_vec(),
            chain: inp.chain.to_vec(),
            host: inp.host.map(str::to_string),
            at: inp.at,
            models: Vec::new(),
        }
    }

    /// The engine's verdict for this world.
    pub fn run(&self) -> Verdict {
        let models: Vec<(&Certificate, &Certificate, &[u8])> = self
            .models
            .iter()
            .map(|(o, m, s)| (o, m, s.as_slice()))
            .collect();
        crate::crypto::assume_reissued(&models, || {
            let chain = crate::cert::entries(&self.chain);
            verify(
                &self.profile,
                &Request {
                    trust: &self.trust,
                    chain: &chain,
                    host: self
                        .host
                        .as_deref()
                        .map_or(HostCheck::None, HostCheck::Name),
                    at: self.at,
                },
            )
        })
    }

    /// Replaces served certificate `i` by a model of it reissued with `change`.
    pub fn remodel(&mut self, i: usize, change: impl FnOnce(&mut crate::cert::CertificateData)) {
        let Some(original) = self.chain.get(i).cloned() else {
            return;
        };
        let model = original.model(change);
        let issuer = self.issuer_spki(&original);
        if let Some(spki) = issuer {
            self.models.push((original, model.clone(), spki));
        }
        self.chain[i] = model;
    }

    /// The key of the certificate that signed `c`, among the served chain, the trust and
    /// the store's roots.
    fn issuer_spki(&self, c: &Certificate) -> Option<Vec<u8>> {
        let verifies = |spki: &[u8]| {
            matches!(
                crate::crypto::verify_signature(spki, &c.sig_alg, c.tbs(), &c.signature),
                crate::crypto::SigCheck::Valid
            )
        };
        self.chain
            .iter()
            .filter(|x| x.subject_raw() == c.issuer_raw())
            .map(|x| x.spki_raw())
            .chain(
                self.trust
                    .iter()
                    .filter(|a| a.subject_raw() == c.issuer_raw())
                    .map(|a| a.spki_raw()),
            )
            .find(|s| verifies(s))
            .map(<[u8]>::to_vec)
    }
}

/// The firmware platform, from the profile, the log and the build configuration.
pub(crate) fn platform_of(inp: &Input<'_>) -> platform::Platform {
    let zephyr_log = inp.log.is_some_and(|l| conn::LogFacts::read(l).zephyr);
    let zephyr_config = inp
        .profile
        .build
        .as_ref()
        .is_some_and(|b| b.source.contains("Zephyr"));
    platform::Platform::of(&inp.profile, zephyr_log, zephyr_config)
}

/// Reads the verdict in a few fields.
fn after_of(v: &Verdict) -> After {
    After {
        ok: v.ok,
        code: v.code.clone(),
        flags: v.flags,
    }
}

/// The TLS library's code in the log, read with the profile's library for bare numbers: the
/// first code of the profile's library, else the first TLS code of any library.
fn logged_code(log: &str, profile: &Profile) -> Option<conn::Logged> {
    use crate::explain::Lib;
    let lib = match profile.family {
        crate::profile::Family::Mbedtls => Some(Lib::Mbedtls),
        crate::profile::Family::Bearssl => Some(Lib::Bearssl),
        crate::profile::Family::Wolfssl => Some(Lib::Wolfssl),
        _ => None,
    };
    let opts = ExplainOptions {
        lib,
        ..ExplainOptions::default()
    };
    let e = explain(log, &opts)
        .or_else(|_| explain(log, &ExplainOptions::default()))
        .ok()?;
    let tls = |f: &&crate::explain::Finding| f.library.is_some() && f.code.is_some();
    let f = e
        .findings
        .iter()
        .filter(tls)
        .find(|f| f.library == lib)
        .or_else(|| e.findings.iter().find(tls))?;
    Some(conn::Logged {
        code: f.code.clone()?,
        lib: f.library,
        value: f.value,
    })
}

/// Single knob changes that produce `want`, likeliest first: the hostname (a device using
/// another name, or none), the clock and time checks, the trust mode, then the other releases
/// of the family, nearest first.
fn alternatives(inp: &Input<'_>, want: &str) -> Vec<Alternative> {
    let base = World::of(inp);
    let mut variants: Vec<(String, FailureClass, World)> = Vec::new();
    if let Some(h) = inp.host {
        let mut w = base.clone();
        w.host = Some(format!("not-{h}"));
        variants.push((
            format!("the device connects with a hostname other than '{h}'"),
            FailureClass::Names,
            w,
        ));
        let mut w = base.clone();
        w.host = None;
        variants.push(("the device sets no hostname".into(), FailureClass::Names, w));
    }
    if base.profile.mbedtls.is_some() {
        let on = base.profile.time_check;
        let mut w = base.clone();
        w.profile = w.profile.clone().with_time_check(!on);
        variants.push((
            format!(
                "time checks {} (CONFIG_MBEDTLS_HAVE_TIME_DATE={})",
                if on { "off" } else { "on" },
                if on { "n" } else { "y" }
            ),
            FailureClass::Time,
            w,
        ));
    }
    {
        let mut w = base.clone();
        w.at = 0;
        if base.profile.mbedtls.is_some() {
            w.profile = w.profile.clone().with_time_check(true);
        }
        variants.push((
            "the device clock is not set (1970) and time is checked".into(),
            FailureClass::Time,
            w,
        ));
    }
    if base.profile.esp_idf.is_some() {
        let other = match base.profile.trust_mode {
            TrustMode::CertPem => TrustMode::Bundle,
            _ => TrustMode::CertPem,
        };
        let mut w = base.clone();
        w.profile = w.profile.clone().with_trust_mode(other);
        variants.push((
            format!(
                "the firmware uses {}",
                match other {
                    TrustMode::CertPem => "cert_pem (a CA list) instead of the bundle",
                    _ => "the certificate bundle (crt_bundle_attach) instead of cert_pem",
                }
            ),
            FailureClass::Verification,
            w,
        ));
    }
    let mut releases: Vec<&Profile> = PROFILES
        .iter()
        .filter(|p| p.family == base.profile.family && p.name() != base.profile.name())
        .collect();
    let v0 = base.profile.mbedtls;
    releases.sort_by_key(|p| match (p.mbedtls, v0) {
        (Some(a), Some(b)) => {
            let d = |v: crate::profile::Version| {
                i64::from(v.0) * 10_000 + i64::from(v.1) * 100 + i64::from(v.2)
            };
            (d(a) - d(b)).abs()
        }
        _ => i64::MAX,
    });
    for p in releases {
        let mut w = base.clone();
        w.profile = p
            .clone()
            .with_trust_mode(base.profile.trust_mode)
            .with_authmode(base.profile.authmode)
            .with_time_check(base.profile.time_check);
        if w.profile.validate().is_err() {
            continue;
        }
        variants.push((
            format!("the device runs {}", w.profile.summary()),
            FailureClass::Verification,
            w,
        ));
    }
    let mut out = Vec::new();
    for (change, class, w) in variants {
        if w.profile.validate().is_err() {
            continue;
        }
        let v = w.run();
        if v.code == want {
            out.push(Alternative {
                rank: out.len() + 1,
                class,
                change,
                code: v.code,
            });
        }
    }
    out
}

/// Wall time spent re-verifying fixes, at most.
pub const FIX_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

/// The missing served chain, and the command that captures it.
fn needs_chain(inp: &Input<'_>, confirm: bool) -> Needs {
    needs_chain_because(
        inp,
        if confirm {
            "the answer rests on an assumed served chain; the chain the server really sends confirms it"
        } else {
            "no served chain was given and none could be assumed (no --ca, no leaf for the host in the trust list, no CA known for the host)"
        },
    )
}

/// The served chain, asked for with this reason.
pub(crate) fn needs_chain_because(inp: &Input<'_>, why: &str) -> Needs {
    let host = inp.host.unwrap_or("HOST");
    Needs {
        input: "--chain".into(),
        why: why.into(),
        command: format!(
            "anchorkit probe {host} --save chain/ (then --chain chain/chain.pem), or --connect {host}"
        ),
    }
}

/// The diagnosis from the trust, the profile and the log alone (no served chain): what the
/// trust list holds that the device's library cannot use, and what the log says.
fn trust_only(inp: &Input<'_>) -> Diagnosis {
    let logged = inp.log.and_then(|l| logged_code(l, &inp.profile));
    let fam = inp.profile.family;
    let leaf_never = matches!(
        fam,
        crate::profile::Family::Mbedtls
            | crate::profile::Family::Openssl
            | crate::profile::Family::Webpki
    );
    let mut found = Vec::new();
    let mut warnings = Vec::new();
    for (i, a) in inp.trust.iter().enumerate() {
        let Some(c) = &a.cert else { continue };
        let label = format!("trust [{i}] {}", c.subject.short());
        if !c.is_ca() && !c.is_self_issued() {
            if leaf_never {
                found.push(Cause {
                    kind: CauseKind::AnchorIsLeaf,
                    text: format!(
                        "The trust list holds '{}', a leaf issued by {}: {} never trusts a CA-issued leaf from its CA list, so nothing anchors a chain through it (-0x2700 NOT_TRUSTED on Mbed TLS). Trust the root its CA chains to instead.",
                        c.subject.short(),
                        c.issuer.short(),
                        inp.profile.name()
                    ),
                    cert: Some(label),
                });
            } else {
                warnings.push(format!(
                    "{label} is a CA-issued leaf: {} trusts it as given, until the server renews it",
                    inp.profile.name()
                ));
            }
        } else if c.is_ca() && !c.is_self_issued() {
            found.push(Cause {
                kind: CauseKind::AnchorIsIntermediate,
                text: format!(
                    "The trust list holds the intermediate '{}' (issued by {}): it works only while the server's leaf is issued by it, until {} at the latest; trust the root above it.",
                    c.subject.short(),
                    c.issuer.short(),
                    crate::cert::format_date(c.not_after)
                ),
                cert: Some(label),
            });
        } else if inp.profile.time_check && c.not_after < inp.at {
            found.push(Cause {
                kind: CauseKind::Expired,
                text: format!(
                    "The trusted root '{}' expired on {} and the device checks dates.",
                    c.subject.short(),
                    crate::cert::format_date(c.not_after)
                ),
                cert: Some(label),
            });
        }
    }
    if let Some(log) = inp.log {
        if let Ok(e) = explain(log, &ExplainOptions::default()) {
            if let Some(f) = e.findings.iter().find(|f| !f.parts.is_empty()) {
                found.push(Cause {
                    kind: CauseKind::Other,
                    text: format!(
                        "The log says {}{}: {}. Which certificate is at fault needs the chain the server sends.",
                        f.code.clone().unwrap_or_default(),
                        f.name
                            .as_deref()
                            .map(|n| format!(" ({n})"))
                            .unwrap_or_default(),
                        f.meaning
                    ),
                    cert: None,
                });
            }
        }
    }
    let held: Vec<String> = inp
        .trust
        .iter()
        .map(|a| match &a.cert {
            Some(c) => format!(
                "{} ({}, to {})",
                c.subject.short(),
                if c.is_self_issued() {
                    "root"
                } else if c.is_ca() {
                    "intermediate"
                } else {
                    "leaf"
                },
                crate::cert::format_date(c.not_after)
            ),
            None => format!("{} (bundle record)", a.subject.short()),
        })
        .take(8)
        .collect();
    warnings.push(format!(
        "the trust list holds {} anchor(s): {}{}",
        inp.trust.len(),
        held.join(", "),
        if inp.trust.len() > held.len() {
            ", ..."
        } else {
            ""
        }
    ));
    let failed = logged.as_ref().is_some_and(|c| c.code != "0") || !found.is_empty();
    let mut assumptions: Vec<String> = inp.assumed.to_vec();
    assumptions.push("no served chain: only the trust list and the log were judged".to_string());
    Diagnosis {
        schema: SCHEMA,
        accepted: !failed,
        reproduction: Reproduction {
            verdict: None,
            logged_code: logged.map(|l| l.code),
            matches_log: None,
            alternatives: Vec::new(),
            candidates: Vec::new(),
            likely: None,
        },
        causes: found,
        fixes: Vec::new(),
        after_all: None,
        warnings,
        assumptions,
        completed_with: Vec::new(),
        needs: Some(needs_chain(inp, false)),
    }
}

/// Runs the diagnosis. `trust_format` is the format the user's trust came in, for pasting.
/// Without a served chain, the trust list and the log are judged alone and the diagnosis
/// names the missing input.
pub fn diagnose(inp: &Input<'_>, trust_format: Option<Format>) -> Diagnosis {
    if inp.trust.is_empty() && !inp.pins.is_empty() {
        return pins::diagnose(inp);
    }
    let mut d = diagnose_anchors(inp, trust_format);
    d.warnings.extend(pins::warnings(inp));
    d
}

fn diagnose_anchors(inp: &Input<'_>, trust_format: Option<Format>) -> Diagnosis {
    if inp.chain.is_empty() {
        return trust_only(inp);
    }
    let world = World::of(inp);
    let certs_verdict = world.run();
    // Entries that are not certificates change what the device decides (Mbed TLS rejects a
    // message with an entry under 128 bytes): the reproduction reads the message as sent.
    let raw = inp
        .entries
        .filter(|e| e.iter().any(|x| x.cert().is_none()))
        .map(|e| {
            let v = verify(
                &inp.profile,
                &Request {
                    trust: inp.trust,
                    chain: e,
                    host: inp.host.map_or(HostCheck::None, HostCheck::Name),
                    at: inp.at,
                },
            );
            (e, v)
        })
        .filter(|(_, v)| v.code != certs_verdict.code);
    let verdict = raw
        .as_ref()
        .map_or_else(|| certs_verdict.clone(), |(_, v)| v.clone());
    let logged = inp.log.and_then(|l| logged_code(l, &inp.profile));
    let matches_log = logged.as_ref().map(|c| c.code == verdict.code);
    let alts = match (&logged, matches_log) {
        (Some(c), Some(false)) => alternatives(inp, &c.code),
        _ => Vec::new(),
    };
    let facts = inp.log.map(conn::LogFacts::read).unwrap_or_default();
    let platform = platform_of(inp);
    let assessment = conn::assess(&conn::Ask {
        inp,
        world: &world,
        verdict: &verdict,
        logged: logged.as_ref(),
        facts: &facts,
        platform,
        knobs: &alts,
    });
    let cx = causes::Context {
        store: inp.store,
        now: inp.now,
        extra: inp.extra,
        lifetime: inp.lifetime,
    };
    let mut found = causes::analyze(&world, &certs_verdict, &cx);
    // A clock cause the chain analysis found is the time class, reproduced as given.
    let mut assessment = assessment;
    if found.iter().any(|f| {
        matches!(
            f.cause.kind,
            CauseKind::ClockBehind | CauseKind::ClockNotSet
        )
    }) {
        for c in &mut assessment.candidates {
            if c.class == FailureClass::Time {
                c.reproduced = Some(true);
            }
        }
    }
    // Never a guess: a model that reproduces the log as given; else the one knob change that
    // does, when no class of failure for that code is left unexamined.
    let unexamined = assessment.candidates.iter().any(|c| c.reproduced.is_none());
    let knob_classes: std::collections::BTreeSet<FailureClass> =
        alts.iter().map(|a| a.class).collect();
    let likely = match (&assessment.reproduced_by, &logged) {
        (Some(r), Some(l)) => Some(format!("the log's {} is reproduced as given: {r}", l.code)),
        _ if !assessment.causes.is_empty() => None,
        // A clock cause found in the chain: the knob that sets the clock is that cause.
        _ if found.iter().any(|f| {
            matches!(
                f.cause.kind,
                CauseKind::ClockBehind | CauseKind::ClockNotSet
            )
        }) =>
        {
            None
        }
        _ if knob_classes.len() == 1 && !unexamined => alts
            .first()
            .map(|a| format!("the log's {} is most likely because {}", a.code, a.change)),
        _ => None,
    };

    let mut fixes: Vec<Fix> = Vec::new();
    let mut firsts: Vec<Vec<fixes::Change>> = Vec::new();
    let mut lead: Vec<Cause> = Vec::new();
    if let Some((entries, v)) = &raw {
        let bad: Vec<String> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.cert().is_none())
            .map(|(i, e)| format!("served [{i}] {}", e.label()))
            .take(5)
            .collect();
        let n = entries.iter().filter(|e| e.cert().is_none()).count();
        lead.push(Cause {
            kind: CauseKind::ParseError,
            text: format!(
                "The server's Certificate message holds {n} entr{} that {} not a certificate ({}{}); {} reads the message as sent and stops with {}{}.",
                if n == 1 { "y" } else { "ies" },
                if n == 1 { "is" } else { "are" },
                bad.join(", "),
                if n > bad.len() { ", ..." } else { "" },
                inp.profile.name(),
                v.code,
                v.code_name.as_deref().map(|x| format!(" ({x})")).unwrap_or_default()
            ),
            cert: bad.first().cloned(),
        });
        fixes.push(Fix {
            rank: 1,
            verified: certs_verdict.code != v.code,
            after: Some(after_of(&certs_verdict)),
            check: format!(
                "the message without those entries, verified again under {}: {}",
                inp.profile.name(),
                if certs_verdict.ok {
                    "the device accepts the chain".to_string()
                } else {
                    format!("{} (the causes below remain)", certs_verdict.code)
                }
            ),
            ..Fix::new(
                Side::Server,
                "serve-certificates-only",
                CauseKind::ParseError,
                "Make the server send only certificates in its Certificate message: remove what is not a certificate from the chain file it serves".into(),
            )
        });
    }
    if certs_verdict.ok {
        found.retain(|f| f.cause.kind != CauseKind::Accepted || raw.is_none());
    }
    // Re-verifying fixes has an overall bound: on inputs where every verification is costly
    // (cross-signed meshes), the rest are listed without their check rather than stalling.
    let started = std::time::Instant::now();
    if !certs_verdict.ok {
        for f in &found {
            let mut first = true;
            for plan in fixes::plans(f, &world, &verdict, &cx, inp, trust_format) {
                let plan = if started.elapsed() > FIX_BUDGET {
                    plan.skipped(format!(
                        "not re-verified: the diagnosis spent its {} s budget for checking fixes",
                        FIX_BUDGET.as_secs()
                    ))
                } else {
                    plan
                };
                let changes = plan.changes().map(<[fixes::Change]>::to_vec);
                let fix = fixes::check(plan, f, &found, &world, &cx, fixes.len() + 1);
                if first && fix.verified {
                    if let Some(c) = changes {
                        firsts.push(c);
                    }
                    first = false;
                }
                fixes.push(fix);
            }
        }
    }
    let after_all = fixes::combine(&world, &firsts).map(|v| after_of(&v));
    let mut warnings = causes::warnings(inp, &world, &certs_verdict, &found);
    if !assessment
        .causes
        .iter()
        .any(|c| c.kind == CauseKind::AppRecordTooLarge)
    {
        warnings.extend(assessment.warnings.iter().cloned());
    }
    let assumed_chain = !inp.assumed.is_empty();
    // The causes that reproduce the log as given come first, with their fixes.
    let conn_failed = !assessment.causes.is_empty();
    let fixes = rank(assessment.fixes.into_iter().chain(fixes).collect());
    Diagnosis {
        schema: SCHEMA,
        accepted: verdict.ok && !conn_failed,
        reproduction: Reproduction {
            verdict: Some(verdict),
            logged_code: logged.map(|l| l.code),
            matches_log,
            alternatives: alts,
            candidates: assessment.candidates,
            likely,
        },
        causes: assessment
            .causes
            .into_iter()
            .chain(lead)
            .chain(found.into_iter().map(|f| f.cause))
            .collect(),
        fixes,
        after_all,
        warnings,
        assumptions: inp.assumed.to_vec(),
        completed_with: inp.completed.map(|c| c.added.clone()).unwrap_or_default(),
        needs: assumed_chain.then(|| needs_chain(inp, true)),
    }
}

/// Ranks the fixes: by cause in order; within a cause, a fix that breaks the server for its
/// other clients after every one that does not. Ranks are renumbered from 1.
fn rank(fixes: Vec<Fix>) -> Vec<Fix> {
    let mut causes: Vec<CauseKind> = Vec::new();
    for f in &fixes {
        if !causes.contains(&f.cause) {
            causes.push(f.cause);
        }
    }
    let mut out: Vec<Fix> = Vec::with_capacity(fixes.len());
    for c in causes {
        let (keep, breaking): (Vec<Fix>, Vec<Fix>) = fixes
            .iter()
            .filter(|f| f.cause == c)
            .cloned()
            .partition(|f| f.breaks.is_none());
        out.extend(keep);
        out.extend(breaking);
    }
    for (i, f) in out.iter_mut().enumerate() {
        f.rank = i + 1;
    }
    out
}
