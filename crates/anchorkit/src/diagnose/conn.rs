//! Failures that are not a chain decision: the device's input buffer against the records a
//! server sends after the handshake, the heap a handshake needs, the version and suites the
//! server answers the device's hello with, a clock behind the real time, an IP address the
//! stack cannot match. Each is a model run on what was given; a logged code that no model
//! reproduces is said so, with the classes of failure that produce that code and the evidence
//! that tells them apart.

use serde::Serialize;

use super::platform::Platform;
use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, KeyKind};
use crate::explain::Lib;
use crate::profile::Profile;

/// A class of failure a logged code can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureClass {
    /// The chain decision: trust, served chain, names, dates, algorithms.
    Verification,
    /// A certificate or the Certificate message the library cannot parse.
    Parse,
    /// A record or handshake message larger than the device's input buffer.
    InputBuffer,
    /// An allocation that fails: the heap is too small for the handshake.
    Memory,
    /// No version, suite, group or signature algorithm in common, or the server refuses the
    /// hello with an alert.
    Protocol,
    /// The device clock: not set, behind or ahead, with date checks on.
    Time,
    /// The hostname the device checks against the certificate's names.
    Names,
    /// The connection closes or times out before TLS decides anything.
    Connection,
}

impl FailureClass {
    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            FailureClass::Verification => "verification",
            FailureClass::Parse => "parse",
            FailureClass::InputBuffer => "input-buffer",
            FailureClass::Memory => "memory",
            FailureClass::Protocol => "protocol",
            FailureClass::Time => "time",
            FailureClass::Names => "names",
            FailureClass::Connection => "connection",
        }
    }
}

/// One class a logged code may come from, with whether a model of it reproduces the code.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Candidate {
    /// The class.
    pub class: FailureClass,
    /// A model of this class, run on what was given, gives the logged code (true), does not
    /// (false), or could not run for want of evidence (null).
    pub reproduced: Option<bool>,
    /// How this class produces the code.
    pub how: String,
    /// What tells this class from the others.
    pub evidence: String,
    /// The command or setting that collects that evidence.
    pub collect: Option<String>,
}

/// What a device log says beyond its code.
#[derive(Debug, Clone, Default)]
pub(crate) struct LogFacts {
    /// The failure happened while reading data after the handshake (an OTA download, an
    /// HTTP body).
    pub after_handshake: bool,
    /// An OTA update (`esp_https_ota`, `Update`, ...).
    pub ota: bool,
    /// A Zephyr log.
    pub zephyr: bool,
    /// An alert number the log names.
    pub alert: Option<u8>,
    /// The log says an allocation failed.
    pub alloc: bool,
}

impl LogFacts {
    pub(crate) fn read(log: &str) -> LogFacts {
        let l = log.to_ascii_lowercase();
        let has = |w: &[&str]| w.iter().any(|x| l.contains(x));
        let handshake = has(&[
            "ssl_handshake",
            "handshake returned",
            "handshake failed",
            "handshake error",
        ]);
        let read = has(&[
            "read error",
            "mbedtls_ssl_read",
            "ssl_read",
            "data read",
            "failed to read",
            "esp_http_client_read",
            "http_client_read",
            "read returned",
            "image data",
        ]);
        let ota = has(&[
            "esp_https_ota",
            "https_ota",
            "ota_",
            " ota",
            "httpupdate",
            "update.write",
        ]);
        LogFacts {
            // A read error names the phase even when the handshake is logged before it.
            after_handshake: read || (ota && !handshake),
            ota,
            zephyr: has(&[
                "net_sock_tls",
                "<err> net_",
                "<wrn> net_",
                "zephyr",
                "net_tls",
            ]),
            alert: alert_of(&l),
            alloc: has(&[
                "alloc",
                "out of memory",
                "no memory",
                "enomem",
                "-0x7f00",
                "-0x0010",
                "-0x2880",
            ]),
        }
    }
}

fn alert_of(l: &str) -> Option<u8> {
    for (name, n) in [
        ("protocol_version", 70u8),
        ("protocol version", 70),
        ("handshake_failure", 40),
        ("handshake failure", 40),
        ("unrecognized_name", 112),
        ("insufficient_security", 71),
        ("bad_certificate", 42),
        ("unknown_ca", 48),
    ] {
        if l.contains(name) {
            return Some(n);
        }
    }
    // Mbed TLS debug: "got an alert message, type: [2:70]"; "alert 70"; "fatal alert: 40".
    let at = l.find("alert")?;
    let tail = &l[at..l.len().min(at + 40)];
    let digits: String = tail
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .find(|s| s.parse::<u8>().is_ok_and(|n| n > 2))
        .unwrap_or_default()
        .to_string();
    digits.parse().ok()
}

/// The classes a code of `lib` can come from, likeliest first.
pub(crate) fn classes_of(lib: Lib, value: i64, mbedtls2: bool) -> Vec<FailureClass> {
    use FailureClass::*;
    match lib {
        Lib::Mbedtls => match value.unsigned_abs() {
            0x2700 => vec![Verification, Time, Names, Memory],
            0x3000 => vec![Verification],
            0x7100 => vec![InputBuffer],
            0x7200 | 0x7080 => vec![InputBuffer, Protocol],
            0x7F00 | 0x0010 | 0x2880 | 0x3F80 | 0x4D80 | 0x006A | 0x1180 | 0x5180 | 0x3400
            | 0x6180 => vec![Memory],
            0x7780 => vec![Protocol, Names],
            0x6E80 | 0x6E00 | 0x7500 | 0x6600 => vec![Protocol],
            0x7380 if mbedtls2 => vec![Protocol],
            0x7280 | 0x7880 | 0x004C | 0x0050 | 0x0052 | 0x004E | 0x6800 | 0x0044 | 0x0042 => {
                vec![Connection, Protocol]
            }
            0x7A00 | 0x7300 => vec![Parse, InputBuffer],
            v if (0x2000..0x3000).contains(&v) => vec![Parse, Verification],
            _ => vec![Verification],
        },
        Lib::Wolfssl => match value {
            -150 | -151 => vec![Time, Verification],
            -188 | -155 | -275 | -357 => vec![Verification],
            -322 => vec![Names],
            -125 => vec![Memory],
            -132 | -404 => vec![InputBuffer, Memory],
            -326 | -501 | -313 => vec![Protocol],
            -308 | -323 | -311 => vec![Connection, Protocol],
            -140 | -141 | -146 | -160 => vec![Parse],
            _ => vec![Verification],
        },
        Lib::Bearssl => match value {
            3 | 4 | 9 | 10 => vec![Protocol],
            54 => vec![Time, Verification],
            56 => vec![Names],
            6 => vec![InputBuffer],
            31 => vec![Connection],
            v if (32..=63).contains(&v) => vec![Verification, Parse],
            _ => vec![Verification],
        },
    }
}

/// How a class produces the code, what tells it apart and how to collect that.
pub(crate) fn describe(
    class: FailureClass,
    p: &Profile,
    host: Option<&str>,
    platform: Platform,
) -> (String, String, Option<String>) {
    let h = host.unwrap_or("HOST");
    let name = p.name();
    match class {
        FailureClass::Verification => (
            "the chain decision: the trust list, the served chain, the names or the dates".into(),
            "the verify-result flags the device logs (esp-tls prints them on failure; Mbed TLS: mbedtls_ssl_get_verify_result)".into(),
            Some(format!("anchorkit doctor --connect {h} --profile {name} (the chain the server really sends)")),
        ),
        FailureClass::Parse => (
            "a certificate or the Certificate message the library cannot parse".into(),
            "which certificate fails to parse (the Mbed TLS debug log at level 1 names it)".into(),
            Some(format!("anchorkit probe {h} --save chain/")),
        ),
        FailureClass::InputBuffer => (
            "a record or handshake message larger than the device's input buffer (MBEDTLS_SSL_IN_CONTENT_LEN), in the handshake or while reading data after it".into(),
            "the input buffer size in the firmware's configuration, and whether it fails in the handshake or after it".into(),
            Some(match platform {
                Platform::EspIdf(_) => "grep MBEDTLS_SSL_IN_CONTENT_LEN sdkconfig (give the sdkconfig with --sdkconfig)".into(),
                Platform::Zephyr => "grep MBEDTLS_SSL_MAX_CONTENT_LEN build/zephyr/.config (give it with --sdkconfig)".into(),
                _ => format!("anchorkit probe {h} --profile {name}"),
            }),
        ),
        FailureClass::Memory => (
            "an allocation fails during the handshake: the heap is smaller than the buffers, the parsed certificates and the key exchange need".into(),
            match platform {
                Platform::Zephyr => "CONFIG_MBEDTLS_HEAP_SIZE in the build, and an allocation error in the Mbed TLS debug log".into(),
                _ => "the free heap just before the handshake, and an allocation error (-0x7F00, -0x0010, -0x2880) in the Mbed TLS debug log".into(),
            },
            Some(match platform {
                Platform::EspIdf(_) | Platform::ArduinoEsp32(_) => "log esp_get_free_heap_size() and heap_caps_get_largest_free_block(MALLOC_CAP_8BIT) before connecting".into(),
                Platform::Zephyr => "give build/zephyr/.config (or prj.conf) with --sdkconfig: its CONFIG_MBEDTLS_HEAP_SIZE".into(),
                _ => "log the free heap before connecting".into(),
            }),
        ),
        FailureClass::Protocol => (
            "the server answers the device's hello with a version, suite, group or signature algorithm the device did not offer, or refuses it with an alert".into(),
            "what the server answers this device's own ClientHello".into(),
            Some(format!("anchorkit probe {h} --profile {name} --enumerate (or doctor --connect {h})")),
        ),
        FailureClass::Time => (
            "the device clock is not set, behind or ahead, and dates are checked".into(),
            "the device's time at the handshake".into(),
            Some("log time(NULL) (or the RTC) just before connecting; give it to doctor with --at".into()),
        ),
        FailureClass::Names => (
            "the hostname the firmware checks is not among the certificate's names, or none is set".into(),
            "the host the firmware passes (the URL, esp_tls_cfg_t.common_name, TLS_HOSTNAME)".into(),
            Some("give the firmware's hostname with --host".into()),
        ),
        FailureClass::Connection => (
            "the connection closes or times out before TLS decides (network, firewall, a server that drops the hello)".into(),
            "whether the server answers a hello at all from this network".into(),
            Some(format!("anchorkit probe {h}")),
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Application data against the input buffer.

/// The largest plaintext a server puts in one record, and what servers that send bulk data
/// (OTA images, HTTP bodies) fill: nginx, Apache, S3, CDNs all write 16 KiB records.
pub const SERVER_RECORD: usize = 16_384;

/// What the device's input buffer makes of a full-size application-data record: the Mbed
/// TLS error, or None when it takes it. `mfl` is the max_fragment_length the device asks
/// for (and the server honours).
pub(crate) fn app_record_error(in_content_len: u32, mfl: Option<u32>) -> Option<i32> {
    let plain = mfl.map_or(SERVER_RECORD, |m| (m as usize).min(SERVER_RECORD));
    crate::probe::findings::record_error(
        crate::probe::findings::gcm_record_payload(plain),
        plain,
        in_content_len as usize,
    )
}

// ---------------------------------------------------------------------------------------
// The heap a handshake needs.

/// An estimate of the heap Mbed TLS allocates at its peak for one TLS 1.2 client handshake,
/// with its parts; calibrated against the real library's allocations (the difftest's heap
/// counter) to within [`HEAP_MARGIN_PERCENT`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeapNeed {
    /// The estimate, bytes.
    pub bytes: usize,
    /// The parts: (what, bytes).
    pub parts: Vec<(String, usize)>,
}

/// How far the estimate may be from the real peak, either way.
pub const HEAP_MARGIN_PERCENT: usize = 15;

/// The bytes one certificate takes once Mbed TLS has parsed it: the DER copy, the structure
/// and its name and extension lists, and the public key context.
fn parsed_cert_bytes(c: &Certificate) -> usize {
    let names = c.subject.rdns.len() + c.issuer.rdns.len();
    let key = match &c.key {
        KeyKind::Rsa { bits, .. } => 2 * (*bits as usize / 8) + 300,
        KeyKind::Ec { .. } => 700,
        _ => 400,
    };
    c.der().len() + 650 + 40 * names + 48 * c.san.len() + key
}

/// The transient peak of the key exchange and of checking the chain's signatures.
fn crypto_peak(chain: &[Certificate]) -> usize {
    let verify = chain
        .iter()
        .skip(1)
        .chain(chain.iter().take(1))
        .map(|c| match &c.key {
            KeyKind::Rsa { bits, .. } => 5 * (*bits as usize / 8) + 1_500,
            _ => 3_000,
        })
        .max()
        .unwrap_or(3_000);
    // ECDHE on P-256 with its precomputed comb table.
    verify.max(3_500)
}

pub(crate) fn heap_need(
    p: &Profile,
    chain: &[Certificate],
    trust: &[TrustAnchor],
) -> Option<HeapNeed> {
    let b = p.build.as_ref()?;
    let overhead = 13 + 16 + 48 + 256;
    let mut parts = vec![
        (
            format!(
                "input buffer (MBEDTLS_SSL_IN_CONTENT_LEN {} + record overhead)",
                b.in_content_len
            ),
            b.in_content_len as usize + overhead,
        ),
        (
            format!(
                "output buffer (MBEDTLS_SSL_OUT_CONTENT_LEN {} + record overhead)",
                b.out_content_len
            ),
            b.out_content_len as usize + overhead,
        ),
        (
            "SSL context, configuration, session and handshake state".into(),
            6_000,
        ),
    ];
    let trust_bytes: usize = match p.trust_mode {
        crate::profile::TrustMode::CertPem => trust
            .iter()
            .filter_map(|a| a.cert.as_ref())
            .map(parsed_cert_bytes)
            .sum(),
        // The bundle keeps records in flash; one certificate is built for the match.
        _ => 1_500,
    };
    parts.push((
        format!("the CA list ({} certificate(s), parsed)", trust.len()),
        trust_bytes,
    ));
    let chain_bytes: usize = chain.iter().map(parsed_cert_bytes).sum();
    parts.push((
        format!(
            "the server's chain ({} certificate(s), parsed)",
            chain.len()
        ),
        chain_bytes,
    ));
    parts.push((
        "key exchange and signature checks (transient)".into(),
        crypto_peak(chain),
    ));
    let bytes = parts.iter().map(|x| x.1).sum();
    Some(HeapNeed { bytes, parts })
}

/// Whether `heap` bytes are too few for `need` (true), enough (false), or within the margin
/// (None).
pub(crate) fn heap_short(need: &HeapNeed, heap: u32) -> Option<bool> {
    let low = need.bytes * (100 - HEAP_MARGIN_PERCENT) / 100;
    let high = need.bytes * (100 + HEAP_MARGIN_PERCENT) / 100;
    let heap = heap as usize;
    if heap < low {
        Some(true)
    } else if heap > high {
        Some(false)
    } else {
        None
    }
}

/// The heap to configure for `need`: the estimate plus its margin, rounded up to 4 KiB.
pub(crate) fn heap_to_set(need: &HeapNeed) -> usize {
    let with_margin = need.bytes * (100 + HEAP_MARGIN_PERCENT) / 100;
    with_margin.div_ceil(4096) * 4096
}

// ---------------------------------------------------------------------------------------
// Putting it together: what the log's code comes from, as given.

use super::causes::CauseKind;
use super::{After, Alternative, Cause, Fix, Input, Side, World};
use crate::verify::Verdict;

/// A code read from the log: its text, library and value.
#[derive(Debug, Clone)]
pub(crate) struct Logged {
    pub code: String,
    pub lib: Option<Lib>,
    pub value: Option<i64>,
}

/// Codes the real Mbed TLS gives when its heap runs out during the handshake (measured with
/// the difftest's heap cap): a signature check that cannot allocate is a failed check, so a
/// heap just short of the need gives -0x2700 NOT_TRUSTED; shorter ones the allocation errors.
pub const MBEDTLS_HEAP_CODES: [i64; 9] = [
    -0x2700, -0x7F00, -0x3F80, -0x2880, -0x0010, -0x5180, -0x4D80, -0x006A, -0x1180,
];

/// What the connection-level models found.
#[derive(Debug, Default)]
pub(crate) struct Assessment {
    pub causes: Vec<Cause>,
    pub fixes: Vec<Fix>,
    pub candidates: Vec<Candidate>,
    /// The reproduction in words, when exactly one model reproduces the log as given.
    pub reproduced_by: Option<String>,
    pub warnings: Vec<String>,
}

pub(crate) struct Ask<'a> {
    pub inp: &'a Input<'a>,
    pub world: &'a World,
    pub verdict: &'a Verdict,
    pub logged: Option<&'a Logged>,
    pub facts: &'a LogFacts,
    pub platform: Platform,
    pub knobs: &'a [Alternative],
}

fn fix(side: Side, kind: &'static str, cause: CauseKind, text: String) -> Fix {
    Fix::new(side, kind, cause, text)
}

fn verified(mut f: Fix, check: String) -> Fix {
    f.verified = true;
    f.after = Some(After {
        ok: true,
        code: "0".into(),
        flags: None,
    });
    f.check = check;
    f
}

fn unverified(mut f: Fix, why: String) -> Fix {
    f.why_unverified = Some(why);
    f.check = "not applied: see why_unverified".into();
    f
}

fn pasted(mut f: Fix, p: Option<(String, &'static str)>) -> Fix {
    if let Some((text, format)) = p {
        f.paste = Some(text);
        f.paste_format = Some(format);
    }
    f
}

pub(crate) fn assess(a: &Ask<'_>) -> Assessment {
    let mut out = Assessment::default();
    let p = &a.inp.profile;
    let host = a.inp.host;
    let b = p.build.as_ref();
    // Without a log: what bites later, said as a warning.
    if let Some(b) = b {
        if let Some(code) = app_record_error(b.in_content_len, b.max_frag_len) {
            out.warnings.push(format!(
                "the input buffer ({} bytes, MBEDTLS_SSL_IN_CONTENT_LEN) takes no full 16 KiB record: downloads from servers that fill their records (OTA images, file bodies) fail after the handshake with {}",
                b.in_content_len,
                hex(code)
            ));
        }
    }
    // The server's answer to the device's own hello, when it was asked (--connect).
    let protocol = protocol_cause(a);
    let Some(logged) = a.logged else {
        if let Some((c, fixes)) = protocol {
            out.causes.push(c);
            out.fixes.extend(fixes);
        }
        return out;
    };
    let Some(value) = logged.value else {
        return out;
    };
    if logged.code == a.verdict.code {
        return out;
    }
    let lib = logged.lib.unwrap_or(Lib::Mbedtls);
    let classes = classes_of(lib, value, p.mbedtls.is_some_and(|v| v.is_2x()));
    let knob = |c: FailureClass| a.knobs.iter().any(|k| k.class == c);
    let mut reproducing: Vec<String> = Vec::new();
    for class in classes {
        let (mut how, evidence, collect) = describe(class, p, host, a.platform);
        if class == FailureClass::Protocol {
            if let Some(n) = a.facts.alert {
                how = format!(
                    "{how}; the log names alert {n} ({})",
                    crate::probe::wire::alert_name(n)
                );
            }
        }
        let reproduced = match class {
            FailureClass::Verification | FailureClass::Parse => Some(false),
            FailureClass::Time | FailureClass::Names => Some(knob(class)),
            FailureClass::InputBuffer => {
                let hit = lib == Lib::Mbedtls
                    && b.and_then(|b| app_record_error(b.in_content_len, b.max_frag_len))
                        .is_some_and(|c| i64::from(c) == value);
                if hit {
                    if let Some((c, fixes)) = app_buffer_cause(a, value) {
                        reproducing.push(c.text.clone());
                        out.causes.push(c);
                        out.fixes.extend(fixes);
                    }
                }
                Some(hit)
            }
            FailureClass::Memory => {
                let need = heap_need(p, &a.world.chain, &a.world.trust);
                match (need, b.and_then(|b| b.heap_size)) {
                    (Some(need), Some(heap)) => {
                        let short = heap_short(&need, heap);
                        let codes_match =
                            lib != Lib::Mbedtls || MBEDTLS_HEAP_CODES.contains(&value);
                        let r = short.map(|s| s && codes_match);
                        if r == Some(true) {
                            let (c, fixes) = heap_cause(a, &need, heap);
                            reproducing.push(c.text.clone());
                            out.causes.push(c);
                            out.fixes.extend(fixes);
                        }
                        r
                    }
                    // The heap is not known, but the log says an allocation failed.
                    (Some(need), None) if a.facts.alloc => {
                        let (c, fixes) = heap_unknown_cause(a, &need);
                        reproducing.push(c.text.clone());
                        out.causes.push(c);
                        out.fixes.extend(fixes);
                        Some(true)
                    }
                    _ => None,
                }
            }
            FailureClass::Protocol => match &protocol {
                Some(_) => Some(true),
                None if a.inp.hellos.is_empty() => None,
                None => Some(false),
            },
            FailureClass::Connection => (!a.inp.hellos.is_empty()).then_some(false),
        };
        if class == FailureClass::Protocol && reproduced == Some(true) {
            if let Some((c, fixes)) = protocol.clone() {
                reproducing.push(c.text.clone());
                out.causes.push(c);
                out.fixes.extend(fixes);
            }
        }
        out.candidates.push(Candidate {
            class,
            reproduced,
            how,
            evidence,
            collect,
        });
    }
    if reproducing.len() == 1 {
        out.reproduced_by = reproducing.pop();
    }
    out
}

fn hex(code: i32) -> String {
    if code < 0 {
        format!("-0x{:04X}", code.unsigned_abs())
    } else {
        format!("0x{code:04X}")
    }
}

/// The input buffer against full-size application records: the cause and its fixes.
fn app_buffer_cause(a: &Ask<'_>, value: i64) -> Option<(Cause, Vec<Fix>)> {
    let b = a.inp.profile.build.as_ref()?;
    let when = if a.facts.ota {
        "while the OTA image downloads"
    } else if a.facts.after_handshake {
        "while reading data after the handshake"
    } else {
        "after the handshake (the handshake itself fits)"
    };
    let cause = Cause {
        kind: CauseKind::AppRecordTooLarge,
        text: format!(
            "The device's input buffer is {} bytes (MBEDTLS_SSL_IN_CONTENT_LEN), and the server sends its data in full 16,384-byte TLS records, as servers do for downloads; the first such record does not fit and Mbed TLS stops with {} {when}. {} asks for no smaller records (max_fragment_length).",
            b.in_content_len,
            hex(value as i32),
            match a.platform {
                Platform::EspIdf(_) | Platform::ArduinoEsp32(_) => "esp-tls",
                _ => "The device",
            }
        ),
        cert: None,
    };
    let mut fixes = Vec::new();
    let cause_kind = CauseKind::AppRecordTooLarge;
    let set = SERVER_RECORD as u32;
    let mut bigger = b.clone();
    bigger.in_content_len = set;
    let handshake_ok = {
        let mut w = a.world.clone();
        w.profile.build = Some(bigger.clone());
        w.run().ok || !a.verdict.ok
    };
    match a.platform.in_buffer_line(set) {
        Some(line) => {
            let f = fix(
                Side::Config,
                "raise-in-buffer",
                cause_kind,
                format!(
                    "Raise the device's input buffer to 16384 (the TLS maximum record): {}{}",
                    line.0.trim(),
                    match a.platform {
                        Platform::EspIdf(_) => "; it costs 12 KB more RAM per connection",
                        Platform::Zephyr => "; it sets both buffers and costs that RAM twice, from CONFIG_MBEDTLS_HEAP_SIZE",
                        _ => "",
                    }
                ),
            );
            let f = if app_record_error(set, None).is_none() && handshake_ok {
                verified(
                    f,
                    format!(
                        "the buffer model: a full 16,384-byte record ({} bytes with AES-GCM) fits a 16,384-byte input buffer; the handshake verified again with the new buffer",
                        crate::probe::findings::gcm_record_payload(SERVER_RECORD)
                    ),
                )
            } else {
                unverified(f, "the handshake does not pass with the new buffer either".into())
            };
            fixes.push(pasted(f, Some(line)));
        }
        None => fixes.push(unverified(
            fix(
                Side::Config,
                "raise-in-buffer",
                cause_kind,
                format!(
                    "Build the firmware with a 16384-byte TLS input buffer (MBEDTLS_SSL_IN_CONTENT_LEN) on {}",
                    a.platform.name()
                ),
            ),
            "the platform's precompiled TLS library fixes its buffer size; rebuild it with the setting".into(),
        )),
    }
    fixes.push(unverified(
        fix(
            Side::Server,
            "smaller-records",
            cause_kind,
            format!(
                "Or have the server write records of at most {} bytes: nginx `ssl_buffer_size 4k;`, HAProxy `tune.ssl.maxrecord {}`",
                b.in_content_len, b.in_content_len
            ),
        ),
        "a server setting: only servers that have it, and only for this device's server".into(),
    ));
    if matches!(a.platform, Platform::Zephyr | Platform::Mbedtls) {
        fixes.push(unverified(
            fix(
                Side::Config,
                "max-fragment-length",
                cause_kind,
                match a.platform {
                    Platform::Zephyr => "Or ask the server for smaller records: CONFIG_NET_SOCKETS_TLS_SET_MAX_FRAGMENT_LENGTH=y (max_fragment_length, RFC 6066)".into(),
                    _ => "Or ask the server for smaller records: mbedtls_ssl_conf_max_frag_len(&conf, MBEDTLS_SSL_MAX_FRAG_LEN_4096) with MBEDTLS_SSL_MAX_FRAGMENT_LENGTH".into(),
                },
            ),
            "works only with a server that honours max_fragment_length (anchorkit probe HOST --enumerate shows it)".into(),
        ));
    }
    Some((cause, fixes))
}

/// The heap against the handshake's need: the cause and its fixes.
fn heap_cause(a: &Ask<'_>, need: &HeapNeed, heap: u32) -> (Cause, Vec<Fix>) {
    let parts: Vec<String> = need
        .parts
        .iter()
        .map(|(what, n)| format!("{what} {n}"))
        .collect();
    let cause = Cause {
        kind: CauseKind::OutOfMemory,
        text: format!(
            "The handshake needs about {} bytes of heap (±{HEAP_MARGIN_PERCENT}%: {}); the device gives Mbed TLS {heap}. An allocation fails; when it is a signature check's, Mbed TLS reports a chain it cannot verify ({}).",
            need.bytes,
            parts.join(", "),
            a.logged.map_or("-0x2700", |l| l.code.as_str())
        ),
        cert: None,
    };
    let set = heap_to_set(need);
    let line = a.platform.config_line(
        "MBEDTLS_HEAP_SIZE",
        "MBEDTLS_MEMORY_BUFFER_ALLOC heap",
        &set.to_string(),
    );
    let f = fix(
        Side::Config,
        "raise-heap",
        CauseKind::OutOfMemory,
        format!("Give Mbed TLS a heap of {set} bytes: {}", line.0.trim()),
    );
    let f = verified(
        f,
        format!(
            "the heap model: {set} bytes cover the estimate {} plus its {HEAP_MARGIN_PERCENT}% margin (the model is checked against the real Mbed TLS's allocations)",
            need.bytes
        ),
    );
    let mut fixes = vec![pasted(f, Some(line))];
    let b = a.inp.profile.build.as_ref();
    if let Some(b) = b {
        if b.in_content_len > 4096 && a.platform == Platform::Zephyr {
            fixes.push(unverified(
                fix(
                    Side::Config,
                    "smaller-buffers",
                    CauseKind::OutOfMemory,
                    "Or need less: a smaller CONFIG_MBEDTLS_SSL_MAX_CONTENT_LEN, only if the server's Certificate message and records fit it (anchorkit probe HOST --profile shows both)".into(),
                ),
                "depends on the records the server sends".into(),
            ));
        }
    }
    (cause, fixes)
}

/// The log names an allocation failure; the heap the device has is not known.
fn heap_unknown_cause(a: &Ask<'_>, need: &HeapNeed) -> (Cause, Vec<Fix>) {
    let cause = Cause {
        kind: CauseKind::OutOfMemory,
        text: format!(
            "The log reports an allocation failure ({}): the heap left for Mbed TLS is smaller than the handshake needs, about {} bytes (±{HEAP_MARGIN_PERCENT}%) with these buffers, this chain and this trust list.",
            a.logged.map_or("", |l| l.code.as_str()),
            need.bytes
        ),
        cert: None,
    };
    let set = heap_to_set(need);
    let mut fixes = Vec::new();
    match a.platform {
        Platform::Zephyr => {
            let line = a
                .platform
                .config_line("MBEDTLS_HEAP_SIZE", "", &set.to_string());
            fixes.push(pasted(
                verified(
                    fix(
                        Side::Config,
                        "raise-heap",
                        CauseKind::OutOfMemory,
                        format!("Give Mbed TLS a heap of {set} bytes: {}", line.0.trim()),
                    ),
                    format!(
                        "the heap model: {set} bytes cover the estimate {} plus its {HEAP_MARGIN_PERCENT}% margin",
                        need.bytes
                    ),
                ),
                Some(line),
            ));
        }
        Platform::EspIdf(_) | Platform::ArduinoEsp32(_) => {
            fixes.push(unverified(
                fix(
                    Side::Device,
                    "free-heap",
                    CauseKind::OutOfMemory,
                    format!(
                        "Leave at least {set} bytes of internal heap free for the connection (check esp_get_free_heap_size() and heap_caps_get_largest_free_block() before connecting)"
                    ),
                ),
                "the device's free heap is not known here; the model's need is the target".into(),
            ));
            if matches!(a.platform, Platform::EspIdf(_)) {
                fixes.push(pasted(
                    unverified(
                        fix(
                            Side::Config,
                            "dynamic-buffer",
                            CauseKind::OutOfMemory,
                            "Or allocate the TLS buffers per record and free the CA list after the handshake: CONFIG_MBEDTLS_DYNAMIC_BUFFER=y, CONFIG_MBEDTLS_DYNAMIC_FREE_CA_CERT=y (and CONFIG_MBEDTLS_EXTERNAL_MEM_ALLOC=y on a chip with PSRAM)".into(),
                        ),
                        "lowers the peak by an amount the model does not estimate".into(),
                    ),
                    Some((
                        "CONFIG_MBEDTLS_DYNAMIC_BUFFER=y\nCONFIG_MBEDTLS_DYNAMIC_FREE_CA_CERT=y\n".into(),
                        "sdkconfig",
                    )),
                ));
            }
        }
        _ => fixes.push(unverified(
            fix(
                Side::Device,
                "free-heap",
                CauseKind::OutOfMemory,
                format!("Give the TLS library at least {set} bytes of heap for the connection"),
            ),
            "the device's heap is not known here".into(),
        )),
    }
    (cause, fixes)
}

/// What the server answered the device's hello, when doctor asked it (--connect).
fn protocol_cause(a: &Ask<'_>) -> Option<(Cause, Vec<Fix>)> {
    let (_, own) = a.inp.hellos.first()?;
    if own.agrees {
        return None;
    }
    let cause = Cause {
        kind: CauseKind::ProtocolMismatch,
        text: format!("The server does not take this device's hello: {}", own.text),
        cert: None,
    };
    let mut fixes = Vec::new();
    let offered: Vec<String> = a
        .inp
        .profile
        .build
        .as_ref()
        .map(|b| b.versions.iter().map(|v| v.to_string()).collect())
        .unwrap_or_default();
    fixes.push(unverified(
        fix(
            Side::Server,
            "server-accepts-device",
            CauseKind::ProtocolMismatch,
            format!(
                "Have the server accept what the device offers ({}; the suites and groups of its hello): nginx `ssl_protocols TLSv1.2 TLSv1.3;` with an ECDHE suite, Apache `SSLProtocol -all +TLSv1.2 +TLSv1.3`",
                if offered.is_empty() { "its versions".to_string() } else { offered.join(", ") }
            ),
        ),
        "a change on the server: probe it again afterwards (anchorkit probe HOST --profile ...)".into(),
    ));
    for (change, ans) in a.inp.hellos.iter().skip(1) {
        let f = fix(
            Side::Device,
            "device-protocol",
            CauseKind::ProtocolMismatch,
            change.clone(),
        );
        fixes.push(if ans.agrees {
            verified(
                f,
                format!(
                    "the probe sent that device's hello to the server: {}",
                    ans.text
                ),
            )
        } else {
            unverified(
                f,
                format!("the server refuses that hello too: {}", ans.text),
            )
        });
    }
    // Verified first: a device change the server takes, then the server change.
    fixes.sort_by_key(|f| !f.verified);
    Some((cause, fixes))
}
