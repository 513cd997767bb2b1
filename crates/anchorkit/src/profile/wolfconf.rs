//! A wolfSSL build configuration as firmware gives it: `user_settings.h` (with
//! `WOLFSSL_USER_SETTINGS`) or the `options.h` that `./configure` and CMake write. The macros
//! that change chain verification are read with a small preprocessor (`#define`, `#undef`,
//! `#ifdef`, `#ifndef`, `#if` / `#elif` with `defined`, `!`, `&&`, `||`, comparisons and
//! integers as the C preprocessor evaluates them, `#else`, `#endif`, continued lines). The
//! `CONFIG_*` names ESP-IDF's `sdkconfig.h` defines are taken as undefined and reported, and a
//! condition it cannot evaluate is taken as false and reported, so the answer says what it
//! assumed.

use std::collections::BTreeSet;

use super::WolfsslBuild;

/// What a configuration file said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WolfConfig {
    /// Macros defined at the end of the file.
    pub defined: BTreeSet<String>,
    /// What was assumed: conditions that could not be evaluated (line, text, taken as false),
    /// and `CONFIG_*` names taken as undefined (line 0).
    pub assumed: Vec<(usize, String)>,
}

/// A configuration line the reader refuses: the line and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct WolfConfigError {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

/// The macros defined so far, with their values as written.
type Macros = std::collections::BTreeMap<String, String>;

/// Evaluates a `#if` expression as the C preprocessor does: `defined`, `!`, `&&`, `||`,
/// comparisons, parentheses, integers; a defined macro is its value, an undefined one 0.
/// `CONFIG_*` names an `sdkconfig.h` would define are noted in `unknown` (they are taken as
/// undefined); `None` for what cannot be evaluated.
fn eval(expr: &str, m: &Macros, unknown: &mut BTreeSet<String>) -> Option<bool> {
    let toks = tokens(expr)?;
    let mut e = Eval {
        t: &toks,
        i: 0,
        m,
        unknown,
    };
    let v = e.or()?;
    (e.i == toks.len()).then_some(v != 0)
}

fn tokens(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let two = s.get(i..i + 2).unwrap_or("");
        if c.is_ascii_whitespace() {
            i += 1;
        } else if ["&&", "||", "==", "!=", "<=", ">="].contains(&two) {
            out.push(two.to_string());
            i += 2;
        } else if matches!(c, b'!' | b'(' | b')' | b'<' | b'>') {
            out.push((c as char).to_string());
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let st = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(s[st..i].to_string());
        } else {
            return None;
        }
    }
    Some(out)
}

struct Eval<'a> {
    t: &'a [String],
    i: usize,
    m: &'a Macros,
    unknown: &'a mut BTreeSet<String>,
}

impl Eval<'_> {
    fn peek(&self, s: &str) -> bool {
        self.t.get(self.i).is_some_and(|x| x == s)
    }

    fn or(&mut self) -> Option<i64> {
        let mut v = self.and()?;
        while self.peek("||") {
            self.i += 1;
            let r = self.and()?;
            v = i64::from(v != 0 || r != 0);
        }
        Some(v)
    }

    fn and(&mut self) -> Option<i64> {
        let mut v = self.cmp()?;
        while self.peek("&&") {
            self.i += 1;
            let r = self.cmp()?;
            v = i64::from(v != 0 && r != 0);
        }
        Some(v)
    }

    fn cmp(&mut self) -> Option<i64> {
        let a = self.unary()?;
        for op in ["==", "!=", "<=", ">=", "<", ">"] {
            if self.peek(op) {
                self.i += 1;
                let b = self.unary()?;
                return Some(i64::from(match op {
                    "==" => a == b,
                    "!=" => a != b,
                    "<=" => a <= b,
                    ">=" => a >= b,
                    "<" => a < b,
                    _ => a > b,
                }));
            }
        }
        Some(a)
    }

    fn unary(&mut self) -> Option<i64> {
        let tok = self.t.get(self.i)?.clone();
        self.i += 1;
        match tok.as_str() {
            "!" => self.unary().map(|v| i64::from(v == 0)),
            "(" => {
                let v = self.or()?;
                self.peek(")").then(|| self.i += 1)?;
                Some(v)
            }
            "defined" => {
                let paren = self.peek("(");
                if paren {
                    self.i += 1;
                }
                let name = self.t.get(self.i)?.clone();
                self.i += 1;
                if paren {
                    self.peek(")").then(|| self.i += 1)?;
                }
                if !self.m.contains_key(&name) && name.starts_with("CONFIG_") {
                    self.unknown.insert(name.clone());
                }
                Some(i64::from(self.m.contains_key(&name)))
            }
            t if t.as_bytes()[0].is_ascii_digit() => {
                t.trim_end_matches(['u', 'U', 'l', 'L']).parse().ok()
            }
            name => match self.m.get(name) {
                Some(v) => v.trim().parse().ok(),
                None => {
                    if name.starts_with("CONFIG_") {
                        self.unknown.insert(name.to_string());
                    }
                    Some(0)
                }
            },
        }
    }
}

/// Reads a `user_settings.h` or `options.h`.
pub fn read(file: &str, text: &str) -> Result<WolfConfig, WolfConfigError> {
    let err = |line: usize, m: &str| WolfConfigError {
        file: file.to_string(),
        line,
        message: m.to_string(),
    };
    let mut macros = Macros::new();
    let mut unknown = BTreeSet::new();
    let mut assumed = Vec::new();
    // Per nesting level: (this branch active, some branch of the group taken, parent active).
    let mut stack: Vec<(bool, bool, bool)> = Vec::new();
    let mut in_comment = false;
    // Logical lines: a backslash at the end continues the line.
    let mut logical: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (n, raw) in text.lines().enumerate() {
        let (start, mut acc) = pending.take().unwrap_or((n + 1, String::new()));
        match raw.strip_suffix('\\') {
            Some(head) => {
                acc.push_str(head);
                acc.push(' ');
                pending = Some((start, acc));
            }
            None => {
                acc.push_str(raw);
                logical.push((start, acc));
            }
        }
    }
    if let Some(p) = pending {
        logical.push(p);
    }
    for (line, raw) in &logical {
        let line = *line;
        // Block comments, then line comments.
        let mut l = String::new();
        let mut rest = raw.as_str();
        loop {
            if in_comment {
                match rest.find("*/") {
                    Some(e) => {
                        rest = &rest[e + 2..];
                        in_comment = false;
                    }
                    None => break,
                }
            } else {
                match rest.find("/*") {
                    Some(s) => {
                        l.push_str(&rest[..s]);
                        rest = &rest[s + 2..];
                        in_comment = true;
                    }
                    None => {
                        l.push_str(rest);
                        break;
                    }
                }
            }
        }
        let l = l.split("//").next().unwrap_or("").trim();
        let Some(d) = l.strip_prefix('#') else {
            continue;
        };
        let d = d.trim_start();
        let (word, arg) = d.split_once(char::is_whitespace).unwrap_or((d, ""));
        let arg = arg.trim();
        let on = stack.last().is_none_or(|x| x.0);
        let mut cond = |e: &str| {
            eval(e, &macros, &mut unknown).unwrap_or_else(|| {
                assumed.push((line, e.to_string()));
                false
            })
        };
        match word {
            "define" if on => {
                let name: String = arg
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name.is_empty() {
                    return Err(err(line, "#define without a macro name"));
                }
                let value = arg[name.len()..].trim().to_string();
                macros.insert(name, value);
            }
            "undef" if on => {
                macros.remove(arg.split_whitespace().next().unwrap_or(""));
            }
            "ifdef" | "ifndef" | "if" => {
                let v = on
                    && match word {
                        "ifdef" => cond(&format!("defined({arg})")),
                        "ifndef" => !cond(&format!("defined({arg})")),
                        _ => cond(arg),
                    };
                stack.push((v, v, on));
            }
            "elif" => {
                let Some(&(_, taken, parent)) = stack.last() else {
                    return Err(err(line, "#elif without #if"));
                };
                let v = parent && !taken && cond(arg);
                if let Some(top) = stack.last_mut() {
                    *top = (v, taken || v, parent);
                }
            }
            "else" => {
                let Some(top) = stack.last_mut() else {
                    return Err(err(line, "#else without #if"));
                };
                let (_, taken, parent) = *top;
                *top = (parent && !taken, true, parent);
            }
            "endif" if stack.pop().is_none() => {
                return Err(err(line, "#endif without #if"));
            }
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(err(
            text.lines().count(),
            "the file ends inside an #if (a missing #endif)",
        ));
    }
    if !unknown.is_empty() {
        let names: Vec<String> = unknown.into_iter().collect();
        assumed.push((
            0,
            format!(
                "{} undefined (ESP-IDF's sdkconfig.h defines them; it was not given): {}",
                if names.len() == 1 {
                    "this name"
                } else {
                    "these names"
                },
                names.join(", ")
            ),
        ));
    }
    Ok(WolfConfig {
        defined: macros.into_keys().collect(),
        assumed,
    })
}

impl WolfConfig {
    /// The build knobs these macros set over a release's behaviour (`base`: the rules that
    /// come with the release, not with the macros).
    pub fn build_over(&self, base: WolfsslBuild) -> WolfsslBuild {
        let has = |m: &str| self.defined.contains(m);
        let compat = has("OPENSSL_COMPATIBLE_DEFAULTS");
        WolfsslBuild {
            trusted_peers: has("WOLFSSL_TRUST_PEER_CERT") && compat,
            alt_cert_chains: has("WOLFSSL_ALT_CERT_CHAINS"),
            ca_dates_at_load: !compat,
            ca_key_size_at_load: !compat,
            eddsa: has("HAVE_ED25519") || has("HAVE_ED448"),
            more_curves: has("HAVE_ECC_BRAINPOOL") || has("HAVE_ECC_KOBLITZ"),
            md5: !has("NO_MD5"),
            dsa: !has("NO_DSA"),
            cert_ext: has("WOLFSSL_CERT_EXT"),
            strict_critical: base.strict_critical && !has("WOLFSSL_NO_ASN_STRICT"),
            certsign_needs_ca: base.certsign_needs_ca && !has("ALLOW_INVALID_CERTSIGN"),
            openssl_extra: has("OPENSSL_EXTRA")
                || has("OPENSSL_EXTRA_X509_SMALL")
                || has("OPENSSL_ALL"),
            ..base
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_follow_the_preprocessor() {
        let text = "#define A\n#ifdef A\n#define B\n#else\n#define C\n#endif\n\
                    #if defined(B) && !defined(C)\n#define D /* c */\n#elif 1\n#define E\n#endif\n\
                    #if CONFIG_X == 1\n#define F\n#endif\n#undef A\n";
        let c = read("user_settings.h", text).expect("reads");
        let got: Vec<&str> = c.defined.iter().map(String::as_str).collect();
        assert_eq!(got, ["B", "D"]);
        assert_eq!(c.assumed.len(), 1, "{:?}", c.assumed);
        assert!(c.assumed[0].1.ends_with(": CONFIG_X"), "{:?}", c.assumed);
        // Values, comparisons and continued lines.
        let c = read(
            "u.h",
            "#define N 2\n#if N >= 2 && \\\n  !defined(Q)\n#define R\n#endif\n#if $x\n#endif\n",
        )
        .expect("reads");
        assert!(c.defined.contains("R"));
        assert_eq!(c.assumed, vec![(6, "$x".to_string())]);
    }

    #[test]
    fn unbalanced_conditionals_are_refused_with_the_line() {
        let e = read("u.h", "#if 1\n#define A\n").expect_err("refused");
        assert_eq!((e.line, e.message.contains("#endif")), (2, true));
        let e = read("u.h", "#endif\n").expect_err("refused");
        assert_eq!(e.line, 1);
    }
}
