//! `probe`: what a live server sends. The chain is captured exactly as sent (order,
//! duplicates, each certificate's size, the Certificate message's size, the record sizes):
//! from the plaintext TLS 1.2 Certificate message without completing the handshake, or, for a
//! server that speaks only TLS 1.3, through rustls with a verifier that records and accepts
//! (used for capture only). Every step has a timeout, the whole probe a deadline, and the
//! bytes read a bound, so no peer can stall it.

pub mod aia;
pub mod batch;
pub mod device;
pub mod enumerate;
pub mod findings;
pub mod wire;

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use wire::{Hello, WireError};

/// Where to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or address as given.
    pub host: String,
    /// Port.
    pub port: u16,
    /// SNI to send (default: the host when it is a name).
    pub sni: Option<String>,
    /// Connect to this address instead of resolving the host.
    pub ip: Option<IpAddr>,
}

impl Target {
    /// Parses `host`, `host:port`, `[v6]:port` or a bare address (port 443 by default).
    pub fn parse(s: &str) -> Result<Target, ProbeError> {
        let s = s.trim();
        let shown = crate::cert::printable(&crate::cert::clip(s, 120));
        let bad = || {
            ProbeError::Target(format!(
                "'{shown}': expected HOST, HOST:PORT or [IPv6]:PORT (port 1 to 65535)"
            ))
        };
        if s.is_empty() {
            return Err(bad());
        }
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (h, after) = rest.split_once(']').ok_or_else(bad)?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| bad())?,
                None if after.is_empty() => 443,
                None => return Err(bad()),
            };
            (h.to_string(), port)
        } else if s.parse::<IpAddr>().is_ok() {
            (s.to_string(), 443)
        } else {
            match s.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse().map_err(|_| bad())?),
                None => (s.to_string(), 443),
            }
        };
        if host.is_empty() || !host.bytes().all(|b| b.is_ascii_graphic()) || port == 0 {
            return Err(bad());
        }
        let sni = host.parse::<IpAddr>().is_err().then(|| host.clone());
        Ok(Target {
            host,
            port,
            sni,
            ip: None,
        })
    }

    /// Checks an SNI name before anything is sent: a DNS name rustls can send (letters,
    /// digits, hyphens and dots, at most 253 bytes).
    pub fn check_sni(name: &str) -> Result<(), ProbeError> {
        let shown = crate::cert::printable(&crate::cert::clip(name, 80));
        if name.len() > 253 || rustls_pki_types::ServerName::try_from(name.to_string()).is_err() {
            return Err(ProbeError::Target(format!(
                "--sni '{shown}': not a DNS name a TLS client can send (letters, digits, '-' and '.', at most 253 bytes)"
            )));
        }
        Ok(())
    }

    /// `host:port` for messages.
    pub fn display(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Each connect, read and write.
    pub io_timeout: Duration,
    /// The whole probe of one endpoint.
    pub deadline: Duration,
    /// Bytes read from the server at most.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            io_timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(15),
            max_bytes: 256 * 1024,
        }
    }
}

/// Why a probe did not capture a chain.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProbeError {
    /// The target text is not usable.
    #[error("{0}")]
    Target(String),
    /// The name does not resolve.
    #[error("{host}: cannot resolve: {detail}")]
    Resolve {
        /// The host.
        host: String,
        /// Why.
        detail: String,
    },
    /// The TCP connection failed.
    #[error("{addr}: cannot connect: {detail}")]
    Connect {
        /// The address.
        addr: String,
        /// Why.
        detail: String,
    },
    /// A step took too long.
    #[error("{addr}: no answer within {secs:.1} s ({what})")]
    Timeout {
        /// The address.
        addr: String,
        /// What was awaited.
        what: String,
        /// The limit.
        secs: f64,
    },
    /// The server answered, then stopped answering before its certificates.
    #[error(
        "{addr}: the server stopped answering after {bytes} bytes (no more within {secs:.1} s, waiting for {what})"
    )]
    Stalled {
        /// The address.
        addr: String,
        /// Bytes received.
        bytes: usize,
        /// What was awaited.
        what: String,
        /// The limit.
        secs: f64,
    },
    /// The server closed the connection.
    #[error(
        "{addr}: the server closed the connection after {bytes} bytes, before its certificates"
    )]
    Closed {
        /// The address.
        addr: String,
        /// Bytes received.
        bytes: usize,
    },
    /// The server answered with an alert.
    #[error("{addr}: the server answered with the alert {name} ({code})")]
    Alert {
        /// The address.
        addr: String,
        /// Alert description.
        code: u8,
        /// Its name.
        name: &'static str,
    },
    /// The server sent something that is not the TLS expected.
    #[error("{addr}: {detail}")]
    Protocol {
        /// The address.
        addr: String,
        /// What.
        detail: String,
    },
    /// More than the byte bound.
    #[error("{addr}: more than {limit} bytes before the certificates")]
    TooLarge {
        /// The address.
        addr: String,
        /// The bound.
        limit: usize,
    },
}

impl ProbeError {
    /// The server could not be reached at all (exit code 3), as opposed to a server that
    /// answered badly.
    pub fn unreachable(&self) -> bool {
        matches!(
            self,
            ProbeError::Resolve { .. } | ProbeError::Connect { .. } | ProbeError::Timeout { .. }
        )
    }
}

/// What the server sent.
#[derive(Debug, Clone, Serialize)]
pub struct Capture {
    /// The address connected to.
    pub address: String,
    /// The SNI sent.
    pub sni: Option<String>,
    /// The version the server chose: `TLS 1.2`, `TLS 1.3`, or an older one (`TLS 1.0`,
    /// `TLS 1.1`, `SSL 3.0`) when the server answers the TLS 1.2 hello with it.
    pub version: &'static str,
    /// Its number (`0x0303` for TLS 1.2).
    pub version_code: u16,
    /// The suite chosen, as its IANA number.
    pub suite: u16,
    /// How the chain was read: `tls12-plaintext` or `tls13-rustls`.
    pub method: &'static str,
    /// The certificates, DER, in the order sent.
    #[serde(skip)]
    pub certificates: Vec<Vec<u8>>,
    /// The Certificate message's size (body, without its 4-byte header), as sent (TLS 1.2)
    /// or as TLS 1.3 frames it.
    pub message_bytes: usize,
    /// Payload sizes of the server's records up to its certificates.
    pub records: Vec<usize>,
    /// The largest of them.
    pub largest_record: usize,
    /// How many records carry part of the Certificate message (1 when it is not split).
    pub certificate_records: usize,
}

/// Where a connection's bytes come from: a socket, or (for the fuzz targets) a server's
/// bytes replayed in pieces, whatever the client writes.
enum Stream {
    Tcp(TcpStream),
    Replay {
        data: Vec<u8>,
        at: usize,
        piece: usize,
    },
}

impl Stream {
    fn set_timeouts(&self, t: Duration) {
        if let Stream::Tcp(s) = self {
            let _ = s.set_read_timeout(Some(t));
            let _ = s.set_write_timeout(Some(t));
        }
    }

    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        match self {
            Stream::Tcp(s) => s.write_all(b),
            Stream::Replay { .. } => Ok(()),
        }
    }

    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(out),
            Stream::Replay { data, at, piece } => {
                let n = (*piece).min(out.len()).min(data.len() - *at);
                out[..n].copy_from_slice(&data[*at..*at + n]);
                *at += n;
                Ok(n)
            }
        }
    }
}

struct Conn {
    stream: Stream,
    addr: String,
    start: Instant,
    limits: Limits,
    read: usize,
}

impl Conn {
    fn open(t: &Target, limits: Limits) -> Result<Conn, ProbeError> {
        let addr: SocketAddr = match t.ip {
            Some(ip) => SocketAddr::new(ip, t.port),
            None => (t.host.as_str(), t.port)
                .to_socket_addrs()
                .map_err(|e| ProbeError::Resolve {
                    host: t.host.clone(),
                    detail: e.to_string(),
                })?
                .next()
                .ok_or_else(|| ProbeError::Resolve {
                    host: t.host.clone(),
                    detail: "no address".into(),
                })?,
        };
        let shown = addr.to_string();
        let stream = TcpStream::connect_timeout(&addr, limits.io_timeout).map_err(|e| {
            if e.kind() == std::io::ErrorKind::TimedOut {
                ProbeError::Timeout {
                    addr: shown.clone(),
                    what: "TCP connect".into(),
                    secs: limits.io_timeout.as_secs_f64(),
                }
            } else {
                ProbeError::Connect {
                    addr: shown.clone(),
                    detail: e.to_string(),
                }
            }
        })?;
        let _ = stream.set_nodelay(true);
        Ok(Conn {
            stream: Stream::Tcp(stream),
            addr: shown,
            start: Instant::now(),
            limits,
            read: 0,
        })
    }

    /// A connection that reads `data` (in pieces of varying size) and discards what is
    /// written.
    fn replay(data: &[u8], limits: Limits) -> Conn {
        Conn {
            stream: Stream::Replay {
                data: data.to_vec(),
                at: 0,
                piece: 1 + data.first().map_or(0, |b| usize::from(*b) * 61),
            },
            addr: "replay".into(),
            start: Instant::now(),
            limits,
            read: 0,
        }
    }

    fn remaining(&self, what: &str) -> Result<Duration, ProbeError> {
        let left = self.limits.deadline.saturating_sub(self.start.elapsed());
        if left.is_zero() {
            return Err(if self.read > 0 {
                ProbeError::Stalled {
                    addr: self.addr.clone(),
                    bytes: self.read,
                    what: what.into(),
                    secs: self.limits.deadline.as_secs_f64(),
                }
            } else {
                ProbeError::Timeout {
                    addr: self.addr.clone(),
                    what: what.into(),
                    secs: self.limits.deadline.as_secs_f64(),
                }
            });
        }
        Ok(left.min(self.limits.io_timeout))
    }

    fn send(&mut self, b: &[u8]) -> Result<(), ProbeError> {
        let t = self.remaining("sending the ClientHello")?;
        self.stream.set_timeouts(t);
        self.stream.write_all(b).map_err(|e| ProbeError::Connect {
            addr: self.addr.clone(),
            detail: format!("write: {e}"),
        })
    }

    /// Reads more bytes into `buf`; Ok(0) on close.
    fn more(&mut self, buf: &mut Vec<u8>, what: &str) -> Result<usize, ProbeError> {
        if self.read >= self.limits.max_bytes {
            return Err(ProbeError::TooLarge {
                addr: self.addr.clone(),
                limit: self.limits.max_bytes,
            });
        }
        let t = self.remaining(what)?;
        self.stream.set_timeouts(t);
        let mut chunk = [0u8; 16 * 1024];
        let want = chunk.len().min(self.limits.max_bytes - self.read);
        match self.stream.read(&mut chunk[..want]) {
            Ok(n) => {
                self.read += n;
                buf.extend_from_slice(&chunk[..n]);
                Ok(n)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                // Reached, but too slow: a server that answered is not "unreachable".
                Err(if self.read > 0 {
                    ProbeError::Stalled {
                        addr: self.addr.clone(),
                        bytes: self.read,
                        what: what.into(),
                        secs: t.as_secs_f64(),
                    }
                } else {
                    ProbeError::Timeout {
                        addr: self.addr.clone(),
                        what: what.into(),
                        secs: t.as_secs_f64(),
                    }
                })
            }
            // A signal interrupted the read: nothing was read; read again.
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => self.more(buf, what),
            Err(_) => Ok(0),
        }
    }
}

/// The name of a protocol version number.
pub fn version_name(v: u16) -> &'static str {
    match v {
        0x0300 => "SSL 3.0",
        0x0301 => "TLS 1.0",
        0x0302 => "TLS 1.1",
        0x0303 => "TLS 1.2",
        0x0304 => "TLS 1.3",
        _ => "an unknown version",
    }
}

/// An alert record the way Mbed TLS reads it: `Ok(None)` for a warning it reads past (every
/// warning but close_notify), the fatal alert's code otherwise.
pub(crate) fn alert(addr: &str, payload: &[u8]) -> Result<Option<u8>, ProbeError> {
    let [level, code] = payload else {
        return Err(ProbeError::Protocol {
            addr: addr.to_string(),
            detail: format!(
                "an alert record of {} byte(s), expected 2 (level, description)",
                payload.len()
            ),
        });
    };
    if *level == 1 && *code != 0 {
        return Ok(None);
    }
    Ok(Some(*code))
}

fn random() -> [u8; 32] {
    let mut r = [0u8; 32];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut r);
    r
}

/// Captures the chain a server sends.
pub fn capture(t: &Target, limits: Limits) -> Result<Capture, ProbeError> {
    match capture_tls12(t, limits) {
        Err(ProbeError::Alert {
            code: 40 | 70 | 71, ..
        }) => capture_tls13(t, limits),
        other => other,
    }
}

fn capture_tls12(t: &Target, limits: Limits) -> Result<Capture, ProbeError> {
    capture_tls12_on(Conn::open(t, limits)?, t)
}

fn capture_tls12_on(mut c: Conn, t: &Target) -> Result<Capture, ProbeError> {
    c.send(&Hello::tls12(t.sni.as_deref()).encode(random()))?;
    let mut buf = Vec::new();
    let mut used = 0;
    let mut hs = Vec::new();
    let mut records = Vec::new();
    let mut hello: Option<wire::ServerHello> = None;
    // Handshake bytes already taken as whole messages: each message is read once.
    let mut hs_used = 0;
    let proto = |c: &Conn, e: WireError| ProbeError::Protocol {
        addr: c.addr.clone(),
        detail: e.to_string(),
    };
    loop {
        let n = c.more(&mut buf, "the server's certificates")?;
        let (recs, u) = wire::records(&buf[used..]).map_err(|e| proto(&c, e))?;
        used += u;
        for r in recs {
            match r.kind {
                21 => {
                    if let Some(code) = alert(&c.addr, &r.payload)? {
                        return Err(ProbeError::Alert {
                            addr: c.addr.clone(),
                            code,
                            name: wire::alert_name(code),
                        });
                    }
                }
                22 => {
                    records.push(r.payload.len());
                    hs.extend_from_slice(&r.payload);
                }
                _ => {
                    return Err(ProbeError::Protocol {
                        addr: c.addr.clone(),
                        detail: format!("record of type {} before the certificates", r.kind),
                    });
                }
            }
        }
        for (ty, body) in wire::messages(&hs[hs_used..]) {
            hs_used += 4 + body.len();
            match ty {
                2 if hello.is_some() => {
                    return Err(ProbeError::Protocol {
                        addr: c.addr.clone(),
                        detail: "a second ServerHello".into(),
                    });
                }
                2 => hello = Some(wire::server_hello(body).map_err(|e| proto(&c, e))?),
                11 => {
                    let h = hello.clone().ok_or_else(|| ProbeError::Protocol {
                        addr: c.addr.clone(),
                        detail: "Certificate before ServerHello".into(),
                    })?;
                    let certificates = wire::certificates(body).map_err(|e| proto(&c, e))?;
                    let largest = records.iter().copied().max().unwrap_or(0);
                    // The message's bytes within the handshake stream, and the records
                    // they fall in.
                    let start = body.as_ptr() as usize - hs.as_ptr() as usize - 4;
                    let end = start + 4 + body.len();
                    let mut at = 0;
                    let mut spans = 0;
                    for r in &records {
                        if at < end && at + r > start {
                            spans += 1;
                        }
                        at += r;
                    }
                    return Ok(Capture {
                        address: c.addr.clone(),
                        sni: t.sni.clone(),
                        version: version_name(h.version),
                        version_code: h.version,
                        suite: h.suite,
                        method: "tls12-plaintext",
                        certificates,
                        message_bytes: body.len(),
                        records,
                        largest_record: largest,
                        certificate_records: spans.max(1),
                    });
                }
                _ => {}
            }
        }
        if n == 0 {
            return Err(ProbeError::Closed {
                addr: c.addr.clone(),
                bytes: c.read,
            });
        }
    }
}

/// The capture run on a server's bytes instead of a socket, both ways (the TLS 1.2 reader,
/// and rustls's TLS 1.3 client through the tap that keeps unread bytes): for the fuzz
/// targets. Never panics, never reads more than `data`.
pub fn capture_replayed(data: &[u8]) -> [Result<Capture, ProbeError>; 2] {
    let t = Target {
        host: "replay.example".into(),
        port: 443,
        sni: Some("replay.example".into()),
        ip: None,
    };
    let limits = Limits::default();
    [
        capture_tls12_on(Conn::replay(data, limits), &t),
        capture_tls13_with(&t, limits, Some(data)),
    ]
}

/// The chain a live server sends, for commands that take a served chain (`--connect`):
/// parses `HOST[:PORT]`, captures with the default limits and returns the certificates as
/// sent and the name to check (the SNI name, else the host).
pub fn served_chain(spec: &str) -> Result<(Vec<Vec<u8>>, String), ProbeError> {
    let t = Target::parse(spec)?;
    let cap = capture(&t, Limits::default())?;
    let name = t.sni.clone().unwrap_or_else(|| t.host.clone());
    Ok((cap.certificates, name))
}

/// Records the chain and accepts it: used only to capture what a TLS 1.3 server sends.
#[derive(Debug)]
struct Recorder {
    chain: Mutex<Vec<Vec<u8>>>,
    schemes: Vec<rustls::SignatureScheme>,
}

impl rustls::client::danger::ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &rustls_pki_types::CertificateDer<'_>,
        intermediates: &[rustls_pki_types::CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if let Ok(mut c) = self.chain.lock() {
            c.push(end_entity.to_vec());
            c.extend(intermediates.iter().map(|d| d.to_vec()));
        }
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &rustls_pki_types::CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &rustls_pki_types::CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.schemes.clone()
    }
}

/// A TcpStream that remembers what it read (the record headers stay readable in TLS 1.3).
/// Bytes read from the socket beyond what rustls asked for stay in `pending` for its next
/// read: nothing of the server's flight is dropped.
struct Tap<'a> {
    conn: &'a mut Conn,
    pending: &'a mut Vec<u8>,
    seen: Vec<u8>,
    /// Why the last read failed, as the probe reports it.
    error: Option<ProbeError>,
}

impl Read for Tap<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            if let Err(e) = self.conn.more(self.pending, "the server's TLS 1.3 flight") {
                let text = e.to_string();
                self.error = Some(e);
                return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, text));
            }
        }
        let n = self.pending.len().min(out.len());
        out[..n].copy_from_slice(&self.pending[..n]);
        self.seen.extend_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

fn capture_tls13(t: &Target, limits: Limits) -> Result<Capture, ProbeError> {
    capture_tls13_with(t, limits, None)
}

/// The TLS 1.3 capture over a socket, or over `replay` (a server's bytes, for the fuzz
/// targets).
fn capture_tls13_with(
    t: &Target,
    limits: Limits,
    replay: Option<&[u8]>,
) -> Result<Capture, ProbeError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let recorder = Arc::new(Recorder {
        chain: Mutex::new(Vec::new()),
        schemes: provider
            .signature_verification_algorithms
            .supported_schemes(),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| ProbeError::Protocol {
            addr: t.display(),
            detail: e.to_string(),
        })?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let name = match &t.sni {
        Some(n) => rustls_pki_types::ServerName::try_from(n.clone())
            .map_err(|e| ProbeError::Target(format!("'{n}' is not a usable SNI name: {e}")))?,
        None => rustls_pki_types::ServerName::IpAddress(
            t.host
                .parse::<IpAddr>()
                .map(Into::into)
                .unwrap_or(rustls_pki_types::IpAddr::from(
                    std::net::Ipv4Addr::LOCALHOST,
                )),
        ),
    };
    let mut conn = match replay {
        Some(b) => Conn::replay(b, limits),
        None => Conn::open(t, limits)?,
    };
    let mut tls = rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| {
        ProbeError::Protocol {
            addr: conn.addr.clone(),
            detail: e.to_string(),
        }
    })?;
    let mut seen = Vec::new();
    let mut pending = Vec::new();
    loop {
        while tls.wants_write() {
            let mut out = Vec::new();
            let _ = tls.write_tls(&mut out);
            conn.send(&out)?;
        }
        if recorder
            .chain
            .lock()
            .map(|c| !c.is_empty())
            .unwrap_or(false)
        {
            break;
        }
        let mut tap = Tap {
            conn: &mut conn,
            pending: &mut pending,
            seen: Vec::new(),
            error: None,
        };
        let n = match tls.read_tls(&mut tap) {
            Ok(n) => n,
            Err(_) => {
                let e = tap.error.take();
                return Err(e.unwrap_or_else(|| ProbeError::Timeout {
                    addr: conn.addr.clone(),
                    what: "the server's TLS 1.3 flight".into(),
                    secs: limits.io_timeout.as_secs_f64(),
                }));
            }
        };
        seen.extend(tap.seen);
        if n == 0 {
            return Err(ProbeError::Closed {
                addr: conn.addr.clone(),
                bytes: conn.read,
            });
        }
        if let Err(e) = tls.process_new_packets() {
            if recorder
                .chain
                .lock()
                .map(|c| !c.is_empty())
                .unwrap_or(false)
            {
                break;
            }
            let detail = e.to_string();
            if let Some(code) = alert_code(&e) {
                return Err(ProbeError::Alert {
                    addr: conn.addr.clone(),
                    code,
                    name: wire::alert_name(code),
                });
            }
            return Err(ProbeError::Protocol {
                addr: conn.addr.clone(),
                detail,
            });
        }
    }
    let certificates = recorder.chain.lock().map(|c| c.clone()).unwrap_or_default();
    let records: Vec<usize> = wire::records(&seen)
        .map(|(r, _)| r.iter().map(|x| x.payload.len()).collect())
        .unwrap_or_default();
    let message_bytes = 1 + 3 + certificates.iter().map(|c| 3 + c.len() + 2).sum::<usize>();
    let largest = records.iter().copied().max().unwrap_or(0);
    let suite = tls
        .negotiated_cipher_suite()
        .map(|s| u16::from(s.suite()))
        .unwrap_or(0);
    Ok(Capture {
        address: conn.addr.clone(),
        sni: t.sni.clone(),
        version: "TLS 1.3",
        version_code: 0x0304,
        suite,
        method: "tls13-rustls",
        certificates,
        message_bytes,
        largest_record: largest,
        // Encrypted: where the message starts is not visible; count the records its bytes
        // need at the largest record's plaintext size.
        certificate_records: (4 + message_bytes).div_ceil(largest.saturating_sub(17).max(1)),
        records,
    })
}

fn alert_code(e: &rustls::Error) -> Option<u8> {
    match e {
        rustls::Error::AlertReceived(a) => Some(u8::from(*a)),
        _ => None,
    }
}

/// A suite's IANA name where a device would know it.
pub fn suite_name(s: u16) -> String {
    let n = match s {
        0x1301 => "TLS_AES_128_GCM_SHA256",
        0x1302 => "TLS_AES_256_GCM_SHA384",
        0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        0x1304 => "TLS_AES_128_CCM_SHA256",
        0x1305 => "TLS_AES_128_CCM_8_SHA256",
        0xC02B => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xC02C => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xC02F => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xC030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xCCA9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xCCA8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xC0AC => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
        0xC0AD => "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
        0xC0AE => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
        0xC0AF => "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
        0xC023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xC024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        0xC028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        0xC00A => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xC027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0xC009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xC013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xC014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0x009C => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009D => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0xC09C => "TLS_RSA_WITH_AES_128_CCM",
        0xC0A0 => "TLS_RSA_WITH_AES_128_CCM_8",
        0x002F => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x003C => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        0x009E => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0x009F => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        _ => return format!("0x{s:04X}"),
    };
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        let t = Target::parse("example.com").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (t.host.as_str(), t.port, t.sni.as_deref()),
            ("example.com", 443, Some("example.com"))
        );
        let t = Target::parse("127.0.0.1:4433").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.port, t.sni.clone()), (4433, None));
        let t = Target::parse("[::1]:8443").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.host.as_str(), t.port), ("::1", 8443));
        assert!(Target::parse("a b:1").is_err());
        assert!(Target::parse("host:port").is_err());
    }
}
