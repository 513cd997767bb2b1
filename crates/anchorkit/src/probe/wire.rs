//! TLS on the wire, as far as a probe needs it: a ClientHello built from parts, and the
//! server's first flight read back record by record (ServerHello, Certificate, alerts), with
//! every length checked against what was received.

/// TLS versions on the wire.
pub const TLS12: u16 = 0x0303;
/// TLS 1.3 (in supported_versions).
pub const TLS13: u16 = 0x0304;

/// Suites a probe offers for a TLS 1.2 capture: the ECDHE, DHE and RSA suites of every
/// AEAD and CBC family a device may use.
pub const TLS12_SUITES: &[u16] = &[
    0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA9, 0xCCA8, 0xC0AC, 0xC0AD, 0xC0AE, 0xC0AF, 0xC023, 0xC024,
    0xC027, 0xC028, 0xC009, 0xC00A, 0xC013, 0xC014, 0x009E, 0x009F, 0xC09E, 0xC09F, 0xC0A2, 0xC0A3,
    0x009C, 0x009D, 0xC09C, 0xC09D, 0xC0A0, 0xC0A1, 0x003C, 0x003D, 0x002F, 0x0035, 0x0067, 0x006B,
    0x0033, 0x0039,
];

/// The parts of a ClientHello.
#[derive(Debug, Clone)]
pub struct Hello {
    /// legacy_version (0x0303 for TLS 1.2 and 1.3).
    pub version: u16,
    /// Cipher suites, in preference order.
    pub suites: Vec<u16>,
    /// supported_groups.
    pub groups: Vec<u16>,
    /// signature_algorithms.
    pub sig_algs: Vec<u16>,
    /// server_name.
    pub sni: Option<String>,
    /// supported_versions (TLS 1.3 hellos).
    pub versions: Vec<u16>,
    /// Further extensions (type, body), appended last.
    pub extra: Vec<(u16, Vec<u8>)>,
}

impl Hello {
    /// A TLS 1.2-only hello that asks for a full handshake with the plaintext Certificate.
    pub fn tls12(sni: Option<&str>) -> Hello {
        Hello {
            version: TLS12,
            suites: TLS12_SUITES.to_vec(),
            groups: vec![0x001D, 0x0017, 0x0018, 0x0019, 0x001A, 0x001B, 0x001C],
            sig_algs: vec![
                0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203,
                0x0201, 0x0807,
            ],
            sni: sni.map(str::to_string),
            versions: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// The record carrying this ClientHello.
    pub fn encode(&self, random: [u8; 32]) -> Vec<u8> {
        self.encode_with(random, &[])
    }

    /// The record carrying this ClientHello with extra extensions appended.
    pub fn encode_with(&self, random: [u8; 32], extra: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&self.version.to_be_bytes());
        body.extend_from_slice(&random);
        body.push(0); // session id
        let suites: Vec<u8> = self.suites.iter().flat_map(|s| s.to_be_bytes()).collect();
        push16(&mut body, &suites);
        body.extend_from_slice(&[1, 0]); // null compression
        let mut ext = Vec::new();
        if let Some(n) = &self.sni {
            let mut list = vec![0u8];
            push16(&mut list, n.as_bytes());
            let mut v = Vec::new();
            push16(&mut v, &list);
            extension(&mut ext, 0x0000, &v);
        }
        if !self.groups.is_empty() {
            let g: Vec<u8> = self.groups.iter().flat_map(|s| s.to_be_bytes()).collect();
            let mut v = Vec::new();
            push16(&mut v, &g);
            extension(&mut ext, 0x000A, &v);
            extension(&mut ext, 0x000B, &[1, 0]); // ec_point_formats: uncompressed
        }
        if !self.sig_algs.is_empty() {
            let g: Vec<u8> = self.sig_algs.iter().flat_map(|s| s.to_be_bytes()).collect();
            let mut v = Vec::new();
            push16(&mut v, &g);
            extension(&mut ext, 0x000D, &v);
        }
        extension(&mut ext, 0xFF01, &[0]); // renegotiation_info
        if !self.versions.is_empty() {
            let g: Vec<u8> = self.versions.iter().flat_map(|s| s.to_be_bytes()).collect();
            let mut v = vec![g.len() as u8];
            v.extend(g);
            extension(&mut ext, 0x002B, &v);
        }
        for (ty, v) in self.extra.iter().chain(extra) {
            extension(&mut ext, *ty, v);
        }
        push16(&mut body, &ext);
        let mut hs = vec![1u8];
        push24(&mut hs, &body);
        let mut rec = vec![22, 0x03, 0x01];
        push16(&mut rec, &hs);
        rec
    }
}

fn push16(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u16).to_be_bytes());
    out.extend_from_slice(b);
}

fn push24(out: &mut Vec<u8>, b: &[u8]) {
    let n = b.len() as u32;
    out.extend_from_slice(&n.to_be_bytes()[1..]);
    out.extend_from_slice(b);
}

fn extension(out: &mut Vec<u8>, ty: u16, body: &[u8]) {
    out.extend_from_slice(&ty.to_be_bytes());
    push16(out, body);
}

/// One record header and its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Content type (21 alert, 22 handshake, 23 application data).
    pub kind: u8,
    /// Record version.
    pub version: u16,
    /// Payload.
    pub payload: Vec<u8>,
}

/// Why the bytes from the server are not TLS as expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Not a TLS record at this offset.
    #[error("byte {offset}: not a TLS record (content type {kind}, version {version:#06x})")]
    NotTls {
        /// Offset in the stream.
        offset: usize,
        /// The byte read as content type.
        kind: u8,
        /// The bytes read as version.
        version: u16,
    },
    /// A record longer than TLS allows.
    #[error("byte {offset}: a record of {len} bytes (TLS allows at most 18432)")]
    Oversized {
        /// Offset.
        offset: usize,
        /// Its length.
        len: usize,
    },
    /// A handshake message that does not fit its records or is malformed.
    #[error("{0}")]
    Malformed(String),
}

/// Splits `buf` into complete records; returns them and how many bytes they used.
pub fn records(buf: &[u8]) -> Result<(Vec<Record>, usize), WireError> {
    let mut out = Vec::new();
    let mut at = 0;
    while buf.len() >= at + 5 {
        let kind = buf[at];
        let version = u16::from_be_bytes([buf[at + 1], buf[at + 2]]);
        let len = usize::from(u16::from_be_bytes([buf[at + 3], buf[at + 4]]));
        if !(20..=24).contains(&kind) || (version >> 8) != 3 {
            return Err(WireError::NotTls {
                offset: at,
                kind,
                version,
            });
        }
        if len > 18_432 {
            return Err(WireError::Oversized { offset: at, len });
        }
        if buf.len() < at + 5 + len {
            break;
        }
        out.push(Record {
            kind,
            version,
            payload: buf[at + 5..at + 5 + len].to_vec(),
        });
        at += 5 + len;
    }
    Ok((out, at))
}

/// Handshake messages from the concatenated handshake payloads: (type, body). Incomplete
/// trailing bytes are left out.
pub fn messages(hs: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while hs.len() >= at + 4 {
        let ty = hs[at];
        let len = (usize::from(hs[at + 1]) << 16)
            | (usize::from(hs[at + 2]) << 8)
            | usize::from(hs[at + 3]);
        if hs.len() < at + 4 + len {
            break;
        }
        out.push((ty, &hs[at + 4..at + 4 + len]));
        at += 4 + len;
    }
    out
}

/// What the ServerHello says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// The negotiated version (supported_versions when present).
    pub version: u16,
    /// The suite.
    pub suite: u16,
    /// A HelloRetryRequest (TLS 1.3).
    pub retry: bool,
    /// key_share group (TLS 1.3) when present.
    pub group: Option<u16>,
    /// The extension types the ServerHello carries, in order.
    pub extensions: Vec<u16>,
}

/// What a TLS 1.2 ServerKeyExchange says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyExchange {
    /// ECDHE: the named group (None for finite-field DHE).
    pub group: Option<u16>,
    /// The signature algorithm (SignatureAndHashAlgorithm).
    pub sig_alg: u16,
}

/// Reads the group and signature algorithm of a TLS 1.2 ServerKeyExchange for `suite`
/// (ECDHE: named curve and point; DHE: p, g and Ys; then the signature algorithm). None when
/// the suite has no signed key exchange or the message does not parse.
pub fn server_key_exchange(b: &[u8], suite: u16) -> Option<KeyExchange> {
    let ecdhe = ECDHE_SUITES.contains(&suite);
    if !ecdhe && !DHE_SUITES.contains(&suite) {
        return None;
    }
    let (group, at) = if ecdhe {
        if *b.first()? != 3 {
            return None;
        }
        let g = u16::from_be_bytes([*b.get(1)?, *b.get(2)?]);
        let plen = usize::from(*b.get(3)?);
        (Some(g), 4 + plen)
    } else {
        let mut at = 0;
        for _ in 0..3 {
            let l = usize::from(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]));
            at += 2 + l;
        }
        (None, at)
    };
    let sig_alg = u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]);
    Some(KeyExchange { group, sig_alg })
}

/// TLS 1.2 suites with an ephemeral ECDH key exchange.
pub const ECDHE_SUITES: &[u16] = &[
    0xC009, 0xC00A, 0xC013, 0xC014, 0xC023, 0xC024, 0xC027, 0xC028, 0xC02B, 0xC02C, 0xC02F, 0xC030,
    0xCCA8, 0xCCA9, 0xC0AC, 0xC0AD, 0xC0AE, 0xC0AF,
];

/// TLS 1.2 suites with an ephemeral finite-field DH key exchange.
pub const DHE_SUITES: &[u16] = &[
    0x0033, 0x0039, 0x0067, 0x006B, 0x009E, 0x009F, 0xC09E, 0xC09F, 0xC0A2, 0xC0A3, 0xCCAA,
];

const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// Parses a ServerHello body.
pub fn server_hello(b: &[u8]) -> Result<ServerHello, WireError> {
    let bad = |w: &str| WireError::Malformed(format!("ServerHello: {w}"));
    if b.len() < 38 {
        return Err(bad("too short"));
    }
    let legacy = u16::from_be_bytes([b[0], b[1]]);
    let retry = b[2..34] == HRR_RANDOM;
    let sid = usize::from(b[34]);
    let at = 35 + sid;
    if b.len() < at + 3 {
        return Err(bad("truncated after the session id"));
    }
    let suite = u16::from_be_bytes([b[at], b[at + 1]]);
    let mut version = legacy;
    let mut group = None;
    let mut extensions = Vec::new();
    let mut p = at + 3;
    if b.len() >= p + 2 {
        let ext_len = usize::from(u16::from_be_bytes([b[p], b[p + 1]]));
        p += 2;
        let end = (p + ext_len).min(b.len());
        while p + 4 <= end {
            let ty = u16::from_be_bytes([b[p], b[p + 1]]);
            let len = usize::from(u16::from_be_bytes([b[p + 2], b[p + 3]]));
            let body = b
                .get(p + 4..p + 4 + len)
                .ok_or_else(|| bad("extension overruns"))?;
            extensions.push(ty);
            match ty {
                0x002B if body.len() == 2 => version = u16::from_be_bytes([body[0], body[1]]),
                0x0033 if body.len() >= 2 => group = Some(u16::from_be_bytes([body[0], body[1]])),
                _ => {}
            }
            p += 4 + len;
        }
    }
    Ok(ServerHello {
        version,
        suite,
        retry,
        group,
        extensions,
    })
}

/// The certificates of a TLS 1.2 Certificate message body, as sent.
pub fn certificates(b: &[u8]) -> Result<Vec<Vec<u8>>, WireError> {
    let bad = |w: String| WireError::Malformed(format!("Certificate message: {w}"));
    if b.len() < 3 {
        return Err(bad("too short".into()));
    }
    let total = (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]);
    if total + 3 != b.len() {
        return Err(bad(format!(
            "list length {total} does not match the message ({} bytes)",
            b.len()
        )));
    }
    let mut out = Vec::new();
    let mut at = 3;
    while at < b.len() {
        if b.len() < at + 3 {
            return Err(bad(format!("entry at byte {at} truncated")));
        }
        let len =
            (usize::from(b[at]) << 16) | (usize::from(b[at + 1]) << 8) | usize::from(b[at + 2]);
        let cert = b
            .get(at + 3..at + 3 + len)
            .ok_or_else(|| bad(format!("entry at byte {at} overruns the message")))?;
        out.push(cert.to_vec());
        at += 3 + len;
    }
    Ok(out)
}

/// A named group's IANA name.
pub fn group_name(g: u16) -> String {
    let n = match g {
        0x0016 => "secp256k1",
        0x0017 => "secp256r1",
        0x0018 => "secp384r1",
        0x0019 => "secp521r1",
        0x001A => "brainpoolP256r1",
        0x001B => "brainpoolP384r1",
        0x001C => "brainpoolP512r1",
        0x001D => "x25519",
        0x001E => "x448",
        0x001F => "brainpoolP256r1tls13",
        0x0020 => "brainpoolP384r1tls13",
        0x0021 => "brainpoolP512r1tls13",
        0x0100 => "ffdhe2048",
        0x0101 => "ffdhe3072",
        0x0102 => "ffdhe4096",
        0x0103 => "ffdhe6144",
        0x0104 => "ffdhe8192",
        0x11EC => "X25519MLKEM768",
        _ => return format!("0x{g:04X}"),
    };
    n.to_string()
}

/// A signature algorithm's IANA name (TLS 1.3 SignatureScheme names; TLS 1.2 pairs map onto
/// the same numbers).
pub fn sig_alg_name(s: u16) -> String {
    let n = match s {
        0x0201 => "rsa_pkcs1_sha1",
        0x0203 => "ecdsa_sha1",
        0x0301 => "rsa_pkcs1_sha224",
        0x0303 => "ecdsa_sha224",
        0x0401 => "rsa_pkcs1_sha256",
        0x0501 => "rsa_pkcs1_sha384",
        0x0601 => "rsa_pkcs1_sha512",
        0x0403 => "ecdsa_secp256r1_sha256",
        0x0503 => "ecdsa_secp384r1_sha384",
        0x0603 => "ecdsa_secp521r1_sha512",
        0x0804 => "rsa_pss_rsae_sha256",
        0x0805 => "rsa_pss_rsae_sha384",
        0x0806 => "rsa_pss_rsae_sha512",
        0x0807 => "ed25519",
        0x0808 => "ed448",
        0x0809 => "rsa_pss_pss_sha256",
        0x080A => "rsa_pss_pss_sha384",
        0x080B => "rsa_pss_pss_sha512",
        _ => return format!("0x{s:04X}"),
    };
    n.to_string()
}

/// An alert's description code and name.
pub fn alert_name(code: u8) -> &'static str {
    match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        47 => "illegal_parameter",
        50 => "decode_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        120 => "no_application_protocol",
        _ => "alert",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_round_trips_through_the_record_reader() {
        let rec = Hello::tls12(Some("device.example.test")).encode([7; 32]);
        let (recs, used) = records(&rec).unwrap_or_default();
        assert_eq!(used, rec.len());
        assert_eq!(recs.len(), 1);
        let msgs = messages(&recs[0].payload);
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0].0, 1);
    }

    #[test]
    fn garbage_and_oversized_records_are_errors() {
        assert!(matches!(
            records(b"HTTP/1.1 400"),
            Err(WireError::NotTls { .. })
        ));
        assert!(matches!(
            records(&[22, 3, 3, 0xFF, 0xFF]),
            Err(WireError::Oversized { .. })
        ));
    }

    #[test]
    fn certificate_lists_are_checked() {
        let body = [0, 0, 5, 0, 0, 2, 0xAA, 0xBB];
        assert_eq!(certificates(&body), Ok(vec![vec![0xAA, 0xBB]]));
        assert!(certificates(&[0, 0, 9, 0, 0, 2, 0xAA, 0xBB]).is_err());
    }
}
