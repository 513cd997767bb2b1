//! Hostile peers for the tests of `anchorkit probe`: small in-process servers on 127.0.0.1
//! that misbehave in one specific way each.
//!
//! [`tls`] starts a peer speaking hand-written TLS records ([`Tls`]), [`tls13`] a real
//! TLS 1.3-only `rustls` server, [`http`] a plain HTTP server for AIA caIssuers fetches
//! ([`Http`]). [`pki`] and [`pki_with_escapes`] make the certificates to serve.
//!
//! Every peer is bounded in time: its accept loop stops after `max_conns` connections, after
//! its lifetime (60 s) or when the [`Peer`] is dropped, whichever comes first; every
//! connection thread ends by itself (all socket I/O has timeouts and every behaviour has a
//! deadline, at most [`CONN_MAX`] after the accept). Peers bind 127.0.0.1 only, accept only
//! loopback clients and never connect anywhere.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::crypto::ring as provider;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// How long a peer accepts connections unless told otherwise.
pub const LIFETIME: Duration = Duration::from_secs(60);
/// The hard bound on one connection's thread, from its accept.
pub const CONN_MAX: Duration = Duration::from_secs(60);
/// How long [`Tls::Silent`] holds a connection.
pub const SILENT_HOLD: Duration = Duration::from_secs(30);
/// How long [`Tls::EndlessRecords`] keeps writing.
pub const ENDLESS_FOR: Duration = Duration::from_secs(20);
/// How long a peer waits for the client to close after its flight (and for a request).
pub const WAIT: Duration = Duration::from_secs(5);
/// The accept loop's polling interval.
const POLL: Duration = Duration::from_millis(10);
/// The largest TLS record body written (and the most read of a ClientHello).
const MAX_RECORD: usize = 16 * 1024;

/// A running peer on `127.0.0.1:port`; dropping it stops accepting.
///
/// The accept loop polls a non-blocking listener (every 10 ms) for its stop flag, its
/// lifetime and its connection count, so dropping sets the flag and joins the loop; no
/// wake-up connection is needed (so none can reach a port another test has since bound).
/// Once the loop has stopped the port is closed: further connections are refused. Connections
/// already accepted run on to their own end.
#[derive(Debug)]
pub struct Peer {
    /// The port on 127.0.0.1.
    pub port: u16,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<String>>>,
    accept: Option<JoinHandle<()>>,
}

impl Peer {
    /// `"127.0.0.1:PORT"`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The requests an [`http`] peer has read, in order, each as
    /// `"GET /path HTTP/1.1 | Host: 127.0.0.1:PORT"` (the request line, then the Host
    /// header's value, empty when the request had none). Empty for the TLS peers.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

type Handler = Arc<dyn Fn(TcpStream) + Send + Sync>;

/// Binds 127.0.0.1:0 and serves each accepted connection with `handler` on its own thread.
fn start(
    max_conns: usize,
    lifetime: Duration,
    requests: Arc<Mutex<Vec<String>>>,
    make: impl FnOnce(u16) -> Handler,
) -> Peer {
    let l = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind 127.0.0.1: {e}"));
    l.set_nonblocking(true)
        .unwrap_or_else(|e| panic!("non-blocking listener: {e}"));
    let port = l.local_addr().map(|a| a.port()).unwrap_or(0);
    let handler = make(port);
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let accept = std::thread::Builder::new()
        .name(format!("hostile-accept-{port}"))
        .spawn(move || {
            let deadline = Instant::now() + lifetime;
            let mut n = 0;
            while n < max_conns && !flag.load(Ordering::SeqCst) && Instant::now() < deadline {
                match l.accept() {
                    Ok((sock, from)) => {
                        if !from.ip().is_loopback() {
                            continue;
                        }
                        n += 1;
                        if prepare(&sock).is_err() {
                            continue;
                        }
                        let h = handler.clone();
                        let _ = std::thread::Builder::new()
                            .name(format!("hostile-conn-{port}"))
                            .spawn(move || h(sock));
                    }
                    Err(_) => std::thread::sleep(POLL),
                }
            }
        })
        .unwrap_or_else(|e| panic!("spawn accept thread: {e}"));
    Peer {
        port,
        stop,
        requests,
        accept: Some(accept),
    }
}

fn prepare(sock: &TcpStream) -> std::io::Result<()> {
    sock.set_nonblocking(false)?;
    sock.set_nodelay(true)?;
    sock.set_read_timeout(Some(WAIT))?;
    sock.set_write_timeout(Some(WAIT))
}

// ---------------------------------------------------------------------------------------
// Socket helpers, all bounded.

/// Writes all of `buf` unless the client goes away or `deadline` passes.
fn write_until(sock: &mut TcpStream, mut buf: &[u8], deadline: Instant) -> bool {
    while !buf.is_empty() {
        if Instant::now() >= deadline {
            return false;
        }
        match sock.write(buf) {
            Ok(0) => return false,
            Ok(n) => buf = &buf[n..],
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(_) => return false,
        }
    }
    true
}

/// Reads and discards until the client closes (or errs) or `deadline` passes; true if the
/// client closed.
fn drain_until(sock: &mut TcpStream, deadline: Instant) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let _ = sock.set_read_timeout(Some(left.min(Duration::from_millis(250))));
        match sock.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(_) => return true,
        }
    }
}

/// Closes now: sends FIN, then reads whatever the client still sends for up to 1 s so the
/// close is not turned into a reset by unread data.
fn close_now(mut sock: TcpStream) {
    let _ = sock.flush();
    let _ = sock.shutdown(Shutdown::Write);
    drain_until(&mut sock, Instant::now() + Duration::from_secs(1));
}

/// Waits up to `wait` for the client to close, then closes.
fn close_after(mut sock: TcpStream, wait: Duration) {
    drain_until(&mut sock, Instant::now() + wait);
    close_now(sock);
}

/// Reads the client's first TLS record (at most 16 KiB, at most [`WAIT`]); its content is
/// ignored. False if the client closed without sending anything.
fn read_client_hello(sock: &mut TcpStream) -> bool {
    let deadline = Instant::now() + WAIT;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if got.len() >= 5 {
            if got[0] != 0x16 && got[0] != 0x15 {
                return true; // not TLS: whatever it is, it has been read
            }
            let want = 5 + usize::from(u16::from_be_bytes([got[3], got[4]]));
            if got.len() >= want.min(MAX_RECORD) {
                return true;
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        let _ = sock.set_read_timeout(Some(left));
        match sock.read(&mut buf) {
            Ok(0) => return !got.is_empty(),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return true;
            }
            Err(_) => return false,
        }
    }
}

// ---------------------------------------------------------------------------------------
// TLS records by hand.

/// TLS 1.2's version number.
const TLS12: u16 = 0x0303;
/// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.
const ECDHE_RSA_AES128_GCM: u16 = 0xC02F;
/// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256.
const ECDHE_ECDSA_AES128_GCM: u16 = 0xC02B;
/// TLS_RSA_WITH_AES_128_CBC_SHA.
const RSA_AES128_CBC_SHA: u16 = 0x002F;

/// One TLS record: type, version, 2-byte length, body.
fn record(content_type: u8, version: u16, body: &[u8]) -> Vec<u8> {
    let mut r = vec![content_type];
    r.extend_from_slice(&version.to_be_bytes());
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

/// A handshake message in as many handshake records (at most 16 KiB each) as it needs.
fn handshake_records(version: u16, msg: &[u8]) -> Vec<u8> {
    msg.chunks(MAX_RECORD)
        .flat_map(|c| record(22, version, c))
        .collect()
}

fn u24(n: usize) -> [u8; 3] {
    let n = n.min(0xFF_FFFF) as u32;
    [(n >> 16) as u8, (n >> 8) as u8, n as u8]
}

/// A handshake message: type, 3-byte length, body.
fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![msg_type];
    m.extend_from_slice(&u24(body.len()));
    m.extend_from_slice(body);
    m
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).is_err() {
        // Fall back to something varied enough for a test peer.
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, x) in b.iter_mut().enumerate() {
            *x = (seed >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(37);
        }
    }
    b
}

/// A ServerHello: `version`, a fresh random, a 32-byte session id, `cipher`, no compression;
/// with extended_master_secret and an empty renegotiation_info when `extensions`.
fn server_hello(version: u16, cipher: u16, extensions: bool) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec();
    b.extend_from_slice(&random_bytes::<32>());
    b.push(32);
    b.extend_from_slice(&random_bytes::<32>());
    b.extend_from_slice(&cipher.to_be_bytes());
    b.push(0);
    if extensions {
        // extended_master_secret (23), empty; renegotiation_info (0xff01), empty list.
        let ext = [0x00, 0x17, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00];
        b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        b.extend_from_slice(&ext);
    }
    handshake(2, &b)
}

/// A Certificate message (TLS 1.2 form) with these entries as given.
fn certificate(chain: &[Vec<u8>]) -> Vec<u8> {
    let total: usize = chain.iter().map(|c| 3 + c.len()).sum();
    let mut b = u24(total).to_vec();
    for c in chain {
        b.extend_from_slice(&u24(c.len()));
        b.extend_from_slice(c);
    }
    handshake(11, &b)
}

fn server_hello_done() -> Vec<u8> {
    handshake(14, &[])
}

/// The id-ecPublicKey OID, as it appears in an EC SubjectPublicKeyInfo.
const EC_PUBLIC_KEY_OID: [u8; 9] = [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];

/// The ECDHE cipher suite that fits the leaf: ECDSA for an EC leaf, else RSA.
fn cipher_for(chain: &[Vec<u8>]) -> u16 {
    let ec = chain.first().is_some_and(|leaf| {
        leaf.windows(EC_PUBLIC_KEY_OID.len())
            .any(|w| w == EC_PUBLIC_KEY_OID)
    });
    if ec {
        ECDHE_ECDSA_AES128_GCM
    } else {
        ECDHE_RSA_AES128_GCM
    }
}

/// ServerHello (TLS 1.2), Certificate(chain), ServerHelloDone, each in its own record(s).
fn tls12_flight(chain: &[Vec<u8>], hellos: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let sh = server_hello(TLS12, cipher_for(chain), true);
    for _ in 0..hellos {
        out.extend(handshake_records(TLS12, &sh));
    }
    out.extend(handshake_records(TLS12, &certificate(chain)));
    out.extend(handshake_records(TLS12, &server_hello_done()));
    out
}

/// TLS-ish behaviours. Each reads the ClientHello first (one record, at most 16 KiB, at most
/// 5 s; its content is ignored) unless said otherwise, then acts. Record-layer version is
/// 0x0303 (TLS 1.2) except in [`Tls::OldVersion`]. Handshake messages each go in their own
/// record(s) of at most 16 KiB. ServerHellos carry a fresh random and 32-byte session id;
/// TLS 1.2 ones carry extended_master_secret and an empty renegotiation_info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// Accepts and reads, never writes; closes after ~30 s ([`SILENT_HOLD`]) or when the
    /// client closes.
    Silent,
    /// A TLS 1.2 flight (ServerHello, empty Certificate, ServerHelloDone, all in one record):
    /// the 5-byte record header at once, then the rest one byte at a time at `bytes_per_sec`
    /// (0 counts as 1), then closes. Stops early if the client goes away, and at the
    /// connection bound (60 s).
    Slow {
        /// Bytes per second after the header.
        bytes_per_sec: u32,
    },
    /// Writes these bytes, then closes.
    Garbage(Vec<u8>),
    /// Answers like a web server on a TLS port: `HTTP/1.1 400 Bad Request` with a small HTML
    /// body and `Connection: close`, then closes.
    Http,
    /// A handshake record header announcing 4096 bytes, the first 10 bytes of a ServerHello
    /// body, then closes.
    MidRecordClose,
    /// One ServerHello, then a Certificate message whose header claims 0xFFFFFF bytes, in
    /// 16 KiB handshake records of continuation data (one huge entry of 0xAA bytes) without
    /// end, until the client goes away or ~20 s ([`ENDLESS_FOR`]) pass; then closes.
    EndlessRecords,
    /// A ServerHello, then in a normal (small) record a Certificate handshake header claiming
    /// 0xFFFFFF (16 MiB) bytes followed by a few bytes of it; then waits up to 5 s for the
    /// client to close, and closes.
    HugeLength,
    /// ServerHello (TLS 1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), then a Certificate
    /// message with `n` zero-length entries (`n` capped so the message fits its 24-bit length)
    /// in as many records as needed (at most 16 KiB each), then ServerHelloDone; waits up to
    /// 5 s for the client to close, and closes.
    ManyTinyEntries {
        /// How many empty entries.
        n: usize,
    },
    /// ServerHello with legacy_version = `version` (0x0301 TLS 1.0, 0x0302 TLS 1.1, 0x0300
    /// SSL 3.0; also the record-layer version), TLS_RSA_WITH_AES_128_CBC_SHA (0x002F), no
    /// extensions; then Certificate(`chain`) and ServerHelloDone; waits up to 5 s for the
    /// client to close, and closes.
    OldVersion {
        /// The protocol version.
        version: u16,
        /// DER certificates, leaf first, sent as given.
        chain: Vec<Vec<u8>>,
    },
    /// A well-formed TLS 1.2 ServerHello, Certificate(`chain`), ServerHelloDone, then waits up
    /// to 5 s for the client to close, and closes. The cipher suite is
    /// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 for an EC leaf, else
    /// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.
    Tls12Chain {
        /// DER certificates, leaf first, sent as given.
        chain: Vec<Vec<u8>>,
    },
    /// Sends a *warning* alert unrecognized_name (level 1, description 112) first, then
    /// behaves as `then` (without reading another ClientHello).
    WarningAlertFirst {
        /// What to do after the alert.
        then: Box<Tls>,
    },
    /// A fatal alert (level 2) with this description, then closes.
    FatalAlert {
        /// The AlertDescription.
        description: u8,
    },
    /// An alert record with a zero-length body, then closes.
    EmptyAlert,
    /// ServerHello twice (two records), then Certificate(`chain`) and ServerHelloDone; waits
    /// up to 5 s for the client to close, and closes.
    TwoServerHellos {
        /// DER certificates, leaf first, sent as given.
        chain: Vec<Vec<u8>>,
    },
}

/// A TLS-ish peer: at most 16 connections, for at most 60 s.
pub fn tls(b: Tls) -> Peer {
    tls_n(b, 16)
}

/// A TLS-ish peer: at most `max_conns` connections, for at most 60 s.
pub fn tls_n(b: Tls, max_conns: usize) -> Peer {
    tls_peer(b, max_conns, LIFETIME)
}

fn tls_peer(b: Tls, max_conns: usize, lifetime: Duration) -> Peer {
    let b = Arc::new(b);
    start(max_conns, lifetime, Arc::default(), move |_| {
        Arc::new(move |mut sock: TcpStream| {
            let deadline = Instant::now() + CONN_MAX;
            if read_client_hello(&mut sock) {
                act(&b, sock, deadline);
            }
        })
    })
}

/// The behaviour, the ClientHello already read.
fn act(b: &Tls, mut sock: TcpStream, deadline: Instant) {
    let soon = |d: Duration| (Instant::now() + d).min(deadline);
    match b {
        Tls::Silent => {
            drain_until(&mut sock, soon(SILENT_HOLD));
            close_now(sock);
        }
        Tls::Slow { bytes_per_sec } => {
            let mut body = server_hello(TLS12, ECDHE_RSA_AES128_GCM, true);
            body.extend(certificate(&[]));
            body.extend(server_hello_done());
            let rec = record(22, TLS12, &body);
            let gap = Duration::from_secs_f64(1.0 / f64::from((*bytes_per_sec).max(1)));
            if !write_until(&mut sock, &rec[..5], deadline) {
                return;
            }
            for byte in &rec[5..] {
                std::thread::sleep(gap.min(deadline.saturating_duration_since(Instant::now())));
                if !write_until(&mut sock, std::slice::from_ref(byte), deadline) {
                    return;
                }
            }
            close_now(sock);
        }
        Tls::Garbage(bytes) => {
            write_until(&mut sock, bytes, deadline);
            close_now(sock);
        }
        Tls::Http => {
            let body = "<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n\
                        <center><h1>400 Bad Request</h1></center>\r\n</body>\r\n</html>\r\n";
            let resp = format!(
                "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            write_until(&mut sock, resp.as_bytes(), deadline);
            close_now(sock);
        }
        Tls::MidRecordClose => {
            let sh = server_hello(TLS12, ECDHE_RSA_AES128_GCM, true);
            let mut out = vec![22, 0x03, 0x03, 0x10, 0x00];
            out.extend_from_slice(&sh[..10]);
            write_until(&mut sock, &out, deadline);
            close_now(sock);
        }
        Tls::EndlessRecords => {
            let end = soon(ENDLESS_FOR);
            let sh = server_hello(TLS12, ECDHE_RSA_AES128_GCM, true);
            let mut first = vec![11];
            first.extend_from_slice(&u24(0xFF_FFFF));
            first.extend_from_slice(&u24(0xFF_FFFC));
            first.extend_from_slice(&u24(0xFF_FFF9));
            first.resize(MAX_RECORD, 0xAA);
            let mut out = handshake_records(TLS12, &sh);
            out.extend(record(22, TLS12, &first));
            let more = record(22, TLS12, &[0xAA; MAX_RECORD]);
            if write_until(&mut sock, &out, end) {
                while write_until(&mut sock, &more, end) {}
            }
            close_now(sock);
        }
        Tls::HugeLength => {
            let sh = server_hello(TLS12, ECDHE_RSA_AES128_GCM, true);
            let mut msg = vec![11];
            msg.extend_from_slice(&u24(0xFF_FFFF));
            msg.extend_from_slice(&u24(0xFF_FFFC));
            msg.extend_from_slice(&u24(0xFF_FFF9));
            msg.extend_from_slice(&[0x30, 0x83, 0xFF, 0xFF, 0xF5]);
            msg.resize(64, 0xAA);
            let mut out = handshake_records(TLS12, &sh);
            out.extend(record(22, TLS12, &msg));
            if write_until(&mut sock, &out, deadline) {
                close_after(sock, WAIT);
            }
        }
        Tls::ManyTinyEntries { n } => {
            let n = (*n).min((0xFF_FFFF - 3) / 3);
            let mut out =
                handshake_records(TLS12, &server_hello(TLS12, ECDHE_RSA_AES128_GCM, true));
            out.extend(handshake_records(TLS12, &certificate(&vec![Vec::new(); n])));
            out.extend(handshake_records(TLS12, &server_hello_done()));
            if write_until(&mut sock, &out, deadline) {
                close_after(sock, WAIT);
            }
        }
        Tls::OldVersion { version, chain } => {
            let mut out =
                handshake_records(*version, &server_hello(*version, RSA_AES128_CBC_SHA, false));
            out.extend(handshake_records(*version, &certificate(chain)));
            out.extend(handshake_records(*version, &server_hello_done()));
            if write_until(&mut sock, &out, deadline) {
                close_after(sock, WAIT);
            }
        }
        Tls::Tls12Chain { chain } => {
            if write_until(&mut sock, &tls12_flight(chain, 1), deadline) {
                close_after(sock, WAIT);
            }
        }
        Tls::WarningAlertFirst { then } => {
            if write_until(&mut sock, &record(21, TLS12, &[1, 112]), deadline) {
                act(then, sock, deadline);
            }
        }
        Tls::FatalAlert { description } => {
            write_until(&mut sock, &record(21, TLS12, &[2, *description]), deadline);
            close_now(sock);
        }
        Tls::EmptyAlert => {
            write_until(&mut sock, &record(21, TLS12, &[]), deadline);
            close_now(sock);
        }
        Tls::TwoServerHellos { chain } => {
            if write_until(&mut sock, &tls12_flight(chain, 2), deadline) {
                close_after(sock, WAIT);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// A real TLS 1.3 server.

/// A real TLS 1.3-only server (`rustls`, ring provider) sending `chain` (leaf first, DER)
/// for the key `key_der` (PKCS#8 DER); no ALPN, no client authentication; the handshake
/// completes, application data is read and discarded, and the connection is closed (with
/// close_notify) after ~5 s of inactivity. At most 16 connections, for at most 60 s.
///
/// Panics if rustls refuses the chain or key (e.g. a key that does not match the leaf).
pub fn tls13(chain: Vec<Vec<u8>>, key_der: Vec<u8>) -> Peer {
    let certs: Vec<CertificateDer<'static>> = chain.into_iter().map(CertificateDer::from).collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der));
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(provider::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap_or_else(|e| panic!("TLS 1.3 server config: {e}"))
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap_or_else(|e| panic!("TLS 1.3 server certificate: {e}"));
    let cfg = Arc::new(cfg);
    start(16, LIFETIME, Arc::default(), move |_| {
        Arc::new(move |sock: TcpStream| serve_tls13(cfg.clone(), sock))
    })
}

fn serve_tls13(cfg: Arc<rustls::ServerConfig>, mut sock: TcpStream) {
    let deadline = Instant::now() + CONN_MAX;
    let Ok(mut conn) = rustls::ServerConnection::new(cfg) else {
        return;
    };
    // The read timeout (5 s) bounds each step of the handshake.
    while conn.is_handshaking() {
        if Instant::now() >= deadline || conn.complete_io(&mut sock).is_err() {
            return;
        }
    }
    while conn.wants_write() {
        if conn.write_tls(&mut sock).is_err() {
            return;
        }
    }
    let mut buf = [0u8; 4096];
    // Until ~5 s pass without a byte from the client (the read timeout), or it closes.
    while Instant::now() < deadline {
        match conn.read_tls(&mut sock) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let Ok(state) = conn.process_new_packets() else {
            break;
        };
        let mut left = state.plaintext_bytes_to_read();
        while left > 0 {
            match conn.reader().read(&mut buf) {
                Ok(n) if n > 0 => left = left.saturating_sub(n),
                _ => break,
            }
        }
        if state.peer_has_closed() {
            break;
        }
        while conn.wants_write() {
            if conn.write_tls(&mut sock).is_err() {
                return;
            }
        }
    }
    conn.send_close_notify();
    while conn.wants_write() {
        if conn.write_tls(&mut sock).is_err() {
            return;
        }
    }
    close_now(sock);
}

// ---------------------------------------------------------------------------------------
// Test PKI.

fn validity(p: &mut CertificateParams) {
    p.not_before = rcgen::date_time_ymd(2020, 1, 1);
    p.not_after = rcgen::date_time_ymd(2040, 1, 1);
}

fn p256() -> KeyPair {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .unwrap_or_else(|e| panic!("P-256 key: {e}"))
}

fn ca_params(cn: &str, path_len: Option<u8>) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name
        .push(DnType::OrganizationName, "anchorkit test");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(match path_len {
        Some(n) => BasicConstraints::Constrained(n),
        None => BasicConstraints::Unconstrained,
    });
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.use_authority_key_identifier_extension = true;
    validity(&mut p);
    p
}

/// A DER length.
fn der_len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        return vec![n as u8];
    }
    let bytes: Vec<u8> = (n as u64)
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    let mut out = vec![0x80 | bytes.len() as u8];
    out.extend(bytes);
    out
}

/// The OID of the padding extension (a private arc, never critical).
const PAD_OID: &[u64] = &[1, 3, 6, 1, 4, 1, 55555, 2];

/// Root, intermediate and leaf (leaf subject O and CN, DNS SANs `sans`), P-256 each.
fn chain_with(
    leaf_o: &str,
    leaf_cn: &str,
    sans: Vec<SanType>,
    pad: usize,
) -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let root_key = p256();
    let root_params = ca_params("anchorkit hostile root", None);
    let root = root_params
        .self_signed(&root_key)
        .unwrap_or_else(|e| panic!("root: {e}"));
    let root_issuer = Issuer::from_params(&root_params, &root_key);

    let int_key = p256();
    let int_params = ca_params("anchorkit hostile intermediate", Some(0));
    let int = int_params
        .signed_by(&int_key, &root_issuer)
        .unwrap_or_else(|e| panic!("intermediate: {e}"));
    let int_issuer = Issuer::from_params(&int_params, &int_key);

    let leaf_key = p256();
    let mut p = CertificateParams::default();
    p.subject_alt_names = sans;
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::OrganizationName, leaf_o);
    p.distinguished_name.push(DnType::CommonName, leaf_cn);
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.use_authority_key_identifier_extension = true;
    validity(&mut p);
    if pad > 0 {
        // extnValue = OCTET STRING of `pad` bytes.
        let mut content = vec![0x04];
        content.extend(der_len(pad));
        content.resize(content.len() + pad, b'p');
        p.custom_extensions
            .push(CustomExtension::from_oid_content(PAD_OID, content));
    }
    let leaf = p
        .signed_by(&leaf_key, &int_issuer)
        .unwrap_or_else(|e| panic!("leaf: {e}"));
    (
        root.der().to_vec(),
        int.der().to_vec(),
        leaf.der().to_vec(),
        leaf_key.serialize_der(),
    )
}

fn dns(name: &str) -> SanType {
    SanType::DnsName(
        name.try_into()
            .unwrap_or_else(|e| panic!("DNS SAN {name:?}: {e}")),
    )
}

/// A PKI for tests: a root, an intermediate (pathLen 0) and a leaf for `host` (subject
/// O = anchorkit test, CN = `host`, DNS SAN `host`, serverAuth), EC P-256 each, valid from
/// 2020 to 2040. Returns (root_der, intermediate_der, leaf_der, leaf_key_pkcs8_der).
///
/// With `pad` > 0 the leaf carries a non-critical private extension (OID
/// 1.3.6.1.4.1.55555.2) whose value is an OCTET STRING of `pad` bytes, so chains of a given
/// total size can be made: the leaf is `pad` bytes plus 15 to 35 bytes of DER framing (the
/// extension's own, and longer length fields around it) longer than with `pad` = 0. ECDSA signatures vary in length by up to two bytes per certificate
/// (and the keys are fresh on every call), so measure the DER when an exact size matters.
pub fn pki(host: &str, pad: usize) -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    chain_with("anchorkit test", host, vec![dns(host)], pad)
}

/// The control characters [`pki_with_escapes`] puts in names: ESC (with a terminal "clear
/// screen" sequence), BEL, CR, LF, NUL and U+202E RIGHT-TO-LEFT OVERRIDE.
pub const ESCAPES: &str = "\x1b[2J\x07\r\n\0\u{202E}";

/// The same as [`pki`] (no padding), with a leaf whose subject CN is
/// `"{host}{ESCAPES}"`, whose O is `"anchorkit{ESCAPES}test"`, and whose DNS SANs are `host`
/// and `"evil\x1b[2J\x07\r\n\0.{host}"`.
///
/// The DNS SAN holds ESC, BEL, CR, LF and NUL but not U+202E: a dNSName is an IA5String
/// and rcgen refuses non-ASCII in it, so U+202E is in the CN and O (UTF8String) only.
pub fn pki_with_escapes(host: &str) -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let cn = format!("{host}{ESCAPES}");
    let o = format!("anchorkit{ESCAPES}test");
    let evil = format!("evil\x1b[2J\x07\r\n\0.{host}");
    chain_with(&o, &cn, vec![dns(host), dns(&evil)], 0)
}

// ---------------------------------------------------------------------------------------
// HTTP for AIA fetches.

/// HTTP behaviours for AIA caIssuers fetches. Each reads one request (up to the blank line,
/// at most 16 KiB, at most 5 s), records it (see [`Peer::requests`]), answers with
/// `Connection: close`, and closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Http {
    /// `200 OK` with this body (`Content-Type: application/pkix-cert`, Content-Length set).
    Ok(Vec<u8>),
    /// That status (reason phrase from a small table, else "Status"), empty body
    /// (`Content-Length: 0`).
    Status(u16),
    /// `302 Found`, `Location: <url>`, empty body.
    RedirectTo(String),
    /// `302 Found` to its own URL, `http://127.0.0.1:PORT` + the request's path, every time.
    RedirectLoop,
    /// `200 OK`, no Content-Length, 64 MiB of zeros streamed; stops when the client closes
    /// (or after 20 s).
    HugeBody,
    /// The status line `HTTP/1.1 200 OK\r\n` one byte per second, then the headers
    /// (`Content-Length: 0`) at once. Stops when the client goes away (or at 60 s).
    Slow,
    /// The status line `"HTTP/1.1 200 \x1b[2J\x1b]0;pwned\x07OK"`, then `Content-Length: 0`.
    EscapeStatus,
}

/// An HTTP peer: at most 16 connections (one request each), for at most 60 s.
pub fn http(b: Http) -> Peer {
    http_peer(b, 16, LIFETIME)
}

fn http_peer(b: Http, max_conns: usize, lifetime: Duration) -> Peer {
    http_made(move |_| b, max_conns, lifetime)
}

/// An HTTP peer whose behaviour is made from its own port (a body that names the peer's URL,
/// such as a certificate whose caIssuers points back at it): at most 16 connections, 60 s.
pub fn http_for(make: impl FnOnce(u16) -> Http) -> Peer {
    http_made(make, 16, LIFETIME)
}

fn http_made(make: impl FnOnce(u16) -> Http, max_conns: usize, lifetime: Duration) -> Peer {
    let requests: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = requests.clone();
    start(max_conns, lifetime, requests, move |port| {
        let b = Arc::new(make(port));
        Arc::new(move |sock: TcpStream| serve_http(&b, port, &log, sock))
    })
}

/// Reads one request head; (request line, Host value) or None if nothing came.
fn read_request(sock: &mut TcpStream) -> Option<(String, String)> {
    let deadline = Instant::now() + WAIT;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") && got.len() < MAX_RECORD {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let _ = sock.set_read_timeout(Some(left));
        match sock.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    if got.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(&got);
    let mut lines = text.split("\r\n");
    let line = lines.next().unwrap_or_default().to_string();
    let host = lines
        .take_while(|l| !l.is_empty())
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("host")
                .then(|| value.trim().to_string())
        })
        .unwrap_or_default();
    Some((line, host))
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn serve_http(b: &Http, port: u16, log: &Mutex<Vec<String>>, mut sock: TcpStream) {
    let deadline = Instant::now() + CONN_MAX;
    let Some((line, host)) = read_request(&mut sock) else {
        return;
    };
    if let Ok(mut l) = log.lock() {
        l.push(format!("{line} | Host: {host}"));
    }
    let empty = |status: &str, extra: &str| {
        format!("HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n")
    };
    match b {
        Http::Ok(body) => {
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            out.extend_from_slice(body);
            write_until(&mut sock, &out, deadline);
        }
        Http::Status(code) => {
            let status = format!("{code} {}", reason(*code));
            write_until(&mut sock, empty(&status, "").as_bytes(), deadline);
        }
        Http::RedirectTo(url) => {
            let extra = format!("Location: {url}\r\n");
            write_until(&mut sock, empty("302 Found", &extra).as_bytes(), deadline);
        }
        Http::RedirectLoop => {
            let target = line.split(' ').nth(1).unwrap_or("/");
            let path = match target.strip_prefix("http://") {
                // An absolute-form target: keep its path only.
                Some(rest) => rest.find('/').map_or("/", |i| &rest[i..]),
                None => target,
            };
            let extra = format!("Location: http://127.0.0.1:{port}{path}\r\n");
            write_until(&mut sock, empty("302 Found", &extra).as_bytes(), deadline);
        }
        Http::HugeBody => {
            let end = (Instant::now() + ENDLESS_FOR).min(deadline);
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\n\
                        Connection: close\r\n\r\n";
            let chunk = vec![0u8; 64 * 1024];
            if write_until(&mut sock, head.as_bytes(), end) {
                for _ in 0..1024 {
                    if !write_until(&mut sock, &chunk, end) {
                        break;
                    }
                }
            }
        }
        Http::Slow => {
            for byte in b"HTTP/1.1 200 OK\r\n" {
                if !write_until(&mut sock, std::slice::from_ref(byte), deadline) {
                    return;
                }
                std::thread::sleep(
                    Duration::from_secs(1).min(deadline.saturating_duration_since(Instant::now())),
                );
            }
            let rest = "Content-Length: 0\r\nConnection: close\r\n\r\n";
            write_until(&mut sock, rest.as_bytes(), deadline);
        }
        Http::EscapeStatus => {
            let out = empty("200 \x1b[2J\x1b]0;pwned\x07OK", "");
            write_until(&mut sock, out.as_bytes(), deadline);
        }
    }
    close_now(sock);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client-side bound on every read: no test waits longer.
    const CLIENT_WAIT: Duration = Duration::from_secs(10);

    /// A plausible-looking ClientHello record (the peers ignore its content).
    fn client_hello() -> Vec<u8> {
        let mut body = vec![0x03, 0x03];
        body.extend_from_slice(&[7u8; 32]);
        body.extend_from_slice(&[0, 0, 2, 0xC0, 0x2F, 1, 0, 0, 0]);
        record(22, 0x0301, &handshake(1, &body))
    }

    fn connect(p: &Peer) -> TcpStream {
        let s = TcpStream::connect(p.addr()).expect("connect");
        s.set_read_timeout(Some(CLIENT_WAIT)).expect("timeout");
        s.set_write_timeout(Some(CLIENT_WAIT)).expect("timeout");
        s
    }

    fn hello(p: &Peer) -> TcpStream {
        let mut s = connect(p);
        s.write_all(&client_hello()).expect("send ClientHello");
        s
    }

    /// Everything until the peer closes (panics on a timeout).
    fn read_to_close(s: &mut TcpStream) -> Vec<u8> {
        let mut out = Vec::new();
        s.read_to_end(&mut out).expect("peer closes in time");
        out
    }

    /// The records in `bytes`: (type, version, body); panics on a partial record.
    fn records(mut bytes: &[u8]) -> Vec<(u8, u16, Vec<u8>)> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            assert!(bytes.len() >= 5, "partial record header");
            let len = usize::from(u16::from_be_bytes([bytes[3], bytes[4]]));
            assert!(len <= MAX_RECORD, "record of {len} bytes");
            assert!(bytes.len() >= 5 + len, "partial record");
            out.push((
                bytes[0],
                u16::from_be_bytes([bytes[1], bytes[2]]),
                bytes[5..5 + len].to_vec(),
            ));
            bytes = &bytes[5 + len..];
        }
        out
    }

    /// The handshake messages of the handshake records: (type, body).
    fn messages(recs: &[(u8, u16, Vec<u8>)]) -> Vec<(u8, Vec<u8>)> {
        let stream: Vec<u8> = recs
            .iter()
            .filter(|r| r.0 == 22)
            .flat_map(|r| r.2.clone())
            .collect();
        let mut rest = &stream[..];
        let mut out = Vec::new();
        while !rest.is_empty() {
            let len =
                (usize::from(rest[1]) << 16) | (usize::from(rest[2]) << 8) | usize::from(rest[3]);
            out.push((rest[0], rest[4..4 + len].to_vec()));
            rest = &rest[4 + len..];
        }
        out
    }

    /// A Certificate message body's entries.
    fn entries(body: &[u8]) -> Vec<Vec<u8>> {
        let total =
            (usize::from(body[0]) << 16) | (usize::from(body[1]) << 8) | usize::from(body[2]);
        assert_eq!(total + 3, body.len());
        let mut rest = &body[3..];
        let mut out = Vec::new();
        while !rest.is_empty() {
            let len =
                (usize::from(rest[0]) << 16) | (usize::from(rest[1]) << 8) | usize::from(rest[2]);
            out.push(rest[3..3 + len].to_vec());
            rest = &rest[3 + len..];
        }
        out
    }

    /// A ServerHello body: (version, session id length, cipher, extensions block or None).
    fn parse_server_hello(b: &[u8]) -> (u16, usize, u16, Option<Vec<u8>>) {
        let version = u16::from_be_bytes([b[0], b[1]]);
        let sid = usize::from(b[34]);
        let at = 35 + sid;
        let cipher = u16::from_be_bytes([b[at], b[at + 1]]);
        assert_eq!(b[at + 2], 0, "compression");
        let ext = (b.len() > at + 3).then(|| {
            let len = usize::from(u16::from_be_bytes([b[at + 3], b[at + 4]]));
            assert_eq!(at + 5 + len, b.len());
            b[at + 5..].to_vec()
        });
        (version, sid, cipher, ext)
    }

    fn refused(port: u16) -> bool {
        TcpStream::connect(("127.0.0.1", port)).is_err()
    }

    fn small_chain() -> Vec<Vec<u8>> {
        let (root, int, leaf, _) = pki("hostile.test", 0);
        vec![leaf, int, root]
    }

    #[test]
    fn silent_reads_never_writes_closes_after_its_hold() {
        let p = tls(Tls::Silent);
        let mut s = hello(&p);
        s.set_read_timeout(Some(SILENT_HOLD + Duration::from_secs(5)))
            .expect("timeout");
        let t = Instant::now();
        let got = read_to_close(&mut s);
        let took = t.elapsed();
        assert!(got.is_empty(), "Silent wrote {got:?}");
        assert!(
            took >= SILENT_HOLD - Duration::from_secs(1)
                && took <= SILENT_HOLD + Duration::from_secs(3),
            "closed after {took:?}"
        );
    }

    #[test]
    fn slow_sends_a_header_then_one_byte_at_a_time() {
        let p = tls(Tls::Slow { bytes_per_sec: 100 });
        let mut s = hello(&p);
        let mut head = [0u8; 5];
        s.read_exact(&mut head).expect("header");
        assert_eq!(head[..3], [22, 3, 3]);
        let len = usize::from(u16::from_be_bytes([head[3], head[4]]));
        let t = Instant::now();
        let mut one = [0u8; 1];
        let mut got = head.to_vec();
        for _ in 0..len {
            s.read_exact(&mut one).expect("a body byte");
            got.extend_from_slice(&one);
        }
        let took = t.elapsed();
        assert!(
            took >= Duration::from_millis(len as u64 * 10 * 8 / 10),
            "{len} bytes in {took:?}"
        );
        assert!(read_to_close(&mut s).is_empty());
        let m = messages(&records(&got));
        assert_eq!(m.iter().map(|m| m.0).collect::<Vec<_>>(), [2, 11, 14]);
        assert_eq!(entries(&m[1].1), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn drop_does_not_wait_for_connections() {
        let p = tls_n(Tls::Slow { bytes_per_sec: 1 }, 1);
        let mut s = hello(&p);
        let mut head = [0u8; 5];
        s.read_exact(&mut head).expect("header");
        // A connection still in flight: dropping the peer only stops the accept loop.
        let t = Instant::now();
        drop(p);
        assert!(t.elapsed() < Duration::from_secs(1));
        s.read_exact(&mut head[..1])
            .expect("the connection goes on");
    }

    #[test]
    fn garbage_is_sent_as_given_then_closed() {
        let bytes = b"\x00\xffnot TLS at all\r\n".to_vec();
        let p = tls(Tls::Garbage(bytes.clone()));
        let mut s = hello(&p);
        assert_eq!(read_to_close(&mut s), bytes);
    }

    #[test]
    fn http_on_a_tls_port() {
        let p = tls(Tls::Http);
        let mut s = hello(&p);
        let got = String::from_utf8(read_to_close(&mut s)).expect("text");
        assert!(got.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{got}");
        assert!(got.contains("\r\n\r\n<html>"));
    }

    #[test]
    fn mid_record_close() {
        let p = tls(Tls::MidRecordClose);
        let mut s = hello(&p);
        let got = read_to_close(&mut s);
        assert_eq!(got.len(), 15);
        assert_eq!(got[..5], [22, 3, 3, 0x10, 0x00]);
        assert_eq!(got[5], 2, "a ServerHello's start");
    }

    #[test]
    fn endless_records_keep_coming() {
        let p = tls(Tls::EndlessRecords);
        let mut s = hello(&p);
        let mut got = vec![0u8; 4 * 1024 * 1024];
        s.read_exact(&mut got).expect("4 MiB");
        drop(s);
        let whole = got.len() - (got.len() - 5 - 85) % (5 + MAX_RECORD);
        let recs = records(&got[..whole]);
        assert!(recs.len() > 200);
        assert!(recs.iter().all(|r| r.0 == 22 && r.1 == TLS12));
        assert_eq!(recs[0].2[0], 2, "ServerHello first");
        assert_eq!(recs[1].2[..4], [11, 0xFF, 0xFF, 0xFF]);
        assert!(recs[1..].iter().all(|r| r.2.len() == MAX_RECORD));
    }

    #[test]
    fn huge_length_in_a_normal_record() {
        let p = tls(Tls::HugeLength);
        let mut s = hello(&p);
        // The flight, then the peer waits for us: read what there is.
        let mut got = vec![0u8; 5 + 85 + 5 + 64];
        s.read_exact(&mut got).expect("flight");
        let recs = records(&got);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].2[0], 2);
        assert_eq!(recs[1].2.len(), 64);
        assert_eq!(recs[1].2[..4], [11, 0xFF, 0xFF, 0xFF]);
        s.shutdown(Shutdown::Write).expect("shutdown");
        let t = Instant::now();
        assert!(read_to_close(&mut s).is_empty());
        assert!(t.elapsed() < Duration::from_secs(3), "closes once we have");
    }

    #[test]
    fn many_tiny_entries_split_over_records() {
        let n = 20_000;
        let p = tls(Tls::ManyTinyEntries { n });
        let mut s = hello(&p);
        s.shutdown(Shutdown::Write).expect("shutdown");
        let got = read_to_close(&mut s);
        let recs = records(&got);
        assert!(recs.len() >= 5, "{} records", recs.len());
        let m = messages(&recs);
        assert_eq!(m.iter().map(|m| m.0).collect::<Vec<_>>(), [2, 11, 14]);
        let (v, sid, cipher, ext) = parse_server_hello(&m[0].1);
        assert_eq!((v, sid, cipher), (TLS12, 32, ECDHE_RSA_AES128_GCM));
        assert!(ext.is_some());
        let e = entries(&m[1].1);
        assert_eq!(e.len(), n);
        assert!(e.iter().all(Vec::is_empty));
    }

    #[test]
    fn old_versions() {
        let chain = small_chain();
        for version in [0x0300, 0x0301, 0x0302] {
            let p = tls(Tls::OldVersion {
                version,
                chain: chain.clone(),
            });
            let mut s = hello(&p);
            s.shutdown(Shutdown::Write).expect("shutdown");
            let recs = records(&read_to_close(&mut s));
            assert!(recs.iter().all(|r| r.0 == 22 && r.1 == version));
            let m = messages(&recs);
            assert_eq!(m.iter().map(|m| m.0).collect::<Vec<_>>(), [2, 11, 14]);
            let (v, sid, cipher, ext) = parse_server_hello(&m[0].1);
            assert_eq!(
                (v, sid, cipher, ext),
                (version, 32, RSA_AES128_CBC_SHA, None)
            );
            assert_eq!(entries(&m[1].1), chain);
            assert!(m[2].1.is_empty());
        }
    }

    #[test]
    fn tls12_chain_then_waits_then_closes() {
        let chain = small_chain();
        let p = tls(Tls::Tls12Chain {
            chain: chain.clone(),
        });
        let mut s = hello(&p);
        // Stay connected: the peer closes by itself within ~5 s.
        let t = Instant::now();
        let got = read_to_close(&mut s);
        let took = t.elapsed();
        assert!(took >= WAIT - Duration::from_millis(500), "{took:?}");
        assert!(took <= WAIT + Duration::from_secs(2), "{took:?}");
        let recs = records(&got);
        assert!(recs.iter().all(|r| r.0 == 22 && r.1 == TLS12));
        let m = messages(&recs);
        assert_eq!(m.iter().map(|m| m.0).collect::<Vec<_>>(), [2, 11, 14]);
        let (v, sid, cipher, ext) = parse_server_hello(&m[0].1);
        assert_eq!((v, sid, cipher), (TLS12, 32, ECDHE_ECDSA_AES128_GCM));
        assert_eq!(
            ext.as_deref(),
            Some(&[0x00, 0x17, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00][..])
        );
        assert_eq!(entries(&m[1].1), chain);
    }

    #[test]
    fn warning_alert_then_a_chain() {
        let chain = small_chain();
        let p = tls(Tls::WarningAlertFirst {
            then: Box::new(Tls::Tls12Chain {
                chain: chain.clone(),
            }),
        });
        let mut s = hello(&p);
        s.shutdown(Shutdown::Write).expect("shutdown");
        let got = read_to_close(&mut s);
        assert_eq!(got[..7], [21, 3, 3, 0, 2, 1, 112]);
        let m = messages(&records(&got[7..]));
        assert_eq!(m.iter().map(|m| m.0).collect::<Vec<_>>(), [2, 11, 14]);
        assert_eq!(entries(&m[1].1), chain);
    }

    #[test]
    fn fatal_and_empty_alerts() {
        let p = tls(Tls::FatalAlert { description: 40 });
        assert_eq!(read_to_close(&mut hello(&p)), [21, 3, 3, 0, 2, 2, 40]);
        let p = tls(Tls::EmptyAlert);
        assert_eq!(read_to_close(&mut hello(&p)), [21, 3, 3, 0, 0]);
    }

    #[test]
    fn two_server_hellos() {
        let chain = small_chain();
        let p = tls(Tls::TwoServerHellos {
            chain: chain.clone(),
        });
        let mut s = hello(&p);
        s.shutdown(Shutdown::Write).expect("shutdown");
        let m = messages(&records(&read_to_close(&mut s)));
        assert_eq!(m.iter().map(|m| m.0).collect::<Vec<_>>(), [2, 2, 11, 14]);
        assert_eq!(entries(&m[2].1), chain);
    }

    #[test]
    fn drop_stops_accepting() {
        let p = tls(Tls::FatalAlert { description: 40 });
        let port = p.port;
        assert_eq!(read_to_close(&mut hello(&p)).len(), 7);
        let t = Instant::now();
        drop(p);
        assert!(t.elapsed() < Duration::from_secs(1));
        assert!(refused(port));
    }

    #[test]
    fn lifetime_stops_accepting() {
        let p = tls_peer(Tls::EmptyAlert, 16, Duration::from_millis(300));
        assert_eq!(read_to_close(&mut hello(&p)).len(), 5);
        std::thread::sleep(Duration::from_millis(600));
        assert!(refused(p.port));
    }

    #[test]
    fn max_conns_stops_accepting() {
        let p = tls_n(Tls::EmptyAlert, 2);
        for _ in 0..2 {
            assert_eq!(read_to_close(&mut hello(&p)).len(), 5);
        }
        std::thread::sleep(Duration::from_millis(100));
        assert!(refused(p.port));
    }

    fn tls_client(
        root: &[u8],
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from(root.to_vec()))
            .expect("root");
        let cfg =
            rustls::ClientConfig::builder_with_provider(Arc::new(provider::default_provider()))
                .with_protocol_versions(versions)
                .expect("versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
        Arc::new(cfg)
    }

    #[test]
    fn tls13_handshakes_then_closes_when_idle() {
        let (root, int, leaf, key) = pki("hostile.test", 3000);
        let chain = vec![leaf, int];
        let p = tls13(chain.clone(), key);
        let cfg = tls_client(&root, &[&rustls::version::TLS13, &rustls::version::TLS12]);
        let name = rustls_pki_types::ServerName::try_from("hostile.test").expect("name");
        let mut conn = rustls::ClientConnection::new(cfg, name).expect("client");
        let mut s = connect(&p);
        while conn.is_handshaking() {
            conn.complete_io(&mut s).expect("handshake");
        }
        assert_eq!(
            conn.protocol_version(),
            Some(rustls::ProtocolVersion::TLSv1_3)
        );
        assert_eq!(conn.alpn_protocol(), None);
        let got: Vec<Vec<u8>> = conn
            .peer_certificates()
            .expect("certificates")
            .iter()
            .map(|c| c.to_vec())
            .collect();
        assert_eq!(got, chain);
        let t = Instant::now();
        let mut tls = rustls::Stream::new(&mut conn, &mut s);
        let mut buf = Vec::new();
        let n = tls.read_to_end(&mut buf).expect("clean close_notify");
        assert_eq!(n, 0);
        let took = t.elapsed();
        assert!(
            took >= WAIT - Duration::from_secs(1) && took <= WAIT + Duration::from_secs(2),
            "{took:?}"
        );
    }

    #[test]
    fn tls13_refuses_tls12() {
        let (root, int, leaf, key) = pki("hostile.test", 0);
        let p = tls13(vec![leaf, int], key);
        let cfg = tls_client(&root, &[&rustls::version::TLS12]);
        let name = rustls_pki_types::ServerName::try_from("hostile.test").expect("name");
        let mut conn = rustls::ClientConnection::new(cfg, name).expect("client");
        let mut s = connect(&p);
        let mut failed = false;
        while conn.is_handshaking() {
            if conn.complete_io(&mut s).is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed, "a TLS 1.2 handshake completed");
    }

    #[test]
    fn pki_pads_the_leaf() {
        let (_, _, small, _) = pki("hostile.test", 0);
        for pad in [1, 100, 300, 5000, 70_000] {
            let (_, _, big, _) = pki("hostile.test", pad);
            let grew = big.len() as isize - small.len() as isize;
            assert!(
                grew >= pad as isize + 12 && grew <= pad as isize + 38,
                "pad {pad}: grew {grew}"
            );
        }
    }

    #[test]
    fn pki_with_escapes_puts_them_in_names() {
        let (_, _, leaf, _) = pki_with_escapes("hostile.test");
        let has = |needle: &[u8]| leaf.windows(needle.len()).any(|w| w == needle);
        assert!(has(format!("hostile.test{ESCAPES}").as_bytes()), "CN");
        assert!(has(format!("anchorkit{ESCAPES}test").as_bytes()), "O");
        assert!(has(b"evil\x1b[2J\x07\r\n\0.hostile.test"), "SAN");
        // The leaf still parses.
        anchorkit::cert::Certificate::from_der(&leaf).expect("leaf parses");
    }

    /// Sends a GET for `path` and returns the whole response.
    fn get(p: &Peer, path: &str) -> String {
        let mut s = connect(p);
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: test\r\n\r\n",
            p.addr()
        );
        s.write_all(req.as_bytes()).expect("request");
        String::from_utf8_lossy(&read_to_close(&mut s)).into_owned()
    }

    #[test]
    fn http_ok_and_requests() {
        let p = http(Http::Ok(b"DER bytes".to_vec()));
        let r = get(&p, "/ca.der");
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        assert!(r.contains("Content-Length: 9\r\n"));
        assert!(r.ends_with("\r\n\r\nDER bytes"));
        get(&p, "/other");
        assert_eq!(
            p.requests(),
            [
                format!("GET /ca.der HTTP/1.1 | Host: {}", p.addr()),
                format!("GET /other HTTP/1.1 | Host: {}", p.addr()),
            ]
        );
    }

    #[test]
    fn http_status_and_redirects() {
        let p = http(Http::Status(404));
        let r = get(&p, "/x");
        assert!(
            r.starts_with("HTTP/1.1 404 Not Found\r\n") && r.ends_with("\r\n\r\n"),
            "{r}"
        );
        assert!(r.contains("Content-Length: 0\r\n"));

        let p = http(Http::RedirectTo("http://127.0.0.1:1/next.der".into()));
        let r = get(&p, "/x");
        assert!(r.starts_with("HTTP/1.1 302 Found\r\n"), "{r}");
        assert!(r.contains("\r\nLocation: http://127.0.0.1:1/next.der\r\n"));

        let p = http(Http::RedirectLoop);
        for _ in 0..3 {
            let r = get(&p, "/loop.der");
            assert!(r.starts_with("HTTP/1.1 302 Found\r\n"), "{r}");
            assert!(r.contains(&format!("\r\nLocation: http://{}/loop.der\r\n", p.addr())));
        }
        assert_eq!(p.requests().len(), 3);
    }

    #[test]
    fn http_huge_body_streams_until_the_client_leaves() {
        let p = http_peer(Http::HugeBody, 1, LIFETIME);
        let mut s = connect(&p);
        s.write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("request");
        let mut got = vec![0u8; 8 * 1024 * 1024];
        s.read_exact(&mut got).expect("8 MiB");
        let text = String::from_utf8_lossy(&got[..200]).into_owned();
        let head = text.split("\r\n\r\n").next().expect("head");
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(!head.to_ascii_lowercase().contains("content-length"));
        assert!(got[head.len() + 4..].iter().all(|b| *b == 0));
        drop(s);
        assert_eq!(p.requests(), ["GET /big HTTP/1.1 | Host: x"]);
    }

    #[test]
    fn http_slow_status_line() {
        let p = http(Http::Slow);
        let mut s = connect(&p);
        s.write_all(b"GET / HTTP/1.0\r\n\r\n").expect("request");
        let t = Instant::now();
        let mut three = [0u8; 3];
        s.read_exact(&mut three).expect("3 bytes");
        let took = t.elapsed();
        assert_eq!(&three, b"HTT");
        assert!(took >= Duration::from_millis(1800), "{took:?}");
        assert_eq!(p.requests(), ["GET / HTTP/1.0 | Host: "]);
    }

    #[test]
    fn http_escape_status() {
        let p = http(Http::EscapeStatus);
        let r = get(&p, "/");
        assert!(
            r.starts_with("HTTP/1.1 200 \x1b[2J\x1b]0;pwned\x07OK\r\n"),
            "{r:?}"
        );
    }
}
