//! Terminal styling that respects `NO_COLOR` and non-terminal output.

use std::io::IsTerminal;

/// Whether and how to colour text.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    color: bool,
}

impl Style {
    /// Colour only on a terminal and only when `NO_COLOR` is unset or empty.
    pub fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: !no_color && std::io::stdout().is_terminal(),
        }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    /// Good news.
    pub fn good(&self, s: &str) -> String {
        self.paint("32", s)
    }

    /// Bad news.
    pub fn bad(&self, s: &str) -> String {
        self.paint("31", s)
    }

    /// Worth a look.
    pub fn warn(&self, s: &str) -> String {
        self.paint("33", s)
    }

    /// A heading.
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
}

/// The colour codes [`Style`] writes; every other escape sequence reaching the terminal came
/// from data.
const OWN_CODES: [&str; 5] = ["[0m", "[1m", "[31m", "[32m", "[33m"];

/// Text for the terminal, whatever it holds: line feeds, tabs and this program's own colour
/// codes pass; every other control character (ESC, CR, BEL, NUL, DEL, C1) and the
/// bidirectional overrides are written as `\xNN` / `\u{NNNN}` escapes. The last line of
/// defence behind [`anchorkit::cert::printable`]: a string from a server, a file's contents or
/// a file name can neither drive the terminal nor overwrite a line already written.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        if c == '\x1b'
            && let Some(code) = OWN_CODES.iter().find(|k| after.starts_with(**k))
        {
            out.push(c);
            out.push_str(code);
            rest = &after[code.len()..];
            continue;
        }
        if !unsafe_char(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
        rest = after;
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::terminal_safe;

    #[test]
    fn only_line_feeds_tabs_and_our_colours_pass() {
        for (input, want) in [
            ("plain\ttext\n", "plain\ttext\n"),
            ("\x1b[32mok\x1b[0m", "\x1b[32mok\x1b[0m"),
            ("\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07"),
            ("\x1b[8mhidden", "\\x1b[8mhidden"),
            ("forged\rALL GOOD", "forged\\x0dALL GOOD"),
            ("nul\0 del\x7f c1\u{9b}", "nul\\x00 del\\x7f c1\\x9b"),
            ("\u{202E}txt.exe", "\\u{202e}txt.exe"),
            ("a\\b", "a\\b"),
            ("\x1b", "\\x1b"),
        ] {
            assert_eq!(terminal_safe(input), want, "{input:?}");
        }
    }
}
