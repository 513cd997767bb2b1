//! Whole-store mode against ESP-IDF's generator: the reference bundles byte for byte, and each
//! of the generator's silent rules reproduced with its warning.

use anchorkit::bundle::formats::{OutputFormat, Rendered, render};
use anchorkit::bundle::generate::{
    COMMON_CAS, Filter, GenWarning, Generated, from_mozilla, generate,
};
use anchorkit::intake::Location;
use anchorkit::testsupport::data;

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(data(rel)).expect("data")
}

fn bundle(g: &Generated, format: OutputFormat) -> Vec<u8> {
    match render(format, &g.anchors, &g.owners).expect("render") {
        Rendered::File(b) => b,
        Rendered::Dir(_) => panic!("file"),
    }
}

fn csv_filter() -> Filter {
    let csv = std::fs::read_to_string(data("esp-idf/cmn_crt_authorities.csv")).expect("csv");
    Filter::from_csv("cmn_crt_authorities.csv", &csv).expect("csv parses")
}

#[test]
fn reproduces_the_four_reference_bundles() {
    let inputs = vec![("cacrt_all.pem".to_string(), read("esp-idf/cacrt_all.pem"))];
    for (filter, format, reference, count) in [
        (
            Filter::None,
            OutputFormat::EspBundle,
            "full_new_format.bin",
            121,
        ),
        (
            Filter::None,
            OutputFormat::EspBundleLegacy,
            "full_legacy_format.bin",
            121,
        ),
        (
            csv_filter(),
            OutputFormat::EspBundle,
            "cmn_new_format.bin",
            33,
        ),
        (
            csv_filter(),
            OutputFormat::EspBundleLegacy,
            "cmn_legacy_format.bin",
            33,
        ),
        (
            Filter::common(),
            OutputFormat::EspBundle,
            "cmn_new_format.bin",
            33,
        ),
        (
            Filter::common(),
            OutputFormat::EspBundleLegacy,
            "cmn_legacy_format.bin",
            33,
        ),
    ] {
        let g = generate(&inputs, &filter).expect("generate");
        assert_eq!(g.anchors.len(), count, "{reference}");
        let want = read(&format!("esp-idf/reference-bundles/{reference}"));
        let got = bundle(&g, format);
        assert_eq!(got.len(), want.len(), "{reference}");
        assert!(got == want, "{reference} differs");
        if filter != Filter::None {
            // The two CSV names that live in cacrt_local.pem match no heading of cacrt_all.pem:
            // ESP-IDF skips them silently, we say so.
            let unmatched: Vec<&str> = g
                .warnings
                .iter()
                .filter_map(|w| match w {
                    GenWarning::UnmatchedFilterName { name } => Some(name.as_str()),
                    _ => None,
                })
                .collect();
            assert_eq!(
                unmatched,
                vec!["Comodo AAA Services root", "Starfield Class 2 CA"]
            );
        } else {
            assert!(g.warnings.is_empty(), "{:?}", g.warnings);
        }
    }
}

#[test]
fn the_embedded_common_list_is_the_csv() {
    let csv = std::fs::read_to_string(data("esp-idf/cmn_crt_authorities.csv")).expect("csv");
    let rows: Vec<(String, String)> = csv
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            // The owner may be quoted and hold a comma ("IdenTrust Services, LLC").
            let cut = if let Some(rest) = l.strip_prefix('"') {
                rest.find('"').map(|q| q + 2).expect("closing quote")
            } else {
                l.find(',').expect("two columns")
            };
            let (o, n) = l.split_at(cut);
            (
                o.trim_matches('"').to_string(),
                n.trim_start_matches(',').trim_matches('"').to_string(),
            )
        })
        .collect();
    let embedded: Vec<(String, String)> = COMMON_CAS
        .iter()
        .map(|(o, n)| ((*o).to_string(), (*n).to_string()))
        .collect();
    assert_eq!(embedded, rows);
}

#[test]
fn mozilla_store_with_the_common_filter_is_the_common_roots() {
    let g = from_mozilla(&Filter::common());
    assert!(g.anchors.len() >= 30, "{}", g.anchors.len());
    let all = from_mozilla(&Filter::None);
    assert!(all.anchors.len() > 100);
    // Every root kept is one the common list names.
    let Filter::Names(names) = Filter::common() else {
        panic!("names")
    };
    for r in anchorkit::store::Store::mozilla().roots() {
        let listed = r.esp.as_ref().is_some_and(|e| names.contains(e.name));
        let kept = g.anchors.iter().any(|a| {
            a.subject_raw() == r.anchor.subject_raw() && a.spki_raw() == r.anchor.spki_raw()
        });
        if listed {
            assert!(kept, "{}", r.name());
        }
    }
}

/// The first two certificates of cacrt_all.pem, as a small PEM with headings.
fn two_headed() -> (String, String, String) {
    let text = String::from_utf8(read("esp-idf/cacrt_all.pem")).expect("utf8");
    let mut blocks = Vec::new();
    let mut lines = text.lines().peekable();
    let mut prev = "";
    while let Some(l) = lines.next() {
        if l.starts_with("==") && !prev.is_empty() {
            let name = prev.to_string();
            let mut pem = String::new();
            for l in lines.by_ref() {
                pem.push_str(l);
                pem.push('\n');
                if l == "-----END CERTIFICATE-----" {
                    break;
                }
            }
            blocks.push((name, pem));
            if blocks.len() == 2 {
                break;
            }
        }
        prev = l;
    }
    let (a, b) = (blocks[0].clone(), blocks[1].clone());
    (
        a.0.clone(),
        format!("{}\n{}\n{}", a.0, "=".repeat(a.0.len()), a.1),
        b.1,
    )
}

#[test]
fn a_final_end_line_without_newline_is_dropped_with_a_warning() {
    let (_, first, second) = two_headed();
    let text = format!("{first}\n{}", second.trim_end());
    let g = generate(&[("custom.pem".into(), text.into_bytes())], &Filter::None).expect("gen");
    assert_eq!(
        g.anchors.len(),
        1,
        "the second certificate is dropped, as ESP-IDF does"
    );
    assert!(matches!(
        g.warnings.as_slice(),
        [GenWarning::FinalEndWithoutNewline { line, .. }] if *line > 1
    ));
    // With the newline both are read and nothing is said.
    let text = format!("{first}\n{second}");
    let g = generate(&[("custom.pem".into(), text.into_bytes())], &Filter::None).expect("gen");
    assert_eq!(g.anchors.len(), 2);
    assert!(g.warnings.is_empty());
}

#[test]
fn inexact_begin_lines_crlf_and_bom() {
    let (_, first, second) = two_headed();
    // Trailing space on BEGIN: skipped. A BOM before the first BEGIN: skipped.
    let spaced = second.replacen(
        "-----BEGIN CERTIFICATE-----",
        "-----BEGIN CERTIFICATE----- ",
        1,
    );
    let bom = format!("\u{feff}{}", second);
    for (text, kept) in [
        (format!("{first}{spaced}"), 1),
        (bom.clone(), 0),
        (format!("{bom}{first}"), 1),
    ] {
        let g = generate(&[("x.pem".into(), text.into_bytes())], &Filter::None).expect("gen");
        assert_eq!(g.anchors.len(), kept);
        assert!(
            g.warnings
                .iter()
                .any(|w| matches!(w, GenWarning::InexactBeginLine { .. })),
            "{:?}",
            g.warnings
        );
    }
    // CRLF and CR line ends read as LF (universal newlines).
    let lf = format!("{first}{second}");
    for text in [lf.replace('\n', "\r\n"), lf.replace('\n', "\r")] {
        let g = generate(&[("x.pem".into(), text.into_bytes())], &Filter::None).expect("gen");
        assert_eq!(g.anchors.len(), 2);
        assert!(g.warnings.is_empty());
    }
}

#[test]
fn names_extensions_and_der_inputs() {
    let (_, first, _) = two_headed();
    // Only .pem and .der, case-sensitive; anything else is ignored (with a warning).
    for name in ["roots.crt", "roots.PEM", "roots"] {
        let g = generate(&[(name.into(), first.clone().into_bytes())], &Filter::None).expect("gen");
        assert!(g.anchors.is_empty(), "{name}");
        assert_eq!(
            g.warnings,
            vec![GenWarning::IgnoredInput { file: name.into() }]
        );
    }
    let der = read("esp-idf/test_vectors/new_format_v5.4plus/baltimore.der");
    let g = generate(&[("b.der".into(), der.clone())], &Filter::None).expect("gen");
    assert_eq!(g.anchors.len(), 1);
    // A .der with trailing bytes or a broken certificate is an error (ESP-IDF stops).
    let mut bad = der.clone();
    bad.truncate(100);
    assert!(generate(&[("b.der".into(), bad)], &Filter::None).is_err());
    // Broken base64 inside a PEM block: error naming the BEGIN line.
    let broken = first.replace("MII", "M*I");
    let e = generate(&[("x.pem".into(), broken.into_bytes())], &Filter::None).expect_err("bad");
    assert_eq!(e.location, Location::Line(3));
    // Not UTF-8: error.
    assert!(generate(&[("x.pem".into(), vec![0xff, 0xfe, 0x00])], &Filter::None).is_err());
    // No certificate at all: a warning (an error before ESP-IDF v5.5).
    let g = generate(
        &[("empty.pem".into(), b"# nothing\n".to_vec())],
        &Filter::None,
    )
    .expect("gen");
    assert_eq!(
        g.warnings,
        vec![GenWarning::NoCertificate {
            file: "empty.pem".into()
        }]
    );
}

#[test]
fn the_filter_applies_only_to_cacrt_all_pem_and_only_to_the_first_certificate_of_a_heading() {
    let (name, first, second) = two_headed();
    let filter = Filter::Names([name.clone()].into_iter().collect());
    // Same text under another name: not filtered, and we say the filter went unused.
    let text = format!("{first}{second}");
    let g = generate(&[("roots.pem".into(), text.clone().into_bytes())], &filter).expect("gen");
    assert_eq!(g.anchors.len(), 2);
    assert_eq!(g.warnings, vec![GenWarning::FilterUnused]);
    // As cacrt_all.pem (any directory): filtered. The second certificate sits under the same
    // heading, so the generator's pattern never captures it.
    let g = generate(
        &[("some/dir/cacrt_all.pem".into(), text.into_bytes())],
        &filter,
    )
    .expect("gen");
    assert_eq!(g.anchors.len(), 1);
    assert!(
        matches!(g.warnings.as_slice(), [GenWarning::NoHeading { .. }]),
        "{:?}",
        g.warnings
    );
    // A name the CSV lists that matches nothing: kept quiet by ESP-IDF, warned here.
    let filter = Filter::Names(["No Such CA".to_string()].into_iter().collect());
    let g = generate(&[("cacrt_all.pem".into(), first.into_bytes())], &filter).expect("gen");
    assert!(g.anchors.is_empty());
    assert!(g.warnings.contains(&GenWarning::UnmatchedFilterName {
        name: "No Such CA".into()
    }));
    assert!(g.warnings.contains(&GenWarning::NoCertificate {
        file: "cacrt_all.pem".into()
    }));
}

#[test]
fn duplicates_are_kept_and_warned_and_too_many_is_warned() {
    let all = read("esp-idf/cacrt_all.pem");
    let inputs = vec![
        ("cacrt_all.pem".to_string(), all.clone()),
        ("again/cacrt_all.pem".to_string(), all),
    ];
    let mut g = generate(&inputs, &Filter::None).expect("gen");
    assert_eq!(g.anchors.len(), 242);
    let dups = g
        .warnings
        .iter()
        .filter(|w| matches!(w, GenWarning::DuplicateSubject { same_key: true, .. }))
        .count();
    assert_eq!(dups, 121);
    let b = bundle(&g, OutputFormat::EspBundleLegacy);
    assert_eq!(u16::from_be_bytes([b[0], b[1]]), 242, "no de-duplication");
    g.check_count(false);
    assert!(g.warnings.iter().any(|w| matches!(
        w,
        GenWarning::TooMany {
            count: 242,
            max: 200,
            legacy: false
        }
    )));
    // Same subject, different key: the dangerous kind.
    let x1 = read("certs/letsencrypt/isrgrootx1.pem");
    let cross = read("certs/letsencrypt/isrg-root-x1-cross-signed.pem");
    let g = generate(
        &[("a.pem".into(), x1), ("b.pem".into(), cross)],
        &Filter::None,
    )
    .expect("gen");
    // The cross-sign has the same subject and the same key: harmless.
    assert!(
        g.warnings
            .iter()
            .all(|w| matches!(w, GenWarning::DuplicateSubject { same_key: true, .. }))
    );
    // Every warning renders as one line of English.
    for w in &g.warnings {
        assert!(!w.to_string().contains('\n'));
    }
}

#[test]
fn deprecated_and_local_lists_compose_in_order() {
    let inputs = vec![
        ("cacrt_all.pem".to_string(), read("esp-idf/cacrt_all.pem")),
        (
            "cacrt_local.pem".to_string(),
            read("esp-idf/cacrt_local.pem"),
        ),
        (
            "cacrt_deprecated.pem".to_string(),
            read("esp-idf/cacrt_deprecated.pem"),
        ),
    ];
    // CMN mode: the filter applies to cacrt_all.pem only; local and deprecated come whole.
    let g = generate(&inputs, &csv_filter()).expect("gen");
    assert_eq!(g.anchors.len(), 33 + 2 + 24);
    // CMN with local (CROSS_SIGNED_VERIFY off): 35 certificates, 14,455 bytes.
    let g = generate(&inputs[..2], &csv_filter()).expect("gen");
    assert_eq!(g.anchors.len(), 35);
    assert_eq!(bundle(&g, OutputFormat::EspBundle).len(), 14_455);
    // Full + deprecated: 145 certificates (the reference note's "FULL+dep" row).
    let g = generate(&[inputs[0].clone(), inputs[2].clone()], &Filter::None).expect("gen");
    assert_eq!(g.anchors.len(), 145);
    assert_eq!(bundle(&g, OutputFormat::EspBundle).len(), 66_984);
    let g = generate(&[inputs[0].clone(), inputs[2].clone()], &csv_filter()).expect("gen");
    assert_eq!(g.anchors.len(), 57);
    assert_eq!(bundle(&g, OutputFormat::EspBundle).len(), 24_362);
}

#[test]
fn malformed_filter_csv_is_an_error_with_a_line() {
    for (text, line) in [
        ("Owner,Name\nonly-one-column\n", Location::Line(2)),
        ("Owner,Name\n\"unterminated,x\n", Location::Line(2)),
        ("Owner,Name\nA,B\n\nC,D\n", Location::Line(3)),
        ("Owner,Name\nA,B\n\n", Location::Line(3)),
        ("", Location::Whole),
        ("Owner,Name\n", Location::Whole),
    ] {
        let e = Filter::from_csv("f.csv", text).expect_err(text);
        assert_eq!(e.location, line, "{text:?}");
        assert!(e.to_string().contains("f.csv"));
    }
    // Quoted names with commas, CRLF: fine.
    let Filter::Names(n) =
        Filter::from_csv("f.csv", "Owner,Name\r\n\"X, Inc\",\"Root, G2\"\r\n").expect("ok")
    else {
        panic!("names")
    };
    assert!(n.contains("Root, G2"));
}
