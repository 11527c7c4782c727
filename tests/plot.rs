//! SVG plots of a History (the `plot` feature).
#![cfg(feature = "plot")]

use tuneup::diagnostics::history::{EpochRecord, History};
use tuneup::diagnostics::plot::plot_history;

fn history(with_validation: bool) -> History {
    let mut h = History::new("loss", true);
    for e in 0..6 {
        h.push(EpochRecord {
            epoch: e,
            loss: 1.0 / (e + 1) as f64,
            val_loss: with_validation.then_some(0.5 + 0.02 * e as f64),
            metrics: if with_validation {
                vec![
                    ("accuracy".into(), 0.5 + 0.05 * e as f64),
                    ("val_accuracy".into(), 0.6),
                ]
            } else {
                vec![]
            },
            lr: 0.1 * 0.5f64.powi(e as i32),
            grad_norm: if e == 3 {
                f64::NAN
            } else {
                2.0 - 0.1 * e as f64
            },
            wall_time: 0.01,
        });
    }
    h
}

/// The trimmed contents of every `<text>` element.
fn texts(svg: &str) -> Vec<String> {
    svg.split("</text>")
        .filter_map(|piece| piece.rfind('>').map(|i| piece[i + 1..].trim().to_string()))
        .collect()
}

/// Number of data lines (drawn 2 px wide; axes and grid are 1 px).
fn series_lines(svg: &str) -> usize {
    svg.split("<polyline")
        .skip(1)
        .filter(|p| p.split("/>").next().unwrap().contains("stroke-width=\"2\""))
        .count()
}

fn out_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tuneup_plot_tests_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn svg_has_every_series_name() {
    let path = out_path("full.svg");
    plot_history(&history(true), &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg"), "not an SVG");
    let labels = texts(&svg);
    for name in [
        "loss",
        "val_loss",
        "accuracy",
        "val_accuracy",
        "lr",
        "grad_norm",
        "learning curves",
        "learning rate",
        "gradient norm",
        "epoch",
    ] {
        assert!(labels.iter().any(|t| t == name), "{name} missing");
    }
    // One polyline per series: loss, val_loss, accuracy, val_accuracy, lr, grad_norm.
    assert_eq!(series_lines(&svg), 6);
}

#[test]
fn svg_without_validation_or_metrics() {
    let path = out_path("train_only.svg");
    plot_history(&history(false), &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    let labels = texts(&svg);
    for name in ["loss", "lr", "grad_norm"] {
        assert!(labels.iter().any(|t| t == name), "{name} missing");
    }
    for name in ["val_loss", "metrics", "accuracy"] {
        assert!(!labels.iter().any(|t| t == name), "{name} present");
    }
    assert_eq!(series_lines(&svg), 3);
}

#[test]
fn empty_history_and_bad_path_are_errors() {
    assert!(matches!(
        plot_history(&History::new("loss", true), out_path("empty.svg")),
        Err(tuneup::Error::Value { .. })
    ));
    let missing = out_path("no_such_dir").join("deeper").join("x.svg");
    assert!(matches!(
        plot_history(&history(true), missing),
        Err(tuneup::Error::Io { .. })
    ));
}

#[test]
fn learning_and_validation_curves_are_drawn() {
    use tuneup::data::KFold;
    use tuneup::diagnostics::curves::{learning_curve, validation_curve, TrainSizes};
    use tuneup::diagnostics::plot::{plot_learning_curve, plot_validation_curve};
    let curve = learning_curve(
        &TrainSizes::Absolute(vec![2, 4, 8]),
        KFold::new(3).unwrap().split(12).unwrap(),
        |train, val| Ok((1.0, 1.0 - 1.0 / (train.len() + val[0]) as f64)),
    )
    .unwrap();
    let path = out_path("learning_curve.svg");
    plot_learning_curve(&curve, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    let labels = texts(&svg);
    for name in [
        "train_score",
        "validation_score",
        "learning curve",
        "training samples",
    ] {
        assert!(labels.iter().any(|t| t == name), "{name} missing");
    }
    assert_eq!(series_lines(&svg), 2);

    let alphas = [1e-3, 1e-2, 1e-1];
    let vc = validation_curve(
        &alphas,
        KFold::new(2).unwrap().split(8).unwrap(),
        |&a, _, _| Ok((1.0 - a, 0.5)),
    )
    .unwrap();
    let x: Vec<f64> = alphas.iter().map(|a| a.log10()).collect();
    let path = out_path("validation_curve.svg");
    plot_validation_curve(&vc, &x, "log10 alpha", &path).unwrap();
    let labels = texts(&std::fs::read_to_string(&path).unwrap());
    assert!(labels.iter().any(|t| t == "log10 alpha"));
    assert!(matches!(
        plot_validation_curve(&vc, &x[..1], "a", &path),
        Err(tuneup::Error::Value { .. })
    ));
}
