//! Bad input to the encoders, column transformer, pipeline, cleaning samplers and label-issue
//! finder: typed errors that name what is wrong, and inputs left untouched.

use tuneup::data::{
    Column, ColumnTransformer, Columns, HandleUnknown, OneHotEncoder, OrdinalEncoder, Pipeline,
    Remainder, Smote, StandardScaler, Table,
};
use tuneup::Error;

fn mixed() -> Table<f64> {
    Table::new(
        ["age", "city", "pet"],
        vec![
            Column::Numeric(vec![30.0, 40.0, f64::NAN]),
            Column::categorical(["Oslo", "Lima", "Oslo"]),
            Column::Categorical(vec![Some("cat".into()), None, Some("dog".into())]),
        ],
    )
    .unwrap()
}

#[test]
fn unknown_category_with_handle_unknown_error_names_column_and_value() {
    let train = mixed();
    let enc = OneHotEncoder::new().fit(&train).unwrap();
    let test = Table::new(
        ["age", "city", "pet"],
        vec![
            Column::Numeric(vec![30.0]),
            Column::categorical(["Oslo"]),
            Column::categorical(["hamster"]),
        ],
    )
    .unwrap();
    let before = format!("{test:?}");
    let err = enc.transform(&test).unwrap_err();
    assert!(matches!(err, Error::Value { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("column `pet`") && msg.contains("`hamster`"),
        "{msg}"
    );
    assert_eq!(format!("{test:?}"), before);
    let ord = OrdinalEncoder::new().fit(&train).unwrap();
    let msg = ord.transform(&test).unwrap_err().to_string();
    assert!(msg.contains("`pet`") && msg.contains("`hamster`"), "{msg}");
    // Ignoring unknowns: all zeros for that column's outputs.
    let ignore = OneHotEncoder::new()
        .handle_unknown(HandleUnknown::Ignore)
        .fit(&train)
        .unwrap();
    let z = ignore.transform(&test).unwrap();
    let names = ignore.feature_names_out();
    for (j, n) in names.iter().enumerate() {
        if n.starts_with("pet_") {
            assert_eq!(z[[0, j]], 0.0, "{n}");
        }
    }
}

#[test]
fn column_chosen_twice_or_unknown_is_an_error() {
    let t = mixed();
    let before = format!("{t:?}");
    let twice = ColumnTransformer::new()
        .add("scale", StandardScaler::new(), ["age"])
        .add("onehot", OneHotEncoder::new(), Columns::Categorical)
        .add("again", OrdinalEncoder::new(), ["city"]);
    let err = twice.fit(&t).unwrap_err();
    assert!(matches!(err, Error::Value { .. }));
    assert!(err
        .to_string()
        .contains("column `city` chosen by `onehot` and again by `again`"));
    let within = ColumnTransformer::new().add("o", OneHotEncoder::new(), ["city", "city"]);
    assert!(matches!(within.fit(&t), Err(Error::Value { .. })));
    let same_name = ColumnTransformer::new()
        .add("a", StandardScaler::new(), ["age"])
        .add("a", OneHotEncoder::new(), ["city"]);
    assert!(matches!(same_name.fit(&t), Err(Error::Value { .. })));
    let missing = ColumnTransformer::new().add("o", OneHotEncoder::new(), ["town"]);
    assert!(missing.fit(&t).unwrap_err().to_string().contains("`town`"));
    assert_eq!(format!("{t:?}"), before);
}

#[test]
fn categorical_columns_reaching_numeric_steps_are_errors() {
    let t = mixed();
    // A scaler given a text column.
    let ct = ColumnTransformer::new().add("s", StandardScaler::new(), ["city"]);
    let msg = ct.fit(&t).unwrap_err().to_string();
    assert!(msg.contains("categorical column `city`"), "{msg}");
    // A categorical remainder passed through fits (a later step may encode it), but cannot
    // become a matrix: the error names the column and the entry.
    let ct = ColumnTransformer::new()
        .add("s", StandardScaler::new(), ["age"])
        .remainder(Remainder::Passthrough);
    let fitted = ct.fit(&t).unwrap();
    let err = fitted.transform(&t).unwrap_err();
    assert!(matches!(err, Error::Value { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("`remainder`") && msg.contains("`city`"),
        "{msg}"
    );
    let table = fitted.transform_to_table(&t).unwrap();
    assert_eq!(
        table.names(),
        ["s__age", "remainder__city", "remainder__pet"]
    );
    assert!(table.columns()[1].is_categorical());
}

#[test]
fn transform_checks_the_columns_seen_by_fit() {
    // "Transform before fit" cannot be written: only a fitted value has a transform. What
    // can go wrong is a table of other columns.
    let t = mixed();
    let fitted = ColumnTransformer::new()
        .add("o", OneHotEncoder::new(), Columns::Categorical)
        .fit(&t)
        .unwrap();
    let other = Table::new(["age"], vec![Column::Numeric(vec![1.0])]).unwrap();
    assert!(matches!(fitted.transform(&other), Err(Error::Shape { .. })));
    let swapped = Table::new(
        ["age", "city", "pet"],
        vec![
            Column::Numeric(vec![1.0]),
            Column::Numeric(vec![2.0]),
            Column::categorical(["cat"]),
        ],
    )
    .unwrap();
    assert!(matches!(
        fitted.transform(&swapped),
        Err(Error::Value { .. })
    ));
}

#[test]
fn pipeline_errors() {
    let t = Table::from_array(ndarray::array![[1.0], [2.0], [3.0]].view()).unwrap();
    let p = Pipeline::new().resample("smote", Smote::new());
    assert!(matches!(p.fit(&t), Err(Error::State { .. })));
    assert!(matches!(
        p.fit_resample(&t, &[0, 1]),
        Err(Error::Shape { .. })
    ));
    let dup = Pipeline::new()
        .transform("s", StandardScaler::new())
        .transform("s", StandardScaler::new());
    assert!(matches!(dup.fit(&t), Err(Error::Value { .. })));
    // A step's error names the step.
    let bad = Pipeline::new().resample("smote", Smote::new());
    let msg = bad.fit_resample(&t, &[0, 0, 1]).unwrap_err().to_string();
    assert!(msg.contains("step `smote`"), "{msg}");
}

#[test]
fn encoder_settings_are_checked() {
    let t = mixed();
    assert!(matches!(
        OrdinalEncoder::new().unknown_value(0.0).unwrap().fit(&t),
        Err(Error::Config { .. })
    ));
    let empty = Table::<f64>::new(["c"], vec![Column::Categorical(vec![])]).unwrap();
    assert!(matches!(
        OneHotEncoder::new().fit(&empty),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn cleaning_samplers_reject_bad_input() {
    use tuneup::data::{
        AllKnn, CleaningStrategy, EditedNearestNeighbours, NearMiss, NeighbourhoodCleaningRule,
        TomekLinks,
    };
    let x = ndarray::array![[0.0, 1.0], [1.0, f64::NAN], [2.0, 0.0], [3.0, 1.0]];
    let before = format!("{x:?}");
    let y = [0, 0, 1, 1];
    let msg = TomekLinks::new().fit_resample(&x.view(), &y).unwrap_err();
    assert!(matches!(msg, Error::NonFinite { .. }), "{msg}");
    assert!(msg.to_string().contains("X[1, 1]"), "{msg}");
    let clean = ndarray::array![[0.0], [1.0], [2.0], [3.0]];
    assert!(matches!(
        EditedNearestNeighbours::new().fit_resample(&clean.view(), &[0, 0, 1]),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        AllKnn::new().fit_resample(&clean.view(), &[1, 1, 1, 1]),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        TomekLinks::new()
            .sampling_strategy(CleaningStrategy::Classes(vec![5]))
            .fit_resample(&clean.view(), &y),
        Err(Error::Value { .. })
    ));
    // More neighbours than the minority has samples.
    let err = NearMiss::new(1)
        .unwrap()
        .fit_resample(&clean.view(), &y)
        .unwrap_err();
    assert!(
        err.to_string().contains("n_neighbors <= n_samples_fit"),
        "{err}"
    );
    assert!(matches!(
        NeighbourhoodCleaningRule::new().threshold_cleaning(f64::NAN),
        Err(Error::Config { .. })
    ));
    assert_eq!(format!("{x:?}"), before);
}

#[test]
fn label_issue_inputs_are_checked() {
    use tuneup::data::{out_of_fold_probabilities, ConfidentLearning};
    let cl = ConfidentLearning::new();
    let p = ndarray::array![[0.7, 0.2], [0.5, 0.5], [0.1, 0.9]];
    let before = p.clone();
    let err = cl.find(&[0, 1, 1], p.view()).unwrap_err();
    assert!(matches!(err, Error::Value { .. }));
    assert!(err.to_string().contains("row 0 sums to 0.89"), "{err}");
    // A label beyond the probability columns: the width differs from the class count.
    let ok = ndarray::array![[0.8, 0.2], [0.5, 0.5], [0.1, 0.9]];
    let err = cl.find(&[0, 1, 2], ok.view()).unwrap_err();
    assert!(matches!(err, Error::Value { .. }));
    assert!(err.to_string().contains("label 2 at row 2"), "{err}");
    assert!(matches!(
        cl.find(&[0, 1], ok.view()),
        Err(Error::Shape { .. })
    ));
    let nan = ndarray::array![[f64::NAN, 0.2], [0.5, 0.5]];
    assert!(matches!(
        cl.find(&[0, 1], nan.view()),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        ConfidentLearning::new().frac_noise(1.5),
        Err(Error::Config { .. })
    ));
    assert_eq!(p, before);
    // A class with fewer rows than folds.
    let x = ndarray::Array2::<f64>::zeros((7, 2));
    let y = [0, 0, 0, 0, 0, 1, 1];
    let mut calls = 0;
    let err = out_of_fold_probabilities(x.view(), &y, 3, 0, |_, _, v| {
        calls += 1;
        Ok(ndarray::Array2::zeros((v.nrows(), 2)))
    })
    .unwrap_err();
    assert!(matches!(err, Error::Value { .. }));
    assert!(err.to_string().contains("class 1 has 2 rows"), "{err}");
    assert_eq!(calls, 0);
    // A model returning the wrong width.
    let y = [0, 0, 0, 1, 1, 1, 1];
    let err = out_of_fold_probabilities(x.view(), &y, 3, 0, |_, _, v| {
        Ok(ndarray::Array2::zeros((v.nrows() + 1, 2)))
    })
    .unwrap_err();
    assert!(matches!(err, Error::Shape { .. }));
}

#[test]
fn absurd_neighbour_counts_are_errors_not_panics() {
    use tuneup::data::{
        AllKnn, EditedNearestNeighbours, NearMiss, NeighbourhoodCleaningRule, SmoteNc, Smoten,
    };
    let x = ndarray::array![[0.0], [1.0], [2.0], [3.0], [4.0]];
    let y = [0, 0, 0, 1, 1];
    let big = usize::MAX;
    assert!(matches!(
        EditedNearestNeighbours::new()
            .n_neighbors(big)
            .unwrap()
            .fit_resample(&x.view(), &y),
        Err(Error::Value { .. })
    ));
    // AllKNN stops (as imbalanced-learn does) once a class would fall below the minority, or
    // errors when the neighbourhood outgrows the data: either way, no panic and no endless loop.
    let all = AllKnn::new()
        .n_neighbors(big)
        .unwrap()
        .fit_resample(&x.view(), &y);
    assert!(all.map_or(true, |s| s.y.len() <= 5));
    assert!(NearMiss::new(2)
        .unwrap()
        .n_neighbors(big)
        .unwrap()
        .fit_resample(&x.view(), &y)
        .is_err());
    assert!(NeighbourhoodCleaningRule::new()
        .n_neighbors(big)
        .unwrap()
        .fit_resample(&x.view(), &y)
        .is_err());
    let t = Table::new(
        ["n", "c"],
        vec![
            Column::Numeric(vec![0.0, 1.0, 2.0, 3.0, 4.0]),
            Column::categorical(["a", "b", "a", "b", "a"]),
        ],
    )
    .unwrap();
    assert!(matches!(
        SmoteNc::new()
            .k_neighbors(big)
            .unwrap()
            .fit_resample(&t, &y),
        Err(Error::Value { .. })
    ));
    let c = Table::new(
        ["c"],
        vec![Column::<f64>::categorical(["a", "b", "a", "b", "a"])],
    )
    .unwrap();
    assert!(matches!(
        Smoten::new().k_neighbors(big).unwrap().fit_resample(&c, &y),
        Err(Error::Value { .. })
    ));
    // SMOTE-NC without a numeric column, SMOTEN with one.
    assert!(matches!(
        SmoteNc::new().fit_resample(&c, &y),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        Smoten::new().fit_resample(&t, &y),
        Err(Error::Value { .. })
    ));
}
