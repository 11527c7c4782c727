//! Resamplers against imbalanced-learn (fixture from
//! `scripts/reference/make_resampling_fixtures.py`): class counts, validated strategies,
//! Borderline-SMOTE danger sets and ADASYN per-sample counts must be equal, exactly. The
//! synthetic points are checked geometrically against a brute-force neighbour search written
//! here (independent of the fixture and of the crate's KD-tree), and runs are deterministic
//! per seed.

mod common;

use std::collections::BTreeMap;

use ndarray::{s, Array2};
use serde_json::Value;
use tuneup::data::{
    Adasyn, BorderlineKind, BorderlineSmote, RandomOverSampler, RandomUnderSampler, Resampled,
    SamplingStrategy, Smote,
};

const TOL: f64 = 1e-9;

struct Data {
    name: String,
    x: Array2<f64>,
    y: Vec<usize>,
    cases: Vec<Value>,
}

fn datasets() -> Vec<Data> {
    let f = common::load_fixture("resampling.json");
    f["datasets"]
        .as_array()
        .expect("datasets")
        .iter()
        .map(|d| Data {
            name: d["name"].as_str().unwrap().to_string(),
            x: common::array2(&d["x"]),
            y: labels(&d["y"]),
            cases: d["cases"].as_array().unwrap().clone(),
        })
        .collect()
}

fn labels(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap() as usize)
        .collect()
}

fn strategy(v: &Value) -> SamplingStrategy {
    match v["kind"].as_str().unwrap() {
        "auto" => SamplingStrategy::Auto,
        "ratio" => SamplingStrategy::Ratio(v["value"].as_f64().unwrap()),
        "counts" => SamplingStrategy::Counts(class_map(&v["value"])),
        other => panic!("unknown strategy {other}"),
    }
}

fn class_map(v: &Value) -> BTreeMap<usize, usize> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.parse().unwrap(), n.as_u64().unwrap() as usize))
        .collect()
}

fn class_lists(v: &Value) -> BTreeMap<usize, Vec<usize>> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, l)| (k.parse().unwrap(), labels(l)))
        .collect()
}

fn counts(y: &[usize]) -> BTreeMap<usize, usize> {
    let mut m = BTreeMap::new();
    for &c in y {
        *m.entry(c).or_insert(0) += 1;
    }
    m
}

fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum()
}

/// Brute force: rows of `pool` (indices into `x`) nearest to row `i`, `i` excluded; every row
/// tied with the k-th is included, so tie-breaking cannot matter.
fn nearest(x: &Array2<f64>, pool: &[usize], i: usize, k: usize) -> Vec<usize> {
    let xi = x.row(i).to_vec();
    let mut d: Vec<(f64, usize)> = pool
        .iter()
        .filter(|&&j| j != i)
        .map(|&j| (sq_dist(&xi, &x.row(j).to_vec()), j))
        .collect();
    d.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
    let kth = d[k - 1].0;
    d.iter().filter(|p| p.0 <= kth).map(|p| p.1).collect()
}

/// The position `t` of `p` on the segment `a → b` if `p` lies on it (within `TOL`).
fn on_segment(p: &[f64], a: &[f64], b: &[f64]) -> Option<f64> {
    let ab: Vec<f64> = a.iter().zip(b).map(|(u, v)| v - u).collect();
    let len2: f64 = ab.iter().map(|v| v * v).sum();
    let t = if len2 == 0.0 {
        0.0
    } else {
        let ap: f64 = a
            .iter()
            .zip(p)
            .zip(&ab)
            .map(|((u, q), w)| (q - u) * w)
            .sum();
        (ap / len2).clamp(0.0, 1.0)
    };
    let proj: Vec<f64> = a.iter().zip(&ab).map(|(u, w)| u + t * w).collect();
    (sq_dist(p, &proj).sqrt() <= TOL).then_some(t)
}

/// Danger set of `class` by the definition: m/2 ≤ #other-class among m nearest < m.
fn danger_brute(x: &Array2<f64>, y: &[usize], class: usize, m: usize) -> Vec<usize> {
    let all: Vec<usize> = (0..y.len()).collect();
    (0..y.len())
        .filter(|&i| y[i] == class)
        .filter(|&i| {
            // Exact labels of the m nearest: ties at the m-th distance among the fixture's
            // duplicates are within one class, so counting the first m is well defined.
            let nn = nearest(x, &all, i, m);
            let others = nn.iter().take(m).filter(|&&j| y[j] != class).count();
            2 * others >= m && others < m
        })
        .collect()
}

/// Checks that each synthetic row of `out` (class `c`) lies on a segment from a base sample
/// of class `c` in `bases[c]` towards one of its allowed neighbours; `half_to_other` requires
/// `t < 0.5` towards a sample of another class.
fn check_segments(
    what: &str,
    x: &Array2<f64>,
    y: &[usize],
    out: &Resampled<f64>,
    bases: &BTreeMap<usize, Vec<usize>>,
    neighbours: &dyn Fn(usize, usize) -> Vec<usize>,
    half_to_other: bool,
) {
    let n = x.nrows();
    assert_eq!(out.x.slice(s![..n, ..]), x.view(), "{what}: originals kept");
    assert_eq!(&out.y[..n], y, "{what}: original labels kept");
    let mut cache: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for r in n..out.x.nrows() {
        let c = out.y[r];
        let p = out.x.row(r).to_vec();
        let found = bases[&c].iter().any(|&i| {
            let nn = cache
                .entry((c, i))
                .or_insert_with(|| neighbours(c, i))
                .clone();
            let a = x.row(i).to_vec();
            nn.iter()
                .any(|&j| match on_segment(&p, &a, &x.row(j).to_vec()) {
                    Some(t) => !(half_to_other && y[j] != c) || t < 0.5 + TOL,
                    None => false,
                })
        });
        assert!(
            found,
            "{what}: synthetic row {r} (class {c}) is on no allowed segment"
        );
    }
}

fn members(y: &[usize], c: usize) -> Vec<usize> {
    (0..y.len()).filter(|&i| y[i] == c).collect()
}

#[test]
fn strategies_match_imblearn() {
    for d in datasets() {
        for case in &d.cases {
            let over = strategy(&case["over"]);
            let under = strategy(&case["under"]);
            assert_eq!(
                over.over_sampling_targets(&d.y).unwrap(),
                class_map(&case["over_targets"]),
                "{} {over}: over-sampling targets",
                d.name
            );
            assert_eq!(
                under.under_sampling_targets(&d.y).unwrap(),
                class_map(&case["under_targets"]),
                "{} {under}: under-sampling targets",
                d.name
            );
        }
    }
}

#[test]
fn random_samplers_counts_and_rows() {
    for d in datasets() {
        for case in &d.cases {
            let over = strategy(&case["over"]);
            let under = strategy(&case["under"]);
            let ros = RandomOverSampler::new()
                .sampling_strategy(over.clone())
                .seed(1)
                .fit_resample(&d.x.view(), &d.y)
                .unwrap();
            assert_eq!(counts(&ros.y), class_map(&case["random_over"]["counts"]));
            let rus = RandomUnderSampler::new()
                .sampling_strategy(under.clone())
                .seed(1)
                .fit_resample(&d.x.view(), &d.y)
                .unwrap();
            assert_eq!(counts(&rus.y), class_map(&case["random_under"]["counts"]));
            // Rows are copies of the rows they name, of the same class; under-sampling never
            // repeats a row.
            for s in [&ros, &rus] {
                for (r, &i) in s.indices.iter().enumerate() {
                    assert_eq!(s.x.row(r), d.x.row(i));
                    assert_eq!(s.y[r], d.y[i]);
                }
            }
            let mut seen = rus.indices.clone();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), rus.indices.len(), "{}: no repeats", d.name);
            assert_eq!(
                &ros.indices[..d.y.len()],
                &(0..d.y.len()).collect::<Vec<_>>()[..]
            );
        }
    }
}

#[test]
fn smote_counts_and_segments() {
    for d in datasets() {
        for case in &d.cases {
            let st = strategy(&case["over"]);
            let x_before = d.x.clone();
            let out = Smote::new()
                .sampling_strategy(st.clone())
                .seed(3)
                .fit_resample(&d.x.view(), &d.y)
                .unwrap();
            assert_eq!(d.x, x_before, "input untouched");
            assert_eq!(
                counts(&out.y),
                class_map(&case["smote"]["counts"]),
                "{}",
                d.name
            );
            let bases: BTreeMap<usize, Vec<usize>> = counts(&d.y)
                .keys()
                .map(|&c| (c, members(&d.y, c)))
                .collect();
            let y = d.y.clone();
            let x = d.x.clone();
            let nb = move |c: usize, i: usize| nearest(&x, &members(&y, c), i, 5);
            check_segments(
                &format!("SMOTE {} {st}", d.name),
                &d.x,
                &d.y,
                &out,
                &bases,
                &nb,
                false,
            );
        }
    }
}

#[test]
fn borderline_counts_danger_sets_and_segments() {
    for d in datasets() {
        for case in &d.cases {
            let st = strategy(&case["over"]);
            for (kind, key) in [
                (BorderlineKind::One, "borderline1"),
                (BorderlineKind::Two, "borderline2"),
            ] {
                let what = format!("{key} {} {st}", d.name);
                let sampler = BorderlineSmote::new(kind)
                    .sampling_strategy(st.clone())
                    .seed(5);
                let danger = sampler.danger_indices(&d.x.view(), &d.y).unwrap();
                let expected = class_lists(&case[key]["danger"]);
                assert_eq!(danger, expected, "{what}: danger sets");
                // The definition, by brute force.
                for (&c, set) in &danger {
                    assert_eq!(set, &danger_brute(&d.x, &d.y, c, 10), "{what}: class {c}");
                }
                let out = sampler.fit_resample(&d.x.view(), &d.y).unwrap();
                assert_eq!(counts(&out.y), class_map(&case[key]["counts"]), "{what}");
                let (x, y) = (d.x.clone(), d.y.clone());
                let all: Vec<usize> = (0..y.len()).collect();
                let nb = move |c: usize, i: usize| match kind {
                    BorderlineKind::One => nearest(&x, &members(&y, c), i, 5),
                    BorderlineKind::Two => nearest(&x, &all, i, 5),
                };
                check_segments(
                    &what,
                    &d.x,
                    &d.y,
                    &out,
                    &danger,
                    &nb,
                    kind == BorderlineKind::Two,
                );
            }
        }
    }
}

#[test]
fn adasyn_counts_per_sample_and_segments() {
    for d in datasets() {
        for case in &d.cases {
            let st = strategy(&case["over"]);
            let what = format!("ADASYN {} {st}", d.name);
            let sampler = Adasyn::new().sampling_strategy(st.clone()).seed(9);
            let g = sampler.generation_counts(&d.x.view(), &d.y).unwrap();
            assert_eq!(g, class_lists(&case["adasyn"]["per_sample"]), "{what}: g_i");
            let out = sampler.fit_resample(&d.x.view(), &d.y).unwrap();
            assert_eq!(
                counts(&out.y),
                class_map(&case["adasyn"]["counts"]),
                "{what}"
            );
            // Only samples with g_i > 0 are bases.
            let bases: BTreeMap<usize, Vec<usize>> = g
                .iter()
                .map(|(&c, gi)| {
                    let m = members(&d.y, c);
                    (
                        c,
                        m.iter()
                            .zip(gi)
                            .filter(|p| *p.1 > 0)
                            .map(|p| *p.0)
                            .collect(),
                    )
                })
                .collect();
            let (x, y) = (d.x.clone(), d.y.clone());
            let nb = move |c: usize, i: usize| nearest(&x, &members(&y, c), i, 5);
            check_segments(&what, &d.x, &d.y, &out, &bases, &nb, false);
            // Each base generates exactly g_i rows: the synthetic rows come grouped by base in
            // member order, so the first g_0 lie on segments from the first base, and so on.
            let n = d.x.nrows();
            let mut r = n;
            for (&c, gi) in &g {
                for (&i, &cnt) in members(&d.y, c).iter().zip(gi) {
                    let nn = nearest(&d.x, &members(&d.y, c), i, 5);
                    for _ in 0..cnt {
                        let p = out.x.row(r).to_vec();
                        let a = d.x.row(i).to_vec();
                        assert!(
                            nn.iter()
                                .any(|&j| on_segment(&p, &a, &d.x.row(j).to_vec()).is_some()),
                            "{what}: row {r} not from base {i}"
                        );
                        r += 1;
                    }
                }
            }
            assert_eq!(r, out.x.nrows());
        }
    }
}

#[test]
fn deterministic_per_seed_and_seed_matters() {
    let d = &datasets()[1];
    let run = |seed: u64| {
        (
            Smote::new()
                .seed(seed)
                .fit_resample(&d.x.view(), &d.y)
                .unwrap(),
            BorderlineSmote::new(BorderlineKind::Two)
                .seed(seed)
                .fit_resample(&d.x.view(), &d.y)
                .unwrap(),
            Adasyn::new()
                .seed(seed)
                .fit_resample(&d.x.view(), &d.y)
                .unwrap(),
            RandomOverSampler::new()
                .seed(seed)
                .fit_resample(&d.x.view(), &d.y)
                .unwrap(),
            RandomUnderSampler::new()
                .seed(seed)
                .fit_resample(&d.x.view(), &d.y)
                .unwrap(),
        )
    };
    let a = run(42);
    let b = run(42);
    let c = run(43);
    assert_eq!(a, b, "same seed, same output (bit for bit)");
    assert_ne!(a.0, c.0);
    assert_ne!(a.1, c.1);
    assert_ne!(a.2, c.2);
    assert_ne!(a.3, c.3);
    assert_ne!(a.4, c.4);
}

#[test]
fn f32_gives_the_same_counts() {
    for d in datasets() {
        let x32 = d.x.mapv(|v| v as f32);
        let case = &d.cases[0];
        let out = Smote::new().fit_resample(&x32.view(), &d.y).unwrap();
        assert_eq!(counts(&out.y), class_map(&case["smote"]["counts"]));
        let g = Adasyn::new().generation_counts(&x32.view(), &d.y).unwrap();
        assert_eq!(g, class_lists(&case["adasyn"]["per_sample"]), "{}", d.name);
    }
}

#[test]
fn too_few_neighbours_error_reads_like_imblearn() {
    let f = common::load_fixture("resampling.json");
    let e = &f["smote_too_few_error"];
    let x = common::array2(&e["x"]);
    let y = labels(&e["y"]);
    let expected = e["message"].as_str().unwrap();
    assert!(expected.starts_with("Expected n_neighbors <= n_samples_fit"));
    let err = Smote::new().fit_resample(&x.view(), &y).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, tuneup::Error::Value { .. }));
    // imbalanced-learn: "Expected n_neighbors <= n_samples_fit, but n_neighbors = 6,
    // n_samples_fit = 5, n_samples = 5"; ours also names the class.
    assert!(
        msg.contains(
            "Expected n_neighbors <= n_samples_fit, but n_neighbors = 6, n_samples_fit = 5"
        ),
        "{msg}"
    );
    assert!(msg.contains("class 1 has 5 samples"), "{msg}");
}
