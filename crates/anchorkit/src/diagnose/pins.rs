//! Devices that trust by fingerprint: `client.setFingerprint(...)` on the ESP8266 core's
//! BearSSL client (the SHA-1 of the server's first certificate, nothing else: no chain, no
//! dates, no name; a mismatch is `BR_ERR_X509_NOT_TRUSTED`), or an application that compares
//! the leaf's SHA-256 after the handshake (Arduino-ESP32's `verify(fingerprint, host)`).
//!
//! A pin names one certificate. A pin of the leaf breaks when the server renews it; a pin of
//! a CA certificate never matches (the leaf is what is compared). The device-side fix that
//! survives renewals is a trust anchor: the root the served chain leads to, verified by the
//! engine with the dates the device then checks.

use crate::cert::{Certificate, format_date};
use crate::intake::pins::{Pin, PinAlg, identify};
use crate::profile::Family;
use crate::verify::{PathEntry, Verdict};

use super::causes::{Context, Detail, Found};
use super::fixes;
use super::{After, Cause, CauseKind, Diagnosis, Fix, Input, Reproduction, SCHEMA, Side};

/// What a pin names.
enum Names {
    /// The leaf the server sends today.
    ServedLeaf,
    /// Another end-entity certificate (an earlier leaf).
    OtherLeaf(Certificate),
    /// A CA certificate (root or intermediate): never the leaf compared.
    Ca(Certificate),
    /// Nothing anchorkit has.
    Unknown,
}

fn where_(p: &Pin) -> String {
    match p.origin.line {
        Some(l) => format!("{} line {l}", p.origin.source),
        None => p.origin.source.clone(),
    }
}

fn names(p: &Pin, leaf: Option<&Certificate>, inp: &Input<'_>) -> Names {
    if leaf.is_some_and(|l| p.matches(l)) {
        return Names::ServedLeaf;
    }
    match identify(p, inp.chain.iter().chain(inp.extra.iter())) {
        Some(c) if c.is_ca() => Names::Ca(c),
        Some(c) => Names::OtherLeaf(c),
        None => Names::Unknown,
    }
}

/// How the stack uses a pin, in words.
fn how(inp: &Input<'_>) -> &'static str {
    if inp.profile.family == Family::Bearssl {
        "BearSSL's fingerprint mode (setFingerprint) compares the SHA-1 of the server's first certificate and checks nothing else"
    } else {
        "a fingerprint check compares the server's leaf certificate"
    }
}

fn verdict_of(inp: &Input<'_>, ok: bool, leaf: Option<&Certificate>) -> Verdict {
    let bearssl = inp.profile.family == Family::Bearssl;
    let (code, name) = match (ok, bearssl) {
        (true, _) => ("0".to_string(), None),
        (false, true) => ("62".to_string(), Some("BR_ERR_X509_NOT_TRUSTED".to_string())),
        // The handshake itself completes; the application's comparison refuses the server.
        (false, false) => (
            "0".to_string(),
            Some("fingerprint check failed (the handshake completes; the application refuses the server)".to_string()),
        ),
    };
    Verdict {
        profile: format!("{} (fingerprint pin)", inp.profile.name()),
        ok,
        code,
        code_name: name,
        flags: None,
        flag_names: Vec::new(),
        anchor: None,
        path: leaf
            .map(|l| {
                vec![PathEntry {
                    at: crate::verify::CertRef::Chain(0),
                    subject: l.subject.to_string(),
                    flags: 0,
                    flag_names: Vec::new(),
                }]
            })
            .unwrap_or_default(),
        reasons: Vec::new(),
    }
}

fn colon_hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The paste that pins `leaf` again, in the platform's API.
fn repin_paste(inp: &Input<'_>, leaf: &Certificate, host: &str) -> String {
    if inp.profile.family == Family::Bearssl {
        format!(
            "client.setFingerprint(\"{}\");  // SHA-1 of the leaf served now\n",
            colon_hex(&leaf.sha1())
        )
    } else if inp.profile.name().starts_with("arduino-esp32") {
        format!(
            "// after connect(): the SHA-256 of the leaf served now\nclient.verify(\"{}\", \"{host}\");\n",
            hex::encode_upper(leaf.sha256())
        )
    } else {
        format!(
            "/* SHA-256 of the leaf served now */\n{}\n",
            colon_hex(&leaf.sha256())
        )
    }
}

/// The diagnosis of a device that trusts by pins only (the trust input holds no certificate).
pub(crate) fn diagnose(inp: &Input<'_>) -> Diagnosis {
    let pins = inp.pins;
    let host = inp.host.unwrap_or("HOST");
    // The caller gives no assumed chain here: a pin is compared with the real leaf only.
    let leaf = inp.chain.first();
    let named: Vec<(&Pin, Names)> = pins.iter().map(|p| (p, names(p, leaf, inp))).collect();
    let matched = named.iter().any(|(_, n)| matches!(n, Names::ServedLeaf));
    let all_ca = named.iter().all(|(_, n)| matches!(n, Names::Ca(_)));
    let decided: Option<bool> = if leaf.is_some() {
        Some(matched)
    } else if all_ca {
        Some(false)
    } else {
        None
    };
    let logged = inp.log.and_then(|l| super::logged_code(l, &inp.profile));
    let verdict = decided.map(|ok| verdict_of(inp, ok, leaf));
    let matches_log = match (&logged, &verdict) {
        (Some(l), Some(v)) => Some(l.code == v.code),
        _ => None,
    };
    let mut causes = Vec::new();
    let mut warnings = Vec::new();
    let first = &named[0].0;
    match decided {
        Some(true) => {
            let l = leaf.map_or_else(String::new, |l| l.subject.short());
            let end = leaf.map_or(0, |l| l.not_after);
            causes.push(Cause {
                kind: CauseKind::PinnedLeaf,
                text: format!(
                    "The device pins the server's leaf '{l}' by its {} fingerprint ({}): {}. It works until the server renews that certificate, on or before {} (its expiry; a CA such as Let's Encrypt renews weeks earlier), and then every device with this pin fails at once.",
                    first.alg.name(),
                    where_(first),
                    how(inp),
                    format_date(end)
                ),
                cert: Some("served [0]".into()),
            });
        }
        Some(false) => {
            let mut parts = Vec::new();
            for (p, n) in &named {
                parts.push(match n {
                    Names::Ca(c) => format!(
                        "the pin at {} is the {} of '{}', a CA certificate ({}): the leaf is what is compared, so it never matches",
                        where_(p),
                        p.alg.name(),
                        c.subject.short(),
                        if c.is_self_issued() { "a root" } else { "an intermediate" }
                    ),
                    Names::OtherLeaf(c) => format!(
                        "the pin at {} is the {} of an earlier leaf '{}' (valid {} to {}): the server has renewed it",
                        where_(p),
                        p.alg.name(),
                        c.subject.short(),
                        format_date(c.not_before),
                        format_date(c.not_after)
                    ),
                    Names::Unknown => format!(
                        "the pin at {} ({} {}) is not the leaf served{}: most likely the leaf it was copied from has been renewed",
                        where_(p),
                        p.alg.name(),
                        p.hex,
                        leaf.map(|l| format!(
                            " (its SHA-1 is {}, issued {})",
                            colon_hex(&l.sha1()),
                            format_date(l.not_before)
                        ))
                        .unwrap_or_default()
                    ),
                    Names::ServedLeaf => continue,
                });
            }
            causes.push(Cause {
                kind: CauseKind::PinMismatch,
                text: format!(
                    "The device trusts by fingerprint and the pin does not name the leaf the server sends: {}; {}{}.",
                    parts.join("; "),
                    how(inp),
                    if inp.profile.family == Family::Bearssl {
                        " (a mismatch is BR_ERR_X509_NOT_TRUSTED, 62)"
                    } else {
                        ""
                    }
                ),
                cert: leaf.map(|_| "served [0]".into()),
            });
        }
        None => warnings.push(format!(
            "the device trusts by fingerprint ({} pin(s), first at {}): whether the pin matches needs the leaf the server sends",
            pins.len(),
            where_(first)
        )),
    }
    if inp.profile.family == Family::Bearssl && pins.iter().all(|p| p.alg == PinAlg::Sha256) {
        warnings.push(
            "BearSSL's setFingerprint takes a SHA-1 fingerprint (20 bytes); the pins found are SHA-256"
                .into(),
        );
    }

    // The fixes: a root instead of the pin (verified by the engine, with the dates the stack
    // then checks), and re-pinning today's leaf as a stopgap that breaks again.
    let mut fixes_out: Vec<Fix> = Vec::new();
    let kind = causes.first().map_or(CauseKind::PinMismatch, |c| c.kind);
    if leaf.is_some() {
        let world = super::World::of(inp);
        let cx = Context {
            store: inp.store,
            now: inp.now,
            extra: inp.extra,
            lifetime: inp.lifetime,
        };
        let found = Found {
            cause: causes.first().cloned().unwrap_or(Cause {
                kind,
                text: String::new(),
                cert: None,
            }),
            detail: Detail::None,
        };
        let platform = super::platform_of(inp);
        for plan in fixes::trust_root_plans(
            &world,
            &cx,
            inp,
            Some(crate::intake::Format::CString),
            &|_| false,
            Some("the fingerprint pin"),
        ) {
            let mut f = fixes::check(plan, &found, std::slice::from_ref(&found), &world, &cx, 0);
            if inp.profile.time_check || inp.profile.family == Family::Bearssl {
                f.text.push_str(
                    ": the device then checks the certificates' dates (the pin did not), so sync its clock before connecting",
                );
                if let Some(p) = &mut f.paste {
                    let clock: String = platform
                        .sync_clock()
                        .lines()
                        .map(|l| format!("// {l}\n"))
                        .collect();
                    p.push_str(&format!("//\n// and first, in setup():\n{clock}"));
                }
            }
            fixes_out.push(f);
        }
        if let (Some(l), false) = (leaf, decided == Some(true)) {
            let text = format!(
                "Stopgap: pin the leaf served now ({} {})",
                if inp.profile.family == Family::Bearssl {
                    "SHA-1"
                } else {
                    "SHA-256"
                },
                if inp.profile.family == Family::Bearssl {
                    colon_hex(&l.sha1())
                } else {
                    colon_hex(&l.sha256())
                }
            );
            fixes_out.push(Fix {
                verified: true,
                after: Some(After {
                    ok: true,
                    code: "0".into(),
                    flags: None,
                }),
                check: "the pin is the fingerprint of the served leaf".into(),
                paste: Some(repin_paste(inp, l, host)),
                paste_format: Some("c"),
                breaks: Some(format!(
                    "again at the server's next renewal (this leaf ends {})",
                    format_date(l.not_after)
                )),
                ..Fix::new(Side::Device, "pin-current-leaf", kind, text)
            });
        }
    }
    let fixes_out = super::rank(fixes_out);
    let mut assumptions: Vec<String> = inp.assumed.to_vec();
    assumptions.push(format!(
        "the device trusts by fingerprint only: {} pin(s) and no certificate in the trust input",
        pins.len()
    ));
    Diagnosis {
        schema: SCHEMA,
        accepted: decided == Some(true),
        reproduction: Reproduction {
            verdict,
            logged_code: logged.map(|l| l.code),
            matches_log,
            alternatives: Vec::new(),
            candidates: Vec::new(),
            likely: None,
        },
        causes,
        fixes: fixes_out,
        after_all: None,
        warnings,
        assumptions,
        completed_with: Vec::new(),
        needs: decided.is_none().then(|| {
            super::needs_chain_because(
                inp,
                "a fingerprint pin is compared with the leaf the server sends, and none was given",
            )
        }),
    }
}

/// Warnings for pins found beside certificates in the trust input: which certificate each
/// names and when it breaks, if the firmware uses it.
pub(crate) fn warnings(inp: &Input<'_>) -> Vec<String> {
    let leaf = inp.chain.first();
    inp.pins
        .iter()
        .map(|p| {
            let what = match names(p, leaf, inp) {
                Names::ServedLeaf => format!(
                    "today's leaf: where the firmware uses it, it breaks when the leaf is renewed (by {})",
                    leaf.map_or_else(String::new, |l| format_date(l.not_after))
                ),
                Names::OtherLeaf(c) => format!(
                    "an earlier leaf '{}' (to {}): where the firmware uses it, the connection fails",
                    c.subject.short(),
                    format_date(c.not_after)
                ),
                Names::Ca(c) => format!(
                    "the CA certificate '{}': a fingerprint check compares the leaf, so it never matches",
                    c.subject.short()
                ),
                Names::Unknown => "a certificate anchorkit does not have (not the leaf served)".into(),
            };
            format!(
                "the trust input also holds a {} fingerprint pin at {} ({}), of {what}; trust anchors survive renewals, pins do not",
                p.alg.name(),
                where_(p),
                p.form
            )
        })
        .collect()
}
