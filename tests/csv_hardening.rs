//! CSV input as a new user meets it: numbers that overflow, a quote left open, huge fields,
//! empty files, a test file that lacks a class, the label in the last column, and column names
//! carried into the errors that come after reading. Then seeded fuzzing of the CSV readers and
//! the weights loader: mutated input may be refused, never a panic.

use std::panic::{catch_unwind, AssertUnwindSafe};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tuneup::data::{read_csv, read_table, CsvOptions, Dataset, LabelColumn, TableOptions};
use tuneup::prelude::*;
use tuneup::train::{load_weights_from_bytes, weights_to_bytes, Checkpoint, Trainer};
use tuneup::Error;

fn regression<F: Float>(text: &str) -> tuneup::Result<Dataset<F>> {
    read_csv::<F, _>(text.as_bytes(), &CsvOptions::regression("y"))
}

fn value_error(err: &Error, says: &[&str]) {
    assert!(matches!(err, Error::Value { .. }), "{err:?}");
    for s in says {
        assert!(err.to_string().contains(s), "`{s}` not in: {err}");
    }
}

#[test]
fn numbers_that_overflow_are_errors_with_line_and_column() {
    let err = regression::<f64>("a,y\n1,0\n1e400,1\n").unwrap_err();
    value_error(&err, &["line 3, column 1 (`a`)", "finite", "`1e400`"]);
    let err = regression::<f64>("a,y\n1,inf\n").unwrap_err();
    value_error(&err, &["line 2, column 2 (`y`)", "`inf`"]);
    // Finite in f64 but not in f32.
    assert!(regression::<f64>("a,y\n1e39,0\n").is_ok());
    let err = regression::<f32>("a,y\n1e39,0\n").unwrap_err();
    value_error(&err, &["line 2, column 1", "f32"]);
    let err =
        read_table::<f32, _>("a,b\n1,x\n-1e39,y\n".as_bytes(), &TableOptions::new()).unwrap_err();
    value_error(&err, &["line 3", "`a`"]);
}

#[test]
fn a_quote_left_open_is_reported_where_it_opens() {
    for text in ["a,y\n1,0\n2,\"1\n3,0\n", "a,y\n1,0\n\"2,1\n"] {
        let err = regression::<f64>(text).unwrap_err();
        value_error(&err, &["line 3", "closing quote"]);
    }
    let err = regression::<f64>("a,y\n1,0\n2,\"1\n3,0\n").unwrap_err();
    assert!(err.to_string().contains("column 3"), "{err}");
    let err =
        read_table::<f64, _>("a,b\n1,\"x\n2,y\n".as_bytes(), &TableOptions::new()).unwrap_err();
    value_error(&err, &["line 2, column 3", "closing quote"]);
    // Escaped and closed quotes are fine.
    let ds = read_csv::<f64, _>(
        "a,y\n1,\"say \"\"hi\"\"\"\n".as_bytes(),
        &CsvOptions::classification("y"),
    )
    .unwrap();
    assert_eq!(ds.class_names().unwrap(), ["say \"hi\""]);
}

#[test]
fn huge_fields_are_echoed_as_a_short_excerpt() {
    let field = "z".repeat(10 << 20);
    let text = format!("a,y\n{field},0\n");
    let err = regression::<f64>(&text).unwrap_err();
    let message = err.to_string();
    assert!(message.len() < 400, "{} bytes", message.len());
    assert!(
        message.contains(&format!("({} bytes)", field.len())),
        "{message}"
    );
    let header = format!("{field},y\n1,0\n");
    let err = read_csv::<f64, _>(header.as_bytes(), &CsvOptions::regression("nope")).unwrap_err();
    assert!(err.to_string().len() < 600, "{}", err.to_string().len());
}

#[test]
fn empty_files_are_said_to_be_empty() {
    for (text, found) in [
        ("", "an empty file"),
        ("  \n\n", "an empty file"),
        ("a,y\n", "a header row and no data rows"),
    ] {
        let err = regression::<f64>(text).unwrap_err();
        value_error(&err, &[found]);
    }
    let err = read_table::<f64, _>("".as_bytes(), &TableOptions::new()).unwrap_err();
    value_error(&err, &["an empty file"]);
}

#[test]
fn a_test_file_missing_a_class_keeps_the_training_numbering() {
    let train = read_csv::<f64, _>(
        "x,y\n1,ant\n2,bee\n3,cat\n4,bee\n".as_bytes(),
        &CsvOptions::classification("y"),
    )
    .unwrap();
    let options = CsvOptions::classification("y").classes(train.class_names().unwrap());
    let test = read_csv::<f64, _>("x,y\n5,cat\n6,ant\n".as_bytes(), &options).unwrap();
    assert_eq!(test.labels(), Some(&[2, 0][..]));
    assert_eq!(test.n_classes(), Some(3));
    assert_eq!(test.class_names().unwrap(), ["ant", "bee", "cat"]);
    // Read alone, the test file would renumber cat as 1.
    let alone = read_csv::<f64, _>(
        "x,y\n5,cat\n6,ant\n".as_bytes(),
        &CsvOptions::classification("y"),
    )
    .unwrap();
    assert_eq!(alone.labels(), Some(&[1, 0][..]));
    let err = read_csv::<f64, _>("x,y\n5,cat\n6,dog\n".as_bytes(), &options).unwrap_err();
    value_error(&err, &["line 3, column 2 (`y`)", "`dog`", "ant, bee, cat"]);
    let twice = CsvOptions::classification("y").classes(["a", "b", "a"]);
    let err = read_csv::<f64, _>("x,y\n1,a\n".as_bytes(), &twice).unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[test]
fn the_label_can_be_the_last_column() {
    let opts = CsvOptions::classification(LabelColumn::Last);
    let ds = read_csv::<f64, _>("a,b,kind\n1,2,x\n3,4,y\n".as_bytes(), &opts).unwrap();
    assert_eq!(ds.feature_names().unwrap(), ["a", "b"]);
    assert_eq!(ds.labels(), Some(&[0, 1][..]));
    let ds = read_csv::<f64, _>(
        "1,2,3.5\n4,5,6.5\n".as_bytes(),
        &CsvOptions::regression(LabelColumn::Last).has_header(false),
    )
    .unwrap();
    assert_eq!(ds.values().unwrap()[[1, 0]], 6.5);
    assert_eq!(ds.n_features(), 2);
}

#[test]
fn later_errors_name_the_column_and_the_csv_line() {
    let data = read_csv::<f64, _>(
        "a,b,y\n1,2,0\n\n3,NA,1\n5,6,0\n".as_bytes(),
        &CsvOptions::classification("y"),
    )
    .unwrap();
    // Row 1 came from line 4 (line 3 is blank); a split keeps the lines.
    assert_eq!(data.source_line(1), Some(4));
    let picked = data.select(&[1]).unwrap();
    assert_eq!(picked.locate(0, 1), "column `b` (CSV line 4)");
    let model = Mlp::new(&[2, 2]).build::<f64>().unwrap();
    let mut trainer = Trainer::builder()
        .model(model)
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .epochs(1)
        .build()
        .unwrap();
    let err = trainer.fit_dataset(&data).unwrap_err();
    assert!(matches!(err, Error::NonFinite { .. }), "{err:?}");
    assert!(
        err.to_string().contains("column `b` (CSV line 4) = NaN"),
        "{err}"
    );
    let err = trainer.evaluate_dataset(&data).unwrap_err();
    assert!(err.to_string().contains("column `b` (CSV line 4)"), "{err}");
    let target = regression::<f64>("a,y\n1,0\n2,NA\n").unwrap();
    let model = Mlp::new(&[1, 1]).build::<f64>().unwrap();
    let mut trainer = Trainer::builder()
        .model(model)
        .loss(Mse::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .epochs(1)
        .build()
        .unwrap();
    let err = trainer.fit_dataset(&target).unwrap_err();
    assert!(err.to_string().contains("target `y` (CSV line 3)"), "{err}");
}

/// One seeded mutation of `bytes`: flip, insert, delete or duplicate a few bytes, or cut.
fn mutate(bytes: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..rng.random_range(1..4) {
        let at = rng.random_range(0..=out.len());
        match rng.random_range(0..5) {
            0 if at < out.len() => out[at] ^= 1 << rng.random_range(0..8),
            1 => out.insert(
                at,
                *b"\",\n\r9e;-.\xff\x00"
                    .get(rng.random_range(0..11))
                    .unwrap(),
            ),
            2 if at < out.len() => {
                out.remove(at);
            }
            3 => out.truncate(at),
            _ => {
                let end = (at + rng.random_range(1..16)).min(out.len());
                let piece = out[at..end].to_vec();
                out.splice(at..at, piece);
            }
        }
    }
    out
}

#[test]
fn fuzzed_csv_is_refused_or_read_never_a_panic() {
    let seedling = "a,b,c,y\n1.5,2,NA,cat\n\"3\",4e2,5,dog\n-6,,7,\"c,at\"\n8,9,1e-3,dog\n";
    let mut rng = StdRng::seed_from_u64(7);
    let mut refused = 0;
    for _ in 0..2000 {
        let text = mutate(seedling.as_bytes(), &mut rng);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let a = read_csv::<f32, _>(&text[..], &CsvOptions::classification("y")).is_err();
            let b = read_csv::<f64, _>(&text[..], &CsvOptions::regression(1)).is_err();
            let c = read_table::<f64, _>(&text[..], &TableOptions::new()).is_err();
            [a, b, c].iter().filter(|&&e| e).count()
        }));
        match outcome {
            Ok(n) => refused += n,
            Err(_) => panic!("a reader panicked on {:?}", String::from_utf8_lossy(&text)),
        }
    }
    // The mutations are not all harmless: the test exercises the error paths.
    assert!(refused > 1000, "only {refused} refusals");
}

#[test]
fn fuzzed_weights_and_checkpoints_are_refused_or_loaded_never_a_panic() {
    let source = Mlp::new(&[3, 4, 2]).seed(1).build::<f64>().unwrap();
    let bytes = weights_to_bytes(&source).unwrap();
    let mut rng = StdRng::seed_from_u64(11);
    for _ in 0..1000 {
        let mutated = mutate(&bytes, &mut rng);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut model = Mlp::new(&[3, 4, 2]).seed(2).build::<f64>().unwrap();
            let before = weights_to_bytes(&model).unwrap();
            if load_weights_from_bytes(&mut model, &mutated).is_err() {
                assert_eq!(weights_to_bytes(&model).unwrap(), before, "model changed");
            }
            let _ = Checkpoint::from_bytes(&mutated);
        }));
        assert!(outcome.is_ok(), "a loader panicked");
    }
}
