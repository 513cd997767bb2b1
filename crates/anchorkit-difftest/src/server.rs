//! TLS servers on 127.0.0.1 that send a scenario's Certificate message exactly as given.
//!
//! One `rustls` server per scenario, on an ephemeral loopback port, for as long as the
//! [`Servers`] value lives. The certificate list is sent byte for byte (rustls does not look at
//! the certificates it serves), so malformed, duplicated or out-of-order entries reach the
//! client as they are. The signing key is a fresh key of the leaf's family (RSA for an RSA
//! leaf, else ECDSA P-256), not the leaf's own: the client's certificate stage (parse and
//! verify the chain) runs before the key is used, and the harnesses report that stage.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use rustls::crypto::ring as provider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::corpus::Scenario;

/// The per-connection I/O bound: nothing waits longer than this.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl ResolvesServerCert for Fixed {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

fn signing_key(rsa: bool) -> Arc<dyn rustls::sign::SigningKey> {
    static RSA: OnceLock<Vec<u8>> = OnceLock::new();
    static EC: OnceLock<Vec<u8>> = OnceLock::new();
    let der = if rsa {
        RSA.get_or_init(|| {
            let kp = crate::pki::key(crate::pki::Alg::Rsa2048);
            kp.serialize_der()
        })
    } else {
        EC.get_or_init(|| crate::pki::key(crate::pki::Alg::P256).serialize_der())
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der.clone()));
    provider::default_provider()
        .key_provider
        .load_private_key(key)
        .unwrap_or_else(|e| panic!("server key: {e}"))
}

fn leaf_is_rsa(s: &Scenario) -> bool {
    s.chain
        .first()
        .and_then(|d| anchorkit::cert::Certificate::from_der_prefix(d).ok())
        .is_some_and(|(c, _)| matches!(c.key, anchorkit::cert::KeyKind::Rsa { .. }))
}

fn config(s: &Scenario) -> Arc<rustls::ServerConfig> {
    let chain: Vec<CertificateDer<'static>> = s
        .chain
        .iter()
        .map(|d| CertificateDer::from(d.clone()))
        .collect();
    let ck = CertifiedKey::new(chain, signing_key(leaf_is_rsa(s)));
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(provider::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .unwrap_or_else(|e| panic!("server config: {e}"))
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Fixed(Arc::new(ck))));
    Arc::new(cfg)
}

fn serve_one(cfg: Arc<rustls::ServerConfig>, mut sock: TcpStream) {
    let _ = sock.set_read_timeout(Some(IO_TIMEOUT));
    let _ = sock.set_write_timeout(Some(IO_TIMEOUT));
    let Ok(mut conn) = rustls::ServerConnection::new(cfg) else {
        return;
    };
    // Drive the handshake until it completes or either side gives up; errors are the point.
    while conn.is_handshaking() {
        if conn.complete_io(&mut sock).is_err() {
            break;
        }
    }
    if !conn.is_handshaking() {
        conn.send_close_notify();
        let _ = conn.complete_io(&mut sock);
    }
}

/// Running servers, one per scenario; stopped when dropped.
pub struct Servers {
    ports: Vec<u16>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Servers {
    /// Starts one server per scenario.
    pub fn start(scenarios: &[Scenario]) -> Servers {
        let stop = Arc::new(AtomicBool::new(false));
        let mut ports = Vec::new();
        let mut threads = Vec::new();
        for s in scenarios {
            let l = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
            let port = l.local_addr().map(|a| a.port()).unwrap_or(0);
            ports.push(port);
            let cfg = config(s);
            let stop = stop.clone();
            threads.push(std::thread::spawn(move || {
                for sock in l.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if let Ok(sock) = sock {
                        let cfg = cfg.clone();
                        std::thread::spawn(move || serve_one(cfg, sock));
                    }
                }
            }));
        }
        Servers {
            ports,
            stop,
            threads,
        }
    }

    /// The port serving scenario `i`.
    pub fn port(&self, i: usize) -> u16 {
        self.ports[i]
    }

    /// The address serving scenario `i`.
    pub fn addr(&self, i: usize) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.ports[i]))
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake every blocked accept so its thread sees the flag.
        for p in &self.ports {
            let _ = TcpStream::connect_timeout(
                &SocketAddr::from(([127, 0, 0, 1], *p)),
                Duration::from_secs(1),
            );
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
