//! Diagnostics: every problem with an input file becomes one
//! `file:line:column: message`, whether the YAML parser, the JSON parser or
//! validation found it.

use serde_saphyr::{Location, MessageFormatter, Spanned, UserMessageFormatter};

use crate::config::SourcePos;

/// A problem with an input file: where it is and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for Diagnostic {}

impl Diagnostic {
    pub fn new(file: &str, line: u32, column: u32, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.to_owned(),
            line,
            column,
            message: message.into(),
        }
    }

    /// A problem at a parser location (line and column are 1-based; an
    /// unknown location is reported as 1:1 so editors can still jump).
    pub fn at(file: &str, location: &Location, message: impl Into<String>) -> Diagnostic {
        let pos = source_pos(file, location);
        Diagnostic::new(file, pos.line, pos.column, message)
    }

    /// A problem at the value of a spanned field.
    pub fn at_value<T>(file: &str, value: &Spanned<T>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(file, &value.referenced, message)
    }

    /// A problem reported by serde-saphyr, without its snippet (the file and
    /// position already say where) but with its own words.
    pub fn from_yaml(file: &str, error: &serde_saphyr::Error) -> Diagnostic {
        let message = UserMessageFormatter
            .format_message(error.without_snippet())
            .into_owned();
        let location = error.location().unwrap_or(Location::UNKNOWN);
        let diagnostic = Diagnostic::at(file, &location, message);
        explain_document_shape(diagnostic)
    }

    /// A syntax problem reported by serde_json.
    pub fn from_json(file: &str, error: &serde_json::Error) -> Diagnostic {
        // serde_json appends " at line L column C" to its Display; keep only
        // the message since the position goes in front.
        let text = error.to_string();
        let message = match text.rfind(" at line ") {
            Some(cut) => text[..cut].to_owned(),
            None => text,
        };
        let line = error.line().max(1) as u32;
        let column = error.column().max(1) as u32;
        Diagnostic::new(file, line, column, format!("invalid JSON: {message}"))
    }
}

/// The file position of a parser location, 1-based.
pub fn source_pos(file: &str, location: &Location) -> SourcePos {
    SourcePos {
        file: file.to_owned(),
        line: location.line().clamp(1, u32::MAX as u64) as u32,
        column: location.column().clamp(1, u32::MAX as u64) as u32,
    }
}

/// Adds what the file should have looked like when the whole document has
/// the wrong shape (a list or a bare word instead of a mapping).
fn explain_document_shape(mut diagnostic: Diagnostic) -> Diagnostic {
    let at_start = diagnostic.line == 1 && diagnostic.column == 1;
    if at_start && diagnostic.message.contains("mapping") {
        diagnostic.message += " (a model or scenario file is a mapping of keys such as `name:`)";
    }
    diagnostic
}
