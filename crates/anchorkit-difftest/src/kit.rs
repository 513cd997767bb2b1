//! A small certificate authority on top of the `openssl` command, for what rcgen cannot make:
//! every key type and curve, every digest, RSASSA-PSS with any parameters, odd RSA sizes,
//! policies and other extensions written as OpenSSL config text.
//!
//! Certificates are valid from the moment they are made; scenarios using them verify at
//! [`Kit::at`] (one day later).

use anchorkit::testsupport::openssl as run;
use std::path::{Path, PathBuf};

/// A key algorithm, as `openssl genpkey` makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAlg {
    /// RSA of this many bits.
    Rsa(u32),
    /// An EC key on this OpenSSL curve name (e.g. `prime256v1`, `secp192k1`).
    Ec(&'static str),
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
    /// A committed test key file (under `crates/anchorkit-difftest/testkeys/`).
    File(&'static str),
}

/// How the issuer signs: the digest flag and `-sigopt` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sig {
    /// `sha256`, `md5`, ...; empty for Ed25519/Ed448.
    pub md: &'static str,
    /// `-sigopt` values, e.g. `rsa_padding_mode:pss`.
    pub opts: Vec<String>,
}

impl Sig {
    /// Plain digest.
    pub fn md(md: &'static str) -> Sig {
        Sig {
            md,
            opts: Vec::new(),
        }
    }

    /// RSASSA-PSS with this digest, salt length and MGF1 digest.
    pub fn pss(md: &'static str, salt: i32, mgf1: &'static str) -> Sig {
        Sig {
            md,
            opts: vec![
                "rsa_padding_mode:pss".into(),
                format!("rsa_pss_saltlen:{salt}"),
                format!("rsa_mgf1_md:{mgf1}"),
            ],
        }
    }

    /// No digest (Ed25519, Ed448).
    pub fn pure() -> Sig {
        Sig::md("")
    }
}

/// A certificate made by the kit, with its key file.
#[derive(Debug, Clone)]
pub struct KitCert {
    /// DER.
    pub der: Vec<u8>,
    /// PEM file.
    pub pem: PathBuf,
    /// Private key file.
    pub key: PathBuf,
}

/// The kit: a temporary directory and a counter.
pub struct Kit {
    dir: PathBuf,
    n: usize,
    /// The verification time for everything made here.
    pub at: i64,
}

/// Extensions of a CA.
pub const CA_EXT: &[&str] = &[
    "basicConstraints=critical,CA:TRUE",
    "keyUsage=critical,keyCertSign,cRLSign",
];

/// Extensions of a server leaf for `device.example.test`.
pub const LEAF_EXT: &[&str] = &[
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature",
    "extendedKeyUsage=serverAuth",
    "subjectAltName=DNS:device.example.test",
];

impl Kit {
    /// A new kit in a fresh temporary directory.
    pub fn new(tag: &str) -> Kit {
        let dir = std::env::temp_dir().join(format!("anchorkit-kit-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        std::fs::write(dir.join("min.cnf"), "[req]\ndistinguished_name=dn\n[dn]\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
            + 86_400;
        Kit { dir, n: 0, at }
    }

    fn next(&mut self) -> usize {
        self.n += 1;
        self.n
    }

    /// A fresh private key.
    pub fn key(&mut self, alg: &KeyAlg) -> PathBuf {
        let i = self.next();
        let out = self.dir.join(format!("k{i}.pem"));
        let o = out.display().to_string();
        match alg {
            KeyAlg::Rsa(bits) => run(
                &self.dir,
                &[
                    "genpkey",
                    "-algorithm",
                    "RSA",
                    "-pkeyopt",
                    &format!("rsa_keygen_bits:{bits}"),
                    "-out",
                    &o,
                ],
            ),
            KeyAlg::Ec(curve) => run(
                &self.dir,
                &[
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    &format!("ec_paramgen_curve:{curve}"),
                    "-pkeyopt",
                    "ec_param_enc:named_curve",
                    "-out",
                    &o,
                ],
            ),
            KeyAlg::Ed25519 => run(&self.dir, &["genpkey", "-algorithm", "ED25519", "-out", &o]),
            KeyAlg::Ed448 => run(&self.dir, &["genpkey", "-algorithm", "ED448", "-out", &o]),
            KeyAlg::File(name) => {
                let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("testkeys")
                    .join(name);
                std::fs::copy(&src, &out).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
            }
        }
        out
    }

    /// Makes a certificate for `key` with `subject`, issued by `issuer` (self-signed when
    /// `None`), signed with `sig`, carrying `exts` (OpenSSL `-addext` lines).
    pub fn cert(
        &mut self,
        subject: &str,
        key: &Path,
        issuer: Option<&KitCert>,
        sig: &Sig,
        exts: &[&str],
        days: u32,
    ) -> KitCert {
        let i = self.next();
        let pem = self.dir.join(format!("c{i}.pem"));
        let mut args: Vec<String> = vec![
            "req".into(),
            "-x509".into(),
            "-new".into(),
            "-config".into(),
            "min.cnf".into(),
            "-key".into(),
            key.display().to_string(),
            "-subj".into(),
            subject.into(),
            "-days".into(),
            days.to_string(),
            "-set_serial".into(),
            (1000 + i).to_string(),
            "-out".into(),
            pem.display().to_string(),
        ];
        if !sig.md.is_empty() {
            args.push(format!("-{}", sig.md));
        }
        for o in &sig.opts {
            args.push("-sigopt".into());
            args.push(o.clone());
        }
        for e in exts {
            args.push("-addext".into());
            args.push((*e).to_string());
        }
        if let Some(ca) = issuer {
            args.push("-CA".into());
            args.push(ca.pem.display().to_string());
            args.push("-CAkey".into());
            args.push(ca.key.display().to_string());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&self.dir, &refs);
        let der = pem_der(&pem);
        KitCert {
            der,
            pem,
            key: key.to_path_buf(),
        }
    }

    /// A self-signed CA with a fresh key.
    pub fn root(&mut self, cn: &str, alg: &KeyAlg, sig: &Sig) -> KitCert {
        let k = self.key(alg);
        self.cert(
            &format!("/O=anchorkit test/CN={cn}"),
            &k,
            None,
            sig,
            CA_EXT,
            3650,
        )
    }

    /// A CA issued by `issuer`, with a fresh key.
    pub fn ca(&mut self, issuer: &KitCert, cn: &str, alg: &KeyAlg, sig: &Sig) -> KitCert {
        let k = self.key(alg);
        self.cert(
            &format!("/O=anchorkit test/CN={cn}"),
            &k,
            Some(issuer),
            sig,
            CA_EXT,
            3000,
        )
    }

    /// A server leaf for `device.example.test` issued by `issuer`, with a fresh key.
    pub fn leaf(&mut self, issuer: &KitCert, alg: &KeyAlg, sig: &Sig) -> KitCert {
        let k = self.key(alg);
        self.cert(
            "/CN=device.example.test",
            &k,
            Some(issuer),
            sig,
            LEAF_EXT,
            700,
        )
    }
}

impl Kit {
    /// A version 1 certificate (no extensions at all) for a fresh key of `alg`, issued by
    /// `issuer` or self-signed.
    pub fn v1(&mut self, subject: &str, alg: &KeyAlg, issuer: Option<&KitCert>) -> KitCert {
        let key = self.key(alg);
        let i = self.next();
        let csr = self.dir.join(format!("r{i}.csr"));
        let pem = self.dir.join(format!("c{i}.pem"));
        run(
            &self.dir,
            &[
                "req",
                "-new",
                "-config",
                "min.cnf",
                "-key",
                &key.display().to_string(),
                "-subj",
                subject,
                "-out",
                &csr.display().to_string(),
            ],
        );
        let mut args: Vec<String> = vec![
            "x509".into(),
            "-req".into(),
            "-in".into(),
            csr.display().to_string(),
            "-days".into(),
            "700".into(),
            "-sha256".into(),
            "-set_serial".into(),
            (1000 + i).to_string(),
            "-out".into(),
            pem.display().to_string(),
        ];
        match issuer {
            Some(ca) => {
                args.extend([
                    "-CA".into(),
                    ca.pem.display().to_string(),
                    "-CAkey".into(),
                    ca.key.display().to_string(),
                ]);
            }
            None => {
                args.extend(["-signkey".into(), key.display().to_string()]);
            }
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&self.dir, &refs);
        KitCert {
            der: pem_der(&pem),
            pem,
            key,
        }
    }
}

impl Drop for Kit {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The DER of the first certificate in a PEM file.
pub fn pem_der(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    anchorkit::intake::pem::scan(&text)
        .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message))
        .into_iter()
        .next()
        .map(|b| b.der)
        .unwrap_or_else(|| panic!("{}: no certificate", path.display()))
}
