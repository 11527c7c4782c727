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

use super::csv_source::{
    csv_error, csv_reader, echo, is_missing, parse_number, read_header, QuoteWatch, ECHO_CHARS,
};
use crate::data::Dataset;
use crate::error::excerpt;
use crate::{Error, Float, Result};

/// Which column holds the target: by header name, by 0-based index, or the last one.
///
/// ```
/// use tuneup::data::{read_csv, CsvOptions, LabelColumn};
/// assert_eq!(LabelColumn::from("species"), LabelColumn::Name("species".into()));
/// assert_eq!(LabelColumn::from(4), LabelColumn::Index(4));
/// let ds = read_csv::<f64, _>("1,2,a\n3,4,b\n".as_bytes(),
///     &CsvOptions::classification(LabelColumn::Last).has_header(false))?;
/// assert_eq!(ds.n_features(), 2);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelColumn {
    /// The column whose header is this name (needs a header row).
    Name(String),
    /// The column at this 0-based index.
    Index(usize),
    /// The last column, whatever the width (with or without a header).
    Last,
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
    classes: Option<Vec<String>>,
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
            classes: None,
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

    /// Fixes the classes and their order instead of finding them in this file: class `c` is
    /// `names[c]`. Give a test file the training file's
    /// [`class_names`](Dataset::class_names), so that a class missing from the test file does
    /// not renumber the others; a label not among `names` is an error naming its line.
    ///
    /// ```
    /// use tuneup::data::{read_csv, CsvOptions};
    /// let train = read_csv::<f64, _>("x,y\n1,cat\n2,dog\n3,emu\n".as_bytes(),
    ///     &CsvOptions::classification("y"))?;
    /// let test_options = CsvOptions::classification("y").classes(train.class_names().unwrap());
    /// let test = read_csv::<f64, _>("x,y\n4,emu\n".as_bytes(), &test_options)?;
    /// assert_eq!(test.labels(), Some(&[2][..]));
    /// assert_eq!(test.n_classes(), Some(3));
    /// let err = read_csv::<f64, _>("x,y\n5,owl\n".as_bytes(), &test_options).unwrap_err();
    /// assert!(err.to_string().contains("line 2"), "{err}");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn classes<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.classes = Some(names.into_iter().map(|n| n.as_ref().to_string()).collect());
        self
    }
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
    check_classes(options.classes.as_deref())?;
    let mut rdr = csv_reader(reader, options.has_header, options.delimiter);
    let header: Option<Vec<String>> = if options.has_header {
        Some(read_header(&mut rdr, source)?)
    } else {
        None
    };
    let mut record = csv::StringRecord::new();
    if !next_record(&mut rdr, &mut record, source)? {
        return Err(no_rows(rdr.get_ref(), header.is_some(), source));
    }
    let width = header.as_ref().map_or(record.len(), Vec::len);
    let label = resolve_label(&options.label, header.as_deref(), width, source)?;
    let mut rows = Rows::new(options, header.as_deref(), width, label, source);
    loop {
        let line = rdr.get_mut().next_record_line();
        rows.push(&record, line)
            .map_err(|e| rdr.get_ref().unterminated_quote(source).unwrap_or(e))?;
        if !next_record(&mut rdr, &mut record, source)? {
            break;
        }
    }
    if let Some(open) = rdr.get_ref().unterminated_quote(source) {
        return Err(open);
    }
    rows.into_dataset()
}

/// Refuses a fixed class list that names a class twice (which would make two indices one).
fn check_classes(classes: Option<&[String]>) -> Result<()> {
    let Some(names) = classes else {
        return Ok(());
    };
    let mut seen = std::collections::HashSet::new();
    match names.iter().find(|n| !seen.insert(n.as_str())) {
        Some(twice) => Err(Error::config(
            "CsvOptions::classes",
            echo(twice),
            "distinct class names (this one is given twice)",
        )),
        None => Ok(()),
    }
}

/// Reads the next record into `record`; `false` at the end of the input.
fn next_record<R: Read>(
    rdr: &mut csv::Reader<QuoteWatch<R>>,
    record: &mut csv::StringRecord,
    source: &str,
) -> Result<bool> {
    rdr.read_record(record)
        .map_err(|e| csv_error(rdr.get_ref(), source, e))
}

/// The error for a file with no data row: empty, or a header alone.
fn no_rows<R>(watch: &QuoteWatch<R>, has_header: bool, source: &str) -> Error {
    if let Some(open) = watch.unterminated_quote(source) {
        return open;
    }
    let found = if watch.is_blank() {
        "an empty file"
    } else if has_header {
        "a header row and no data rows"
    } else {
        "no data rows"
    };
    Error::value(format!("CSV {source}"), "at least one data row", found)
}

/// The rows read so far, parsed as they come.
struct Rows<'a, F> {
    options: &'a CsvOptions,
    header: Option<&'a [String]>,
    width: usize,
    label: usize,
    source: &'a str,
    features: Vec<F>,
    values: Vec<F>,
    class_text: Vec<String>,
    lines: Vec<usize>,
    classes: Option<HashMap<&'a str, usize>>,
    labels: Vec<usize>,
}

impl<'a, F: Float> Rows<'a, F> {
    fn new(
        options: &'a CsvOptions,
        header: Option<&'a [String]>,
        width: usize,
        label: usize,
        source: &'a str,
    ) -> Self {
        let classes = options.classes.as_ref().map(|names| {
            names
                .iter()
                .enumerate()
                .map(|(c, n)| (n.as_str(), c))
                .collect()
        });
        Rows {
            options,
            header,
            width,
            label,
            source,
            features: Vec::new(),
            values: Vec::new(),
            class_text: Vec::new(),
            lines: Vec::new(),
            classes,
            labels: Vec::new(),
        }
    }

    /// `line N, column J (`name`)`, as errors name a field.
    fn field_at(&self, line: usize, j: usize) -> String {
        let column = match self.header {
            Some(h) => format!("column {} (`{}`)", j + 1, excerpt(&h[j], ECHO_CHARS)),
            None => format!("column {}", j + 1),
        };
        format!("CSV {}, line {line}, {column}", self.source)
    }

    fn push(&mut self, record: &csv::StringRecord, line: usize) -> Result<()> {
        if record.len() != self.width {
            let reference = match (self.header, self.lines.first()) {
                (Some(_), _) | (None, None) => "the header".to_string(),
                (None, Some(first)) => format!("the first row (line {first})"),
            };
            return Err(Error::value(
                format!("CSV {}, line {line}", self.source),
                format!("{} fields, as in {reference}", self.width),
                format!("{} fields", record.len()),
            ));
        }
        for (j, field) in record.iter().enumerate() {
            if j != self.label {
                let v = parse_number(field, || self.field_at(line, j))?;
                self.features.push(v);
            } else {
                self.push_target(field, line)?;
            }
        }
        self.lines.push(line);
        Ok(())
    }

    fn push_target(&mut self, field: &str, line: usize) -> Result<()> {
        let at = || self.field_at(line, self.label);
        match self.options.task {
            CsvTask::Regression => {
                let v = parse_number(field, at)?;
                self.values.push(v);
            }
            CsvTask::Classification if is_missing(field) => {
                return Err(Error::value(
                    at(),
                    "a class label (labels cannot be missing)",
                    echo(field),
                ));
            }
            CsvTask::Classification => match &self.classes {
                None => self.class_text.push(field.to_string()),
                Some(classes) => match classes.get(field) {
                    Some(&c) => self.labels.push(c),
                    None => return Err(self.unknown_class(field, line)),
                },
            },
        }
        Ok(())
    }

    fn unknown_class(&self, field: &str, line: usize) -> Error {
        let known = self
            .options
            .classes
            .as_deref()
            .unwrap_or_default()
            .join(", ");
        Error::value(
            self.field_at(line, self.label),
            format!(
                "one of the classes given by CsvOptions::classes [{}]",
                excerpt(&known, 4 * ECHO_CHARS)
            ),
            echo(field),
        )
    }

    fn into_dataset(self) -> Result<Dataset<F>> {
        let rows = self.lines.len();
        let context = || format!("CSV {}", self.source);
        let x = Array2::from_shape_vec((rows, self.width.saturating_sub(1)), self.features)
            .map_err(|e| Error::shape(context(), "a rectangular table", e))?;
        let label = self.label;
        let ds = match self.options.task {
            CsvTask::Regression => {
                let y = Array2::from_shape_vec((rows, 1), self.values)
                    .map_err(|e| Error::shape(context(), "one target per row", e))?;
                let ds = Dataset::regression(x, y)?;
                match self.header {
                    Some(h) => ds.with_target_names([h[label].clone()])?,
                    None => ds,
                }
            }
            CsvTask::Classification => {
                let (labels, names) = match &self.options.classes {
                    Some(names) => (self.labels, names.clone()),
                    None => encode_classes(&self.class_text),
                };
                Dataset::classification(x, labels)?.with_class_names(names)?
            }
        };
        let ds = ds.with_source_lines(self.lines)?;
        match self.header {
            Some(h) => ds.with_feature_names(
                h.iter()
                    .enumerate()
                    .filter(|&(j, _)| j != label)
                    .map(|(_, s)| s.clone()),
            ),
            None => Ok(ds),
        }
    }
}

/// Class indices and class names for labels read as text, in [`class_order`].
fn encode_classes(class_text: &[String]) -> (Vec<usize>, Vec<String>) {
    let names = class_order(class_text);
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(c, n)| (n.as_str(), c))
        .collect();
    let labels = class_text
        .iter()
        .map(|t| index.get(t.as_str()).copied().unwrap_or_default())
        .collect();
    (labels, names)
}

fn resolve_label(
    label: &LabelColumn,
    header: Option<&[String]>,
    width: usize,
    source: &str,
) -> Result<usize> {
    match (label, header) {
        (LabelColumn::Last, _) => width.checked_sub(1).ok_or_else(|| {
            Error::value(
                format!("CSV {source}: label column"),
                "at least one column",
                "no columns",
            )
        }),
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
                    format!(
                        "one of the header's columns [{}]",
                        excerpt(&h.join(", "), 4 * ECHO_CHARS)
                    ),
                    echo(name),
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
