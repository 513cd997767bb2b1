//! `anchorkit verify` on certificates Mbed TLS reads and strict DER readers refuse, and on
//! malformed fields, from the command line as a user runs it: the verdict and code are Mbed
//! TLS's (the differential's parse class checks the same forms against the real library).

use std::path::Path;
use std::process::Command;

use anchorkit_difftest::anchorkit_bin;

use anchorkit_difftest::pki::{Alg, Node, Spec, der_wrap};

fn pem(path: &Path, ders: &[&[u8]]) {
    let text: String = ders
        .iter()
        .map(|d| anchorkit::pemutil::encode("CERTIFICATE", d))
        .collect();
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

#[test]
fn mbedtls_reads_times_without_z_and_names_the_exact_date_error() {
    let bin = anchorkit_bin();
    let dir = std::env::temp_dir().join(format!("anchorkit-parse-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let host = "device.example.test";
    let root = Node::root(&Spec::ca("CLI Parse Root"), Alg::P256);
    let int = root.issue(&Spec::ca("CLI Parse Intermediate"), Alg::P256);
    let mut spec = Spec::leaf(host);
    spec.explicit_no_ca = false;
    let validity = |a: &str, b: &str| {
        der_wrap(
            0x30,
            &[der_wrap(0x17, a.as_bytes()), der_wrap(0x17, b.as_bytes())].concat(),
        )
    };
    let no_z = int.issue_mutated(&spec, &|f| f[4] = validity("240101000000", "260101000000"));
    let no_seconds = int.issue_mutated(&spec, &|f| f[4] = validity("2401010000Z", "260101000000Z"));
    // Strict readers refuse the first: it is not a certificate to them.
    assert!(anchorkit::cert::Certificate::from_der(&no_z).is_err());
    pem(&dir.join("root.pem"), &[&root.der]);
    let judge = |leaf: &[u8], profile: &str, at: &str| {
        let chain = dir.join("chain.pem");
        pem(&chain, &[leaf, &int.der]);
        let out = Command::new(&bin)
            .args(["--json", "verify", "--trust"])
            .arg(dir.join("root.pem"))
            .arg("--chain")
            .arg(&chain)
            .args([
                "--host",
                host,
                "--at",
                at,
                "--profile",
                profile,
                "--time-check",
                "on",
            ])
            .output()
            .expect("runs");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (
            out.status.code(),
            v["code"].as_str().unwrap_or_default().to_string(),
            v,
        )
    };
    for profile in ["mbedtls-3.6", "mbedtls-2.28", "esp-idf-5.4"] {
        let (code, got, v) = judge(&no_z, profile, "2025-01-01");
        assert_eq!((code, got.as_str()), (Some(0), "0"), "{profile}: {v}");
        // The dates are read: after notAfter the leaf is expired.
        let (_, got, v) = judge(&no_z, profile, "2027-01-01");
        assert_eq!(got, "-0x2700", "{profile}: {v}");
        assert!(v["flag_names"].to_string().contains("EXPIRED"), "{v}");
        // Without seconds: MBEDTLS_ERR_X509_INVALID_DATE, nothing lower.
        let (code, got, v) = judge(&no_seconds, profile, "2025-01-01");
        assert_eq!((code, got.as_str()), (Some(1), "-0x2400"), "{profile}: {v}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
