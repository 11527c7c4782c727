//! Cleaning under-samplers against imbalanced-learn (fixture from
//! `scripts/reference/make_cleaning_resampler_fixtures.py`): the rows kept by Tomek links,
//! ENN, RENN, AllKNN, NearMiss 1/2/3 and NCR, in imbalanced-learn's output order, are equal
//! exactly on data without distance ties; SMOTEENN / SMOTETomek class counts are equal on
//! data designed so that the cleaning does not depend on the synthetic points.

mod common;

use std::collections::BTreeMap;

use ndarray::Array2;
use serde_json::Value;
use tuneup::data::{
    AllKnn, CleaningStrategy, EditedNearestNeighbours, EnnKind, NearMiss,
    NeighbourhoodCleaningRule, RepeatedEditedNearestNeighbours, Selection, SmoteEnn, SmoteTomek,
    TomekLinks,
};

fn labels(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap() as usize)
        .collect()
}

fn strategy(p: &Value) -> CleaningStrategy {
    match p["strategy"].as_str() {
        Some("all") => CleaningStrategy::All,
        _ => CleaningStrategy::Auto,
    }
}

fn kind(p: &Value) -> EnnKind {
    match p["kind"].as_str() {
        Some("mode") => EnnKind::Mode,
        _ => EnnKind::All,
    }
}

fn k(p: &Value, key: &str, default: usize) -> usize {
    p.get(key)
        .and_then(Value::as_u64)
        .map_or(default, |v| v as usize)
}

fn run(sampler: &str, p: &Value, x: &Array2<f64>, y: &[usize]) -> Selection<f64> {
    let x = x.view();
    match sampler {
        "tomek" => TomekLinks::new()
            .sampling_strategy(strategy(p))
            .fit_resample(&x, y),
        "enn" => EditedNearestNeighbours::new()
            .sampling_strategy(strategy(p))
            .kind(kind(p))
            .n_neighbors(k(p, "k", 3))
            .unwrap()
            .fit_resample(&x, y),
        "renn" => RepeatedEditedNearestNeighbours::new()
            .sampling_strategy(strategy(p))
            .kind(kind(p))
            .n_neighbors(k(p, "k", 3))
            .unwrap()
            .fit_resample(&x, y),
        "allknn" => AllKnn::new()
            .sampling_strategy(strategy(p))
            .kind(kind(p))
            .n_neighbors(k(p, "k", 3))
            .unwrap()
            .allow_minority(p["allow_minority"].as_bool().unwrap_or(false))
            .fit_resample(&x, y),
        "nearmiss" => NearMiss::new(k(p, "version", 1) as u8)
            .unwrap()
            .n_neighbors(k(p, "k", 3))
            .unwrap()
            .n_neighbors_ver3(k(p, "k3", 3))
            .unwrap()
            .fit_resample(&x, y),
        "ncr" => NeighbourhoodCleaningRule::new()
            .sampling_strategy(strategy(p))
            .n_neighbors(k(p, "k", 3))
            .unwrap()
            .threshold_cleaning(p["threshold"].as_f64().unwrap_or(0.5))
            .unwrap()
            .fit_resample(&x, y),
        other => panic!("unknown sampler {other}"),
    }
    .unwrap()
}

#[test]
fn kept_rows_equal_imbalanced_learn() {
    let f = common::load_fixture("cleaning_resamplers.json");
    let mut checked = 0;
    for d in f["datasets"].as_array().unwrap() {
        let x = common::array2(&d["x"]);
        let y = labels(&d["y"]);
        for case in d["cases"].as_array().unwrap() {
            let what = format!("{} {} {}", d["name"], case["sampler"], case["params"]);
            let out = run(case["sampler"].as_str().unwrap(), &case["params"], &x, &y);
            assert_eq!(out.indices, labels(&case["indices"]), "{what}");
            let want_y: Vec<usize> = out.indices.iter().map(|&i| y[i]).collect();
            assert_eq!(out.y, want_y, "{what}: labels");
            for (r, &i) in out.indices.iter().enumerate() {
                assert_eq!(out.x.row(r), x.row(i), "{what}: row {r}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 30);
}

fn counts(y: &[usize]) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for &c in y {
        *m.entry(c.to_string()).or_insert(0) += 1;
    }
    m
}

fn fixture_counts(v: &Value) -> BTreeMap<String, u64> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
        .collect()
}

#[test]
fn smote_enn_and_smote_tomek_counts_equal_imbalanced_learn() {
    let f = common::load_fixture("cleaning_resamplers.json");
    for d in f["combined"].as_array().unwrap() {
        let x = common::array2(&d["x"]);
        let y = labels(&d["y"]);
        let want = fixture_counts(&d["counts"]);
        for seed in [0, 1, 2] {
            let smote = tuneup::data::Smote::new().seed(seed);
            let out = match d["name"].as_str().unwrap() {
                "smote_enn" => SmoteEnn::new().smote(smote).fit_resample(&x.view(), &y),
                _ => SmoteTomek::new().smote(smote).fit_resample(&x.view(), &y),
            }
            .unwrap();
            assert_eq!(counts(&out.y), want, "{} seed {seed}", d["name"]);
        }
        // Cleaning removed something: the counts differ from SMOTE's alone.
        assert_ne!(want, fixture_counts(&d["smote_counts"]));
    }
}

#[test]
fn cleaners_are_deterministic_and_leave_inputs_untouched() {
    let f = common::load_fixture("cleaning_resamplers.json");
    let d = &f["datasets"][1];
    let x = common::array2(&d["x"]);
    let y = labels(&d["y"]);
    let (x0, y0) = (x.clone(), y.clone());
    let a = run("renn", &d["cases"][6]["params"], &x, &y);
    let b = run("renn", &d["cases"][6]["params"], &x, &y);
    assert_eq!(a, b);
    assert_eq!(x, x0);
    assert_eq!(y, y0);
}

/// The mixed table of a SMOTE-NC case: numeric columns n0, n1, n2 and text columns c0, c1,
/// in the fixture's column order (n0, c0, n1, c1, n2).
fn mixed_table(d: &Value) -> tuneup::data::Table<f64> {
    use tuneup::data::{Column, Table};
    let num: Vec<Vec<f64>> = d["numeric"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect();
    let cat: Vec<Vec<String>> = d["categorical"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    Table::new(
        ["n0", "c0", "n1", "c1", "n2"],
        vec![
            Column::Numeric(num[0].clone()),
            Column::categorical(cat[0].clone()),
            Column::Numeric(num[1].clone()),
            Column::categorical(cat[1].clone()),
            Column::Numeric(num[2].clone()),
        ],
    )
    .unwrap()
}

#[test]
fn smote_nc_matches_imbalanced_learn_and_takes_the_neighbours_majority() {
    use tuneup::data::{Column, SmoteNc};
    let f = common::load_fixture("cleaning_resamplers.json");
    let k = 5;
    for d in f["smote_nc"].as_array().unwrap() {
        let t = mixed_table(d);
        let y = labels(&d["y"]);
        let out = SmoteNc::new().seed(3).fit_resample(&t, &y).unwrap();
        assert_eq!(
            counts(&out.y),
            fixture_counts(&d["counts"]),
            "{}",
            d["name"]
        );
        for (c, m) in d["median_std"].as_object().unwrap() {
            let got = out.median_std[&c.parse::<usize>().unwrap()];
            assert!(
                (got - m.as_f64().unwrap()).abs() < 1e-12,
                "{}: median std {got} vs {m}",
                d["name"]
            );
        }
        let num = |j: usize, r: usize| match &out.table.columns()[j] {
            Column::Numeric(v) => v[r],
            _ => unreachable!(),
        };
        let cat = |j: usize, r: usize| match &out.table.columns()[j] {
            Column::Categorical(v) => v[r].clone().unwrap(),
            _ => unreachable!(),
        };
        let n = y.len();
        for (s, &(base, nbr)) in out.origins.iter().enumerate() {
            let row = n + s;
            let class = out.y[row];
            assert_eq!((y[base], y[nbr]), (class, class));
            // Brute-force neighbours of the base within its class, on the numeric columns and
            // categories one-hot valued median_std / √2 (a differing category adds m²).
            let m = out.median_std[&class];
            let dist = |a: usize, b: usize| {
                let mut d2 = 0.0;
                for j in [0, 2, 4] {
                    d2 += (num(j, a) - num(j, b)).powi(2);
                }
                for j in [1, 3] {
                    if cat(j, a) != cat(j, b) {
                        d2 += m * m;
                    }
                }
                d2
            };
            let mut others: Vec<usize> = (0..n).filter(|&i| y[i] == class && i != base).collect();
            others.sort_by(|&a, &b| dist(base, a).total_cmp(&dist(base, b)).then(a.cmp(&b)));
            let neighbours = &others[..k];
            assert!(
                neighbours.contains(&nbr),
                "row {row}: {nbr} not among the neighbours"
            );
            // Numeric values on the segment from the base to the neighbour, one gap for all.
            let gap = (num(0, row) - num(0, base)) / (num(0, nbr) - num(0, base));
            assert!((0.0..1.0).contains(&gap), "row {row}: gap {gap}");
            for j in [2, 4] {
                let want = num(j, base) + gap * (num(j, nbr) - num(j, base));
                assert!((num(j, row) - want).abs() < 1e-9, "row {row}, column {j}");
            }
            // Categories: a most frequent one among the base's neighbours.
            for j in [1, 3] {
                let mut tally: BTreeMap<String, usize> = BTreeMap::new();
                for &q in neighbours {
                    *tally.entry(cat(j, q)).or_insert(0) += 1;
                }
                let max = *tally.values().max().unwrap();
                assert_eq!(
                    tally.get(&cat(j, row)),
                    Some(&max),
                    "row {row}, column {j}: {tally:?}"
                );
            }
        }
        // The input rows are unchanged and first.
        assert_eq!(
            out.table
                .select_rows(&(0..n).collect::<Vec<_>>())
                .unwrap()
                .columns(),
            t.columns()
        );
    }
}

#[test]
fn smoten_rows_are_imbalanced_learns_neighbourhood_modes() {
    use tuneup::data::{Column, Smoten, Table};
    let f = common::load_fixture("cleaning_resamplers.json");
    let d = &f["smoten"];
    let columns: Vec<Column<f64>> = d["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Column::categorical(c.as_array().unwrap().iter().map(|v| v.as_str().unwrap())))
        .collect();
    let names: Vec<String> = (0..columns.len()).map(|j| format!("c{j}")).collect();
    let t = Table::new(names, columns).unwrap();
    let y = labels(&d["y"]);
    let rows = labels(&d["rows"]);
    let modes: BTreeMap<usize, Vec<String>> = rows
        .iter()
        .zip(d["modes"].as_array().unwrap())
        .map(|(&r, m)| {
            let m = m
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            (r, m)
        })
        .collect();
    let out = Smoten::new().seed(5).fit_resample(&t, &y).unwrap();
    assert_eq!(counts(&out.y), fixture_counts(&d["counts"]));
    let n = y.len();
    let mut distinct_bases = std::collections::BTreeSet::new();
    for (s, &base) in out.bases.iter().enumerate() {
        let got: Vec<String> = out
            .table
            .columns()
            .iter()
            .map(|c| match c {
                Column::Categorical(v) => v[n + s].clone().unwrap(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(got, modes[&base], "synthetic row {s} from base {base}");
        distinct_bases.insert(base);
    }
    assert!(distinct_bases.len() > 40, "{} bases", distinct_bases.len());
}
