//! Encoders, ColumnTransformer and Pipeline against scikit-learn (fixture from
//! `scripts/reference/make_encoder_fixtures.py`): categories, infrequent categories, feature
//! names and outputs equal, exactly for the encoders and to 1e-10 for the column transformer
//! (median imputer + standard scaler on the numeric columns).

mod common;

use ndarray::Array2;
use serde_json::Value;
use tuneup::data::{
    Category, ColumnTransformer, DropCategory, HandleUnknown, ImputeStrategy, MinFrequency,
    OneHotEncoder, OrdinalEncoder, Pipeline, Remainder, SimpleImputer, StandardScaler, Table,
};

fn assert_matrix(got: &Array2<f64>, want: &Array2<f64>, tol: f64, what: &str) {
    assert_eq!(got.dim(), want.dim(), "{what}: shape");
    for ((idx, &g), &w) in got.indexed_iter().zip(want.iter()) {
        let ok = (g.is_nan() && w.is_nan()) || (g - w).abs() <= tol;
        assert!(ok, "{what}: at {idx:?} got {g}, scikit-learn {w}");
    }
}

fn category(v: &Value) -> Category {
    match v {
        Value::Null => Category::Missing,
        Value::String(s) => Category::Text(s.clone()),
        x => Category::Number(x.as_f64().unwrap()),
    }
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

fn columns_of(t: &Table<f64>, case: &Value) -> Table<f64> {
    let idx: Vec<usize> = case["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| t.index_of(n.as_str().unwrap()).unwrap())
        .collect();
    let cols = idx.iter().map(|&j| t.columns()[j].clone()).collect();
    let nm: Vec<String> = idx.iter().map(|&j| t.names()[j].clone()).collect();
    Table::new(nm, cols).unwrap()
}

fn one_hot(params: &Value) -> OneHotEncoder {
    let mut enc = OneHotEncoder::new().handle_unknown(match params["handle_unknown"].as_str() {
        None | Some("error") => HandleUnknown::Error,
        Some("ignore") => HandleUnknown::Ignore,
        Some("infrequent_if_exist") => HandleUnknown::InfrequentIfExist,
        Some(other) => panic!("unknown handle_unknown {other}"),
    });
    if let Some(m) = params.get("min_frequency") {
        enc = enc
            .min_frequency(match m.as_u64() {
                Some(c) => MinFrequency::Count(c as usize),
                None => MinFrequency::Fraction(m.as_f64().unwrap()),
            })
            .unwrap();
    }
    if let Some(m) = params.get("max_categories") {
        enc = enc.max_categories(m.as_u64().unwrap() as usize).unwrap();
    }
    match params.get("drop").and_then(Value::as_str) {
        Some("first") => enc = enc.drop(DropCategory::First),
        Some("if_binary") => enc = enc.drop(DropCategory::IfBinary),
        _ => {}
    }
    enc
}

/// scikit-learn's `min_frequency`: an integer count or a float fraction.
fn min_frequency(m: &Value) -> MinFrequency {
    match m.as_u64() {
        Some(c) => MinFrequency::Count(c as usize),
        None => MinFrequency::Fraction(m.as_f64().unwrap()),
    }
}

/// The expected `infrequent_categories_` of column `j` (`None` in the fixture: none).
fn want_infrequent(case: &Value, j: usize) -> Option<Vec<Category>> {
    let inf = case.get("infrequent")?;
    Some(match inf[j].as_array() {
        Some(a) => a.iter().map(category).collect(),
        None => Vec::new(),
    })
}

fn ordinal(params: &Value) -> OrdinalEncoder {
    let mut enc = OrdinalEncoder::new();
    if let Some(m) = params.get("min_frequency") {
        enc = enc.min_frequency(min_frequency(m)).unwrap();
    }
    if let Some(m) = params.get("max_categories") {
        enc = enc.max_categories(m.as_u64().unwrap() as usize).unwrap();
    }
    if let Some(u) = params.get("unknown_value").and_then(Value::as_f64) {
        enc = enc.unknown_value(u).unwrap();
    }
    if let Some(m) = params.get("encoded_missing_value").and_then(Value::as_f64) {
        enc = enc.encoded_missing_value(m).unwrap();
    }
    enc
}

#[test]
fn encoders_match_scikit_learn() {
    let f = common::load_fixture("encoders.json");
    let (train, test) = (common::table(&f["train"]), common::table(&f["test"]));
    let mut checked = 0;
    for case in f["cases"].as_array().unwrap() {
        let what = format!("{} {}", case["kind"], case["params"]);
        let (tr, te) = (columns_of(&train, case), columns_of(&test, case));
        let want_cats: Vec<Vec<Category>> = case["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_array().unwrap().iter().map(category).collect())
            .collect();
        let (cats, got_names, train_out, test_out): (Vec<_>, _, _, _) = if case["kind"] == "onehot"
        {
            let enc = one_hot(&case["params"]).fit(&tr).unwrap();
            if let Some(inf) = case.get("infrequent") {
                for (j, want) in inf.as_array().unwrap().iter().enumerate() {
                    let want: Vec<Category> = match want.as_array() {
                        Some(a) => a.iter().map(category).collect(),
                        None => Vec::new(),
                    };
                    assert_eq!(enc.infrequent_categories(j), want, "{what}: infrequent {j}");
                }
            }
            (
                (0..4).map(|j| enc.categories(j).unwrap()).collect(),
                enc.feature_names_out(),
                enc.transform(&tr),
                enc.transform(&te),
            )
        } else {
            let enc = ordinal(&case["params"]).fit(&tr).unwrap();
            for j in 0..4 {
                let want = want_infrequent(case, j).unwrap_or_default();
                assert_eq!(enc.infrequent_categories(j), want, "{what}: infrequent {j}");
            }
            (
                (0..4).map(|j| enc.categories(j).unwrap()).collect(),
                enc.feature_names_out(),
                enc.transform(&tr),
                enc.transform(&te),
            )
        };
        assert_eq!(cats, want_cats, "{what}: categories");
        assert_eq!(got_names, names(&case["names"]), "{what}: feature names");
        assert_matrix(
            &train_out.unwrap(),
            &common::nan_matrix(&case["train_out"]),
            0.0,
            &what,
        );
        if case.get("test_error").is_some() {
            let err = test_out.unwrap_err();
            assert!(matches!(err, tuneup::Error::Value { .. }), "{what}: {err}");
            assert!(err.to_string().contains("`magenta`"), "{what}: {err}");
        } else {
            assert_matrix(
                &test_out.unwrap(),
                &common::nan_matrix(&case["test_out"]),
                0.0,
                &what,
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 20);
}

#[test]
fn column_transformer_matches_scikit_learn() {
    let f = common::load_fixture("encoders.json");
    let (train, test) = (common::table(&f["train"]), common::table(&f["test"]));
    let numeric = Pipeline::new()
        .transform(
            "impute",
            SimpleImputer::new(ImputeStrategy::Median).unwrap(),
        )
        .transform("scale", StandardScaler::new());
    let ct = ColumnTransformer::new()
        .add("num", numeric, ["age", "income"])
        .add(
            "cat",
            OneHotEncoder::new().handle_unknown(HandleUnknown::Ignore),
            ["color", "size"],
        )
        .add(
            "ord",
            OrdinalEncoder::new().unknown_value(-1.0).unwrap(),
            ["binary"],
        )
        .remainder(Remainder::Passthrough);
    let fitted = ct.fit(&train).unwrap();
    let want = &f["column_transformer"];
    assert_eq!(fitted.feature_names_out(), names(&want["names"]));
    assert_matrix(
        &fitted.transform(&train).unwrap(),
        &common::nan_matrix(&want["train_out"]),
        1e-10,
        "column transformer, train",
    );
    assert_matrix(
        &fitted.transform(&test).unwrap(),
        &common::nan_matrix(&want["test_out"]),
        1e-10,
        "column transformer, test",
    );
    // The same column transformer as the first step of a pipeline gives the same output.
    let pipe = Pipeline::new().transform("prep", ct);
    let fitted_pipe = pipe.fit(&train).unwrap();
    assert_eq!(
        fitted_pipe.transform(&test).unwrap().mapv(|v| v.to_bits()),
        fitted.transform(&test).unwrap().mapv(|v| v.to_bits())
    );
}

#[test]
fn target_encoder_matches_scikit_learn() {
    use tuneup::data::{EncoderTarget, Smooth, TargetEncoder};
    let f = common::load_fixture("encoders.json");
    let (train, test) = (common::table(&f["train"]), common::table(&f["test"]));
    let pick = |t: &Table<f64>| {
        let idx = [t.index_of("color").unwrap(), t.index_of("size").unwrap()];
        Table::new(
            ["color", "size"],
            idx.iter().map(|&j| t.columns()[j].clone()).collect(),
        )
        .unwrap()
    };
    let (tr, te) = (pick(&train), pick(&test));
    let mut checked = 0;
    for case in f["target_encoder"].as_array().unwrap() {
        let what = format!("{} smooth {}", case["kind"], case["smooth"]);
        let smooth = match case["smooth"].as_f64() {
            Some(m) => Smooth::Value(m),
            None => Smooth::Auto,
        };
        let y: Vec<f64> = case["y"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let classes: Vec<usize> = y.iter().map(|&v| v as usize).collect();
        let target = if case["kind"] == "continuous" {
            EncoderTarget::Continuous(&y)
        } else {
            EncoderTarget::Classes(&classes)
        };
        let enc = TargetEncoder::new().smooth(smooth).unwrap();
        let (fitted, train_out) = enc.fit_transform(&tr, target).unwrap();
        assert_eq!(fitted.feature_names_out(), names(&case["names"]), "{what}");
        common::assert_close_slices(
            fitted.target_mean(),
            &common::array1(&case["target_mean"]).to_vec(),
            0.0,
            1e-12,
            &what,
        );
        assert_matrix(
            &train_out,
            &common::nan_matrix(&case["train_out"]),
            1e-10,
            &format!("{what}: cross-fitted"),
        );
        assert_matrix(
            &fitted.transform(&te).unwrap(),
            &common::nan_matrix(&case["test_out"]),
            1e-10,
            &format!("{what}: test"),
        );
        checked += 1;
    }
    assert_eq!(checked, 6);
}
