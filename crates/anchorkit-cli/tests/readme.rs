//! The README's examples run, and the lines they show appear in the real output.

use std::process::Command;

fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote = false;
    let mut any = false;
    for c in s.chars() {
        match c {
            '"' => {
                quote = !quote;
                any = true;
            }
            ' ' if !quote => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

#[test]
fn readme_examples_match_real_output() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README");
    let mut blocks = 0;
    let mut rest = readme.as_str();
    while let Some(start) = rest.find("```console\n") {
        let body = &rest[start + 11..];
        let end = body.find("```").expect("closed block");
        let block = &body[..end];
        rest = &body[end + 3..];
        let mut lines = block.lines();
        let cmd = lines
            .next()
            .and_then(|l| l.strip_prefix("$ anchorkit "))
            .expect("command line");
        let out = Command::new(env!("CARGO_BIN_EXE_anchorkit"))
            .current_dir(root)
            .env("NO_COLOR", "1")
            .args(shell_words(cmd))
            .output()
            .expect("runs");
        // `check` exits 2 for "broken now", which an example may well show.
        let ok_codes: &[i32] = if cmd.starts_with("check ") {
            &[0, 1, 2]
        } else {
            &[0, 1]
        };
        assert!(
            out.status.code().is_some_and(|c| ok_codes.contains(&c)),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        for want in lines.filter(|l| l.trim() != "..." && !l.trim().is_empty()) {
            assert!(
                text.contains(want),
                "README line not in the output of `{cmd}`:\n{want}\n---\n{text}"
            );
        }
        blocks += 1;
    }
    assert!(blocks >= 5, "{blocks}");
}
