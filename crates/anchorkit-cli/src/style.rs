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
