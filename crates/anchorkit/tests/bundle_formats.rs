//! The bundle writers: byte-identical to ESP-IDF's generator on every vector, and every format
//! read back, compiled, listed or parsed by the real tool that consumes it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anchorkit::anchor::TrustAnchor;
use anchorkit::bundle::formats::{
    self, AR_MAGIC, BEARSSL_TA_STRUCT_BYTES, OutputFormat, Rendered, ar_members, brssl_ta_body,
    read_back, render, rust_anchor,
};
use anchorkit::intake::{Found, read_bytes, read_path};
use anchorkit::testsupport::data;

fn anchors(rel: &str) -> Vec<TrustAnchor> {
    read_path(&data(rel))
        .expect("input")
        .iter()
        .map(Found::to_anchor)
        .collect()
}

fn file(r: Rendered) -> Vec<u8> {
    match r {
        Rendered::File(b) => b,
        Rendered::Dir(_) => panic!("expected one file"),
    }
}

fn tmp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ak-formats-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("tmp");
    d
}

/// A few real roots of both key types, plus the user story's cross-sign (a CA certificate
/// that is not self-signed).
fn sample() -> (Vec<TrustAnchor>, Vec<Option<String>>) {
    let mut set = anchors("certs/letsencrypt/isrgrootx1.pem");
    set.extend(anchors("certs/letsencrypt/isrg-root-x2.pem"));
    set.extend(anchors(
        "esp-idf/test_vectors/new_format_v5.4plus/baltimore.der",
    ));
    set.extend(anchors("certs/dst-root-ca-x3.pem"));
    let owners = vec![
        Some("Internet Security Research Group".to_string()),
        Some("Internet Security Research Group".to_string()),
        None,
        Some("Digital Signature Trust Co.".to_string()),
    ];
    (set, owners)
}

fn cc(args: &[&str]) -> std::process::Output {
    Command::new("cc").args(args).output().expect("cc runs")
}

#[test]
fn esp_bundles_are_byte_identical_to_every_test_vector() {
    let cases = [
        (
            "legacy_format_v4.2-v5.3",
            "baltimore.der",
            "baltimore_crt_bundle",
            OutputFormat::EspBundleLegacy,
        ),
        (
            "legacy_format_v4.2-v5.3",
            "entrust.pem",
            "entrust_crt_bundle",
            OutputFormat::EspBundleLegacy,
        ),
        (
            "new_format_v5.4plus",
            "baltimore.der",
            "baltimore_crt_bundle",
            OutputFormat::EspBundle,
        ),
        (
            "new_format_v5.4plus",
            "entrust.pem",
            "entrust_crt_bundle",
            OutputFormat::EspBundle,
        ),
        (
            "new_format_v5.4plus",
            "server_root.pem",
            "server_cert_bundle",
            OutputFormat::EspBundle,
        ),
    ];
    for (dir, input, expected, format) in cases {
        let a = anchors(&format!("esp-idf/test_vectors/{dir}/{input}"));
        let got = file(render(format, &a, &[]).expect("render"));
        let want =
            std::fs::read(data(&format!("esp-idf/test_vectors/{dir}/{expected}"))).expect("vector");
        assert_eq!(got, want, "{dir}/{expected}");
        assert_eq!(format.total_cost(&a), want.len(), "{dir}/{expected} cost");
    }
}

/// Every ESP bundle file in the shared data (vectors whose inputs we lack included): read back
/// through intake and written again, it is the same bytes; and its cost is its size.
#[test]
fn every_bundle_file_rewrites_to_itself() {
    let mut n = 0;
    for dir in [
        "esp-idf/test_vectors/legacy_format_v4.2-v5.3",
        "esp-idf/test_vectors/new_format_v5.4plus",
        "esp-idf/reference-bundles",
    ] {
        for entry in std::fs::read_dir(data(dir)).expect("dir") {
            let p = entry.expect("entry").path();
            let name = p.file_name().and_then(|x| x.to_str()).unwrap_or_default();
            if !(name.ends_with("bundle") || name.ends_with(".bin")) {
                continue;
            }
            let bytes = std::fs::read(&p).expect("read");
            let found = read_bytes(name, &bytes).expect("a bundle");
            let format = match found.first().map(|f| f.origin.format) {
                Some(anchorkit::intake::Format::EspBundleLegacy) => OutputFormat::EspBundleLegacy,
                Some(anchorkit::intake::Format::EspBundle) => OutputFormat::EspBundle,
                other => panic!("{name}: {other:?}"),
            };
            let a: Vec<TrustAnchor> = found.iter().map(Found::to_anchor).collect();
            assert_eq!(
                file(render(format, &a, &[]).expect("render")),
                bytes,
                "{name}"
            );
            assert_eq!(format.total_cost(&a), bytes.len(), "{name}");
            n += 1;
        }
    }
    assert_eq!(n, 11, "7 vectors and 4 reference bundles");
}

#[test]
fn records_sort_stably_by_subject_bytes_and_duplicates_stay() {
    let (set, _) = sample();
    let mut twice = set.clone();
    twice.extend(set.iter().cloned());
    let b = file(render(OutputFormat::EspBundleLegacy, &twice, &[]).expect("render"));
    let back: Vec<TrustAnchor> = read_bytes("b", &b)
        .expect("reads")
        .iter()
        .map(Found::to_anchor)
        .collect();
    assert_eq!(back.len(), 8);
    let subjects: Vec<&[u8]> = back.iter().map(TrustAnchor::subject_raw).collect();
    let mut sorted = subjects.clone();
    sorted.sort();
    assert_eq!(subjects, sorted);
    // Offset table: offsets[0] = 4N, each next = previous + record.
    let b = file(render(OutputFormat::EspBundle, &set, &[]).expect("render"));
    let o0 = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    assert_eq!(o0, 16);
    assert_eq!(
        b.len(),
        16 + set.iter().map(TrustAnchor::esp_record_len).sum::<usize>()
    );
}

#[test]
fn every_format_reads_back_to_the_same_anchors() {
    let (set, owners) = sample();
    for f in OutputFormat::ALL {
        let r = render(f, &set, &owners).unwrap_or_else(|e| panic!("{}: {e}", f.name()));
        let back = read_back(f, &r, &set).unwrap_or_else(|e| panic!("{}: {e}", f.name()));
        let key = |a: &TrustAnchor| (a.subject_raw().to_vec(), a.spki_raw().to_vec());
        let mut got: Vec<_> = back.iter().map(key).collect();
        let mut want: Vec<_> = set.iter().map(key).collect();
        if f.is_esp_bundle() {
            want.sort();
            got.sort();
        }
        assert_eq!(got, want, "{}", f.name());
    }
    // A BearSSL or Rust file that does not hold the intended anchors does not read back.
    let r = render(OutputFormat::Bearssl, &set, &owners).expect("render");
    assert!(read_back(OutputFormat::Bearssl, &r, &set[..1]).is_err());
    let r = render(OutputFormat::Rust, &set, &owners).expect("render");
    assert!(read_back(OutputFormat::Rust, &r, &set[1..]).is_err());
}

#[test]
fn formats_needing_certificates_refuse_bare_records_and_bearssl_refuses_other_keys() {
    let b = std::fs::read(data(
        "esp-idf/test_vectors/new_format_v5.4plus/entrust_crt_bundle",
    ))
    .expect("vector");
    let bare: Vec<TrustAnchor> = read_bytes("b", &b)
        .expect("bundle")
        .iter()
        .map(Found::to_anchor)
        .collect();
    for f in OutputFormat::ALL {
        let r = render(f, &bare, &[]);
        assert_eq!(r.is_ok(), f.anchors_only(), "{}", f.name());
    }
}

/// The C outputs compile; `sizeof` of what they put in flash equals the reported cost.
#[test]
fn c_outputs_compile_and_their_sizeof_is_the_cost() {
    let (set, owners) = sample();
    let dir = tmp("c");
    for (f, ext, probe) in [
        (
            OutputFormat::C,
            "c",
            "size_t n = sizeof server_root_cert_pem;",
        ),
        (OutputFormat::Arduino, "c", "size_t n = sizeof root_ca;"),
        (
            OutputFormat::CArray,
            "c",
            "size_t n = 0; for (int i = 0; i < TRUST_ANCHORS_DER_NUM; i++) n += trust_anchors_der_len[i] * (trust_anchors_der[i] != 0);",
        ),
    ] {
        let src = String::from_utf8(file(render(f, &set, &owners).expect("render"))).expect("utf8");
        let p = dir.join(format!("{}.{ext}", f.name()));
        let prog = format!(
            "#define PROGMEM\n#include <stdio.h>\n{src}\nint main(void) {{ {probe} printf(\"%zu\", n); return 0; }}\n"
        );
        std::fs::write(&p, prog).expect("write");
        let exe = dir.join(f.name());
        let out = cc(&[
            "-Wall",
            "-Werror",
            "-o",
            exe.to_str().unwrap_or_default(),
            p.to_str().unwrap_or_default(),
        ]);
        assert!(
            out.status.success(),
            "{}: {}",
            f.name(),
            String::from_utf8_lossy(&out.stderr)
        );
        let run = Command::new(&exe).output().expect("runs");
        let size: usize = String::from_utf8_lossy(&run.stdout).parse().expect("size");
        assert_eq!(size, f.total_cost(&set), "{}", f.name());
        // And intake reads the source back as the same certificates, in order.
        let back = read_bytes("src", src.as_bytes()).expect("reads");
        let ders: Vec<Vec<u8>> = back
            .iter()
            .filter_map(|x| x.cert().map(|c| c.der().to_vec()))
            .collect();
        let want: Vec<Vec<u8>> = set
            .iter()
            .filter_map(|a| a.cert.as_ref().map(|c| c.der().to_vec()))
            .collect();
        assert_eq!(ders, want, "{}", f.name());
    }
    // The header has an include guard: including it twice compiles.
    let h = dir.join("ca.h");
    std::fs::write(
        &h,
        file(render(OutputFormat::C, &set, &owners).expect("render")),
    )
    .expect("w");
    let twice = dir.join("twice.c");
    std::fs::write(
        &twice,
        "#include \"ca.h\"\n#include \"ca.h\"\nconst char *p = server_root_cert_pem;\n",
    )
    .expect("w");
    assert!(
        cc(&["-fsyntax-only", twice.to_str().unwrap_or_default()])
            .status
            .success()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `brssl ta` semantics checked by the real BearSSL: a harness decodes the same certificates
/// with `br_x509_decoder` and prints them in the `brssl ta` layout; the bodies are equal. Then
/// the generated anchors, compiled in, validate a real chain with `br_x509_minimal`.
#[test]
fn bearssl_output_equals_what_bearssl_decodes_and_validates_a_chain() {
    let (set, owners) = sample();
    let dir = tmp("bearssl");
    let src = String::from_utf8(file(
        render(OutputFormat::Bearssl, &set, &owners).expect("r"),
    ))
    .expect("utf8");
    let body = brssl_ta_body(&set).expect("body");
    assert!(src.ends_with(&body));
    assert!(body.starts_with("\nstatic const unsigned char TA0_DN[] = {\n\t0x30,"));
    assert!(body.ends_with("\n};\n\n#define TAs_NUM   4\n"));
    // DST Root CA X3 and the others are CAs; every flag says so.
    assert_eq!(body.matches("BR_X509_TA_CA,").count(), 4);

    let ders: Vec<&[u8]> = set
        .iter()
        .filter_map(|a| a.cert.as_ref().map(|c| c.der()))
        .collect();
    let mut arrays = String::new();
    for (i, d) in ders.iter().enumerate() {
        arrays.push_str(&format!("static const unsigned char C{i}[] = {{"));
        arrays.push_str(
            &d.iter()
                .map(|b| format!("{b}"))
                .collect::<Vec<_>>()
                .join(","),
        );
        arrays.push_str("};\n");
    }
    let list = (0..ders.len())
        .map(|i| format!("{{C{i}, sizeof C{i}}}"))
        .collect::<Vec<_>>()
        .join(", ");
    let harness = format!(
        r#"#include <stdio.h>
#include <string.h>
#include <bearssl.h>
{arrays}
struct blob {{ const unsigned char *p; size_t n; }};
static const struct blob certs[] = {{ {list} }};
static unsigned char dn[4096]; static size_t dn_len;
static void dn_cb(void *ctx, const void *buf, size_t len) {{ (void)ctx; memcpy(dn + dn_len, buf, len); dn_len += len; }}
static void blob(const char *name, const unsigned char *b, size_t n) {{
    printf("\nstatic const unsigned char %s[] = {{", name);
    for (size_t u = 0; u < n; u++) {{ if (u) printf(","); printf(u % 12 ? " " : "\n\t"); printf("0x%02X", b[u]); }}
    printf("\n}};\n");
}}
int main(void) {{
    size_t num = sizeof certs / sizeof certs[0];
    int ca[16]; int type[16]; int curve[16];
    for (size_t i = 0; i < num; i++) {{
        br_x509_decoder_context dc; char nm[32];
        dn_len = 0;
        br_x509_decoder_init(&dc, dn_cb, NULL);
        br_x509_decoder_push(&dc, certs[i].p, certs[i].n);
        br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
        if (pk == NULL) {{ fprintf(stderr, "decode error %d\n", br_x509_decoder_last_error(&dc)); return 1; }}
        ca[i] = br_x509_decoder_isCA(&dc); type[i] = pk->key_type;
        sprintf(nm, "TA%zu_DN", i); blob(nm, dn, dn_len);
        if (pk->key_type == BR_KEYTYPE_RSA) {{
            sprintf(nm, "TA%zu_RSA_N", i); blob(nm, pk->key.rsa.n, pk->key.rsa.nlen);
            sprintf(nm, "TA%zu_RSA_E", i); blob(nm, pk->key.rsa.e, pk->key.rsa.elen);
        }} else {{
            curve[i] = pk->key.ec.curve;
            sprintf(nm, "TA%zu_EC_Q", i); blob(nm, pk->key.ec.q, pk->key.ec.qlen);
        }}
    }}
    printf("\nstatic const br_x509_trust_anchor TAs[%zu] = {{", num);
    for (size_t i = 0; i < num; i++) {{
        if (i) printf(",");
        printf("\n\t{{\n\t\t(unsigned char *)TA%zu_DN, sizeof TA%zu_DN,\n\t\t%s,\n\t\t{{\n", i, i, ca[i] ? "BR_X509_TA_CA" : "0");
        if (type[i] == BR_KEYTYPE_RSA)
            printf("\t\t\tBR_KEYTYPE_RSA,\n\t\t\t{{ .rsa = {{\n\t\t\t\t(unsigned char *)TA%zu_RSA_N, sizeof TA%zu_RSA_N,\n\t\t\t\t(unsigned char *)TA%zu_RSA_E, sizeof TA%zu_RSA_E,\n\t\t\t}} }}\n", i, i, i, i);
        else
            printf("\t\t\tBR_KEYTYPE_EC,\n\t\t\t{{ .ec = {{\n\t\t\t\t%s,\n\t\t\t\t(unsigned char *)TA%zu_EC_Q, sizeof TA%zu_EC_Q,\n\t\t\t}} }}\n",
                curve[i] == BR_EC_secp256r1 ? "BR_EC_secp256r1" : curve[i] == BR_EC_secp384r1 ? "BR_EC_secp384r1" : "BR_EC_secp521r1", i, i);
        printf("\t\t}}\n\t}}");
    }}
    printf("\n}};\n\n#define TAs_NUM   %zu\n", num);
    return 0;
}}
"#
    );
    let p = dir.join("decode.c");
    std::fs::write(&p, harness).expect("write");
    let exe = dir.join("decode");
    let out = cc(&[
        "-I/usr/include/bearssl",
        "-o",
        exe.to_str().unwrap_or_default(),
        p.to_str().unwrap_or_default(),
        "-lbearssl",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().expect("runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&run.stdout), body);

    // The anchors validate the user story's chain (leaf, R3, cross-signed X1) in BearSSL at
    // 2022-04-06: the minimal engine finds ISRG Root X1 by the DN of R3's issuer.
    let mut chain = Vec::new();
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/user-story/served-leaf.pem");
    for p in [
        example,
        data("certs/letsencrypt/lets-encrypt-r3.pem"),
        data("certs/letsencrypt/isrg-root-x1-cross-signed.pem"),
    ] {
        chain.push(
            read_path(&p).expect("cert")[0]
                .cert()
                .expect("cert")
                .der()
                .to_vec(),
        );
    }
    let mut certs = String::new();
    for (i, d) in chain.iter().enumerate() {
        certs.push_str(&format!(
            "static unsigned char K{i}[] = {{{}}};\n",
            d.iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    let validate = format!(
        r#"{src}
#include <stdio.h>
{certs}
int main(void) {{
    br_x509_minimal_context xc;
    br_x509_minimal_init_full(&xc, TAs, TAs_NUM);
    /* 2022-04-06: days since year 0 and seconds. */
    br_x509_minimal_set_time(&xc, 738616, 0);
    const br_x509_class **vt = &xc.vtable;
    (*vt)->start_chain(vt, NULL);
    unsigned char *c[3] = {{K0, K1, K2}}; size_t n[3] = {{sizeof K0, sizeof K1, sizeof K2}};
    for (int i = 0; i < 3; i++) {{ (*vt)->start_cert(vt, n[i]); (*vt)->append(vt, c[i], n[i]); (*vt)->end_cert(vt); }}
    unsigned err = (*vt)->end_chain(vt);
    printf("%u", err);
    return 0;
}}
"#
    );
    let p = dir.join("validate.c");
    std::fs::write(&p, validate).expect("write");
    let exe = dir.join("validate");
    let out = cc(&[
        "-I/usr/include/bearssl",
        "-o",
        exe.to_str().unwrap_or_default(),
        p.to_str().unwrap_or_default(),
        "-lbearssl",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "0",
        "br_x509_minimal error code"
    );
    // Flash cost: the arrays plus one 32-byte anchor struct per anchor.
    let arrays: usize = set
        .iter()
        .map(|a| a.subject_raw().len() + formats::bearssl_key(a).expect("key").key_bytes())
        .sum();
    assert_eq!(
        OutputFormat::Bearssl.total_cost(&set),
        arrays + 4 * BEARSSL_TA_STRUCT_BYTES
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The archive is what `ar q certs.ar ca_*.der` makes (GNU ar, deterministic), `ar t` lists
/// its members, and its size is the cost.
#[test]
fn certstore_equals_gnu_ar_and_lists() {
    let (set, _) = sample();
    let dir = tmp("ar");
    let ours = file(render(OutputFormat::Esp8266Certstore, &set, &[]).expect("render"));
    assert!(ours.starts_with(AR_MAGIC));
    assert_eq!(ours.len(), OutputFormat::Esp8266Certstore.total_cost(&set));
    let mut names = Vec::new();
    for (i, a) in set.iter().enumerate() {
        let n = format!("ca_{i:03}.der");
        std::fs::write(dir.join(&n), a.cert.as_ref().expect("cert").der()).expect("write");
        names.push(n);
    }
    let st = Command::new("ar")
        .current_dir(&dir)
        .arg("qD")
        .arg("ref.ar")
        .args(&names)
        .output()
        .expect("ar");
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    assert_eq!(std::fs::read(dir.join("ref.ar")).expect("ref"), ours);
    std::fs::write(dir.join("certs.ar"), &ours).expect("write");
    let t = Command::new("ar")
        .current_dir(&dir)
        .args(["t", "certs.ar"])
        .output()
        .expect("ar t");
    assert_eq!(
        String::from_utf8_lossy(&t.stdout),
        format!("{}\n", names.join("\n"))
    );
    let members = ar_members(&ours).expect("members");
    assert_eq!(members.len(), 4);
    assert!(ar_members(&ours[..ours.len() - 1]).is_err());
    assert!(ar_members(b"not an archive").is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The Rust anchors are what `webpki::anchor_from_trusted_cert` makes (name constraints
/// included), and the file compiles against `rustls-pki-types`.
#[test]
fn rust_output_matches_webpki_and_compiles() {
    let (set, owners) = sample();
    for a in &set {
        let der = rustls_pki_types::CertificateDer::from(a.cert.as_ref().expect("cert").der());
        let w = webpki::anchor_from_trusted_cert(&der).expect("webpki");
        let r = rust_anchor(a);
        assert_eq!(r.subject, w.subject.as_ref());
        assert_eq!(r.spki, w.subject_public_key_info.as_ref());
        assert_eq!(r.name_constraints.as_deref(), w.name_constraints.as_deref());
    }
    // A certificate with name constraints keeps them (rcgen builds one).
    let key = rcgen::KeyPair::generate().expect("key");
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.distinguished_name
        .push(rcgen::DnType::CommonName, "Constrained CA");
    p.name_constraints = Some(rcgen::NameConstraints {
        permitted_subtrees: vec![rcgen::GeneralSubtree::DnsName("example.com".into())],
        excluded_subtrees: vec![],
    });
    let c = p.self_signed(&key).expect("cert");
    let cert = anchorkit::cert::Certificate::from_der(c.der()).expect("parse");
    let a = TrustAnchor::from_cert(cert, anchorkit::intake::Origin::builtin("t", 0));
    let w = webpki::anchor_from_trusted_cert(c.der()).expect("webpki");
    assert!(w.name_constraints.is_some());
    assert_eq!(
        rust_anchor(&a).name_constraints.as_deref(),
        w.name_constraints.as_deref()
    );
    let mut all = set.clone();
    all.push(a);
    let src = file(render(OutputFormat::Rust, &all, &owners).expect("render"));
    assert!(String::from_utf8_lossy(&src).contains("name_constraints: Some(Der::from_slice(b\""));

    // Compile it as a library crate against the rustls-pki-types this test links.
    let deps = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
        .expect("deps dir");
    let rlib = std::fs::read_dir(&deps)
        .expect("deps")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("librustls_pki_types-") && n.ends_with(".rlib"))
        })
        .expect("rustls-pki-types rlib next to the test binary");
    let dir = tmp("rust");
    let f = dir.join("roots.rs");
    std::fs::write(&f, &src).expect("write");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "lib",
            "--emit",
            "metadata",
            "-D",
            "warnings",
        ])
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg("--extern")
        .arg(format!("rustls_pki_types={}", rlib.display()))
        .arg("--out-dir")
        .arg(&dir)
        .arg(&f)
        .output()
        .expect("rustc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn der_directory_and_pem_costs() {
    let (set, _) = sample();
    let Rendered::Dir(files) = render(OutputFormat::Der, &set, &[]).expect("render") else {
        panic!("a directory")
    };
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "000-isrg_root_x1.der",
            "001-isrg_root_x2.der",
            "002-baltimore_cybertrust_root.der",
            "003-dst_root_ca_x3.der"
        ]
    );
    assert_eq!(
        files.iter().map(|(_, b)| b.len()).sum::<usize>(),
        OutputFormat::Der.total_cost(&set)
    );
    // PEM: the text plus the NUL mbedtls_x509_crt_parse needs.
    let pem = file(render(OutputFormat::Pem, &set, &[]).expect("render"));
    assert_eq!(pem.len() + 1, OutputFormat::Pem.total_cost(&set));
}
