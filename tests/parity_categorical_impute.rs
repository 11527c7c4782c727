//! SimpleImputer on categorical and mixed tables, alone and as the first step of a Pipeline
//! feeding a OneHotEncoder inside a ColumnTransformer, against scikit-learn (fixture from
//! `scripts/reference/make_categorical_impute_fixtures.py`): fill values, feature names and
//! outputs equal (texts exactly, numbers to 1e-10); bad input gives typed errors and leaves
//! the input untouched.

mod common;

use ndarray::{array, Array2};
use serde_json::Value;
use tuneup::data::{
    Category, Column, ColumnTransformer, FittedTableTransformer, HandleUnknown, ImputeStrategy,
    OneHotEncoder, Pipeline, RandomOverSampler, SimpleImputer, StandardScaler, Table,
    TableTransformer, Transformer,
};
use tuneup::Error;

const TOL: f64 = 1e-10;

fn fixture() -> Value {
    common::load_fixture("categorical_impute.json")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

fn close(g: f64, w: f64) -> bool {
    (g.is_nan() && w.is_nan()) || (g - w).abs() <= TOL * w.abs().max(1.0)
}

fn assert_matrix(got: &Array2<f64>, want: &Array2<f64>, what: &str) {
    assert_eq!(got.dim(), want.dim(), "{what}: shape");
    for ((idx, &g), &w) in got.indexed_iter().zip(want.iter()) {
        assert!(close(g, w), "{what}: at {idx:?} got {g}, scikit-learn {w}");
    }
}

fn assert_table(got: &Table<f64>, want: &Table<f64>, what: &str) {
    assert_eq!(got.names(), want.names(), "{what}: names");
    for (name, (g, w)) in got
        .names()
        .iter()
        .zip(got.columns().iter().zip(want.columns()))
    {
        match (g, w) {
            (Column::Categorical(g), Column::Categorical(w)) => {
                assert_eq!(g, w, "{what}: column `{name}`");
            }
            (Column::Numeric(g), Column::Numeric(w)) => {
                for (r, (&a, &b)) in g.iter().zip(w).enumerate() {
                    assert!(
                        close(a, b),
                        "{what}: `{name}` row {r}: got {a}, scikit-learn {b}"
                    );
                }
            }
            _ => panic!("{what}: column `{name}` of another kind"),
        }
    }
}

fn select(t: &Table<f64>, names: &[String]) -> Table<f64> {
    let cols = names
        .iter()
        .map(|n| t.columns()[t.index_of(n).unwrap()].clone())
        .collect();
    Table::new(names.to_vec(), cols).unwrap()
}

fn imputer(params: &Value) -> SimpleImputer {
    let strategy = match params["strategy"].as_str().unwrap() {
        "most_frequent" => ImputeStrategy::MostFrequent,
        "constant" => ImputeStrategy::Constant(0.0),
        "median" => ImputeStrategy::Median,
        other => panic!("strategy {other}"),
    };
    let mut imp = SimpleImputer::new(strategy)
        .unwrap()
        .keep_empty_features(params["keep_empty_features"].as_bool().unwrap_or(false));
    if let Some(fill) = params["fill_value"].as_str() {
        imp = imp.categorical_fill_value(fill);
    }
    imp
}

fn category(v: &Value) -> Option<Category> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(Category::Text(s.clone())),
        x => Some(Category::Number(x.as_f64().unwrap())),
    }
}

#[test]
fn imputer_on_categorical_and_mixed_tables_matches_scikit_learn() {
    let fx = fixture();
    let (train, test) = (common::table(&fx["train"]), common::table(&fx["test"]));
    for case in fx["imputer_cases"].as_array().unwrap() {
        let what = format!("{} on {}", case["params"], case["columns"]);
        let columns = strings(&case["columns"]);
        let (tr, te) = (select(&train, &columns), select(&test, &columns));
        let fitted = imputer(&case["params"]).fit_table_typed(&tr).unwrap();
        let want: Vec<_> = case["statistics"]
            .as_array()
            .unwrap()
            .iter()
            .map(category)
            .collect();
        assert_eq!(fitted.fill_values(), want, "{what}: statistics_");
        assert_eq!(
            fitted.feature_names_out(),
            strings(&case["names"]),
            "{what}"
        );
        let out_train = fitted.transform_to_table(&tr).unwrap();
        assert_table(
            &out_train,
            &common::table(&case["train_out"]),
            &format!("{what}, train"),
        );
        let out_test = fitted.transform_to_table(&te).unwrap();
        assert_table(
            &out_test,
            &common::table(&case["test_out"]),
            &format!("{what}, test"),
        );
        // The boxed table transformer (what a Pipeline holds) gives the same table.
        let boxed = imputer(&case["params"]).fit_table(&tr).unwrap();
        assert_eq!(
            boxed.transform_to_table(&te).unwrap(),
            out_test,
            "{what}: boxed"
        );
    }
}

fn column_transformer(
    cat: &Value,
    cat_columns: Vec<String>,
    num: Vec<String>,
) -> ColumnTransformer<f64> {
    let categorical = Pipeline::new().transform("impute", imputer(cat)).transform(
        "onehot",
        OneHotEncoder::new().handle_unknown(HandleUnknown::Ignore),
    );
    let numeric = Pipeline::new()
        .transform(
            "impute",
            SimpleImputer::new(ImputeStrategy::Median).unwrap(),
        )
        .transform("scale", StandardScaler::new());
    ColumnTransformer::new()
        .add("cat", categorical, cat_columns)
        .add("num", numeric, num)
}

#[test]
fn imputer_then_one_hot_in_a_column_transformer_matches_scikit_learn() {
    let fx = fixture();
    let (train, test) = (common::table(&fx["train"]), common::table(&fx["test"]));
    for case in fx["column_transformer_cases"].as_array().unwrap() {
        let what = format!("categorical {}", case["cat_params"]);
        let ct = column_transformer(
            &case["cat_params"],
            strings(&case["cat_columns"]),
            strings(&case["num_columns"]),
        );
        let fitted = ct.fit(&train).unwrap();
        assert_eq!(
            fitted.feature_names_out(),
            strings(&case["names"]),
            "{what}"
        );
        let z = fitted.transform(&train).unwrap();
        assert_matrix(
            &z,
            &common::nan_matrix(&case["train_out"]),
            &format!("{what}, train"),
        );
        let z = fitted.transform(&test).unwrap();
        assert_matrix(
            &z,
            &common::nan_matrix(&case["test_out"]),
            &format!("{what}, test"),
        );
    }
}

#[test]
fn numeric_pipeline_is_bit_identical_to_the_steps_by_hand() {
    let x = array![[1.0, f64::NAN], [f64::NAN, 4.0], [3.0, 5.5], [2.5, 7.25]];
    let pipe = Pipeline::new()
        .transform(
            "impute",
            SimpleImputer::new(ImputeStrategy::Median).unwrap(),
        )
        .transform("scale", StandardScaler::new());
    let fitted = pipe.fit(&Table::from_array(x.view()).unwrap()).unwrap();
    let got = fitted
        .transform(&Table::from_array(x.view()).unwrap())
        .unwrap();
    let imputer = SimpleImputer::new(ImputeStrategy::Median)
        .unwrap()
        .fit(&x.view())
        .unwrap();
    let filled = imputer.transform(&x.view()).unwrap();
    let scaler = StandardScaler::new().fit(&filled.view()).unwrap();
    let want = scaler.transform(&filled.view()).unwrap();
    assert_eq!(got, want); // exact: the table hand-off changes no value
    assert_eq!(
        Transformer::fit(&pipe, x.view())
            .unwrap()
            .transform(x.view())
            .unwrap(),
        want
    );
}

fn mixed() -> Table<f64> {
    Table::new(
        ["city", "age"],
        vec![
            Column::Categorical(vec![Some("Oslo".into()), None, Some("Lima".into())]),
            Column::Numeric(vec![30.0, f64::NAN, 50.0]),
        ],
    )
    .unwrap()
}

#[test]
fn mean_or_median_on_a_categorical_column_is_a_value_error() {
    let t = mixed();
    let before = t.clone();
    for strategy in [ImputeStrategy::Mean, ImputeStrategy::Median] {
        let err = SimpleImputer::new(strategy)
            .unwrap()
            .fit_table_typed(&t)
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::Value { .. }), "{msg}");
        assert!(
            msg.contains("`city`") && msg.contains(&format!("{strategy:?}")),
            "{msg}"
        );
        let in_pipe = Pipeline::new()
            .transform("impute", SimpleImputer::new(strategy).unwrap())
            .fit(&t)
            .unwrap_err();
        assert!(in_pipe.to_string().contains("step `impute`"), "{in_pipe}");
    }
    assert_eq!(format!("{t:?}"), format!("{before:?}")); // NaN too: untouched
}

#[test]
fn transform_checks_the_columns_seen_by_fit() {
    // "Transform before fit" cannot be written: only a fitted value has a transform.
    let t = mixed();
    let fitted = SimpleImputer::new(ImputeStrategy::MostFrequent)
        .unwrap()
        .fit_table_typed(&t)
        .unwrap();
    let renamed = Table::new(
        ["town", "age"],
        vec![Column::categorical(["Oslo"]), Column::Numeric(vec![1.0])],
    )
    .unwrap();
    let before = renamed.clone();
    assert!(matches!(
        fitted.transform_to_table(&renamed),
        Err(Error::Shape { .. })
    ));
    let swapped = Table::new(
        ["city", "age"],
        vec![Column::Numeric(vec![1.0]), Column::categorical(["x"])],
    )
    .unwrap();
    assert!(matches!(
        fitted.transform_to_table(&swapped),
        Err(Error::Value { .. })
    ));
    assert_eq!(renamed, before);
    let ct = column_transformer(
        &serde_json::json!({"strategy": "most_frequent"}),
        vec!["city".into()],
        vec!["age".into()],
    )
    .fit(&t)
    .unwrap();
    assert!(matches!(ct.transform(&renamed), Err(Error::Shape { .. })));
    assert!(matches!(ct.transform(&swapped), Err(Error::Value { .. })));
}

#[test]
fn categorical_output_as_a_matrix_is_a_value_error() {
    let t = mixed();
    let fitted = SimpleImputer::new(ImputeStrategy::MostFrequent)
        .unwrap()
        .fit_table(&t)
        .unwrap();
    let err = fitted.transform_table(&t).unwrap_err();
    assert!(
        matches!(err, Error::Value { .. }) && err.to_string().contains("`city`"),
        "{err}"
    );
    // A pipeline ending with the imputer: a table out, no matrix.
    let pipe = Pipeline::new()
        .transform(
            "impute",
            SimpleImputer::new(ImputeStrategy::MostFrequent).unwrap(),
        )
        .fit(&t)
        .unwrap();
    assert_eq!(
        pipe.transform_to_table(&t).unwrap().columns()[0],
        Column::categorical(["Oslo", "Lima", "Lima"])
    );
    assert!(matches!(pipe.transform(&t), Err(Error::Value { .. })));
    // A resampler needs numbers: text left by the imputer is refused at fit_resample.
    let resampling = Pipeline::new()
        .transform(
            "impute",
            SimpleImputer::new(ImputeStrategy::MostFrequent).unwrap(),
        )
        .resample("over", RandomOverSampler::new());
    let err = resampling.fit_resample(&t, &[0, 0, 1]).unwrap_err();
    assert!(
        matches!(err, Error::Value { .. }) && err.to_string().contains("over"),
        "{err}"
    );
}

#[test]
fn f32_tables_give_the_f64_outputs_to_f32_precision() {
    let fx = fixture();
    let case = &fx["column_transformer_cases"][0];
    let train = common::table(&fx["train"]);
    let to_f32 = |t: &Table<f64>| {
        let cols = t.columns().iter().map(|c| match c {
            Column::Numeric(v) => Column::Numeric(v.iter().map(|&x| x as f32).collect()),
            Column::Categorical(v) => Column::Categorical(v.clone()),
        });
        Table::new(t.names().to_vec(), cols.collect()).unwrap()
    };
    let cat = Pipeline::new()
        .transform("impute", imputer(&case["cat_params"]))
        .transform(
            "onehot",
            OneHotEncoder::new().handle_unknown(HandleUnknown::Ignore),
        );
    let num = Pipeline::new()
        .transform(
            "impute",
            SimpleImputer::new(ImputeStrategy::Median).unwrap(),
        )
        .transform("scale", StandardScaler::new());
    let ct = ColumnTransformer::<f32>::new()
        .add("cat", cat, strings(&case["cat_columns"]))
        .add("num", num, strings(&case["num_columns"]));
    let z = ct
        .fit(&to_f32(&train))
        .unwrap()
        .transform(&to_f32(&train))
        .unwrap();
    let want = common::nan_matrix(&case["train_out"]);
    assert_eq!(z.dim(), want.dim());
    for (&g, &w) in z.iter().zip(want.iter()) {
        assert!(
            (f64::from(g) - w).abs() <= 1e-5 * w.abs().max(1.0),
            "{g} vs {w}"
        );
    }
}

#[test]
fn column_transformer_hands_imputed_text_to_a_later_encoder() {
    let fx = fixture();
    let case = &fx["column_transformer_then_one_hot"];
    let (train, test) = (common::table(&fx["train"]), common::table(&fx["test"]));
    let imputing = ColumnTransformer::new().add(
        "imp",
        SimpleImputer::new(ImputeStrategy::MostFrequent).unwrap(),
        strings(&case["columns"]),
    );
    let pipe = Pipeline::new().transform("ct", imputing.clone()).transform(
        "onehot",
        OneHotEncoder::new().handle_unknown(HandleUnknown::Ignore),
    );
    let fitted = pipe.fit(&train).unwrap();
    assert_eq!(fitted.feature_names_out(), strings(&case["names"]));
    let z = fitted.transform(&train).unwrap();
    assert_matrix(&z, &common::nan_matrix(&case["train_out"]), "train");
    let z = fitted.transform(&test).unwrap();
    assert_matrix(&z, &common::nan_matrix(&case["test_out"]), "test");
    // Alone, the imputing column transformer has text output: a table, not a matrix.
    let ct = imputing.fit(&train).unwrap();
    assert!(ct.transform_to_table(&test).unwrap().columns()[0].is_categorical());
    assert!(matches!(ct.transform(&test), Err(Error::Value { .. })));
}
