//! Reading a typed [`Table`] from CSV: numeric columns stay numbers, text columns stay text
//! (behind the `csv` feature).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::csv::{csv_error, is_missing};
use super::table::{Column, Table};
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
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(options.has_header)
        .delimiter(options.delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header: Option<Vec<String>> = if options.has_header {
        let h = rdr.headers().map_err(|e| csv_error(source, e))?;
        Some(h.iter().map(str::to_string).collect())
    } else {
        None
    };
    let mut fields: Vec<Vec<String>> = Vec::new();
    let mut width = header.as_ref().map(Vec::len);
    for record in rdr.records() {
        let record = record.map_err(|e| csv_error(source, e))?;
        let line = record.position().map_or(0, |p| p.line());
        let w = *width.get_or_insert(record.len());
        if record.len() != w {
            return Err(Error::value(
                format!("CSV {source}, line {line}"),
                format!("{w} fields, as in the header (or first row)"),
                format!("{} fields", record.len()),
            ));
        }
        if fields.is_empty() {
            fields = vec![Vec::new(); w];
        }
        for (col, f) in fields.iter_mut().zip(record.iter()) {
            col.push(f.to_string());
        }
    }
    let width = width.unwrap_or(0);
    if fields.is_empty() {
        fields = vec![Vec::new(); width];
    }
    let names = header.unwrap_or_else(|| (0..width).map(|j| format!("x{j}")).collect());
    if let Some(bad) = options.categorical.iter().find(|c| !names.contains(c)) {
        return Err(Error::value(
            format!("CSV {source}: TableOptions.categorical"),
            format!("one of the header's columns [{}]", names.join(", ")),
            format!("`{bad}`"),
        ));
    }
    let columns = names
        .iter()
        .zip(fields)
        .map(|(name, col)| typed_column(col, options.categorical.contains(name)))
        .collect();
    Table::new(names, columns)
}

/// A numeric column when every present field parses (and the column is not forced to be
/// categorical), a categorical one otherwise.
fn typed_column<F: Float>(fields: Vec<String>, categorical: bool) -> Column<F> {
    if !categorical {
        let numbers: Option<Vec<F>> = fields
            .iter()
            .map(|f| {
                if is_missing(f) {
                    Some(F::nan())
                } else {
                    f.parse::<f64>().ok().filter(|v| v.is_finite()).map(F::cast)
                }
            })
            .collect();
        if let Some(v) = numbers {
            return Column::Numeric(v);
        }
    }
    Column::Categorical(
        fields
            .into_iter()
            .map(|f| (!is_missing(&f)).then_some(f))
            .collect(),
    )
}
