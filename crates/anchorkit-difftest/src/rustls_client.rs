//! rustls as the client: `WebPkiServerVerifier` (rustls-webpki) with only the scenario's trust,
//! at the scenario's time, in a real TLS handshake with the loopback server.
//!
//! The verifier is wrapped to pass the scenario time and to record its answer. rustls always
//! checks a server name; for a scenario without one, a name mismatch (which rustls-webpki
//! reports only after the path verified) counts as success, as a client without a name check
//! would see it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::ring as provider;
use rustls::{CertificateError, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::corpus::Scenario;
use crate::real::{Outcome, Stage};

#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    at: UnixTime,
    no_name: bool,
    seen: Mutex<Option<Result<(), Error>>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let mut r = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, self.at)
            .map(|_| ());
        if self.no_name
            && matches!(
                r,
                Err(Error::InvalidCertificate(
                    CertificateError::NotValidForName
                        | CertificateError::NotValidForNameContext { .. }
                ))
            )
        {
            r = Ok(());
        }
        if let Ok(mut g) = self.seen.lock() {
            *g = Some(r.clone());
        }
        r.map(|()| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The name rustls reports for an error, as compared with anchorkit's `webpki` profile.
pub fn error_class(e: &Error) -> String {
    match e {
        Error::InvalidCertificate(c) => match c {
            CertificateError::Other(o) => {
                let s = format!("{o:?}");
                // OtherError(CaUsedAsEndEntity) -> CaUsedAsEndEntity
                let inner = s
                    .trim_start_matches("OtherError(")
                    .trim_end_matches(')')
                    .to_string();
                inner
                    .split(['(', ' ', '{'])
                    .next()
                    .unwrap_or(&inner)
                    .to_string()
            }
            other => {
                let s = format!("{other:?}");
                s.split(['(', ' ', '{']).next().unwrap_or(&s).to_string()
            }
        },
        other => {
            let s = format!("{other:?}");
            s.split(['(', ' ', '{']).next().unwrap_or(&s).to_string()
        }
    }
}

/// One handshake with rustls as the client.
pub fn handshake(s: &Scenario, addr: SocketAddr) -> Outcome {
    let pre = |code: &str| Outcome {
        code: code.to_string(),
        flags: None,
        stage: Stage::Pre,
    };
    let mut roots = RootCertStore::empty();
    for d in &s.trust {
        // The certificate of a TRUSTED CERTIFICATE entry (its OpenSSL settings are OpenSSL's).
        let n = crate::der_len(d).unwrap_or(d.len()).min(d.len());
        let _ = roots.add(CertificateDer::from(d[..n].to_vec()));
    }
    let prov = Arc::new(provider::default_provider());
    let inner =
        match WebPkiServerVerifier::builder_with_provider(Arc::new(roots), prov.clone()).build() {
            Ok(v) => v,
            // No usable anchor at all: rustls refuses to build the verifier.
            Err(_) => {
                return Outcome {
                    code: "UnknownIssuer".into(),
                    flags: None,
                    stage: Stage::Cert,
                };
            }
        };
    let rec = Arc::new(Recording {
        inner,
        at: UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(s.at).unwrap_or(0))),
        no_name: s.host.is_none(),
        seen: Mutex::new(None),
    });
    let Ok(builder) = rustls::ClientConfig::builder_with_provider(prov)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
    else {
        return pre("config");
    };
    let cfg = builder
        .dangerous()
        .with_custom_certificate_verifier(rec.clone())
        .with_no_client_auth();
    let name = match &s.host {
        Some(h) => match ServerName::try_from(h.clone()) {
            Ok(n) => n,
            Err(_) => {
                return Outcome {
                    code: "InvalidServerName".into(),
                    flags: None,
                    stage: Stage::Cert,
                };
            }
        },
        None => ServerName::try_from("anchorkit.invalid").unwrap_or_else(|e| panic!("{e}")),
    };
    let Ok(mut conn) = rustls::ClientConnection::new(Arc::new(cfg), name) else {
        return pre("connection");
    };
    let Ok(mut sock) = TcpStream::connect_timeout(&addr, Duration::from_secs(10)) else {
        return pre("connect");
    };
    let _ = sock.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = sock.set_write_timeout(Some(Duration::from_secs(10)));
    let mut err = None;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut sock) {
            err = Some(e);
            break;
        }
    }
    let _ = sock.flush();
    let _ = sock.read(&mut [0u8; 0]);
    let seen = rec.seen.lock().ok().and_then(|g| g.clone());
    match (seen, err) {
        (Some(Ok(())), None) => Outcome {
            code: "0".into(),
            flags: None,
            stage: Stage::Done,
        },
        (Some(Ok(())), Some(_)) => Outcome {
            code: "0".into(),
            flags: None,
            stage: Stage::Post,
        },
        (Some(Err(e)), _) => Outcome {
            code: error_class(&e),
            flags: None,
            stage: Stage::Cert,
        },
        // The Certificate message itself was refused (e.g. an empty or undecodable one).
        (None, Some(e)) => {
            let msg = e.to_string();
            let class = match e.into_inner() {
                Some(inner) => inner
                    .downcast::<Error>()
                    .map(|x| error_class(&x))
                    .unwrap_or(msg),
                None => msg,
            };
            Outcome {
                code: class,
                flags: None,
                stage: Stage::Cert,
            }
        }
        (None, None) => pre("no-verification"),
    }
}
