//! C, C++ and Arduino source: certificates inside string literals and byte arrays.
//!
//! The lexer knows just enough C to find them: comments, ordinary string literals (with
//! escapes, and with the curly quotes forum software substitutes), raw strings `R"d(...)d"`,
//! adjacent-literal concatenation, and brace-enclosed lists of integer literals. Everything
//! else is skipped.

/// A logical string: adjacent literals concatenated, with the source line of each piece.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CString {
    /// The decoded value.
    pub value: String,
    /// `(byte offset in value, 1-based source line)` for the start of each literal piece, and
    /// for every line break inside a raw string.
    pub lines: Vec<(usize, usize)>,
}

impl CString {
    /// The source line holding byte `offset` of the value.
    pub fn line_of(&self, offset: usize) -> usize {
        let idx = self.lines.partition_point(|(o, _)| *o <= offset);
        self.lines
            .get(idx.saturating_sub(1))
            .map_or(1, |(_, line)| *line)
    }
}

/// A brace-enclosed list of integers that fit in a byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteArray {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// 1-based line of the opening brace.
    pub line: usize,
}

/// What the lexer found.
#[derive(Debug, Default)]
pub struct Lexed {
    /// Logical strings in source order.
    pub strings: Vec<CString>,
    /// Byte arrays in source order.
    pub arrays: Vec<ByteArray>,
}

/// An unterminated literal that looks like certificate material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// 1-based line.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

fn is_open_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

fn is_close_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}')
}

/// Heuristic: does the text look like C/C++ source holding certificate material?
pub fn looks_like_c(text: &str) -> bool {
    let has_quoted_pem = text.contains("\"-----BEGIN")
        || text.contains("\u{201C}-----BEGIN")
        || text.contains("\\n\"");
    let has_raw = text.contains("R\"");
    let has_array = text.contains("0x30") && text.contains('{');
    has_quoted_pem || has_raw || has_array
}

struct Lexer<'a> {
    chars: Vec<(usize, char)>,
    pos: usize,
    line: usize,
    src: &'a str,
    /// Python source: single quotes and triple quotes open strings too.
    python: bool,
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.pos + k).map(|(_, c)| *c)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// Skips whitespace and comments; returns false at end of input.
    fn skip_trivia(&mut self) -> bool {
        loop {
            match (self.peek(0), self.peek(1)) {
                (None, _) => return false,
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                // A line splice outside a literal (`"...\n" \` at a line's end, as the
                // WiFiClientSecure examples write certificates) joins the lines.
                (Some('\\'), _) if self.splice_len().is_some() => {
                    for _ in 0..self.splice_len().unwrap_or(1) {
                        self.bump();
                    }
                }
                (Some('/'), Some('/')) => {
                    while let Some(c) = self.peek(0) {
                        if c == '\n' {
                            break;
                        }
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => {
                    self.bump();
                    self.bump();
                    loop {
                        match (self.peek(0), self.peek(1)) {
                            (None, _) => return false,
                            (Some('*'), Some('/')) => {
                                self.bump();
                                self.bump();
                                break;
                            }
                            _ => {
                                self.bump();
                            }
                        }
                    }
                }
                _ => return true,
            }
        }
    }

    /// At a backslash that ends its line (spaces or tabs and a CR may follow it): the length
    /// of the splice through the newline.
    fn splice_len(&self) -> Option<usize> {
        if self.peek(0) != Some('\\') {
            return None;
        }
        let mut k = 1;
        while matches!(self.peek(k), Some(' ' | '\t' | '\r')) {
            k += 1;
        }
        (self.peek(k) == Some('\n')).then_some(k + 1)
    }

    /// Between two pieces of one certificate being built in Arduino code (only called while a
    /// PEM block has begun and not ended): `)`, `(`, `+`, `;`, `=`, `.` and identifiers, as
    /// in `String(F("...")) + F("...")`, `pem += F("...");` or `s.concat(F("..."))`, at most
    /// twelve tokens. Skips them when a literal follows; returns whether one does.
    fn skip_joiners(&mut self) -> bool {
        let save = (self.pos, self.line);
        let mut skipped = false;
        let mut tokens = 0;
        loop {
            if !self.skip_trivia() {
                break;
            }
            tokens += 1;
            if tokens > 12 {
                break;
            }
            match self.peek(0) {
                // `)) + F(`, `); pem += F(`, `pem.concat(F(`.
                Some(')' | '+' | '(' | ';' | '=' | '.') => {
                    self.bump();
                    skipped = true;
                }
                Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                    let mut k = 0;
                    while let Some(ch) = self.peek(k) {
                        if ch.is_ascii_alphanumeric() || ch == '_' {
                            k += 1;
                        } else {
                            break;
                        }
                    }
                    // An identifier glued to a quote is a literal's prefix (u8"..."), not a
                    // wrapper.
                    if self.peek(k).is_some_and(is_open_quote) {
                        break;
                    }
                    for _ in 0..k {
                        self.bump();
                    }
                    skipped = true;
                }
                Some(c) if is_open_quote(c) && skipped => return true,
                _ => break,
            }
        }
        (self.pos, self.line) = save;
        false
    }

    /// At a raw string `R"delim(`? Returns the delimiter.
    fn raw_start(&self) -> Option<String> {
        if self.peek(0) != Some('R') || !self.peek(1).is_some_and(is_open_quote) {
            return None;
        }
        // The character before R must not be an identifier character (e.g. `FOR"`), except
        // the encoding prefixes u8, u, U, L.
        let mut delim = String::new();
        let mut k = 2;
        loop {
            let c = self.peek(k)?;
            if c == '(' {
                return Some(delim);
            }
            if c.is_whitespace() || c == '\\' || c == ')' || delim.len() > 16 {
                return None;
            }
            delim.push(c);
            k += 1;
        }
    }

    /// Reads a raw string; the cursor is at `R`. Returns the value and its line map.
    fn raw_string(&mut self, delim: &str, out: &mut CString) -> Result<(), LexError> {
        let start_line = self.line;
        for _ in 0..delim.chars().count() + 3 {
            self.bump();
        }
        let close: Vec<char> = std::iter::once(')')
            .chain(delim.chars())
            .collect::<Vec<_>>();
        out.lines.push((out.value.len(), self.line));
        loop {
            let Some(c) = self.peek(0) else {
                return Err(LexError {
                    line: start_line,
                    message: format!(
                        "raw string starting at line {start_line} is not closed by ){delim}\""
                    ),
                });
            };
            if c == ')'
                && close
                    .iter()
                    .enumerate()
                    .all(|(i, ch)| self.peek(i) == Some(*ch))
                && self.peek(close.len()).is_some_and(is_close_quote)
            {
                for _ in 0..=close.len() {
                    self.bump();
                }
                return Ok(());
            }
            self.bump();
            out.value.push(c);
            if c == '\n' {
                out.lines.push((out.value.len(), self.line));
            }
        }
    }

    /// Reads an ordinary string literal; the cursor is at the opening quote.
    fn plain_string(&mut self, out: &mut CString) -> Result<(), LexError> {
        let start_line = self.line;
        let open = self.peek(0);
        // Python: '...', and triple-quoted strings spanning lines.
        let triple = self.python
            && matches!(open, Some('\'' | '"'))
            && self.peek(1) == open
            && self.peek(2) == open;
        let single = self.python && open == Some('\'');
        for _ in 0..if triple { 3 } else { 1 } {
            self.bump();
        }
        out.lines.push((out.value.len(), self.line));
        loop {
            let Some(c) = self.bump() else {
                return Err(self.unterminated(start_line, out));
            };
            match c {
                '\n' if triple => {
                    out.value.push('\n');
                    out.lines.push((out.value.len(), self.line));
                }
                '\n' => return Err(self.unterminated(start_line, out)),
                c if triple && Some(c) == open && self.peek(0) == open && self.peek(1) == open => {
                    self.bump();
                    self.bump();
                    return Ok(());
                }
                c if triple && c != '\\' => out.value.push(c),
                '\'' if single => return Ok(()),
                c if !single && !triple && is_close_quote(c) => return Ok(()),
                '\\' => {
                    let Some(e) = self.bump() else {
                        return Err(self.unterminated(start_line, out));
                    };
                    match e {
                        'n' => out.value.push('\n'),
                        'r' => out.value.push('\r'),
                        't' => out.value.push('\t'),
                        '0'..='7' => {
                            let mut v = e.to_digit(8).unwrap_or(0);
                            for _ in 0..2 {
                                match self.peek(0).and_then(|d| d.to_digit(8)) {
                                    Some(d) => {
                                        v = v * 8 + d;
                                        self.bump();
                                    }
                                    None => break,
                                }
                            }
                            out.value.push(char::from_u32(v).unwrap_or('?'));
                        }
                        'x' => {
                            let mut v = 0u32;
                            while let Some(d) = self.peek(0).and_then(|d| d.to_digit(16)) {
                                v = (v * 16 + d) & 0xFF;
                                self.bump();
                            }
                            out.value.push(char::from_u32(v).unwrap_or('?'));
                        }
                        '\n' => {
                            // Line continuation.
                            out.lines.push((out.value.len(), self.line));
                        }
                        other => out.value.push(other),
                    }
                }
                other => out.value.push(other),
            }
        }
    }

    fn unterminated(&self, start_line: usize, out: &CString) -> LexError {
        let _ = out;
        LexError {
            line: start_line,
            message: format!(
                "string literal starting at line {start_line} is not closed on its line \
                 (expected a closing \")"
            ),
        }
    }

    /// Tries to read `{ n, n, ... }` of byte values; the cursor is at `{`.
    fn byte_array(&mut self) -> Option<ByteArray> {
        let save = (self.pos, self.line);
        let line = self.line;
        self.bump();
        let mut bytes = Vec::new();
        loop {
            if !self.skip_trivia() {
                break;
            }
            match self.peek(0) {
                Some('}') => {
                    self.bump();
                    if bytes.len() >= 16 {
                        return Some(ByteArray { bytes, line });
                    }
                    break;
                }
                Some(',') => {
                    self.bump();
                }
                Some(c) if c.is_ascii_digit() => {
                    let mut tok = String::new();
                    while let Some(c) = self.peek(0) {
                        if c.is_ascii_alphanumeric() {
                            tok.push(c);
                            self.bump();
                        } else {
                            break;
                        }
                    }
                    let t = tok.trim_end_matches(['u', 'U', 'l', 'L']);
                    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                        u32::from_str_radix(h, 16).ok()
                    } else if t.len() > 1 && t.starts_with('0') {
                        u32::from_str_radix(&t[1..], 8).ok()
                    } else {
                        t.parse::<u32>().ok()
                    };
                    match v.and_then(|v| u8::try_from(v).ok()) {
                        Some(b) => bytes.push(b),
                        None => break,
                    }
                }
                _ => break,
            }
        }
        (self.pos, self.line) = save;
        None
    }
}

/// Heuristic: Python (MicroPython) source holding certificate material in string literals
/// (`cadata=b'...'`, `CA = b"""..."""`).
pub fn looks_like_python(text: &str) -> bool {
    let py = text.contains("import ")
        || text.contains("cadata")
        || text.contains("b'")
        || text.contains("b\"")
        || text.contains("'''")
        || text.contains("\"\"\"");
    let cert =
        text.contains("'-----BEGIN") || text.contains("\"-----BEGIN") || text.contains("\\n'");
    py && cert && !text.contains("#include")
}

/// Heuristic: a JSON document or a YAML file whose string values hold PEM with `\n` escapes
/// (`"rootCA": "-----BEGIN CERTIFICATE-----\nMIID..."`).
pub fn looks_like_json(text: &str) -> bool {
    let t = text.trim_start();
    let escaped = text.contains("-----BEGIN CERTIFICATE-----\\n");
    let json = t.starts_with('{') || t.starts_with('[');
    let yaml = text.lines().any(|l| {
        l.trim_start()
            .split_once(": \"-----BEGIN")
            .is_some_and(|(k, _)| !k.contains(['(', '=', ' ']))
    });
    escaped && (json || yaml) && !text.contains("#include")
}

/// Lexes C source text into logical strings and byte arrays.
pub fn lex(text: &str) -> Result<Lexed, LexError> {
    lex_as(text, false)
}

/// Lexes Python source the same way (single and triple quotes open strings).
pub fn lex_python(text: &str) -> Result<Lexed, LexError> {
    lex_as(text, true)
}

fn lex_as(text: &str, python: bool) -> Result<Lexed, LexError> {
    let mut lx = Lexer {
        chars: text.char_indices().collect(),
        pos: 0,
        line: 1,
        src: text,
        python,
    };
    let _ = lx.src;
    let mut out = Lexed::default();
    while lx.skip_trivia() {
        let Some(c) = lx.peek(0) else { break };
        if let Some(delim) = lx.raw_start() {
            let mut s = CString {
                value: String::new(),
                lines: Vec::new(),
            };
            lx.raw_string(&delim, &mut s)?;
            concat_following(&mut lx, &mut s)?;
            out.strings.push(s);
        } else if is_open_quote(c) || (c == '\'' && lx.python) {
            let mut s = CString {
                value: String::new(),
                lines: Vec::new(),
            };
            match lx.plain_string(&mut s) {
                Ok(()) => {
                    concat_following(&mut lx, &mut s)?;
                    out.strings.push(s);
                }
                Err(e) if looks_like_cert_text(&s.value) => return Err(e),
                // Prose or an odd literal that holds no certificate: skip it.
                Err(_) => {}
            }
        } else if c == '{' {
            match lx.byte_array() {
                Some(a) => out.arrays.push(a),
                None => {
                    lx.bump();
                }
            }
        } else if c == '#' && lx.python {
            // A Python comment.
            while let Some(ch) = lx.peek(0) {
                if ch == '\n' {
                    break;
                }
                lx.bump();
            }
        } else if c == '\'' {
            // A character literal such as '"' must not open a string.
            let close = (1..=4).find(|k| lx.peek(*k) == Some('\''));
            let n = close.map_or(1, |k| k + 1);
            for _ in 0..n {
                lx.bump();
            }
        } else {
            lx.bump();
        }
    }
    Ok(out)
}

fn looks_like_cert_text(s: &str) -> bool {
    s.contains("-----") || (s.len() >= 16 && s.starts_with("MII"))
}

fn concat_following(lx: &mut Lexer<'_>, s: &mut CString) -> Result<(), LexError> {
    loop {
        let save = (lx.pos, lx.line);
        if !lx.skip_trivia() {
            return Ok(());
        }
        // Python's adjacent bytes literals (`b"..." b"..."`): skip the prefix.
        if lx.python {
            for n in [2, 1] {
                let prefix: String = (0..n).filter_map(|k| lx.peek(k)).collect();
                let quote = lx.peek(n);
                if prefix.len() == n
                    && prefix
                        .chars()
                        .all(|c| matches!(c, 'b' | 'B' | 'r' | 'R' | 'u' | 'U'))
                    && matches!(quote, Some('"' | '\''))
                {
                    for _ in 0..n {
                        lx.bump();
                    }
                    break;
                }
            }
        }
        if let Some(delim) = lx.raw_start().filter(|_| !lx.python) {
            lx.raw_string(&delim, s)?;
        } else if lx.peek(0).is_some_and(is_open_quote)
            || (lx.python && lx.peek(0) == Some('\''))
            || (looks_like_cert_piece(&s.value)
                && !s.value.contains("-----END")
                && lx.skip_joiners())
        {
            lx.plain_string(s)?;
        } else {
            (lx.pos, lx.line) = save;
            return Ok(());
        }
    }
}

/// Whether a string so far is part of a certificate being built piece by piece.
fn looks_like_cert_piece(s: &str) -> bool {
    s.contains("-----BEGIN")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concatenates_adjacent_literals_with_curly_quotes() {
        let src = "x = \"ab\\n\"\n\n\"cd\\n\u{201D};\ny = \"z\";";
        let l = lex(src).unwrap_or_default();
        assert_eq!(l.strings.len(), 2);
        assert_eq!(l.strings[0].value, "ab\ncd\n");
        assert_eq!(l.strings[0].line_of(0), 1);
        assert_eq!(l.strings[0].line_of(3), 3);
    }

    #[test]
    fn raw_strings_and_arrays() {
        let src = "const char* c PROGMEM = R\"EOF(\nline1\nline2\n)EOF\";\n\
                   const unsigned char a[] = {0x30, 0x82, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 255};";
        let l = lex(src).unwrap_or_default();
        assert_eq!(l.strings[0].value, "\nline1\nline2\n");
        assert_eq!(l.strings[0].line_of(1), 2);
        assert_eq!(l.arrays.len(), 1);
        assert_eq!(l.arrays[0].bytes[0], 0x30);
        assert_eq!(l.arrays[0].bytes[15], 255);
        assert_eq!(l.arrays[0].line, 5);
    }

    #[test]
    fn unterminated_cert_literal_is_an_error() {
        let e = lex("a = \"-----BEGIN CERTIFICATE-----\\n\n\"MIIB\";");
        assert!(matches!(e, Err(LexError { line: 1, .. })));
    }
}
