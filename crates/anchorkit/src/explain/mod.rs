//! Decoding what devices print: mbedTLS return codes (high and low level combined), mbedTLS
//! verify flags, ESP-IDF log lines and error names, BearSSL and wolfSSL error numbers.
//!
//! The code tables are facts carried from mbedTLS's `error.c` (2.28 to 3.6) and the BearSSL
//! and wolfSSL headers (see `tables.rs`, checked against its sources by a test). The
//! explanations — meaning, causes on a device, next step — are anchorkit's own.

mod families;
mod notes;
#[rustfmt::skip]
mod tables;

use serde::Serialize;

pub use notes::Advice;

/// Schema identifier of the JSON form of [`Explanation`].
pub const SCHEMA: &str = "anchorkit.explain/1";

/// Which library a number belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lib {
    /// mbedTLS (ESP-IDF, Arduino-ESP32, Zephyr).
    Mbedtls,
    /// BearSSL (ESP8266 Arduino).
    Bearssl,
    /// wolfSSL.
    Wolfssl,
}

/// Options for [`explain`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Force the library family of bare numbers.
    pub lib: Option<Lib>,
    /// mbedTLS version (`2.28`, `3.6`, `3.6.0`, ...) to pick the table of.
    pub version: Option<String>,
    /// Treat the input as verify flags.
    pub flags: bool,
}

/// An input that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ExplainError(pub String);

/// One part of an mbedTLS code (high-level or low-level).
#[derive(Debug, Clone, Serialize)]
pub struct CodePart {
    /// `high` (module-level, `& 0xFF80`) or `low` (`& 0x007F`).
    pub layer: &'static str,
    /// Value, e.g. `-0x2700`.
    pub value: String,
    /// Macro name, e.g. `MBEDTLS_ERR_X509_CERT_VERIFY_FAILED`.
    pub name: String,
    /// Module label as `mbedtls_strerror` prints it (`X509`, `SSL`, `BIGNUM`, ...).
    pub module: String,
    /// What `mbedtls_strerror` prints for it.
    pub library_text: String,
    /// The mbedTLS versions that define it so (e.g. `2.28.0-3.6.6`).
    pub versions: String,
}

/// One decoded item.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `mbedtls-code`, `verify-flags`, `esp-error`, `bearssl-code`, `wolfssl-code`, `log-line`.
    pub kind: &'static str,
    /// The text this finding decodes.
    pub input: String,
    /// The numeric value, when there is one.
    pub value: Option<i64>,
    /// The value as the library prints it (`-0x2700`, `0x0008`, `62`).
    pub code: Option<String>,
    /// The primary name (the high-level part for combined mbedTLS codes).
    pub name: Option<String>,
    /// The parts of a combined mbedTLS code.
    pub parts: Vec<CodePart>,
    /// Names of set verify flags, in mbedTLS's order.
    pub flag_names: Vec<String>,
    /// What the device prints for the flags (`mbedtls_x509_crt_verify_info`, prefix `! `).
    pub verify_info: Option<String>,
    /// The log component (tag), for log lines.
    pub component: Option<String>,
    /// Who printed the line: `esp-idf`, `arduino-esp32`, `esp8266-bearssl`, `sslclient`,
    /// `wolfssl`, `zephyr`, `micropython`, `aws-iot-sdk`, `azure-iot-sdk`, `azure-rtos`,
    /// `esp-at`, `pico-sdk`; null for bare codes.
    pub family: Option<String>,
    /// Other readings of an ambiguous number (`-150` in wolfSSL and in Mbed TLS), each
    /// `LIBRARY: NAME (meaning)`.
    pub readings: Vec<String>,
    /// The TLS library whose code `code` is (`mbedtls`, `bearssl`, `wolfssl`), when it is one.
    pub library: Option<Lib>,
    /// Meaning, in plain words.
    pub meaning: String,
    /// Typical causes on a device.
    pub causes: Vec<String>,
    /// What to do next.
    pub next_steps: Vec<String>,
    /// Version differences and other notes.
    pub notes: Vec<String>,
}

impl Finding {
    fn new(kind: &'static str, input: &str) -> Finding {
        Finding {
            kind,
            input: input.to_string(),
            value: None,
            code: None,
            name: None,
            parts: Vec::new(),
            flag_names: Vec::new(),
            verify_info: None,
            component: None,
            family: None,
            readings: Vec::new(),
            library: None,
            meaning: String::new(),
            causes: Vec::new(),
            next_steps: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn advise(&mut self, a: &Advice) {
        if self.meaning.is_empty() {
            self.meaning = a.meaning.to_string();
        }
        self.causes.extend(a.causes.iter().map(|s| s.to_string()));
        self.next_steps.extend(a.next.iter().map(|s| s.to_string()));
    }
}

/// The whole explanation.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The decoded items, in input order.
    pub findings: Vec<Finding>,
    /// The root error when the input was a log (the first error code found), in one line.
    pub summary: Option<String>,
}

/// mbedTLS verify flags: `(value, name, verify_info text)`, in `mbedtls_x509_crt_verify_info`
/// order. Identical in 2.28 and 3.x.
pub const VERIFY_FLAGS: &[(u32, &str, &str)] = &[
    (0x01, "EXPIRED", "The certificate validity has expired"),
    (
        0x02,
        "REVOKED",
        "The certificate has been revoked (is on a CRL)",
    ),
    (
        0x04,
        "CN_MISMATCH",
        "The certificate Common Name (CN) does not match with the expected CN",
    ),
    (
        0x08,
        "NOT_TRUSTED",
        "The certificate is not correctly signed by the trusted CA",
    ),
    (
        0x10,
        "BADCRL_NOT_TRUSTED",
        "The CRL is not correctly signed by the trusted CA",
    ),
    (0x20, "BADCRL_EXPIRED", "The CRL is expired"),
    (0x40, "MISSING", "Certificate was missing"),
    (0x80, "SKIP_VERIFY", "Certificate verification was skipped"),
    (
        0x0100,
        "OTHER",
        "Other reason (can be used by verify callback)",
    ),
    (
        0x0200,
        "FUTURE",
        "The certificate validity starts in the future",
    ),
    (0x0400, "BADCRL_FUTURE", "The CRL is from the future"),
    (
        0x0800,
        "KEY_USAGE",
        "Usage does not match the keyUsage extension",
    ),
    (
        0x1000,
        "EXT_KEY_USAGE",
        "Usage does not match the extendedKeyUsage extension",
    ),
    (
        0x2000,
        "NS_CERT_TYPE",
        "Usage does not match the nsCertType extension",
    ),
    (
        0x4000,
        "BAD_MD",
        "The certificate is signed with an unacceptable hash.",
    ),
    (
        0x8000,
        "BAD_PK",
        "The certificate is signed with an unacceptable PK alg (eg RSA vs ECDSA).",
    ),
    (
        0x010000,
        "BAD_KEY",
        "The certificate is signed with an unacceptable key (eg bad curve, RSA too short).",
    ),
    (
        0x020000,
        "BADCRL_BAD_MD",
        "The CRL is signed with an unacceptable hash.",
    ),
    (
        0x040000,
        "BADCRL_BAD_PK",
        "The CRL is signed with an unacceptable PK alg (eg RSA vs ECDSA).",
    ),
    (
        0x080000,
        "BADCRL_BAD_KEY",
        "The CRL is signed with an unacceptable key (eg bad curve, RSA too short).",
    ),
];

/// Names of the set flags, in mbedTLS order (`NOT_TRUSTED`, ...).
pub fn flag_names(flags: u32) -> Vec<&'static str> {
    VERIFY_FLAGS
        .iter()
        .filter(|(v, ..)| flags & v != 0)
        .map(|(_, n, _)| *n)
        .collect()
}

/// The verify flag value for a name (`NOT_TRUSTED` or `MBEDTLS_X509_BADCERT_NOT_TRUSTED`).
pub fn flag_value(name: &str) -> Option<u32> {
    let n = name
        .trim()
        .trim_start_matches("MBEDTLS_X509_")
        .trim_start_matches("BADCERT_");
    VERIFY_FLAGS
        .iter()
        .find(|(_, f, _)| {
            *f == n
                || f.trim_start_matches("BADCRL_") == n
                    && f.starts_with("BADCRL_")
                    && name.contains("BADCRL")
        })
        .map(|(v, ..)| *v)
}

/// Exactly what `mbedtls_x509_crt_verify_info(buf, size, prefix, flags)` writes (unbounded).
pub fn verify_info(prefix: &str, flags: u32) -> String {
    let mut out = String::new();
    let mut rest = flags;
    for (v, _, text) in VERIFY_FLAGS {
        if flags & v != 0 {
            out.push_str(prefix);
            out.push_str(text);
            out.push('\n');
            rest &= !v;
        }
    }
    if rest != 0 {
        out.push_str(prefix);
        out.push_str("Unknown reason (this should not happen)\n");
    }
    out
}

fn family_index(version: Option<&str>) -> Option<usize> {
    let v = version?;
    let parse = |s: &str| -> Vec<u32> { s.split('.').filter_map(|p| p.parse().ok()).collect() };
    let want = parse(v);
    if want.is_empty() {
        return None;
    }
    let pad = |mut x: Vec<u32>, fill: u32| {
        while x.len() < 3 {
            x.push(fill);
        }
        x
    };
    // `3.6` means the newest 3.6.x; `2.28` the newest 2.28.x.
    let w = pad(want.clone(), if want.len() < 3 { 999 } else { 0 });
    let mut best = None;
    for (i, fam) in tables::MBEDTLS_FAMILIES.iter().enumerate() {
        let (lo, hi) = fam.split_once('-').unwrap_or((fam, fam));
        let (lo, hi) = (pad(parse(lo), 0), pad(parse(hi), 0));
        if lo <= w && (w <= hi || (want.len() < 3 && lo[..2] == w[..2])) {
            best = Some(i);
        }
    }
    best
}

fn describe_families(mask: u16) -> String {
    let fams = tables::MBEDTLS_FAMILIES;
    let mut ranges: Vec<String> = Vec::new();
    let mut i = 0;
    while i < fams.len() {
        if mask & (1 << i) != 0 {
            let start = i;
            while i + 1 < fams.len() && mask & (1 << (i + 1)) != 0 {
                i += 1;
            }
            let lo = fams[start].split('-').next().unwrap_or_default();
            let hi = fams[i].rsplit('-').next().unwrap_or_default();
            ranges.push(if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}-{hi}")
            });
        }
        i += 1;
    }
    ranges.join(", ")
}

/// Table rows for an mbedTLS value, restricted to a version family when given.
fn mbedtls_rows(
    value: i32,
    family: Option<usize>,
) -> Vec<&'static (i32, &'static str, &'static str, u16, &'static str)> {
    tables::MBEDTLS
        .iter()
        .filter(|r| r.0 == value && family.is_none_or(|f| r.3 & (1 << f) != 0))
        .collect()
}

/// The macro name of an mbedTLS code in a version (`"3.6"`, `"2.28"`), if any. Without a
/// version, the newest meaning.
pub fn mbedtls_code_name(code: i32, version: Option<&str>) -> Option<&'static str> {
    let fam = family_index(version);
    let rows = mbedtls_rows(code, fam);
    rows.iter().max_by_key(|r| r.3).map(|r| r.1)
}

/// Exactly what `mbedtls_strerror` prints for `code` in the given version (newest if none).
pub fn strerror(code: i32, version: Option<&str>) -> String {
    let fam = family_index(version);
    let abs = code.unsigned_abs();
    let high = abs & 0xFF80;
    let low = abs & 0x007F;
    let text = |v: u32| -> Option<String> {
        let rows = mbedtls_rows(-(v as i32), fam);
        rows.iter()
            .max_by_key(|r| r.3)
            .map(|r| format!("{} - {}", r.2, r.4))
    };
    let mut out = String::new();
    if high != 0 {
        out = text(high).unwrap_or_else(|| format!("UNKNOWN ERROR CODE ({high:04X})"));
        if high == 0x7780 {
            return out;
        }
    }
    if low != 0 {
        if !out.is_empty() {
            out.push_str(" : ");
        }
        out.push_str(&text(low).unwrap_or_else(|| format!("UNKNOWN ERROR CODE ({low:04X})")));
    }
    out
}

fn hex_code(v: i64) -> String {
    if v < 0 {
        format!("-0x{:04X}", -v)
    } else {
        format!("0x{v:04X}")
    }
}

fn mbedtls_finding(input: &str, value: i64, opts: &Options) -> Result<Finding, ExplainError> {
    let fam = family_index(opts.version.as_deref());
    if opts.version.is_some() && fam.is_none() {
        return Err(ExplainError(format!(
            "unknown mbedTLS version {:?}; known: {}",
            opts.version.as_deref().unwrap_or_default(),
            tables::MBEDTLS_FAMILIES.join(", ")
        )));
    }
    let v = i32::try_from(value).map_err(|_| ExplainError(format!("{input}: out of range")))?;
    let v = if v > 0 { -v } else { v };
    let abs = v.unsigned_abs();
    let mut f = Finding::new("mbedtls-code", input);
    f.library = Some(Lib::Mbedtls);
    f.value = Some(i64::from(v));
    f.code = Some(hex_code(i64::from(v)));
    if abs > 0x7FFF {
        // mbedTLS 4.x maps a few codes onto PSA error values (-128 ... -151).
        return Err(ExplainError(format!(
            "{input}: {} is outside mbedTLS's 16-bit error space",
            hex_code(i64::from(v))
        )));
    }
    let mut split = vec![("high", abs & 0xFF80), ("low", abs & 0x007F)];
    split.retain(|(_, p)| *p != 0);
    for (layer, part) in split {
        let pv = -(part as i32);
        let rows = mbedtls_rows(pv, fam);
        if rows.is_empty() {
            f.parts.push(CodePart {
                layer,
                value: hex_code(i64::from(pv)),
                name: "unknown".into(),
                module: "?".into(),
                library_text: format!("UNKNOWN ERROR CODE ({part:04X})"),
                versions: String::new(),
            });
            continue;
        }
        for r in &rows {
            f.parts.push(CodePart {
                layer,
                value: hex_code(i64::from(pv)),
                name: r.1.to_string(),
                module: r.2.to_string(),
                library_text: format!("{} - {}", r.2, r.4),
                versions: describe_families(r.3),
            });
        }
        if rows.len() > 1 {
            f.notes.push(format!(
                "{} means different things in different mbedTLS versions: {}; pass --version to pick one",
                hex_code(i64::from(pv)),
                rows.iter()
                    .map(|r| format!("{} in {}", r.1, describe_families(r.3)))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        } else if rows[0].3 != (1 << tables::MBEDTLS_FAMILIES.len()) - 1 && fam.is_none() {
            f.notes.push(format!(
                "{} exists only in mbedTLS {}",
                rows[0].1,
                describe_families(rows[0].3)
            ));
        }
    }
    let Some(primary) = f.parts.first().cloned() else {
        return Err(ExplainError(format!(
            "{input}: 0 means success, not an error"
        )));
    };
    if let Some((name, aliases, meaning)) =
        PSA_ALIASES.iter().find(|(n, ..)| psa_value(n) == Some(v))
    {
        // Mbed TLS 4.x (ESP-IDF v6.0) returns PSA status values for a few SSL/X509 errors.
        f.parts.clear();
        f.name = Some(name.to_string());
        f.meaning = format!("{meaning} (Mbed TLS 4.x / ESP-IDF v6.0: {aliases})");
        f.notes.push("a PSA Crypto status value: Mbed TLS 4.x returns it where 3.x had its own SSL/X509 code".into());
        return Ok(f);
    }
    if primary.name == "unknown" && f.parts.iter().all(|p| p.name == "unknown") {
        return Err(ExplainError(format!(
            "{input}: {} is not an mbedTLS error code in 2.28-3.6 (try --lib bearssl or --lib wolfssl)",
            hex_code(i64::from(v))
        )));
    }
    f.name = Some(primary.name.clone());
    let mut layers: Vec<String> = Vec::new();
    for layer in ["high", "low"] {
        let names: Vec<String> = f
            .parts
            .iter()
            .filter(|p| p.layer == layer)
            .map(|p| format!("{} ({} layer)", p.name, p.module))
            .collect();
        if !names.is_empty() {
            layers.push(names.join(" or "));
        }
    }
    let combined = layers.len() > 1;
    f.meaning = format!(
        "{}: {}",
        layers.join(" + "),
        strerror(v, opts.version.as_deref())
    );
    if let Some(a) = notes::mbedtls(&primary.name) {
        f.meaning = a.meaning.to_string();
        f.advise(a);
    }
    if combined {
        f.notes.push(format!(
            "combined code: mbedTLS adds a high-level code and the low-level code that caused it ({})",
            f.parts.iter().map(|p| p.value.clone()).collect::<Vec<_>>().join(" + ")
        ));
        if let Some(low) = f.parts.iter().find(|p| p.layer == "low") {
            if let Some(a) = notes::mbedtls(&low.name) {
                f.causes.extend(a.causes.iter().map(|s| s.to_string()));
            }
        }
    }
    Ok(f)
}

/// PSA status values Mbed TLS 4.x returns for some SSL/X509 errors: (name, 4.x aliases, meaning).
const PSA_ALIASES: &[(&str, &str, &str)] = &[
    (
        "PSA_ERROR_INSUFFICIENT_MEMORY",
        "MBEDTLS_ERR_SSL_ALLOC_FAILED, MBEDTLS_ERR_X509_ALLOC_FAILED",
        "out of memory",
    ),
    (
        "PSA_ERROR_INVALID_ARGUMENT",
        "MBEDTLS_ERR_SSL_BAD_INPUT_DATA",
        "bad input to a TLS function",
    ),
    (
        "PSA_ERROR_BUFFER_TOO_SMALL",
        "MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL, MBEDTLS_ERR_X509_BUFFER_TOO_SMALL, MBEDTLS_ERR_NET_BUFFER_TOO_SMALL",
        "an output buffer is too small",
    ),
];

fn psa_value(name: &str) -> Option<i32> {
    Some(match name {
        "PSA_ERROR_INSUFFICIENT_MEMORY" => -141,
        "PSA_ERROR_INVALID_ARGUMENT" => -135,
        "PSA_ERROR_BUFFER_TOO_SMALL" => -138,
        _ => return None,
    })
}

fn flags_finding(input: &str, flags: u32) -> Finding {
    let mut f = Finding::new("verify-flags", input);
    f.value = Some(i64::from(flags));
    f.code = Some(format!("0x{flags:08X}"));
    f.flag_names = flag_names(flags).into_iter().map(str::to_string).collect();
    f.verify_info = Some(verify_info("! ", flags));
    if flags == 0xFFFF_FFFF {
        f.meaning = "all bits set: verification ended with a fatal error (e.g. -0x3000), not a \
                     list of reasons"
            .into();
        if let Some(a) = notes::mbedtls("MBEDTLS_ERR_X509_FATAL_ERROR") {
            f.advise(a);
        }
        return f;
    }
    f.meaning = format!(
        "verify flags {}: {}",
        f.code.clone().unwrap_or_default(),
        if f.flag_names.is_empty() {
            "none (the chain verified)".to_string()
        } else {
            f.flag_names.join(", ")
        }
    );
    for n in flag_names(flags) {
        if let Some(a) = notes::flag(n) {
            f.causes
                .extend(a.causes.iter().map(|s| format!("{n}: {s}")));
            f.next_steps.extend(a.next.iter().map(|s| s.to_string()));
        }
    }
    f
}

fn named_table_finding(lib: Lib, input: &str, value: i64) -> Result<Finding, ExplainError> {
    let (table, kind): (&[(i32, &str)], &str) = match lib {
        Lib::Bearssl => (tables::BEARSSL, "bearssl-code"),
        Lib::Wolfssl => (tables::WOLFSSL, "wolfssl-code"),
        Lib::Mbedtls => return Err(ExplainError("internal: not a table library".into())),
    };
    let v = i32::try_from(value).map_err(|_| ExplainError(format!("{input}: out of range")))?;
    // BearSSL codes are positive; getLastSSLError() and some wrappers print them negated.
    let v = match lib {
        Lib::Bearssl => v.abs(),
        _ if v > 0 => -v,
        _ => v,
    };
    let names: Vec<&str> = table.iter().filter(|r| r.0 == v).map(|r| r.1).collect();
    let Some(name) = names.first() else {
        return Err(ExplainError(format!(
            "{input}: {v} is not a known {} error code",
            if lib == Lib::Bearssl {
                "BearSSL"
            } else {
                "wolfSSL"
            }
        )));
    };
    let mut f = Finding::new(kind, input);
    f.library = Some(lib);
    f.value = Some(i64::from(v));
    f.code = Some(v.to_string());
    f.name = Some(name.to_string());
    if names.len() > 1 {
        f.notes
            .push(format!("also named {}", names[1..].join(", ")));
    }
    let advice = match lib {
        Lib::Bearssl => notes::bearssl(name),
        _ => notes::wolfssl(name),
    };
    match advice {
        Some(a) => {
            f.meaning = a.meaning.to_string();
            f.advise(a);
        }
        None => f.meaning = words_of(name),
    }
    Ok(f)
}

/// `BR_ERR_X509_WEAK_PUBLIC_KEY` -> "X509: weak public key".
fn words_of(name: &str) -> String {
    let n = name
        .trim_start_matches("BR_ERR_")
        .trim_end_matches("_E")
        .to_lowercase()
        .replace('_', " ");
    n.replacen("x509 ", "X.509: ", 1)
}

fn parse_number(s: &str) -> Option<i64> {
    let t = s.trim().trim_end_matches([',', '.', ';', ')']);
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
        t.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

/// `(FFFFD900)` as `mbedtls_print_error_msg` prints a negative int in hex.
fn parse_paren_hex(s: &str) -> Option<i64> {
    let t = s.trim().strip_prefix('(')?.split(')').next()?;
    if t.len() == 8 {
        let u = u32::from_str_radix(t, 16).ok()?;
        return Some(i64::from(u as i32));
    }
    None
}

/// ESP-IDF error names and values that appear around TLS failures (ESP-IDF v4.4 and later;
/// the ESP-TLS codes of v4.0 .. v4.3 are in `families::ESP_TLS`).
const ESP_ERRORS: &[(&str, i64, &str)] = &[
    (
        "ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED",
        0x801A,
        "esp-tls: the Mbed TLS handshake failed; the Mbed TLS code is logged just before",
    ),
    (
        "ESP_ERR_MBEDTLS_SSL_SETUP_FAILED",
        0x8017,
        "esp-tls: mbedtls_ssl_setup failed (usually out of memory)",
    ),
    (
        "ESP_ERR_MBEDTLS_X509_CRT_PARSE_FAILED",
        0x8015,
        "esp-tls: the CA certificate given (cert_pem) did not parse",
    ),
    (
        "ESP_ERR_MBEDTLS_CERT_PARTLY_OK",
        0x8010,
        "esp-tls: some certificates of the CA list did not parse (the others are used)",
    ),
    (
        "ESP_ERR_ESP_TLS_CANNOT_RESOLVE_HOSTNAME",
        0x8001,
        "esp-tls: DNS lookup of the host failed",
    ),
    (
        "ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST",
        0x8004,
        "esp-tls: TCP connection to the host failed",
    ),
    (
        "ESP_ERR_ESP_TLS_CONNECTION_TIMEOUT",
        0x8006,
        "esp-tls: the connection timed out",
    ),
    (
        "ESP_ERR_HTTP_CONNECT",
        0x7002,
        "esp_http_client: could not open the connection (the TLS error is logged before)",
    ),
    ("ESP_FAIL", -1, "generic failure"),
];

const COMPONENTS: &[(&str, &str)] = &[
    (
        "esp-tls-mbedtls",
        "esp-tls's mbedTLS backend: the TLS handshake itself",
    ),
    (
        "esp-tls",
        "esp-tls: the TLS connection layer under the HTTP client",
    ),
    (
        "transport_base",
        "tcp_transport: the transport used by the HTTP/MQTT client",
    ),
    ("http_client", "esp_http_client: the HTTP client"),
    ("esp_https_ota", "esp_https_ota: the OTA update over HTTPS"),
    (
        "esp-x509-crt-bundle",
        "the ESP-IDF certificate bundle's verify callback",
    ),
    ("mqtt_client", "esp-mqtt: the MQTT client"),
];

fn component_meaning(tag: &str) -> Option<&'static str> {
    let t = tag.to_lowercase();
    COMPONENTS.iter().find(|(c, _)| *c == t).map(|(_, m)| *m)
}

/// Splits an ESP-IDF log line `E (3515) tag: message` into (level, tag, message).
fn esp_log_parts(line: &str) -> Option<(char, &str, &str)> {
    let l = line.trim();
    let level = l.chars().next()?;
    if !"EWIDV".contains(level) {
        return None;
    }
    let rest = l.get(1..)?.trim_start();
    let rest = rest.strip_prefix('(')?;
    let (_, rest) = rest.split_once(')')?;
    let (tag, msg) = rest.trim_start().split_once(':')?;
    Some((level, tag.trim(), msg.trim()))
}

fn decode_line(line: &str, opts: &Options) -> Result<Finding, ExplainError> {
    let stripped = families::strip(line);
    let line = stripped.as_str();
    let (component, msg) = match esp_log_parts(line) {
        Some((_, tag, msg)) => (Some(tag.to_string()), msg),
        None => (None, line.trim()),
    };
    if let Some(l) = families::recognise(msg) {
        let mut f = family_finding(line, l, opts)?;
        if component.is_some() {
            f.component = component;
        }
        return Ok(f);
    }
    let mut f = Finding::new("log-line", line.trim());
    f.component = component.clone();
    let comp_meaning = component.as_deref().and_then(component_meaning);
    // An error code inside the message.
    let lower = msg.to_lowercase();
    let code = msg
        .split(|c: char| c.is_whitespace() || c == '=' || c == ':')
        .filter_map(|w| parse_paren_hex(w).or_else(|| parse_number(w)))
        .find(|v| *v != 0 && (v.unsigned_abs() >= 0x40 || lower.contains("returned")));
    if lower.contains("verify peer certificate") || lower.contains("failed to verify") {
        f.meaning =
            "the server's certificate chain did not verify: the verify flags give the reason"
                .into();
        f.next_steps.push("set the log level to DEBUG to see the 'verification info' lines, or read mbedtls_ssl_get_verify_result(); run `anchorkit doctor` with your trust and the server's chain".into());
    } else if lower.contains("no matching trusted root") {
        f.meaning = "ESP certificate bundle: no record in the bundle has the subject named as \
                     issuer by the top certificate the server sent"
            .into();
        f.causes.push("the server's chain ends in a root (or a cross-signed root) whose issuer is not in the bundle; e.g. a chain topped by ISRG Root X1 cross-signed by DST Root CA X3 needs DST's record, not X1's".into());
        f.causes.push(
            "the bundle is the CMN (common) subset, or an old one without the server's root".into(),
        );
        f.next_steps.push("run `anchorkit doctor --trust <bundle> --chain <served chain> --profile esp-idf-X.Y --trust-mode bundle`".into());
    } else if lower.contains("signature verification failed") {
        f.meaning = "ESP certificate bundle: a record matched by name but its key does not verify the certificate".into();
    } else if lower.contains("verification info") {
        let flags: u32 = VERIFY_FLAGS
            .iter()
            .filter(|(_, _, t)| msg.contains(t))
            .map(|(v, ..)| v)
            .sum();
        if flags != 0 {
            let ff = flags_finding(msg, flags);
            f.meaning = ff.meaning;
            f.flag_names = ff.flag_names;
            f.causes = ff.causes;
            f.next_steps = ff.next_steps;
        }
    } else if let Some((name, v, m)) = ESP_ERRORS.iter().find(|(n, v, _)| {
        msg.contains(n) || (lower.contains("error code") && msg.contains(&format!("{v:#x}")))
    }) {
        f.name = Some(name.to_string());
        f.value = Some(*v);
        f.code = Some(format!("{v:#x}"));
        f.meaning = m.to_string();
    } else if let Some(v) = code {
        if lower.contains("last mbedtls failure")
            || lower.contains("returned")
            || lower.contains("mbedtls")
            || v < 0
        {
            let inner = mbedtls_finding(msg, v, opts)?;
            f.library = inner.library;
            f.value = inner.value;
            f.code = inner.code;
            f.name = inner.name;
            f.parts = inner.parts;
            f.meaning = inner.meaning;
            f.causes = inner.causes;
            f.next_steps = inner.next_steps;
            f.notes = inner.notes;
        }
    }
    if f.meaning.is_empty() {
        f.meaning = match comp_meaning {
            Some(m) => format!("{m}: a follow-on message of the error above"),
            None => "no error code in this line".into(),
        };
    } else if let Some(m) = comp_meaning {
        f.notes.push(format!("logged by {m}"));
    }
    Ok(f)
}

/// A finding for a line a family recognizer read.
fn family_finding(line: &str, l: families::Line, opts: &Options) -> Result<Finding, ExplainError> {
    use families::Space;
    let mut f = Finding::new("log-line", line.trim());
    f.component = Some(l.component.clone());
    f.family = Some(l.family.to_string());
    let inner: Option<Finding> = match (&l.space, l.value) {
        (Space::Mbedtls, Some(v)) if v != 0 => Some(mbedtls_finding(line, v, opts)?),
        (Space::MbedtlsText(high, low), _) => {
            let code = |t: &str| {
                tables::MBEDTLS
                    .iter()
                    .find(|r| format!("{} - {}", r.2, r.4) == t.trim())
                    .map(|r| i64::from(r.0))
            };
            let v = code(high).unwrap_or(0) + code(low).unwrap_or(0);
            if v == 0 {
                f.meaning = "the TLS handshake failed or the server's certificate did not verify (mbedtls_ssl_get_verify_result): with no Mbed TLS code, the verify flags hold the reason".into();
                None
            } else {
                let mut x = mbedtls_finding(line, v, opts)?;
                x.notes
                    .push("read from the Mbed TLS texts the SDK prints (no number)".into());
                Some(x)
            }
        }
        (Space::Bearssl, Some(v)) if (256..640).contains(&v) => {
            let a = v & 0xFF;
            let name = families::ALERTS
                .iter()
                .find(|(n, _)| *n == a)
                .map_or("an unknown alert", |(_, n)| n);
            f.value = Some(v);
            f.code = Some(v.to_string());
            f.name = Some(if v < 512 {
                "BR_ERR_RECV_FATAL_ALERT".into()
            } else {
                "BR_ERR_SEND_FATAL_ALERT".into()
            });
            f.meaning = format!(
                "BearSSL {v} = {} + {a}: the {} sent the fatal alert {a} ({name})",
                if v < 512 { 256 } else { 512 },
                if v < 512 { "server" } else { "device" }
            );
            None
        }
        (Space::Bearssl, Some(v)) => Some(named_table_finding(Lib::Bearssl, line, v)?),
        (Space::Alert, v) => {
            let a = v.unwrap_or(-1);
            let name = families::ALERTS
                .iter()
                .find(|(n, _)| *n == a)
                .map_or("an alert", |(_, n)| n);
            f.value = Some(a);
            f.code = Some(a.to_string());
            f.name = Some(format!("TLS alert {a}"));
            f.meaning = format!(
                "the server refused the handshake with the fatal alert {a} ({name}); the text after 'alert - ' is not about the certificate (the core shows the text of BearSSL code {a})"
            );
            None
        }
        (Space::Wolfssl, Some(v)) => Some(named_table_finding(Lib::Wolfssl, line, v)?),
        (Space::Errno, Some(v)) => {
            let (newlib, minimal, linux): (Vec<&str>, Vec<&str>, Vec<&str>) = (
                families::ERRNO
                    .iter()
                    .filter(|e| e.1 == v)
                    .map(|e| e.0)
                    .collect(),
                families::ERRNO
                    .iter()
                    .filter(|e| e.2 == v)
                    .map(|e| e.0)
                    .collect(),
                families::ERRNO
                    .iter()
                    .filter(|e| e.3 == v)
                    .map(|e| e.0)
                    .collect(),
            );
            f.value = Some(v);
            f.code = Some(v.to_string());
            let named = l.meaning.clone();
            let primary = match l.family {
                "zephyr" => newlib.first().or(minimal.first()),
                "micropython" => None,
                _ => newlib.first(),
            };
            f.name = primary.map(|n| n.to_string());
            f.meaning = named.unwrap_or_else(|| match primary {
                Some(n) => format!("errno {v} = {n}: {}", families::errno_meaning(n)),
                None => format!("errno {v}"),
            });
            for (lib, names) in [
                (
                    "newlib/picolibc (ESP-IDF, Arduino-ESP32, Zephyr's default libc)",
                    &newlib,
                ),
                ("Zephyr's minimal libc", &minimal),
                ("Linux, MicroPython on rp2/unix", &linux),
            ] {
                if let Some(n) = names.first() {
                    f.readings.push(format!("{lib}: {n}"));
                }
            }
            None
        }
        (Space::EspErr, Some(v)) => {
            f.value = Some(v);
            f.code = Some(format!("0x{v:X}"));
            let old: Vec<&str> = families::ESP_TLS
                .iter()
                .filter(|e| e.1 == Some(v))
                .map(|e| e.0)
                .collect();
            let new: Vec<&str> = families::ESP_TLS
                .iter()
                .filter(|e| e.2 == Some(v))
                .map(|e| e.0)
                .collect();
            let http = ESP_ERRORS
                .iter()
                .find(|e| e.1 == v && !(0x8000..0x9000).contains(&v));
            match (new.first(), old.first(), http) {
                (_, _, Some((n, _, m))) => {
                    f.name = Some(n.to_string());
                    f.meaning = m.to_string();
                }
                (Some(n), o, _) => {
                    f.name = Some(n.to_string());
                    f.meaning = format!("{n} (ESP-IDF v4.4 and later)");
                    if let Some(o) = o.filter(|o| *o != n) {
                        f.readings.push(format!("ESP-IDF v4.0 .. v4.3: {o}"));
                        f.notes.push("ESP-TLS codes were renumbered in ESP-IDF v4.4: the release decides the name".into());
                    }
                }
                (None, Some(o), _) => {
                    f.name = Some(o.to_string());
                    f.meaning = format!("{o} (ESP-IDF v4.0 .. v4.3 numbering)");
                }
                (None, None, None) => f.meaning = format!("esp_err_t 0x{v:X}"),
            }
            None
        }
        (Space::AwsIot, Some(v)) => {
            f.value = Some(v);
            f.code = Some(v.to_string());
            match families::AWS_IOT.iter().find(|e| e.0 == v) {
                Some((_, n, m)) => {
                    f.name = Some(n.to_string());
                    f.meaning = m.to_string();
                }
                None => f.meaning = format!("IoT_Error_t {v}"),
            }
            None
        }
        (Space::EspAt, Some(v)) => {
            let sub = ((v >> 16) & 0xFF) as u32;
            let ext = v & 0xFFFF;
            f.value = Some(v);
            f.code = Some(format!("0x{v:08x}"));
            match families::ESP_AT.iter().find(|e| e.0 == sub) {
                Some((_, n, m)) => {
                    f.name = Some(n.to_string());
                    f.meaning = if ext == 0 {
                        format!("ESP-AT: {m}")
                    } else {
                        format!("ESP-AT: {m}; extension 0x{ext:04x}")
                    };
                }
                None => f.meaning = format!("ESP-AT error 0x{v:08x}"),
            }
            if sub == 0x0A {
                f.next_steps.push("enable the AT firmware's log UART or AT+SYSLOG=1 to see the Mbed TLS code; for AT+CIPSTART=\"SSL\" check AT+CIPSSLCCONF (which CA is loaded) and the clock (AT+CIPSNTPCFG)".into());
            }
            None
        }
        (Space::Lwip, Some(v)) | (Space::Netx, Some(v)) => {
            let table = if l.space == Space::Lwip {
                families::LWIP
            } else {
                families::NETX
            };
            f.value = Some(v);
            f.code = Some(if l.space == Space::Netx {
                format!("0x{v:X}")
            } else {
                v.to_string()
            });
            match table.iter().find(|e| e.0 == v) {
                Some((_, n, m)) => {
                    f.name = Some(n.to_string());
                    f.meaning = m.to_string();
                }
                None => f.meaning = format!("status {v}"),
            }
            None
        }
        (Space::FlagTexts, _) => {
            let flags: u32 = VERIFY_FLAGS
                .iter()
                .filter(|(_, _, t)| line.contains(t))
                .map(|(v, ..)| v)
                .sum();
            if flags == 0 {
                f.meaning = "a certificate verification failure (the verify-flag texts follow on the next lines)".into();
                None
            } else {
                Some(flags_finding(line, flags))
            }
        }
        _ => None,
    };
    if let Some(x) = inner {
        f.library = x.library;
        f.value = x.value;
        f.code = x.code;
        f.name = x.name;
        f.parts = x.parts;
        f.flag_names = x.flag_names;
        f.verify_info = x.verify_info;
        f.meaning = x.meaning;
        f.causes = x.causes;
        f.next_steps = x.next_steps;
        f.notes.extend(x.notes);
    }
    if f.meaning.is_empty() {
        f.meaning = l
            .meaning
            .clone()
            .unwrap_or_else(|| "a log line of this stack, without an error code".into());
    }
    f.notes.extend(l.notes);
    Ok(f)
}

fn looks_like_log(input: &str) -> bool {
    input
        .lines()
        .any(|l| esp_log_parts(l).is_some() || families::recognise(l).is_some())
        || input.contains("returned")
        || input.contains("Failed")
        || input.contains("failure")
        || input.contains(": ")
        || input.lines().count() > 1
}

/// Decodes `input`: a code (`-0x2700`, `0x2700`, `-9984`, `(FFFFD900)`), a name
/// (`MBEDTLS_ERR_X509_CERT_VERIFY_FAILED`, `NOT_TRUSTED`, `BR_ERR_X509_NOT_TRUSTED`), verify
/// flags (with `opts.flags` or `flags=0x8`), or one or more pasted log lines.
pub fn explain(input: &str, opts: &Options) -> Result<Explanation, ExplainError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(ExplainError(usage()));
    }
    // Several codes in a row (`-0x2700 -0x7780`): each on its own.
    let tokens: Vec<&str> = t.split_whitespace().collect();
    let each_code = tokens.len() > 1
        && !opts.flags
        && !t.contains('\n')
        && tokens.iter().all(|x| {
            parse_number(x).is_some()
                || parse_paren_hex(x).is_some()
                || by_name(x, opts).ok().flatten().is_some()
        });
    let findings = if each_code {
        let mut v = Vec::new();
        for x in &tokens {
            v.extend(explain(x, opts)?.findings);
        }
        v
    } else if let Some(rest) = t
        .strip_prefix("flags=")
        .or_else(|| t.strip_prefix("flags "))
        .or_else(|| t.strip_prefix("flags:"))
    {
        vec![flags_of(rest.trim())?]
    } else if opts.flags {
        vec![flags_of(t)?]
    } else if let Some(v) = parse_number(t).or_else(|| parse_paren_hex(t)) {
        match (t.starts_with('-'), readings(t, v, opts)) {
            (true, Some(r)) => r,
            _ => {
                let mut f = number(t, v, opts)?;
                // A small positive number is also a BearSSL code (62: not trusted).
                if opts.lib.is_none()
                    && f.kind == "mbedtls-code"
                    && t.chars().all(|c| c.is_ascii_digit())
                {
                    if let Ok(b) = named_table_finding(Lib::Bearssl, t, v) {
                        f.readings.push(format!(
                            "BearSSL: {} ({})",
                            b.name.clone().unwrap_or_default(),
                            b.meaning
                        ));
                        f.notes.push("a bare number means different things per library: --lib or --profile picks one".into());
                    }
                }
                vec![f]
            }
        }
    } else if let Some(f) = by_name(t, opts)? {
        vec![f]
    } else if looks_like_log(t) {
        let mut v = Vec::new();
        for line in t.lines().filter(|l| !l.trim().is_empty()) {
            v.push(decode_line(line, opts)?);
        }
        v
    } else {
        return Err(ExplainError(format!(
            "cannot decode {:?}: no stack's log line or code anchorkit knows. It needs the error \
             number the device printed (a line with 'returned -0x2700', '(-9984)', 'error -188', \
             'Error = ...' or 'ERR CODE:'), the whole log (--log FILE), or the library of a bare \
             number (--lib, --profile). {}",
            crate::cert::clip(t, 120),
            usage()
        )));
    };
    let summary = if findings.len() > 1 {
        findings.iter().find(|f| !f.parts.is_empty()).map(|f| {
            format!(
                "root error: {} ({}) — {}",
                f.code.clone().unwrap_or_default(),
                f.name.clone().unwrap_or_default(),
                f.meaning
            )
        })
    } else {
        None
    };
    Ok(Explanation {
        schema: SCHEMA,
        findings,
        summary,
    })
}

fn usage() -> String {
    "Expected an error code (-0x2700, 0x2700, -9984, (FFFFD900)), a name \
     (MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, NOT_TRUSTED, BR_ERR_X509_NOT_TRUSTED, ASN_NO_SIGNER_E), \
     verify flags (flags=0x8, or --flags 0x8) or pasted ESP-IDF log lines"
        .to_string()
}

fn flags_of(s: &str) -> Result<Finding, ExplainError> {
    if let Some(v) = parse_number(s) {
        let v = u32::try_from(v & 0xFFFF_FFFF)
            .map_err(|_| ExplainError(format!("{s}: not a 32-bit flag value")))?;
        return Ok(flags_finding(s, v));
    }
    let mut v = 0;
    for n in s.split([',', '|', ' ']).filter(|x| !x.is_empty()) {
        v |= flag_value(n)
            .ok_or_else(|| ExplainError(format!("{n}: not an mbedTLS verify flag name")))?;
    }
    Ok(flags_finding(s, v))
}

fn number(t: &str, v: i64, opts: &Options) -> Result<Finding, ExplainError> {
    // A bare unsigned decimal such as `2700` is most often a hex code typed without `0x`:
    // when the hex reading names an Mbed TLS error and the decimal one does not, take the hex
    // reading; either way say which reading was used.
    let bare = t.trim();
    if opts.lib.is_none() && !bare.is_empty() && bare.chars().all(|c| c.is_ascii_digit()) {
        let known = |f: &Finding| f.name.as_deref().is_some_and(|n| n != "unknown");
        let dec = number_as_is(t, v, opts)?;
        let hex = i64::from_str_radix(bare, 16)
            .ok()
            .and_then(|h| number_as_is(&format!("-0x{bare}"), -h, opts).ok());
        if let Some(hex) = hex {
            if known(&hex) && !known(&dec) {
                let mut f = hex;
                f.input = t.to_string();
                f.notes.push(format!(
                    "'{bare}' read as hex -0x{bare} (as decimal it names no error); write -0x{bare} to be explicit"
                ));
                return Ok(f);
            }
        }
        let mut f = dec;
        f.notes.push(format!(
            "'{bare}' read as the decimal number {v} ({}); write -0x{bare} for the hex code",
            if v >= 0 {
                format!("{v:#x}")
            } else {
                format!("-{:#x}", -v)
            }
        ));
        return Ok(f);
    }
    number_as_is(t, v, opts)
}

/// Every library's reading of a bare decimal number: the Mbed TLS one first when it names a
/// code, then wolfSSL's and BearSSL's. `None` when the number is written in hex or a library
/// was named.
fn readings(t: &str, v: i64, opts: &Options) -> Option<Vec<Finding>> {
    let bare = t.trim().trim_start_matches('-');
    if opts.lib.is_some() || bare.is_empty() || !bare.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let known = |f: &Result<Finding, ExplainError>| {
        f.as_ref()
            .ok()
            .is_some_and(|f| f.name.as_deref().is_some_and(|n| n != "unknown"))
    };
    let mut out: Vec<Finding> = Vec::new();
    let m = mbedtls_finding(t, v, opts);
    let w = named_table_finding(Lib::Wolfssl, t, v);
    let b = if v > 0 {
        named_table_finding(Lib::Bearssl, t, v)
    } else {
        Err(ExplainError(String::new()))
    };
    // A three-digit negative decimal is wolfSSL's space: Mbed TLS has no code between -0x7B
    // and -0x107F, and its handshake results are printed in hex.
    let wolf_first = v <= -123 && v > -1000;
    let order: Vec<(&str, Result<Finding, ExplainError>)> = if wolf_first {
        vec![("wolfSSL", w), ("Mbed TLS", m), ("BearSSL", b)]
    } else {
        vec![("Mbed TLS", m), ("wolfSSL", w), ("BearSSL", b)]
    };
    let mut labels = Vec::new();
    for (lib, f) in order {
        if known(&f) {
            if let Ok(f) = f {
                labels.push(format!(
                    "{lib}: {} ({})",
                    f.name.clone().unwrap_or_default(),
                    f.meaning
                ));
                out.push(f);
            }
        }
    }
    match out.len() {
        0 => None,
        1 => Some(out),
        _ => {
            let mut first = out.remove(0);
            first.readings = labels[1..].to_vec();
            first.notes.push(format!(
                "{t} means something in {} libraries; the first reading is shown, --lib or --profile picks one",
                labels.len()
            ));
            Some(vec![first])
        }
    }
}

fn number_as_is(t: &str, v: i64, opts: &Options) -> Result<Finding, ExplainError> {
    match opts.lib {
        Some(Lib::Bearssl) => named_table_finding(Lib::Bearssl, t, v),
        Some(Lib::Wolfssl) => named_table_finding(Lib::Wolfssl, t, v),
        _ => {
            if let Some((name, val, m)) = ESP_ERRORS
                .iter()
                .find(|(_, x, _)| *x == v && v > 0x7000 && !t.starts_with('-'))
            {
                let mut f = Finding::new("esp-error", t);
                f.name = Some(name.to_string());
                f.value = Some(*val);
                f.code = Some(format!("{val:#x}"));
                f.meaning = m.to_string();
                return Ok(f);
            }
            mbedtls_finding(t, v, opts)
        }
    }
}

fn by_name(t: &str, opts: &Options) -> Result<Option<Finding>, ExplainError> {
    let up = t.trim().to_uppercase();
    if up.starts_with("BR_ERR_") {
        if let Some(r) = tables::BEARSSL.iter().find(|r| r.1 == up) {
            return named_table_finding(Lib::Bearssl, t, i64::from(r.0)).map(Some);
        }
    }
    if let Some(r) = tables::WOLFSSL.iter().find(|r| r.1 == up) {
        return named_table_finding(Lib::Wolfssl, t, i64::from(r.0)).map(Some);
    }
    let full = if up.starts_with("MBEDTLS_ERR_") {
        up.clone()
    } else {
        format!("MBEDTLS_ERR_{up}")
    };
    if let Some(r) = tables::MBEDTLS
        .iter()
        .filter(|r| r.1 == full)
        .max_by_key(|r| r.3)
    {
        return mbedtls_finding(t, i64::from(r.0), opts).map(Some);
    }
    if let Some(v) = flag_value(&up) {
        return Ok(Some(flags_finding(t, v)));
    }
    if let Some((name, v, m)) = ESP_ERRORS.iter().find(|(n, ..)| *n == up) {
        let mut f = Finding::new("esp-error", t);
        f.name = Some(name.to_string());
        f.value = Some(*v);
        f.code = Some(format!("{v:#x}"));
        f.meaning = m.to_string();
        return Ok(Some(f));
    }
    Ok(None)
}
