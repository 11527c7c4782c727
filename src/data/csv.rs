//! Loading a [`Dataset`] from CSV (behind the `csv` feature, on by default).
//!
//! One column holds the target (chosen by header name or by index); every other column is a
//! numeric feature. Fields are trimmed of surrounding whitespace; an empty field, `NA` or `NaN`
//! (any case) is a missing value and becomes `NaN` (see the imputers in [`crate::data`]).
//! Errors name the 1-based line and column of the offending field.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use ndarray::Array2;

use crate::data::Dataset;
use crate::{Error, Float, Result};

/// Which column holds the target: by header name or by 0-based index.
///
/// ```
/// use tuneup::data::LabelColumn;
/// assert_eq!(LabelColumn::from("species"), LabelColumn::Name("species".into()));
/// assert_eq!(LabelColumn::from(4), LabelColumn::Index(4));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelColumn {
    /// The column whose header is this name (needs a header row).
    Name(String),
    /// The column at this 0-based index.
    Index(usize),
}

impl From<&str> for LabelColumn {
    fn from(name: &str) -> Self {
        LabelColumn::Name(name.to_string())
    }
}

impl From<String> for LabelColumn {
    fn from(name: String) -> Self {
        LabelColumn::Name(name)
    }
}

impl From<usize> for LabelColumn {
    fn from(index: usize) -> Self {
        LabelColumn::Index(index)
    }
}

/// What the target column means.
///
/// ```
/// use tuneup::data::CsvTask;
/// assert_ne!(CsvTask::Classification, CsvTask::Regression);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvTask {
    /// Class labels (any text): mapped to `0..k`, the names kept as the dataset's class names.
    Classification,
    /// A real value per row (missing values become `NaN`).
    Regression,
}

/// How to read a CSV file into a [`Dataset`].
///
/// Classification labels are mapped to `0..k` in sorted order: numerically when every label
/// parses as a number (so `"2" < "10"`), otherwise by text; `class_names()[c]` of the result
/// is the text of class `c`. With a header, the other columns' names become the feature names
/// (and a regression target's name its target name).
///
/// ```
/// use tuneup::data::{read_csv, CsvOptions};
///
/// let text = "sepal,petal,species\n5.1,1.4,setosa\n7.0,NA,versicolor\n6.3,6.0,setosa\n";
/// let ds = read_csv::<f64, _>(text.as_bytes(), &CsvOptions::classification("species"))?;
/// assert_eq!(ds.labels(), Some(&[0, 1, 0][..]));
/// assert_eq!(ds.class_names().unwrap(), ["setosa", "versicolor"]);
/// assert_eq!(ds.feature_names().unwrap(), ["sepal", "petal"]);
/// assert!(ds.features()[[1, 1]].is_nan());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    label: LabelColumn,
    task: CsvTask,
    has_header: bool,
    delimiter: u8,
}

impl CsvOptions {
    /// Class labels in column `label` (a header name or a 0-based index); a header row and
    /// commas by default.
    ///
    /// ```
    /// use tuneup::data::CsvOptions;
    /// let by_index = CsvOptions::classification(0);
    /// let by_name = CsvOptions::classification("label");
    /// # let _ = (by_index, by_name);
    /// ```
    pub fn classification(label: impl Into<LabelColumn>) -> Self {
        CsvOptions {
            label: label.into(),
            task: CsvTask::Classification,
            has_header: true,
            delimiter: b',',
        }
    }

    /// Real targets in column `label` (a header name or a 0-based index); a header row and
    /// commas by default.
    ///
    /// ```
    /// use tuneup::data::{read_csv, CsvOptions};
    /// let ds = read_csv::<f32, _>("1,2\n3,4\n".as_bytes(),
    ///     &CsvOptions::regression(1).has_header(false))?;
    /// assert_eq!(ds.values().unwrap()[[1, 0]], 4.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn regression(label: impl Into<LabelColumn>) -> Self {
        CsvOptions {
            task: CsvTask::Regression,
            ..Self::classification(label)
        }
    }

    /// Whether the first row is a header (default `true`). Without one, the label column must
    /// be given by index and the dataset has no feature names.
    ///
    /// ```
    /// use tuneup::data::CsvOptions;
    /// let opts = CsvOptions::classification(2).has_header(false);
    /// # let _ = opts;
    /// ```
    pub fn has_header(mut self, yes: bool) -> Self {
        self.has_header = yes;
        self
    }

    /// The field delimiter (default `b','`).
    ///
    /// ```
    /// use tuneup::data::{read_csv, CsvOptions};
    /// let ds = read_csv::<f64, _>("a;y\n1.5;0\n".as_bytes(),
    ///     &CsvOptions::classification("y").delimiter(b';'))?;
    /// assert_eq!(ds.features()[[0, 0]], 1.5);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }
}

/// Whether a (trimmed) field marks a missing value: empty, `NA` or `NaN` in any case.
pub(crate) fn is_missing(field: &str) -> bool {
    field.is_empty() || field.eq_ignore_ascii_case("na") || field.eq_ignore_ascii_case("nan")
}

pub(crate) fn csv_error(source: &str, e: csv::Error) -> Error {
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
        e,
    )
}

/// Reads a dataset from a CSV file at `path`; see [`read_csv`].
///
/// # Errors
/// [`Error::Io`] if the file cannot be opened or read (with the path and the system's
/// reason), and every error of [`read_csv`].
///
/// ```
/// use tuneup::data::{read_csv_path, CsvOptions};
/// let path = std::env::temp_dir().join("tuneup_doc_read_csv_path.csv");
/// std::fs::write(&path, "x,y\n1,0.5\n2,1.0\n").unwrap();
/// let ds = read_csv_path::<f64>(&path, &CsvOptions::regression("y"))?;
/// assert_eq!(ds.target_names().unwrap(), ["y"]);
/// assert!(read_csv_path::<f64>("/no/such/file.csv", &CsvOptions::regression("y")).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn read_csv_path<F: Float>(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Dataset<F>> {
    let path = path.as_ref();
    let source = format!("`{}`", path.display());
    let file = File::open(path).map_err(|e| Error::io("open CSV", path.display(), e))?;
    read_csv_from(file, options, &source)
}

/// Reads a dataset from CSV text in any reader (a file, a byte slice, a network stream).
///
/// # Errors
/// All [`Error::Value`], each naming the 1-based line (and column, where one is at fault):
/// * a row whose number of fields differs from the header's (or the first row's);
/// * a feature (or regression target) field that is neither a number nor missing;
/// * a missing class label;
/// * a label column name not in the header (the message lists the header), or a label index
///   beyond the last column;
/// * text that is not valid UTF-8.
///
/// A label given by name when `has_header(false)` is an [`Error::Config`]; a failing reader
/// is an [`Error::Io`].
///
/// ```
/// use tuneup::data::{read_csv, CsvOptions};
/// let text = "a,b,label\n1,2,x\n3,oops,y\n";
/// let err = read_csv::<f64, _>(text.as_bytes(), &CsvOptions::classification("label"))
///     .unwrap_err();
/// assert!(err.to_string().contains("line 3, column 2 (`b`)"), "{err}");
/// ```
pub fn read_csv<F: Float, R: Read>(reader: R, options: &CsvOptions) -> Result<Dataset<F>> {
    read_csv_from(reader, options, "reader")
}

fn read_csv_from<F: Float, R: Read>(
    reader: R,
    options: &CsvOptions,
    source: &str,
) -> Result<Dataset<F>> {
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

    let mut record = csv::StringRecord::new();
    let mut first_line = None;
    // The first data row (needed to know the width when there is no header).
    let has_first = rdr
        .read_record(&mut record)
        .map_err(|e| csv_error(source, e))?;
    let width = match (&header, has_first) {
        (Some(h), _) => h.len(),
        (None, true) => record.len(),
        (None, false) => 0,
    };
    let label = resolve_label(&options.label, header.as_deref(), width, source)?;

    let mut features: Vec<f64> = Vec::new();
    let mut class_text: Vec<String> = Vec::new();
    let mut values: Vec<f64> = Vec::new();
    let mut rows = 0usize;
    let column_name = |j: usize| match &header {
        Some(h) => format!("column {} (`{}`)", j + 1, h[j]),
        None => format!("column {}", j + 1),
    };
    let mut more = has_first;
    while more {
        let line = record.position().map_or(0, |p| p.line());
        first_line.get_or_insert(line);
        if record.len() != width {
            let reference = if header.is_some() {
                "the header".to_string()
            } else {
                format!("the first row (line {})", first_line.unwrap_or(line))
            };
            return Err(Error::value(
                format!("CSV {source}, line {line}"),
                format!("{width} fields, as in {reference}"),
                format!("{} fields", record.len()),
            ));
        }
        for (j, field) in record.iter().enumerate() {
            let parse = || -> Result<f64> {
                if is_missing(field) {
                    return Ok(f64::NAN);
                }
                field.parse::<f64>().map_err(|_| {
                    Error::value(
                        format!("CSV {source}, line {line}, {}", column_name(j)),
                        "a number, or an empty field, NA or NaN for a missing value",
                        format!("`{field}`"),
                    )
                })
            };
            if j != label {
                features.push(parse()?);
            } else {
                match options.task {
                    CsvTask::Regression => values.push(parse()?),
                    CsvTask::Classification => {
                        if is_missing(field) {
                            return Err(Error::value(
                                format!("CSV {source}, line {line}, {}", column_name(j)),
                                "a class label (labels cannot be missing)",
                                format!("`{field}`"),
                            ));
                        }
                        class_text.push(field.to_string());
                    }
                }
            }
        }
        rows += 1;
        more = rdr
            .read_record(&mut record)
            .map_err(|e| csv_error(source, e))?;
    }

    let n_features = width - 1;
    let x = Array2::from_shape_vec(
        (rows, n_features),
        features.into_iter().map(F::cast).collect(),
    )
    .map_err(|e| Error::shape(format!("CSV {source}"), "a rectangular table", e))?;
    let feature_names: Option<Vec<String>> = header.as_ref().map(|h| {
        h.iter()
            .enumerate()
            .filter(|&(j, _)| j != label)
            .map(|(_, s)| s.clone())
            .collect()
    });
    let ds = match options.task {
        CsvTask::Regression => {
            let y = Array2::from_shape_vec((rows, 1), values.into_iter().map(F::cast).collect())
                .map_err(|e| Error::shape(format!("CSV {source}"), "one target per row", e))?;
            let ds = Dataset::regression(x, y)?;
            match &header {
                Some(h) => ds.with_target_names([h[label].clone()])?,
                None => ds,
            }
        }
        CsvTask::Classification => {
            let names = class_order(&class_text);
            let index: HashMap<&str, usize> = names
                .iter()
                .enumerate()
                .map(|(c, n)| (n.as_str(), c))
                .collect();
            let labels = class_text.iter().map(|t| index[t.as_str()]).collect();
            Dataset::classification(x, labels)?.with_class_names(names)?
        }
    };
    match feature_names {
        Some(names) => ds.with_feature_names(names),
        None => Ok(ds),
    }
}

fn resolve_label(
    label: &LabelColumn,
    header: Option<&[String]>,
    width: usize,
    source: &str,
) -> Result<usize> {
    match (label, header) {
        (LabelColumn::Index(i), _) => {
            if *i < width {
                Ok(*i)
            } else {
                Err(Error::value(
                    format!("CSV {source}: label column"),
                    format!("an index below the {width} columns"),
                    i,
                ))
            }
        }
        (LabelColumn::Name(name), Some(h)) => {
            h.iter().position(|c| c == name.trim()).ok_or_else(|| {
                Error::value(
                    format!("CSV {source}: label column"),
                    format!("one of the header's columns [{}]", h.join(", ")),
                    format!("`{name}`"),
                )
            })
        }
        (LabelColumn::Name(name), None) => Err(Error::config(
            "CsvOptions.label",
            format!("`{name}`"),
            "a column index when the CSV has no header row",
        )),
    }
}

/// The distinct labels in class order: numeric when every label parses as a number (ties
/// between spellings of one number, like `1` and `1.0`, by text), otherwise by text.
fn class_order(labels: &[String]) -> Vec<String> {
    let mut names: Vec<String> = labels.to_vec();
    names.sort();
    names.dedup();
    let numbers: Option<Vec<f64>> = names.iter().map(|n| n.parse::<f64>().ok()).collect();
    if let Some(numbers) = numbers {
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|&a, &b| {
            numbers[a]
                .total_cmp(&numbers[b])
                .then(names[a].cmp(&names[b]))
        });
        names = order.into_iter().map(|i| names[i].clone()).collect();
    }
    names
}
