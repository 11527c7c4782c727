//! Reading a typed [`Table`] from CSV: numeric columns stay numbers, text columns stay text
//! (behind the `csv` feature).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::csv_source::{
    csv_error, csv_reader, echo, is_missing, parse_number, read_header, ECHO_CHARS,
};
use super::table::{Column, Table};
use crate::error::excerpt;
use crate::{Error, Float, Result};

/// How to read a CSV file into a [`Table`].
///
/// A column is numeric when every field that is not missing parses as a number, and
/// categorical otherwise (or when listed in [`categorical`](Self::categorical), for codes
/// like postcodes). Fields are trimmed; an empty field, `NA` or `NaN` (any case) is missing.
/// Without a header, columns are named `x0`, `x1`, ….
///
/// ```
/// use tuneup::data::{read_table, Column, TableOptions};
/// let text = "age,city,zip\n31,Oslo,0150\nNA,Lima,15001\n";
/// let t = read_table::<f64, _>(text.as_bytes(), &TableOptions::new().categorical(["zip"]))?;
/// assert_eq!(t.categorical_columns(), vec![1, 2]);
/// assert_eq!(t.columns()[2], Column::categorical(["0150", "15001"]));
/// assert!(matches!(&t.columns()[0], Column::Numeric(v) if v[1].is_nan()));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableOptions {
    has_header: bool,
    delimiter: u8,
    categorical: Vec<String>,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            has_header: true,
            delimiter: b',',
            categorical: Vec::new(),
        }
    }
}

impl TableOptions {
    /// A header row, commas, column kinds inferred.
    ///
    /// ```
    /// let o = tuneup::data::TableOptions::new();
    /// # let _ = o;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the first row is a header (default `true`).
    ///
    /// ```
    /// use tuneup::data::{read_table, TableOptions};
    /// let t = read_table::<f64, _>("1,a\n".as_bytes(), &TableOptions::new().has_header(false))?;
    /// assert_eq!(t.names(), ["x0", "x1"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn has_header(mut self, yes: bool) -> Self {
        self.has_header = yes;
        self
    }

    /// The field delimiter (default `b','`).
    ///
    /// ```
    /// use tuneup::data::{read_table, TableOptions};
    /// let t = read_table::<f64, _>("a;b\n1;x\n".as_bytes(), &TableOptions::new().delimiter(b';'))?;
    /// assert_eq!(t.n_columns(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Columns (by header name) read as categorical even when they look numeric.
    ///
    /// ```
    /// use tuneup::data::{read_table, TableOptions};
    /// let t = read_table::<f64, _>("k\n1\n".as_bytes(), &TableOptions::new().categorical(["k"]))?;
    /// assert_eq!(t.categorical_columns(), vec![0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn categorical<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.categorical = names.into_iter().map(Into::into).collect();
        self
    }
}

/// Reads a [`Table`] from CSV text in any reader; see [`TableOptions`].
///
/// # Errors
/// [`Error::Value`] naming the 1-based line for a row of another width than the header (or
/// first row), text that is not UTF-8, or a [`categorical`](TableOptions::categorical) name
/// not in the header; [`Error::Io`] for a failing reader.
///
/// ```
/// use tuneup::data::{read_table, TableOptions};
/// let err = read_table::<f64, _>("a,b\n1\n".as_bytes(), &TableOptions::new()).unwrap_err();
/// assert!(err.to_string().contains("line 2"), "{err}");
/// ```
pub fn read_table<F: Float, R: Read>(reader: R, options: &TableOptions) -> Result<Table<F>> {
    read_table_from(reader, options, "reader")
}

/// Reads a [`Table`] from the CSV file at `path`; see [`read_table`].
///
/// # Errors
/// [`Error::Io`] if the file cannot be opened, and every error of [`read_table`].
///
/// ```
/// use tuneup::data::{read_table_path, TableOptions};
/// let path = std::env::temp_dir().join("tuneup_doc_read_table_path.csv");
/// std::fs::write(&path, "x,c\n1,a\n2,b\n").unwrap();
/// let t = read_table_path::<f64>(&path, &TableOptions::new())?;
/// assert_eq!(t.n_rows(), 2);
/// assert!(read_table_path::<f64>("/no/such/file.csv", &TableOptions::new()).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn read_table_path<F: Float>(
    path: impl AsRef<Path>,
    options: &TableOptions,
) -> Result<Table<F>> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| Error::io("open CSV", path.display(), e))?;
    read_table_from(file, options, &format!("`{}`", path.display()))
}

fn read_table_from<F: Float, R: Read>(
    reader: R,
    options: &TableOptions,
    source: &str,
) -> Result<Table<F>> {
    let mut rdr = csv_reader(reader, options.has_header, options.delimiter);
    let header: Option<Vec<String>> = if options.has_header {
        Some(read_header(&mut rdr, source)?)
    } else {
        None
    };
    let mut fields: Vec<Vec<String>> = Vec::new();
    let mut width = header.as_ref().map(Vec::len);
    let mut lines: Vec<usize> = Vec::new();
    let mut record = csv::StringRecord::new();
    while rdr
        .read_record(&mut record)
        .map_err(|e| csv_error(rdr.get_ref(), source, e))?
    {
        let line = rdr.get_mut().next_record_line();
        let w = *width.get_or_insert(record.len());
        if record.len() != w {
            let width_error = Error::value(
                format!("CSV {source}, line {line}"),
                format!("{w} fields, as in the header (or first row)"),
                format!("{} fields", record.len()),
            );
            return Err(rdr
                .get_ref()
                .unterminated_quote(source)
                .unwrap_or(width_error));
        }
        lines.push(line);
        if fields.is_empty() {
            fields = vec![Vec::new(); w];
        }
        for (col, f) in fields.iter_mut().zip(record.iter()) {
            col.push(f.to_string());
        }
    }
    if let Some(open) = rdr.get_ref().unterminated_quote(source) {
        return Err(open);
    }
    if rdr.get_ref().is_blank() {
        return Err(Error::value(
            format!("CSV {source}"),
            "a header or at least one row",
            "an empty file",
        ));
    }
    let width = width.unwrap_or(0);
    if fields.is_empty() {
        fields = vec![Vec::new(); width];
    }
    let names = header.unwrap_or_else(|| (0..width).map(|j| format!("x{j}")).collect());
    if let Some(bad) = options.categorical.iter().find(|c| !names.contains(c)) {
        return Err(Error::value(
            format!("CSV {source}: TableOptions.categorical"),
            format!(
                "one of the header's columns [{}]",
                excerpt(&names.join(", "), 4 * ECHO_CHARS)
            ),
            echo(bad),
        ));
    }
    let columns = names
        .iter()
        .zip(fields)
        .map(|(name, col)| {
            let at = |row: usize| {
                let line = lines.get(row).copied().unwrap_or_default();
                format!("CSV {source}, line {line}, column {}", echo(name))
            };
            typed_column(col, options.categorical.contains(name), at)
        })
        .collect::<Result<Vec<_>>>()?;
    Table::new(names, columns)
}

/// A numeric column when every present field parses as a number (and the column is not forced
/// to be categorical), a categorical one otherwise. A number that is not finite once stored as
/// `F` (`inf`, `1e400`, or `1e39` as `f32`) is an error naming its line (`at(row)`).
fn typed_column<F: Float>(
    fields: Vec<String>,
    categorical: bool,
    at: impl Fn(usize) -> String,
) -> Result<Column<F>> {
    let parses = |f: &String| is_missing(f) || f.parse::<f64>().is_ok();
    if !categorical && fields.iter().all(parses) {
        return fields
            .iter()
            .enumerate()
            .map(|(row, f)| parse_number(f, || at(row)))
            .collect::<Result<Vec<F>>>()
            .map(Column::Numeric);
    }
    Ok(Column::Categorical(
        fields
            .into_iter()
            .map(|f| (!is_missing(&f)).then_some(f))
            .collect(),
    ))
}
