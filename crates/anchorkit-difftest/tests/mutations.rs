//! The unsound-verdict hunt: good chains changed one thing at a time (a signature byte, a
//! validity date, a name, keyUsage, basicConstraints, pathLen, EKU, an extension's
//! criticality, the key size, bytes anywhere in the DER, the order of the chain), each run
//! through a real handshake with every real client configuration. anchorkit must never accept
//! a chain the real library rejects. The count of mutations and of other disagreements is
//! printed (`--nocapture`).

use anchorkit_difftest::corpus::Scenario;
use anchorkit_difftest::pki::{Alg, Node, Spec, bad_signature, t};
use anchorkit_difftest::real::{Real, Stage, build_all, run_all};
use anchorkit_difftest::server::Servers;
use anchorkit_difftest::{anchorkit_verdict, profile_for, same_code};
use rcgen::{ExtendedKeyUsagePurpose as Eku, KeyUsagePurpose as Ku};

const HOST: &str = "device.example.test";
const AT: i64 = 1_767_225_600; // 2026-01-01

/// A named change to a certificate's specification.
type SpecMutation = (&'static str, Box<dyn Fn(&mut Spec)>);

struct Base {
    name: &'static str,
    root: Node,
    int: Node,
    leaf: Node,
    alg: Alg,
}

fn leaf_spec() -> Spec {
    let mut s = Spec::leaf(HOST);
    s.not_after = t(2030, 1, 1);
    s
}

fn base(name: &'static str, alg: Alg) -> Base {
    let root = Node::root(&Spec::ca(&format!("Mut Root {name}")), alg);
    let int = root.issue(&Spec::ca(&format!("Mut Int {name}")), alg);
    let leaf = int.issue(&leaf_spec(), alg);
    Base {
        name,
        root,
        int,
        leaf,
        alg,
    }
}

fn scenario(name: String, trust: &Node, chain: Vec<Vec<u8>>) -> Scenario {
    Scenario {
        name,
        trust: vec![trust.der.clone()],
        chain,
        host: Some(HOST.into()),
        at: AT,
    }
}

/// Spec mutations of the leaf (issued by the intermediate) and of the intermediate (with a
/// fresh leaf under it).
fn spec_mutations(b: &Base, out: &mut Vec<Scenario>) {
    let leaf_muts: Vec<SpecMutation> = vec![
        ("expired", Box::new(|s| s.not_after = t(2025, 6, 1))),
        ("not-yet-valid", Box::new(|s| s.not_before = t(2026, 6, 1))),
        (
            "ku-keyenc-only",
            Box::new(|s| s.key_usage = Some(vec![Ku::KeyEncipherment])),
        ),
        (
            "ku-certsign-only",
            Box::new(|s| s.key_usage = Some(vec![Ku::KeyCertSign])),
        ),
        (
            "eku-client-only",
            Box::new(|s| s.eku = Some(vec![Eku::ClientAuth])),
        ),
        (
            "eku-code-signing",
            Box::new(|s| s.eku = Some(vec![Eku::CodeSigning])),
        ),
        ("unknown-critical", Box::new(|s| s.unknown_critical = true)),
        (
            "other-host",
            Box::new(|s| s.sans = vec!["other.example.test".into()]),
        ),
        ("leaf-is-ca", Box::new(|s| s.ca = Some(None))),
        ("no-san-cn-only", Box::new(|s| s.sans = Vec::new())),
        (
            "wrong-aki",
            Box::new(|s| s.aki_override = Some(vec![7; 20])),
        ),
    ];
    for (m, f) in &leaf_muts {
        let mut s = leaf_spec();
        f(&mut s);
        let leaf = b.int.issue(&s, b.alg);
        out.push(scenario(
            format!("{}-leaf-{m}", b.name),
            &b.root,
            vec![leaf.der, b.int.der.clone()],
        ));
    }
    let int_muts: Vec<SpecMutation> = vec![
        ("expired", Box::new(|s| s.not_after = t(2025, 6, 1))),
        ("not-yet-valid", Box::new(|s| s.not_before = t(2026, 6, 1))),
        (
            "not-ca",
            Box::new(|s| {
                s.ca = None;
                s.explicit_no_ca = true;
            }),
        ),
        (
            "no-basic-constraints",
            Box::new(|s| {
                s.ca = None;
                s.explicit_no_ca = false;
            }),
        ),
        (
            "ku-digital-signature-only",
            Box::new(|s| s.key_usage = Some(vec![Ku::DigitalSignature])),
        ),
        ("unknown-critical", Box::new(|s| s.unknown_critical = true)),
        (
            "name-constraint-other",
            Box::new(|s| s.name_constraint = Some("other.example".into())),
        ),
        (
            "eku-client-only",
            Box::new(|s| s.eku = Some(vec![Eku::ClientAuth])),
        ),
        (
            "wrong-aki",
            Box::new(|s| s.aki_override = Some(vec![9; 20])),
        ),
    ];
    for (m, f) in &int_muts {
        let mut s = Spec::ca(&format!("Mut Int {}", b.name));
        f(&mut s);
        let int = b.root.issue(&s, b.alg);
        let leaf = int.issue(&leaf_spec(), b.alg);
        out.push(scenario(
            format!("{}-int-{m}", b.name),
            &b.root,
            vec![leaf.der, int.der],
        ));
    }
    // pathLen 0 on the root, with an intermediate below it: one CA too many.
    let mut rs = Spec::ca(&format!("Mut PathLen Root {}", b.name));
    rs.ca = Some(Some(0));
    let root = Node::root(&rs, b.alg);
    let int = root.issue(&Spec::ca(&format!("Mut PathLen Int {}", b.name)), b.alg);
    let int2 = int.issue(&Spec::ca(&format!("Mut PathLen Int2 {}", b.name)), b.alg);
    let leaf = int2.issue(&leaf_spec(), b.alg);
    out.push(scenario(
        format!("{}-root-pathlen-0", b.name),
        &root,
        vec![leaf.der, int2.der, int.der],
    ));
    // The root's key swapped: the same name, another key.
    let other = Node::root(&Spec::ca(&format!("Mut Root {}", b.name)), b.alg);
    out.push(scenario(
        format!("{}-anchor-other-key", b.name),
        &other,
        vec![b.leaf.der.clone(), b.int.der.clone()],
    ));
}

/// Byte-level mutations: one byte of the leaf or the intermediate changed at evenly spread
/// positions (tag, length, content, signature), truncations, a flipped signature.
fn der_mutations(b: &Base, positions: usize, out: &mut Vec<Scenario>) {
    for (which, der) in [("leaf", &b.leaf.der), ("int", &b.int.der)] {
        let n = der.len();
        for k in 0..positions {
            let at = (k * n) / positions;
            for (tag, delta) in [("xor1", 0x01u8), ("xor80", 0x80)] {
                let mut d = der.clone();
                d[at] ^= delta;
                let chain = if which == "leaf" {
                    vec![d, b.int.der.clone()]
                } else {
                    vec![b.leaf.der.clone(), d]
                };
                out.push(scenario(
                    format!("{}-{which}-byte{at}-{tag}", b.name),
                    &b.root,
                    chain,
                ));
            }
        }
        for cut in [1usize, 2, 16, n / 2] {
            let d = der[..n.saturating_sub(cut)].to_vec();
            let chain = if which == "leaf" {
                vec![d, b.int.der.clone()]
            } else {
                vec![b.leaf.der.clone(), d]
            };
            out.push(scenario(
                format!("{}-{which}-truncated-{cut}", b.name),
                &b.root,
                chain,
            ));
        }
        let bad = bad_signature(der);
        let chain = if which == "leaf" {
            vec![bad, b.int.der.clone()]
        } else {
            vec![b.leaf.der.clone(), bad]
        };
        out.push(scenario(
            format!("{}-{which}-bad-signature", b.name),
            &b.root,
            chain,
        ));
    }
}

/// Order mutations.
fn order_mutations(b: &Base, out: &mut Vec<Scenario>) {
    let (l, i, r) = (b.leaf.der.clone(), b.int.der.clone(), b.root.der.clone());
    for (m, chain) in [
        ("reversed", vec![i.clone(), l.clone()]),
        ("no-intermediate", vec![l.clone()]),
        ("leaf-twice", vec![l.clone(), l.clone(), i.clone()]),
        ("root-sent", vec![l.clone(), i.clone(), r.clone()]),
        ("intermediate-only", vec![i.clone()]),
        ("root-first", vec![r.clone(), l.clone(), i.clone()]),
    ] {
        out.push(scenario(format!("{}-order-{m}", b.name), &b.root, chain));
    }
}

#[test]
fn no_mutation_makes_anchorkit_accept_what_the_real_library_rejects() {
    let bases = [
        base("p256", Alg::P256),
        base("p384", Alg::P384),
        base("rsa2048", Alg::Rsa2048),
        base("ed25519", Alg::Ed25519),
    ];
    let mut scenarios = Vec::new();
    for b in &bases {
        scenarios.push(scenario(
            format!("{}-unchanged", b.name),
            &b.root,
            vec![b.leaf.der.clone(), b.int.der.clone()],
        ));
        spec_mutations(b, &mut scenarios);
        der_mutations(b, 100, &mut scenarios);
        order_mutations(b, &mut scenarios);
    }
    assert!(scenarios.len() >= 1000, "{} mutations", scenarios.len());
    build_all();
    let servers = Servers::start(&scenarios);
    let mut unsound = Vec::new();
    let mut differ = 0usize;
    let mut compared = 0usize;
    let mut real_rejected = 0usize;
    for r in Real::ALL {
        let profile = profile_for(r);
        let real = run_all(r, &scenarios, &servers);
        for (s, o) in scenarios.iter().zip(&real) {
            if o.stage == Stage::Pre {
                continue;
            }
            compared += 1;
            let v = anchorkit_verdict(&profile, s);
            let real_ok = o.code == "0";
            if !real_ok {
                real_rejected += 1;
            }
            if v.ok && !real_ok {
                unsound.push(format!(
                    "{} on {}: anchorkit accepts, real {} flags {:?}",
                    s.name,
                    r.name(),
                    o.code,
                    o.flags
                ));
            }
            if !(same_code(&v, o) && (o.flags.is_none() || v.flags == o.flags)) {
                differ += 1;
            }
        }
    }
    drop(servers);
    println!(
        "mutations: {} scenarios x {} configurations = {compared} handshakes compared; real library rejected {real_rejected}; unsound verdicts {}; other code/flag differences {differ}",
        scenarios.len(),
        Real::ALL.len(),
        unsound.len()
    );
    assert!(
        unsound.is_empty(),
        "anchorkit accepts where the real library rejects:\n{}",
        unsound.join("\n")
    );
}
