//! Shared test helpers.

/// Checks every documented field of `## {section}` in docs/json-schema.md against `v`;
/// returns how many rows were checked.
#[allow(dead_code)]
pub fn check_schema(section_name: &str, v: &serde_json::Value) -> usize {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/json-schema.md"
    ))
    .expect("schema doc");
    let section = doc
        .split(&format!("## {section_name}\n"))
        .nth(1)
        .expect("section");
    let section = section.split("\n## ").next().unwrap_or(section);
    // Every documented field path (| `path` | type | ...) exists with that JSON type.
    let mut checked = 0;
    for line in section.lines() {
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        if cols.len() < 4 || !cols[1].starts_with('`') {
            continue;
        }
        let path = cols[1].trim_matches('`');
        let ty = cols[2];
        let mut cur: Vec<&serde_json::Value> = vec![v];
        // Elements of an empty array have nothing to check.
        let mut through_empty = false;
        for part in path.split('.') {
            let mut next = Vec::new();
            for c in cur {
                if let Some(p) = part.strip_suffix("[]") {
                    if let Some(arr) = c.get(p).and_then(|x| x.as_array()) {
                        through_empty |= arr.is_empty();
                        next.extend(arr.iter());
                    }
                } else if let Some(x) = c.get(part) {
                    next.push(x);
                }
            }
            cur = next;
        }
        if cur.is_empty() && through_empty {
            continue;
        }
        assert!(
            !cur.is_empty(),
            "documented field {path} missing from output"
        );
        for x in cur {
            let ok = ty.split(" or ").any(|t| match t {
                "string" => x.is_string(),
                "number" => x.is_number(),
                "boolean" => x.is_boolean(),
                "array" => x.is_array(),
                "object" => x.is_object(),
                "null" => x.is_null(),
                _ => false,
            });
            assert!(ok, "{path}: expected {ty}, got {x}");
        }
        checked += 1;
    }
    checked
}

/// Runs the anchorkit binary with `NO_COLOR`: exit code, stdout, stderr and wall time.
#[allow(dead_code)]
pub fn run_anchorkit(args: &[&str]) -> (Option<i32>, String, String, std::time::Duration) {
    let start = std::time::Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_anchorkit"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        start.elapsed(),
    )
}

/// A fresh temporary directory for one test: `ak-{prefix}-{tag}-{pid}`.
#[allow(dead_code)]
pub fn tmp_dir(prefix: &str, tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("ak-{prefix}-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("dir");
    d
}

/// A certificate's PEM.
#[allow(dead_code)]
pub fn pem(der: &[u8]) -> String {
    anchorkit::cert::Certificate::from_der(der)
        .map(|c| c.to_pem())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Writes `text` to `dir/name` (making its directories) and returns the path.
#[allow(dead_code)]
pub fn write_file(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("dir");
    }
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}
