//! What the dataset and table CSV readers share: the `csv` reader set up the same way, a
//! watch on quoting that finds a quote left open at the end of the file, the missing-value
//! rule, finite-number parsing, and errors that echo input only as a short excerpt.

use std::collections::VecDeque;
use std::io::{self, Read};

use crate::error::excerpt;
use crate::{Error, Float, Result};

/// How much of a field an error echoes.
pub(crate) const ECHO_CHARS: usize = 40;

/// Whether a (trimmed) field marks a missing value: empty, `NA` or `NaN` in any case.
pub(crate) fn is_missing(field: &str) -> bool {
    field.is_empty() || field.eq_ignore_ascii_case("na") || field.eq_ignore_ascii_case("nan")
}

/// A field as an error echoes it: in backquotes, cut to [`ECHO_CHARS`] characters.
pub(crate) fn echo(field: &str) -> String {
    format!("`{}`", excerpt(field, ECHO_CHARS))
}

/// Parses a feature or target field: missing → NaN; otherwise a number that is finite both
/// as written and once stored as `F` (so `1e400`, `inf`, or `1e39` read as `f32` are errors,
/// never a silent ∞).
pub(crate) fn parse_number<F: Float>(field: &str, at: impl Fn() -> String) -> Result<F> {
    if is_missing(field) {
        return Ok(F::nan());
    }
    let value = field.parse::<f64>().map_err(|_| {
        Error::value(
            at(),
            "a number, or an empty field, NA or NaN for a missing value",
            echo(field),
        )
    })?;
    let stored = F::cast(value);
    if !stored.is_finite() {
        return Err(Error::value(
            at(),
            format!(
                "a finite number within the range of {} (±{:e})",
                F::NAME,
                F::max_value().as_f64()
            ),
            echo(field),
        ));
    }
    Ok(stored)
}

/// A `csv` reader over `reader` with the crate's settings: trimmed fields, rows of any width
/// (the readers check widths themselves, to name the line), and a [`QuoteWatch`] underneath.
pub(crate) fn csv_reader<R: Read>(
    reader: R,
    has_header: bool,
    delimiter: u8,
) -> csv::Reader<QuoteWatch<R>> {
    csv::ReaderBuilder::new()
        .has_headers(has_header)
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(QuoteWatch::new(reader, delimiter))
}

/// The header row's fields.
pub(crate) fn read_header<R: Read>(
    rdr: &mut csv::Reader<QuoteWatch<R>>,
    source: &str,
) -> Result<Vec<String>> {
    match rdr.headers() {
        Ok(h) => {
            let names = h.iter().map(str::to_string).collect();
            rdr.get_mut().next_record_line();
            Ok(names)
        }
        Err(e) => Err(csv_error(rdr.get_ref(), source, e)),
    }
}

/// The error for a failure of the `csv` reader, preferring the root cause of a quote left open
/// (which makes the reader swallow the rest of the file into one field).
pub(crate) fn csv_error<R>(watch: &QuoteWatch<R>, source: &str, e: csv::Error) -> Error {
    if let Some(open) = watch.unterminated_quote(source) {
        return open;
    }
    if e.is_io_error() {
        return Error::io("read CSV", source, e);
    }
    let at = e
        .position()
        .map(|p| format!(" at line {}", p.line()))
        .unwrap_or_default();
    Error::value(
        format!("reading CSV from {source}{at}"),
        "readable UTF-8 CSV text",
        excerpt(&e.to_string(), 2 * ECHO_CHARS),
    )
}

/// Where the CSV scanner is, mirroring the `csv` crate's rule: a quote opens a quoted field
/// only as a field's first byte, and `""` inside one is an escaped quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// A reader that passes bytes through unchanged while tracking quoting, so that a quote still
/// open at the end of the file is reported with the line and column where it opened.
#[derive(Debug)]
pub(crate) struct QuoteWatch<R> {
    inner: R,
    delimiter: u8,
    state: QuoteState,
    line: u64,
    column: u64,
    opened_at: (u64, u64),
    bytes: u64,
    non_blank: bool,
    at_end: bool,
    at_line_start: bool,
    record_lines: VecDeque<usize>,
}

impl<R> QuoteWatch<R> {
    fn new(inner: R, delimiter: u8) -> Self {
        QuoteWatch {
            inner,
            delimiter,
            state: QuoteState::FieldStart,
            line: 1,
            column: 0,
            opened_at: (0, 0),
            bytes: 0,
            non_blank: false,
            at_end: false,
            at_line_start: true,
            record_lines: VecDeque::new(),
        }
    }

    /// The line on which the next record not yet asked for starts. The `csv` crate's own
    /// line count misses blank lines; this one counts every line of the file, as an editor does.
    /// Call it once per record read, the header included.
    pub(crate) fn next_record_line(&mut self) -> usize {
        self.record_lines.pop_front().unwrap_or_default()
    }

    /// Whether the whole input was read and held nothing but white space.
    pub(crate) fn is_blank(&self) -> bool {
        self.at_end && !self.non_blank
    }

    /// The error for a quote opened and never closed, once the end of the input was read.
    pub(crate) fn unterminated_quote(&self, source: &str) -> Option<Error> {
        (self.at_end && self.state == QuoteState::Quoted).then(|| {
            let (line, column) = self.opened_at;
            Error::value(
                format!("CSV {source}, line {line}, column {column}"),
                "a closing quote `\"` for the quoted field that opens here",
                format!(
                    "the end of the file ({} bytes) inside the quotes",
                    self.bytes
                ),
            )
        })
    }

    fn scan(&mut self, byte: u8) {
        self.bytes += 1;
        // Columns count characters: UTF-8 continuation bytes do not start one.
        if byte & 0xC0 != 0x80 {
            self.column += 1;
        }
        self.non_blank |= !byte.is_ascii_whitespace();
        let ends_line = byte == b'\n' || byte == b'\r';
        if self.state == QuoteState::FieldStart && self.at_line_start && !ends_line {
            self.record_lines.push_back(self.line as usize);
            self.at_line_start = false;
        }
        let ends_field = byte == self.delimiter || ends_line;
        self.state = match (self.state, byte) {
            (QuoteState::FieldStart, b'"') => {
                self.opened_at = (self.line, self.column);
                QuoteState::Quoted
            }
            (QuoteState::Quoted, b'"') => QuoteState::QuoteInQuoted,
            (QuoteState::Quoted, _) => QuoteState::Quoted,
            (QuoteState::QuoteInQuoted, b'"') => QuoteState::Quoted,
            (_, _) if ends_field => QuoteState::FieldStart,
            (_, _) => QuoteState::Unquoted,
        };
        if ends_line && self.state == QuoteState::FieldStart {
            self.at_line_start = true;
        }
        if byte == b'\n' {
            self.line += 1;
            self.column = 0;
        }
    }
}

impl<R: Read> Read for QuoteWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.at_end = true;
        }
        for &byte in &buf[..n] {
            self.scan(byte);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch_all(text: &str) -> QuoteWatch<&[u8]> {
        let mut watch = QuoteWatch::new(text.as_bytes(), b',');
        io::copy(&mut watch, &mut io::sink()).unwrap();
        watch
    }

    #[test]
    fn closed_and_escaped_quotes_are_not_reported() {
        for text in ["a,b\n\"x\",1\n", "\"say \"\"hi\"\"\",2\n", "5\"x,0\n", ""] {
            assert!(
                watch_all(text).unterminated_quote("t").is_none(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn an_open_quote_is_reported_where_it_opened() {
        let err = watch_all("a,y\n1,0\n2,\"1\n3,0\n")
            .unterminated_quote("t")
            .unwrap();
        assert!(err.to_string().contains("line 3, column 3"), "{err}");
    }

    #[test]
    fn record_lines_count_blank_lines_and_quoted_newlines() {
        let mut watch = watch_all("a,y\n1,0\n\n3,NA\n\r\n\"x\ny\",2\n5,6\n");
        let lines: Vec<usize> = (0..5).map(|_| watch.next_record_line()).collect();
        assert_eq!(lines, [1, 2, 4, 6, 8]);
    }

    #[test]
    fn blank_input_is_seen_as_blank() {
        assert!(watch_all(" \n\n").is_blank());
        assert!(!watch_all("a\n").is_blank());
    }
}
