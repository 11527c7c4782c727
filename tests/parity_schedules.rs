//! Learning-rate schedules against PyTorch's `torch.optim.lr_scheduler`.
//!
//! `tests/fixtures/schedules.json` is written by `scripts/reference/make_schedule_fixtures.py`:
//! for each case the rate after construction and after each of ≥ 40 `scheduler.step()` calls,
//! as `get_last_lr()` reports it. Every rate must match to 1e-10 relative.
mod common;

use serde_json::Value;
use tuneup::optim::schedule::*;
use tuneup::prelude::*;

const RTOL: f64 = 1e-10;

fn f(p: &Value, key: &str) -> f64 {
    p[key]
        .as_f64()
        .unwrap_or_else(|| panic!("number `{key}` in {p}"))
}

fn u(p: &Value, key: &str) -> u64 {
    p[key]
        .as_u64()
        .unwrap_or_else(|| panic!("integer `{key}` in {p}"))
}

fn s<'a>(p: &'a Value, key: &str) -> &'a str {
    p[key]
        .as_str()
        .unwrap_or_else(|| panic!("string `{key}` in {p}"))
}

/// Builds one (non-composite) schedule from the fixture's description.
fn build(kind: &str, base: f64, p: &Value) -> Box<dyn LrSchedule> {
    let built: Result<Box<dyn LrSchedule>> = match kind {
        "step" => StepLr::new(base, u(p, "step_size"), f(p, "gamma")).map(|s| Box::new(s) as _),
        "multistep" => {
            let milestones: Vec<u64> = p["milestones"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_u64().unwrap())
                .collect();
            MultiStepLr::new(base, &milestones, f(p, "gamma")).map(|s| Box::new(s) as _)
        }
        "exponential" => ExponentialLr::new(base, f(p, "gamma")).map(|s| Box::new(s) as _),
        "cosine" => {
            CosineAnnealingLr::new(base, u(p, "t_max"), f(p, "eta_min")).map(|s| Box::new(s) as _)
        }
        "warm_restarts" => {
            CosineAnnealingWarmRestarts::new(base, u(p, "t_0"), u(p, "t_mult"), f(p, "eta_min"))
                .map(|s| Box::new(s) as _)
        }
        "linear" => LinearLr::new(
            base,
            f(p, "start_factor"),
            f(p, "end_factor"),
            u(p, "total_iters"),
        )
        .map(|s| Box::new(s) as _),
        "one_cycle" => OneCycleLr::new(OneCycleConfig {
            max_lr: f(p, "max_lr"),
            total_steps: u(p, "total_steps"),
            pct_start: f(p, "pct_start"),
            anneal_strategy: s(p, "anneal_strategy").parse().unwrap(),
            div_factor: f(p, "div_factor"),
            final_div_factor: f(p, "final_div_factor"),
            three_phase: p["three_phase"].as_bool().unwrap(),
        })
        .map(|s| Box::new(s) as _),
        "cyclic" => CyclicLr::new(CyclicConfig {
            base_lr: f(p, "base_lr"),
            max_lr: f(p, "max_lr"),
            step_size_up: u(p, "step_size_up"),
            step_size_down: p["step_size_down"].as_u64(),
            mode: s(p, "mode").parse().unwrap(),
            gamma: f(p, "gamma"),
        })
        .map(|s| Box::new(s) as _),
        "plateau" => ReduceLrOnPlateau::new(
            base,
            PlateauConfig {
                mode: s(p, "mode").parse().unwrap(),
                factor: f(p, "factor"),
                patience: u(p, "patience"),
                threshold: f(p, "threshold"),
                threshold_mode: s(p, "threshold_mode").parse().unwrap(),
                cooldown: u(p, "cooldown"),
                min_lr: f(p, "min_lr"),
                eps: f(p, "eps"),
            },
        )
        .map(|s| Box::new(s) as _),
        other => panic!("unknown schedule kind {other}"),
    };
    built.unwrap_or_else(|e| panic!("building {kind} {p}: {e}"))
}

fn build_case(case: &Value) -> Box<dyn LrSchedule> {
    let base = f(case, "base_lr");
    let kind = s(case, "kind");
    let parts = || -> Vec<Box<dyn LrSchedule>> {
        case["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|part| build(s(part, "kind"), base, &part["params"]))
            .collect()
    };
    match kind {
        "chained" => Box::new(ChainedSchedule::new(parts()).unwrap()),
        "sequential" => {
            let milestones: Vec<u64> = case["milestones"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_u64().unwrap())
                .collect();
            Box::new(SequentialLr::new(parts(), &milestones).unwrap())
        }
        _ => build(kind, base, &case["params"]),
    }
}

/// Steps `schedule` through the case and returns the rates: before any step, then after each.
fn run(schedule: &mut dyn LrSchedule, case: &Value) -> Vec<f64> {
    let steps = u(case, "steps") as usize;
    let metrics: Option<Vec<f64>> = case.get("metrics").map(|m| {
        m.as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    });
    let mut lrs = vec![schedule.lr()];
    for i in 0..steps {
        let lr = match &metrics {
            Some(m) => schedule.step_with_metric(m[i]).unwrap(),
            None => schedule.step().unwrap(),
        };
        assert_eq!(lr, schedule.lr(), "step returns what lr() reports");
        lrs.push(lr);
    }
    assert_eq!(schedule.steps(), steps as u64);
    lrs
}

fn expected(case: &Value) -> Vec<f64> {
    common::array1(&case["lrs"]).to_vec()
}

fn cases() -> Vec<Value> {
    let fixture = common::load_fixture("schedules.json");
    fixture["cases"].as_array().expect("cases").clone()
}

#[test]
fn every_schedule_matches_pytorch() {
    let cases = cases();
    assert!(cases.len() >= 40, "fixture has {} cases", cases.len());
    for case in &cases {
        let name = s(case, "name");
        let mut schedule = build_case(case);
        let want = expected(case);
        assert_eq!(want.len(), u(case, "steps") as usize + 1);
        let got = run(&mut *schedule, case);
        common::assert_close_slices(&got, &want, RTOL, 0.0, name);
    }
}

#[test]
fn fixture_covers_every_schedule_kind() {
    let kinds: std::collections::BTreeSet<String> =
        cases().iter().map(|c| s(c, "kind").to_string()).collect();
    for kind in [
        "step",
        "multistep",
        "exponential",
        "cosine",
        "warm_restarts",
        "linear",
        "one_cycle",
        "cyclic",
        "plateau",
        "chained",
        "sequential",
    ] {
        assert!(kinds.contains(kind), "no fixture case for {kind}");
    }
}

/// Saving the state half-way and loading it into a freshly built schedule continues the exact
/// same sequence (checkpoint / resume).
#[test]
fn state_round_trip_resumes_every_schedule() {
    for case in &cases() {
        let name = s(case, "name");
        let steps = u(case, "steps") as usize;
        let metrics: Option<Vec<f64>> = case.get("metrics").map(|m| {
            m.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        });
        let step = |sch: &mut dyn LrSchedule, i: usize| match &metrics {
            Some(m) => sch.step_with_metric(m[i]).unwrap(),
            None => sch.step().unwrap(),
        };
        let half = steps / 2;
        let mut first = build_case(case);
        for i in 0..half {
            step(&mut *first, i);
        }
        let saved = first.state();
        assert_eq!(saved.steps, half as u64, "{name}");
        let mut resumed = build_case(case);
        resumed.load_state(&saved).unwrap();
        assert_eq!(resumed.state(), saved, "{name}");
        for i in half..steps {
            let (a, b) = (step(&mut *first, i), step(&mut *resumed, i));
            assert_eq!(
                a.to_bits(),
                b.to_bits(),
                "{name} step {}: {a} vs {b}",
                i + 1
            );
        }
        // A state from another kind of schedule is refused.
        let mut other = StepLr::new(0.1, 1, 0.5).unwrap();
        if saved.schedule != "StepLR" {
            assert!(
                matches!(other.load_state(&saved), Err(Error::Value { .. })),
                "{name}"
            );
        }
    }
}

/// Driving a real optimizer: the rate it holds is the schedule's.
#[test]
fn step_optimizer_sets_the_optimizer_rate() {
    let mut sgd = Sgd::new(0.1).unwrap();
    let mut warmup = LinearLr::new(0.1, 0.1, 1.0, 5).unwrap();
    warmup.apply::<f32>(&mut sgd).unwrap();
    assert_eq!(Optimizer::<f32>::learning_rate(&sgd), warmup.lr());
    for _ in 0..7 {
        let lr = warmup.step_optimizer::<f32>(&mut sgd).unwrap();
        assert_eq!(Optimizer::<f32>::learning_rate(&sgd), lr);
    }
    // Boxed trait objects get the helpers too.
    let mut boxed: Box<dyn LrSchedule> = Box::new(ExponentialLr::new(0.1, 0.5).unwrap());
    boxed.step_optimizer::<f64>(&mut sgd).unwrap();
    assert_eq!(Optimizer::<f64>::learning_rate(&sgd), 0.05);
}

fn is_config<T: std::fmt::Debug>(r: Result<T>) -> bool {
    matches!(r, Err(Error::Config { .. }))
}

/// Every invalid setting is refused when the schedule is built, with `Error::Config`.
#[test]
fn bad_configurations_are_config_errors() {
    // Base rates: negative, NaN, infinite.
    for lr in [-0.1, f64::NAN, f64::INFINITY] {
        assert!(is_config(StepLr::new(lr, 1, 0.5)), "StepLR base {lr}");
        assert!(
            is_config(ExponentialLr::new(lr, 0.5)),
            "ExponentialLR base {lr}"
        );
        assert!(
            is_config(CosineAnnealingLr::new(lr, 10, 0.0)),
            "cosine base {lr}"
        );
        assert!(is_config(CosineAnnealingWarmRestarts::new(lr, 10, 1, 0.0)));
        assert!(is_config(LinearLr::new(lr, 0.1, 1.0, 5)));
        assert!(is_config(MultiStepLr::new(lr, &[1], 0.5)));
        assert!(is_config(ReduceLrOnPlateau::new(
            lr,
            PlateauConfig::default()
        )));
        assert!(is_config(OneCycleLr::new(OneCycleConfig::new(lr, 50))));
        assert!(is_config(CyclicLr::new(CyclicConfig::new(lr, 0.1, 5))));
        assert!(is_config(CyclicLr::new(CyclicConfig::new(0.01, lr, 5))));
    }
    // gamma ≤ 0 (or not finite).
    for gamma in [0.0, -0.5, f64::NAN, f64::INFINITY] {
        assert!(
            is_config(StepLr::new(0.1, 3, gamma)),
            "StepLR gamma {gamma}"
        );
        assert!(is_config(MultiStepLr::new(0.1, &[3], gamma)));
        assert!(is_config(ExponentialLr::new(0.1, gamma)));
        let exp_range = CyclicConfig {
            mode: CyclicMode::ExpRange,
            gamma,
            ..CyclicConfig::new(0.01, 0.1, 5)
        };
        assert!(is_config(CyclicLr::new(exp_range)));
    }
    // Zero periods and counts.
    assert!(is_config(StepLr::new(0.1, 0, 0.5)));
    assert!(is_config(CosineAnnealingLr::new(0.1, 0, 0.0)), "T_max = 0");
    assert!(
        is_config(CosineAnnealingLr::new(0.1, 10, -0.01)),
        "negative eta_min"
    );
    assert!(
        is_config(CosineAnnealingWarmRestarts::new(0.1, 0, 1, 0.0)),
        "T_0 = 0"
    );
    assert!(
        is_config(CosineAnnealingWarmRestarts::new(0.1, 5, 0, 0.0)),
        "T_mult < 1"
    );
    assert!(is_config(CosineAnnealingWarmRestarts::new(
        0.1,
        5,
        1,
        f64::NAN
    )));
    assert!(
        is_config(LinearLr::new(0.1, 0.1, 1.0, 0)),
        "total_iters = 0"
    );
    // LinearLR factors outside PyTorch's ranges.
    assert!(is_config(LinearLr::new(0.1, 0.0, 1.0, 5)));
    assert!(is_config(LinearLr::new(0.1, 1.5, 1.0, 5)));
    assert!(is_config(LinearLr::new(0.1, 0.5, -0.1, 5)));
    assert!(is_config(LinearLr::new(0.1, 0.5, 1.1, 5)));
    // Milestones: not increasing, repeated, zero, empty.
    assert!(is_config(MultiStepLr::new(0.1, &[10, 5], 0.5)));
    assert!(is_config(MultiStepLr::new(0.1, &[5, 5], 0.5)));
    assert!(is_config(MultiStepLr::new(0.1, &[0, 5], 0.5)));
    assert!(is_config(MultiStepLr::new(0.1, &[], 0.5)));
    // OneCycleLR.
    let one = |c: OneCycleConfig| is_config(OneCycleLr::new(c));
    for pct in [0.0, 1.0, -0.2, 1.5, f64::NAN] {
        assert!(
            one(OneCycleConfig {
                pct_start: pct,
                ..OneCycleConfig::new(0.1, 50)
            }),
            "pct {pct}"
        );
    }
    assert!(one(OneCycleConfig::new(0.1, 0)), "total_steps = 0");
    assert!(one(OneCycleConfig {
        div_factor: 0.0,
        ..OneCycleConfig::new(0.1, 50)
    }));
    assert!(one(OneCycleConfig {
        final_div_factor: -1.0,
        ..OneCycleConfig::new(0.1, 50)
    }));
    assert!(
        one(OneCycleConfig {
            total_steps: 2,
            ..OneCycleConfig::new(0.1, 2)
        }),
        "empty warm-up"
    );
    assert!(one(OneCycleConfig {
        three_phase: true,
        pct_start: 0.55,
        ..OneCycleConfig::new(0.1, 40)
    }));
    assert!(is_config("cosine".parse::<AnnealStrategy>()));
    // CyclicLR.
    assert!(
        is_config(CyclicLr::new(CyclicConfig::new(0.01, 0.1, 0))),
        "step_size_up = 0"
    );
    let down0 = CyclicConfig {
        step_size_down: Some(0),
        ..CyclicConfig::new(0.01, 0.1, 5)
    };
    assert!(is_config(CyclicLr::new(down0)));
    let stray_gamma = CyclicConfig {
        gamma: 0.9,
        ..CyclicConfig::new(0.01, 0.1, 5)
    };
    assert!(
        is_config(CyclicLr::new(stray_gamma)),
        "gamma without exp_range"
    );
    assert!(is_config("saw".parse::<CyclicMode>()));
    // ReduceLROnPlateau.
    let plateau = |c: PlateauConfig| is_config(ReduceLrOnPlateau::new(0.1, c));
    assert!(
        plateau(PlateauConfig {
            factor: 1.0,
            ..Default::default()
        }),
        "factor = 1"
    );
    assert!(
        plateau(PlateauConfig {
            factor: 1.5,
            ..Default::default()
        }),
        "factor > 1"
    );
    assert!(plateau(PlateauConfig {
        factor: 0.0,
        ..Default::default()
    }));
    assert!(plateau(PlateauConfig {
        threshold: -1e-4,
        ..Default::default()
    }));
    assert!(plateau(PlateauConfig {
        min_lr: -1.0,
        ..Default::default()
    }));
    assert!(plateau(PlateauConfig {
        eps: f64::NAN,
        ..Default::default()
    }));
    assert!(
        is_config("minimum".parse::<PlateauMode>()),
        "unknown plateau mode"
    );
    assert!(is_config("relative".parse::<ThresholdMode>()));
    assert_eq!(" MIN ".parse::<PlateauMode>().unwrap(), PlateauMode::Min);
    // Compositions.
    assert!(is_config(ChainedSchedule::new(vec![])));
    assert!(is_config(SequentialLr::new(vec![], &[])));
    let two = || -> Vec<Box<dyn LrSchedule>> {
        vec![
            Box::new(LinearLr::new(0.1, 0.1, 1.0, 5).unwrap()),
            Box::new(ExponentialLr::new(0.1, 0.9).unwrap()),
        ]
    };
    assert!(
        is_config(SequentialLr::new(two(), &[])),
        "too few milestones"
    );
    assert!(
        is_config(SequentialLr::new(two(), &[3, 6])),
        "too many milestones"
    );
    assert!(is_config(SequentialLr::new(two(), &[0])), "milestone 0");
    let three = || -> Vec<Box<dyn LrSchedule>> {
        let mut v = two();
        v.push(Box::new(StepLr::new(0.1, 2, 0.5).unwrap()));
        v
    };
    assert!(
        is_config(SequentialLr::new(three(), &[6, 3])),
        "milestones not increasing"
    );
    assert!(SequentialLr::new(three(), &[3, 6]).is_ok());
}

/// Errors at step time change nothing: OneCycleLR past its end, a plateau schedule without its
/// metric (also inside a chain, which is rolled back).
#[test]
fn failed_steps_change_nothing() {
    let mut one = OneCycleLr::new(OneCycleConfig::new(0.1, 45)).unwrap();
    for _ in 0..45 {
        one.step().unwrap();
    }
    let before = one.state();
    assert!(matches!(one.step(), Err(Error::State { .. })));
    assert_eq!(one.state(), before);

    let plateau = ReduceLrOnPlateau::new(0.1, PlateauConfig::default()).unwrap();
    let decay = ExponentialLr::new(0.1, 0.5).unwrap();
    let mut chain = ChainedSchedule::new(vec![Box::new(decay), Box::new(plateau)]).unwrap();
    assert!(chain.needs_metric());
    chain.step_with_metric(1.0).unwrap();
    let before = chain.state();
    assert!(matches!(chain.step(), Err(Error::State { .. })));
    assert_eq!(
        chain.state(),
        before,
        "the exponential part was rolled back"
    );
    assert_eq!(chain.step_with_metric(0.5).unwrap(), 0.025);
}

/// A warm-up followed by a plateau schedule (not allowed in PyTorch; an extension here): the
/// plateau part starts from the base rate and then cuts it on a plateau.
#[test]
fn warmup_then_plateau() {
    let warmup = LinearLr::new(0.1, 0.1, 1.0, 3).unwrap();
    let plateau = ReduceLrOnPlateau::new(
        0.1,
        PlateauConfig {
            patience: 1,
            factor: 0.5,
            ..Default::default()
        },
    )
    .unwrap();
    let mut s = SequentialLr::new(vec![Box::new(warmup), Box::new(plateau)], &[3]).unwrap();
    let rates: Vec<f64> = [1.0, 0.9, 0.8, 0.7, 0.7, 0.7]
        .iter()
        .map(|&m| s.step_with_metric(m).unwrap())
        .collect();
    assert!((rates[0] - 0.04).abs() < 1e-15 && (rates[1] - 0.07).abs() < 1e-15);
    assert_eq!(&rates[2..], &[0.1, 0.1, 0.1, 0.05]);
}
