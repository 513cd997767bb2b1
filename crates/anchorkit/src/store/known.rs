//! Public CA certificates compiled into the crate: the roots, cross-signs and intermediates
//! that the dated events name and that chain completion needs (Let's Encrypt's hierarchy of
//! every generation, DST Root CA X3, and the other CAs' certificates in `data/certs/`).
//!
//! Certificates are public data, shipped as `webpki-root-certs` ships roots: one PEM file per
//! certificate under `crates/anchorkit/data/certs/<owner>/`, with `#` header lines naming it,
//! its role, its owner, the URL where its CA publishes it and its SHA-256. The files are
//! compiled in by the build script and parsed on first use. A test checks every header
//! against the certificate.
//!
//! Used the way Firefox preloads intermediates: a served chain that stops below a known
//! intermediate is completed from here (see [`crate::complete`]), and every command says so.

use std::sync::OnceLock;

use serde::Serialize;

use crate::cert::Certificate;

mod files {
    include!(concat!(env!("OUT_DIR"), "/known_certs.rs"));
}

/// What a certificate is in its hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A self-signed root.
    Root,
    /// A CA that issues leaves.
    Intermediate,
    /// A root's key and name certified by another root.
    CrossSign,
}

impl Role {
    fn parse(s: &str) -> Option<Role> {
        match s {
            "root" => Some(Role::Root),
            "intermediate" => Some(Role::Intermediate),
            "cross-sign" => Some(Role::CrossSign),
            _ => None,
        }
    }

    /// The word used in the data files.
    pub fn name(self) -> &'static str {
        match self {
            Role::Root => "root",
            Role::Intermediate => "intermediate",
            Role::CrossSign => "cross-sign",
        }
    }
}

/// One compiled-in public certificate.
#[derive(Debug, Clone)]
pub struct KnownCert {
    /// Its file under `data/certs/`.
    pub file: &'static str,
    /// Its name (`R3 (issued by ISRG Root X1)`).
    pub name: String,
    /// Its role.
    pub role: Role,
    /// The CA owner (`Let's Encrypt`).
    pub owner: String,
    /// Where the CA publishes it.
    pub source: String,
    /// Where the bytes were taken from, when not from `source` itself.
    pub retrieved: Option<String>,
    /// SHA-256 of the DER as the header states it (upper-case hex).
    pub sha256: String,
    /// The certificate.
    pub cert: Certificate,
}

impl KnownCert {
    /// The short name: the subject's common name, or the subject.
    pub fn short(&self) -> String {
        self.cert.subject.short()
    }
}

/// A data file that does not hold what its header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    /// The file.
    pub file: &'static str,
    /// What is wrong.
    pub problem: String,
}

fn parse(file: &'static str, text: &str) -> Result<KnownCert, DataError> {
    let err = |problem: String| DataError { file, problem };
    let mut fields: Vec<(&str, &str)> = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix('#') else {
            break;
        };
        if let Some((k, v)) = rest.split_once(':') {
            fields.push((k.trim(), v.trim()));
        }
    }
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    let need = |k: &str| get(k).ok_or_else(|| err(format!("no '# {k}:' header line")));
    let name = need("name")?;
    let role_text = need("role")?;
    let role = Role::parse(&role_text).ok_or_else(|| err(format!("role '{role_text}'")))?;
    let owner = need("owner")?;
    let source = need("source")?;
    let sha256 = need("sha256")?.to_ascii_uppercase();
    let blocks = pem::parse_many(text).map_err(|e| err(format!("PEM: {e}")))?;
    let [block] = blocks.as_slice() else {
        return Err(err(format!("{} PEM blocks, expected one", blocks.len())));
    };
    if block.tag() != "CERTIFICATE" {
        return Err(err(format!("PEM block '{}'", block.tag())));
    }
    let cert = Certificate::from_der(block.contents()).map_err(|e| err(e.to_string()))?;
    let have = hex::encode_upper(cert.sha256());
    if have != sha256 {
        return Err(err(format!("sha256 header {sha256}, certificate {have}")));
    }
    let self_signed = cert.is_self_issued();
    if (role == Role::Root) != self_signed {
        return Err(err(format!(
            "role {} but the certificate is {}self-issued",
            role.name(),
            if self_signed { "" } else { "not " }
        )));
    }
    Ok(KnownCert {
        file,
        name,
        role,
        owner,
        source,
        retrieved: get("retrieved"),
        sha256,
        cert,
    })
}

/// Every compiled-in file checked: the problems (empty when the data is sound). The tests
/// assert it is empty; [`all`] leaves out a file with a problem.
pub fn check() -> Vec<DataError> {
    files::FILES
        .iter()
        .filter_map(|(f, t)| parse(f, t).err())
        .collect()
}

/// Every compiled-in certificate, parsed on first use.
pub fn all() -> &'static [KnownCert] {
    static ALL: OnceLock<Vec<KnownCert>> = OnceLock::new();
    ALL.get_or_init(|| {
        files::FILES
            .iter()
            .filter_map(|(f, t)| parse(f, t).ok())
            .collect()
    })
}

/// The compiled-in certificate with this SHA-256 (hex, any case).
pub fn by_sha256(hex_sha: &str) -> Option<&'static KnownCert> {
    let want = hex_sha.to_ascii_uppercase();
    all().iter().find(|k| k.sha256 == want)
}

/// The compiled-in certificate with these DER bytes.
pub fn by_der(der: &[u8]) -> Option<&'static KnownCert> {
    all().iter().find(|k| k.cert.der() == der)
}

/// Known CA certificates (intermediates and cross-signs) whose subjectKeyIdentifier is
/// `key_id`: the candidates for the issuer of a certificate with that authorityKeyIdentifier,
/// the latest-expiring first.
pub fn by_key_id(key_id: &[u8]) -> Vec<&'static KnownCert> {
    let mut v: Vec<_> = all()
        .iter()
        .filter(|k| k.role != Role::Root)
        .filter(|k| k.cert.subject_key_id.as_deref() == Some(key_id))
        .collect();
    v.sort_by_key(|k| std::cmp::Reverse(k.cert.not_after));
    v
}

/// Known CA certificates (any role) whose subject is `subject_der` (raw DER).
pub fn by_subject(subject_der: &[u8]) -> Vec<&'static KnownCert> {
    all()
        .iter()
        .filter(|k| k.cert.subject_raw() == subject_der)
        .collect()
}

/// Known certificates whose common name or name is `name` (case-insensitive): `R3`,
/// `ISRG Root X1`, `Root YR`.
pub fn by_name(name: &str) -> Vec<&'static KnownCert> {
    let n = name.trim().to_ascii_lowercase();
    all()
        .iter()
        .filter(|k| {
            k.cert
                .subject
                .common_name()
                .is_some_and(|cn| cn.to_ascii_lowercase() == n)
                || k.name.to_ascii_lowercase() == n
        })
        .collect()
}
