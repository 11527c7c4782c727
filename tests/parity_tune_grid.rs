//! The grid sampler against scikit-learn's `ParameterGrid` (fixture made by
//! `scripts/reference/make_tune_grid_fixtures.py`), and the search space's errors.

use serde_json::Value;
use tuneup::tune::{GridSampler, ParamValue, Params, RandomSampler, Sampler, SearchSpace};

fn to_value(v: &Value) -> ParamValue {
    match v {
        Value::Bool(b) => ParamValue::Bool(*b),
        Value::Number(n) if n.is_i64() => ParamValue::Int(n.as_i64().unwrap()),
        Value::Number(n) => ParamValue::Float(n.as_f64().unwrap()),
        Value::String(s) => ParamValue::Str(s.clone()),
        other => panic!("unexpected fixture value {other}"),
    }
}

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string("tests/fixtures/tune_grid.json").unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    json["cases"].as_array().unwrap().clone()
}

fn assert_same_grid(grid: &[Params], expected: &[Value]) {
    assert_eq!(grid.len(), expected.len());
    for (got, want) in grid.iter().zip(expected) {
        let want = want.as_object().unwrap();
        assert_eq!(got.len(), want.len());
        for (name, value) in want {
            assert_eq!(got.get(name).unwrap(), &to_value(value), "param {name}");
        }
    }
}

#[test]
fn grid_order_equals_parameter_grid() {
    for case in cases() {
        let mut builder = SearchSpace::builder();
        for entry in case["space"].as_array().unwrap() {
            let name = entry[0].as_str().unwrap();
            let choices: Vec<ParamValue> =
                entry[1].as_array().unwrap().iter().map(to_value).collect();
            builder = builder.categorical(name, choices);
        }
        let space = builder.build().unwrap();
        let grid = GridSampler::combinations(&space).unwrap();
        assert_same_grid(&grid, case["grid"].as_array().unwrap());
        for (k, params) in grid.iter().enumerate() {
            assert_eq!(&GridSampler.sample(&space, 0, k).unwrap(), params);
        }
        assert!(GridSampler.sample(&space, 0, grid.len()).is_err());
    }
}

#[test]
fn stepped_ranges_give_the_same_grid_as_their_lists() {
    let case = &cases()[3];
    let space = SearchSpace::builder()
        .float_step("dropout", 0.0, 0.4, 0.1)
        .int_step("depth", 1, 7, 2)
        .build()
        .unwrap();
    let grid = GridSampler::combinations(&space).unwrap();
    assert_same_grid(&grid, case["grid"].as_array().unwrap());
}

#[test]
fn conditional_parameters_appear_once_and_only_when_active() {
    let space = SearchSpace::builder()
        .categorical("opt", ["adam", "sgd"])
        .categorical("momentum", [0.0, 0.9])
        .only_when("opt", ["sgd"])
        .int("width", 1, 2)
        .build()
        .unwrap();
    let grid = GridSampler::combinations(&space).unwrap();
    // adam × 2 widths + sgd × 2 momenta × 2 widths
    assert_eq!(grid.len(), 6);
    for p in &grid {
        assert_eq!(
            p.lookup("momentum").is_some(),
            p.str("opt").unwrap() == "sgd"
        );
    }
    for (i, a) in grid.iter().enumerate() {
        assert!(grid[i + 1..].iter().all(|b| b != a), "duplicate {a:?}");
    }
}

#[test]
fn random_sampler_is_seeded_and_stays_in_range() {
    let space = SearchSpace::builder()
        .float_log("lr", 1e-4, 1e-1)
        .int_log("width", 4, 256)
        .int_step("batch", 16, 128, 16)
        .float_step("dropout", 0.0, 0.5, 0.1)
        .categorical("opt", ["sgd", "adam"])
        .build()
        .unwrap();
    let draws: Vec<Params> = (0..200)
        .map(|n| RandomSampler.sample(&space, 5, n).unwrap())
        .collect();
    let again: Vec<Params> = (0..200)
        .rev()
        .map(|n| RandomSampler.sample(&space, 5, n).unwrap())
        .collect();
    assert!(draws.iter().eq(again.iter().rev()));
    assert_ne!(draws[0], RandomSampler.sample(&space, 6, 0).unwrap());
    let mut below_1e3 = 0;
    for p in &draws {
        let lr = p.f64("lr").unwrap();
        assert!((1e-4..=1e-1).contains(&lr));
        below_1e3 += usize::from(lr < 1e-3);
        assert!((4..=256).contains(&p.i64("width").unwrap()));
        assert_eq!(p.i64("batch").unwrap() % 16, 0);
        let d = p.f64("dropout").unwrap() * 10.0;
        assert!((d - d.round()).abs() < 1e-9);
    }
    // log-uniform: a third of the draws in the first decade of three
    assert!(
        (40..=95).contains(&below_1e3),
        "{below_1e3} of 200 below 1e-3"
    );
}

#[test]
fn bad_spaces_are_typed_errors() {
    use tuneup::Error;
    let bad = [
        SearchSpace::builder().build(),
        SearchSpace::builder().float("p", 1.0, 0.5).build(),
        SearchSpace::builder().int("n", 3, 2).build(),
        SearchSpace::builder().float_log("lr", 0.0, 1.0).build(),
        SearchSpace::builder().float_log("lr", -1.0, 1.0).build(),
        SearchSpace::builder().int_log("n", 0, 8).build(),
        SearchSpace::builder()
            .categorical("c", Vec::<i64>::new())
            .build(),
        SearchSpace::builder().float("p", 0.0, f64::NAN).build(),
        SearchSpace::builder()
            .float_step("p", 0.0, 1.0, 0.0)
            .build(),
        SearchSpace::builder().int("n", i64::MIN, i64::MAX).build(),
        SearchSpace::builder().int("a", 0, 1).int("a", 0, 1).build(),
        SearchSpace::builder()
            .int("a", 0, 1)
            .only_when("zz", [1])
            .build(),
        SearchSpace::builder()
            .categorical("o", ["x"])
            .int("a", 0, 1)
            .only_when("o", ["y"])
            .build(),
    ];
    for (i, result) in bad.into_iter().enumerate() {
        assert!(
            matches!(result, Err(Error::Config { .. })),
            "case {i}: {result:?}"
        );
    }
    let space = SearchSpace::builder().int("a", 0, 1).build().unwrap();
    let p = RandomSampler.sample(&space, 0, 0).unwrap();
    assert!(matches!(p.f64("b"), Err(Error::Value { .. })));
    assert!(matches!(p.str("a"), Err(Error::Value { .. })));
}

#[test]
fn types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<SearchSpace>();
    check::<Params>();
    check::<GridSampler>();
    check::<RandomSampler>();
}
