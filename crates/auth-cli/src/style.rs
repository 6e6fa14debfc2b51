//! Terminal output: colour only on a terminal and never with `NO_COLOR` (no-color.org) or
//! `TERM=dumb`, and the confirmation prompt.

use std::io::{BufRead, IsTerminal, Write};

/// Colours for one output stream.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    on: bool,
}

impl Style {
    /// Colours for stdout (`err = false`) or stderr, decided from the stream and environment.
    pub fn detect(err: bool) -> Style {
        let terminal = if err {
            std::io::stderr().is_terminal()
        } else {
            std::io::stdout().is_terminal()
        };
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Style {
            on: terminal && !no_color && !dumb,
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Success.
    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    /// A change to come.
    pub fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }

    /// A problem.
    pub fn red(self, text: &str) -> String {
        self.paint("31", text)
    }

    /// Emphasis.
    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// `true` when a person can answer a prompt (stdin and stderr are terminals).
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks `question [y/N]` on stderr and reads the answer; anything but yes is no.
pub fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}
