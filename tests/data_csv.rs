//! CSV loading: header handling, label mapping, missing values, and errors that name the line
//! and column. Fixtures are small hand-written files in `tests/fixtures/csv/`.
#![cfg(feature = "csv")]

use tuneup::data::{read_csv, read_csv_path, CsvOptions, Dataset};
use tuneup::Error;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/csv/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn load(name: &str, options: &CsvOptions) -> tuneup::Result<Dataset<f64>> {
    read_csv_path(fixture(name), options)
}

/// The context and found text of an `Error::Value`, or a panic.
fn value_error(result: tuneup::Result<Dataset<f64>>) -> (String, String, String) {
    match result {
        Err(Error::Value {
            context,
            expected,
            found,
        }) => (context, expected, found),
        other => panic!("expected Error::Value, got {other:?}"),
    }
}

#[test]
fn classification_with_label_in_the_middle_and_missing_values() {
    let ds = load("flowers.csv", &CsvOptions::classification("species")).unwrap();
    assert_eq!((ds.n_samples(), ds.n_features()), (6, 3));
    assert_eq!(
        ds.feature_names().unwrap(),
        ["sepal_length", "sepal_width", "petal_length"]
    );
    assert_eq!(
        ds.class_names().unwrap(),
        ["setosa", "versicolor", "virginica"]
    );
    assert_eq!(ds.labels().unwrap(), [0, 1, 2, 0, 1, 2]);
    assert_eq!(ds.class_counts(), Some(vec![2, 2, 2]));
    let x = ds.features();
    assert_eq!(x.row(0).to_vec(), vec![5.1, 3.5, 1.4]);
    // NA, an empty field, `nan` and `NaN` are all missing; whitespace around numbers is fine.
    assert!(x[[1, 1]].is_nan());
    assert_eq!(x[[2, 1]], 3.3);
    assert!(x[[2, 2]].is_nan());
    assert!(x[[3, 1]].is_nan());
    assert!(x[[4, 2]].is_nan());
    let missing = x.iter().filter(|v| v.is_nan()).count();
    assert_eq!(missing, 4);
}

#[test]
fn label_by_index_gives_the_same_dataset() {
    let by_name = load("flowers.csv", &CsvOptions::classification("species")).unwrap();
    let by_index = load("flowers.csv", &CsvOptions::classification(2)).unwrap();
    assert_eq!(by_name.labels(), by_index.labels());
    assert_eq!(by_name.feature_names(), by_index.feature_names());
    let (a, b) = (by_name.features(), by_index.features());
    assert!(a
        .iter()
        .zip(b.iter())
        .all(|(p, q)| p == q || (p.is_nan() && q.is_nan())));
}

#[test]
fn regression_targets_and_names() {
    let ds = load("housing.csv", &CsvOptions::regression("price")).unwrap();
    assert_eq!(ds.feature_names().unwrap(), ["rooms", "age"]);
    assert_eq!(ds.target_names().unwrap(), ["price"]);
    let y = ds.values().unwrap();
    assert_eq!(y.dim(), (4, 1));
    assert_eq!(y[[0, 0]], 250.5);
    assert!(y[[1, 0]].is_nan());
    assert_eq!(y[[3, 0]], 400.25);
    assert!(ds.features()[[2, 1]].is_nan());
    assert_eq!(ds.features()[[3, 0]], 5.0);
    // f32 works the same way.
    let ds32: Dataset<f32> =
        read_csv_path(fixture("housing.csv"), &CsvOptions::regression(1)).unwrap();
    assert_eq!(ds32.values().unwrap()[[0, 0]], 250.5f32);
}

#[test]
fn numeric_labels_are_ordered_by_value() {
    let ds = load("numeric_labels.csv", &CsvOptions::classification("grade")).unwrap();
    assert_eq!(ds.class_names().unwrap(), ["1", "2", "10"]);
    assert_eq!(ds.labels().unwrap(), [2, 1, 0, 1, 2]);
}

#[test]
fn no_header_and_other_delimiters() {
    let ds = load(
        "no_header.csv",
        &CsvOptions::classification(2).has_header(false),
    )
    .unwrap();
    assert_eq!((ds.n_samples(), ds.n_features()), (3, 2));
    assert_eq!(ds.feature_names(), None);
    assert_eq!(ds.labels().unwrap(), [0, 1, 0]);
    assert_eq!(ds.features()[[2, 1]], 0.3);
    // A name cannot be resolved without a header.
    assert!(matches!(
        load(
            "no_header.csv",
            &CsvOptions::classification("label").has_header(false)
        ),
        Err(Error::Config { .. })
    ));
    let ds = load(
        "semicolon.csv",
        &CsvOptions::classification("y").delimiter(b';'),
    )
    .unwrap();
    assert_eq!(ds.features().row(1).to_vec(), vec![-3.0, 0.4]);
}

#[test]
fn reads_from_any_reader() {
    let text = std::fs::read(fixture("flowers.csv")).unwrap();
    let from_reader: Dataset<f64> =
        read_csv(text.as_slice(), &CsvOptions::classification("species")).unwrap();
    let from_path = load("flowers.csv", &CsvOptions::classification("species")).unwrap();
    assert_eq!(from_reader.labels(), from_path.labels());
    assert_eq!(from_reader.n_features(), from_path.n_features());
}

#[test]
fn wrong_field_count_names_the_line() {
    let (context, expected, found) = value_error(load(
        "wrong_field_count.csv",
        &CsvOptions::classification("label"),
    ));
    assert!(context.ends_with("line 4"), "{context}");
    assert!(context.contains("wrong_field_count.csv"), "{context}");
    assert_eq!(expected, "3 fields, as in the header");
    assert_eq!(found, "2 fields");
}

#[test]
fn unparsable_number_names_line_and_column() {
    // The record on lines 2–3 spans two lines (a quoted newline); the bad field is on line 5.
    let (context, _, found) =
        value_error(load("bad_number.csv", &CsvOptions::classification("label")));
    assert!(context.ends_with("line 5, column 2 (`b`)"), "{context}");
    assert_eq!(found, "`six`");
    // The quoted two-line label itself is fine.
    let text = "a,label\n1,\"first\nsecond\"\n2,x\n";
    let ds: Dataset<f64> = read_csv(text.as_bytes(), &CsvOptions::classification(1)).unwrap();
    assert_eq!(ds.class_names().unwrap(), ["first\nsecond", "x"]);
}

#[test]
fn missing_class_label_is_an_error() {
    let (context, _, found) = value_error(load(
        "missing_label.csv",
        &CsvOptions::classification("label"),
    ));
    assert!(context.ends_with("line 3, column 3 (`label`)"), "{context}");
    assert_eq!(found, "`NA`");
}

#[test]
fn unknown_label_column_lists_the_header() {
    let (_, expected, found) =
        value_error(load("flowers.csv", &CsvOptions::classification("kind")));
    assert_eq!(found, "`kind`");
    assert!(
        expected.contains("[sepal_length, sepal_width, species, petal_length]"),
        "{expected}"
    );
    let (_, expected, found) = value_error(load("flowers.csv", &CsvOptions::classification(4)));
    assert_eq!(found, "4");
    assert!(expected.contains("4 columns"), "{expected}");
}

#[test]
fn unreadable_inputs_are_errors() {
    match load("does_not_exist.csv", &CsvOptions::regression(0)) {
        Err(Error::Io {
            operation, path, ..
        }) => {
            assert_eq!(operation, "open CSV");
            assert!(path.ends_with("does_not_exist.csv"), "{path}");
        }
        other => panic!("expected Error::Io, got {other:?}"),
    }
    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    match read_csv::<f64, _>(Failing, &CsvOptions::regression(0)) {
        Err(Error::Io { detail, .. }) => assert!(detail.contains("disk on fire"), "{detail}"),
        other => panic!("expected Error::Io, got {other:?}"),
    }
    let bad_utf8: &[u8] = b"a,b\n1,\xff\n";
    assert!(matches!(
        read_csv::<f64, _>(bad_utf8, &CsvOptions::regression(0)),
        Err(Error::Value { .. })
    ));
}
