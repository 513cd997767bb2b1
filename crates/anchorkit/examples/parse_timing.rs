//! Times certificate parsing: `cargo run --release --example parse_timing -- chain.pem`.

fn main() {
    let Some(p) = std::env::args().nth(1) else {
        eprintln!("usage: parse_timing FILE");
        return;
    };
    let found = match anchorkit::intake::read_path(std::path::Path::new(&p)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return;
        }
    };
    let ders: Vec<Vec<u8>> = found
        .iter()
        .filter_map(|f| f.cert())
        .map(|c| c.der().to_vec())
        .collect();
    let n = 20000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        for d in &ders {
            std::hint::black_box(anchorkit::cert::Certificate::from_der(d).ok());
        }
    }
    println!(
        "anchorkit parse: {:.2} µs per cert",
        t.elapsed().as_secs_f64() * 1e6 / (n * ders.len()) as f64
    );
    use x509_parser::nom::Parser;
    let t = std::time::Instant::now();
    for _ in 0..n {
        for d in &ders {
            std::hint::black_box(
                x509_parser::certificate::X509CertificateParser::new()
                    .with_deep_parse_extensions(false)
                    .parse(d)
                    .is_ok(),
            );
        }
    }
    println!(
        "x509-parser alone: {:.2} µs per cert",
        t.elapsed().as_secs_f64() * 1e6 / (n * ders.len()) as f64
    );
}
