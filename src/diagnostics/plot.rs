//! SVG charts of a training run (the `plot` feature): learning curves, metrics, the learning
//! rate and the gradient norm of a [`History`], one panel each ([`plot_history`]), and the
//! results of [`learning_curve`](super::curves::learning_curve) and
//! [`validation_curve`](super::curves::validation_curve) ([`plot_learning_curve`],
//! [`plot_validation_curve`]), drawn with `plotters`'s SVG backend.
//!
//! ```
//! use tuneup::diagnostics::history::{EpochRecord, History};
//! use tuneup::diagnostics::plot::plot_history;
//! let mut h = History::new("val_loss", true);
//! for e in 0..5 {
//!     h.push(EpochRecord { epoch: e, loss: 1.0 / (e + 1) as f64, val_loss: Some(0.6),
//!         metrics: vec![], lr: 0.1, grad_norm: 1.0, wall_time: 0.0 });
//! }
//! let path = std::env::temp_dir().join("tuneup_plot_module_doc.svg");
//! plot_history(&h, &path)?;
//! assert!(std::fs::read_to_string(&path).unwrap().contains("val_loss"));
//! # Ok::<(), tuneup::Error>(())
//! ```

use std::path::Path;

use plotters::prelude::*;

use super::curves::{CurveScores, LearningCurve, ValidationCurve};
use super::history::History;
use crate::{Error, Result};

/// Width and height, in pixels, of one panel of [`plot_history`].
///
/// ```
/// assert_eq!(tuneup::diagnostics::plot::PANEL_SIZE, (800, 300));
/// ```
pub const PANEL_SIZE: (u32, u32) = (800, 300);

const COLORS: [RGBColor; 6] = [BLUE, RED, GREEN, MAGENTA, CYAN, BLACK];

/// One panel: a title, its named series (one value per x), and unlabelled thin lines in the
/// colour of a series (the ± one standard deviation bounds of a curve).
struct Panel {
    title: &'static str,
    series: Vec<(String, Vec<f64>)>,
    thin: Vec<(usize, Vec<f64>)>,
}

/// The panels of a history: losses, metrics (if any), learning rate, gradient norm.
fn panels(history: &History) -> Vec<Panel> {
    let records = history.epochs();
    let mut loss = vec![(
        "loss".to_string(),
        records.iter().map(|r| r.loss).collect::<Vec<_>>(),
    )];
    if records.iter().any(|r| r.val_loss.is_some()) {
        loss.push((
            "val_loss".to_string(),
            records
                .iter()
                .map(|r| r.val_loss.unwrap_or(f64::NAN))
                .collect(),
        ));
    }
    let mut out = vec![Panel {
        title: "learning curves",
        series: loss,
        thin: Vec::new(),
    }];
    let mut names: Vec<String> = Vec::new();
    for r in records {
        for (n, _) in &r.metrics {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
    }
    if !names.is_empty() {
        let series = names
            .into_iter()
            .map(|n| {
                let values = records
                    .iter()
                    .map(|r| r.get(&n).unwrap_or(f64::NAN))
                    .collect();
                (n, values)
            })
            .collect();
        out.push(Panel {
            title: "metrics",
            series,
            thin: Vec::new(),
        });
    }
    out.push(Panel {
        title: "learning rate",
        series: vec![("lr".to_string(), records.iter().map(|r| r.lr).collect())],
        thin: Vec::new(),
    });
    out.push(Panel {
        title: "gradient norm",
        series: vec![(
            "grad_norm".to_string(),
            records.iter().map(|r| r.grad_norm).collect(),
        )],
        thin: Vec::new(),
    });
    out
}

/// The finite range of a panel's values, padded by 5% (a constant series gets ±1 or ±10%).
fn y_range(panel: &Panel) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in panel
        .series
        .iter()
        .flat_map(|(_, v)| v)
        .filter(|v| v.is_finite())
    {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        let pad = if lo == 0.0 { 1.0 } else { 0.1 * lo.abs() };
        return (lo - pad, hi + pad);
    }
    let pad = 0.05 * (hi - lo);
    (lo - pad, hi + pad)
}

/// Writes an SVG file with one panel per quantity of `history`, against the epoch: the
/// learning curves (`loss`, and `val_loss` when validated), the metrics (if any, e.g.
/// `accuracy`, `val_accuracy`), the learning rate (`lr`) and the mean gradient norm
/// (`grad_norm`). Each series is labelled with its History name; non-finite values are left
/// out of the lines. Each panel is [`PANEL_SIZE`].
///
/// # Errors
/// [`Error::Value`] for an empty history; [`Error::Io`] if the file cannot be written.
///
/// ```
/// use tuneup::diagnostics::history::History;
/// use tuneup::diagnostics::plot::plot_history;
/// let empty = History::new("loss", true);
/// let path = std::env::temp_dir().join("tuneup_plot_fn_doc.svg");
/// assert!(matches!(plot_history(&empty, &path), Err(tuneup::Error::Value { .. })));
/// ```
pub fn plot_history(history: &History, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    if history.is_empty() {
        return Err(Error::value(
            "plot_history",
            "a history with at least one epoch",
            "an empty history",
        ));
    }
    let panels = panels(history);
    let epochs: Vec<f64> = history.epochs().iter().map(|r| r.epoch as f64).collect();
    draw(path, &epochs, "epoch", &panels)
}

/// Draws `panels` stacked vertically, against `x`, into an SVG file at `path`.
fn draw(path: &Path, x: &[f64], x_desc: &str, panels: &[Panel]) -> Result<()> {
    let io = |e: &dyn std::fmt::Display| Error::io("write SVG plot", path.display(), e);
    let (lo, hi) = x
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let (x0, x1) = if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    };
    let (w, h) = PANEL_SIZE;
    let root = SVGBackend::new(path, (w, h * panels.len() as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| io(&e))?;
    let areas = root.split_evenly((panels.len(), 1));
    let line = |values: &[f64]| -> Vec<(f64, f64)> {
        x.iter()
            .zip(values)
            .filter(|(a, v)| a.is_finite() && v.is_finite())
            .map(|(a, v)| (*a, *v))
            .collect()
    };
    for (area, panel) in areas.iter().zip(panels) {
        let (y0, y1) = y_range(panel);
        let mut chart = ChartBuilder::on(area)
            .caption(panel.title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| io(&e))?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .draw()
            .map_err(|e| io(&e))?;
        for (i, values) in &panel.thin {
            let color = COLORS[i % COLORS.len()];
            chart
                .draw_series(LineSeries::new(line(values), color.mix(0.5)))
                .map_err(|e| io(&e))?;
        }
        for (i, (name, values)) in panel.series.iter().enumerate() {
            let color = COLORS[i % COLORS.len()];
            chart
                .draw_series(LineSeries::new(line(values), color.stroke_width(2)))
                .map_err(|e| io(&e))?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| io(&e))?;
    }
    root.present().map_err(|e| io(&e))?;
    Ok(())
}

/// The panel of a curve: mean training and validation scores, with thin lines at ± one
/// standard deviation over the folds.
fn curve_panel(title: &'static str, scores: &CurveScores) -> Panel {
    let (tm, ts) = (scores.train_mean(), scores.train_std());
    let (vm, vs) = (scores.validation_mean(), scores.validation_std());
    let band = |m: &[f64], s: &[f64], sign: f64| -> Vec<f64> {
        m.iter().zip(s).map(|(m, s)| m + sign * s).collect()
    };
    Panel {
        title,
        thin: vec![
            (0, band(&tm, &ts, 1.0)),
            (0, band(&tm, &ts, -1.0)),
            (1, band(&vm, &vs, 1.0)),
            (1, band(&vm, &vs, -1.0)),
        ],
        series: vec![
            ("train_score".to_string(), tm),
            ("validation_score".to_string(), vm),
        ],
    }
}

/// Writes a [`LearningCurve`] to an SVG file: the mean training score (`train_score`) and
/// mean validation score (`validation_score`) against the number of training samples, each
/// with thin lines at ± one standard deviation over the folds.
///
/// # Errors
/// [`Error::Value`] for a curve without points or with score rows that do not match its
/// sizes; [`Error::Io`] if the file cannot be written.
///
/// ```
/// use tuneup::data::KFold;
/// use tuneup::diagnostics::curves::{learning_curve, TrainSizes};
/// use tuneup::diagnostics::plot::plot_learning_curve;
/// let curve = learning_curve(&TrainSizes::Absolute(vec![2, 4, 8]), KFold::new(3)?.split(12)?,
///     |train, _| Ok((1.0, 1.0 - 1.0 / train.len() as f64)))?;
/// let path = std::env::temp_dir().join("tuneup_plot_learning_curve_doc.svg");
/// plot_learning_curve(&curve, &path)?;
/// assert!(std::fs::read_to_string(&path).unwrap().contains("validation_score"));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn plot_learning_curve(curve: &LearningCurve, path: impl AsRef<Path>) -> Result<()> {
    let x: Vec<f64> = curve.train_sizes.iter().map(|&s| s as f64).collect();
    check_curve("plot_learning_curve", x.len(), &curve.scores)?;
    let panel = curve_panel("learning curve", &curve.scores);
    draw(path.as_ref(), &x, "training samples", &[panel])
}

/// Writes a [`ValidationCurve`] to an SVG file, against `x`: the hyperparameter values as
/// numbers (pass `log10 α` for a penalty swept over decades). Same lines as
/// [`plot_learning_curve`]; `x_label` names the axis.
///
/// # Errors
/// [`Error::Value`] for a curve without points, or an `x` of another length than the
/// curve's values; [`Error::Io`] if the file cannot be written.
///
/// ```
/// use tuneup::data::KFold;
/// use tuneup::diagnostics::curves::validation_curve;
/// use tuneup::diagnostics::plot::plot_validation_curve;
/// let alphas = [1e-4, 1e-2, 1.0];
/// let curve = validation_curve(&alphas, KFold::new(2)?.split(8)?, |&a, _, _| Ok((1.0 - a, 0.5)))?;
/// let x: Vec<f64> = alphas.iter().map(|a: &f64| a.log10()).collect();
/// let path = std::env::temp_dir().join("tuneup_plot_validation_curve_doc.svg");
/// plot_validation_curve(&curve, &x, "log10 alpha", &path)?;
/// assert!(plot_validation_curve(&curve, &x[..2], "log10 alpha", &path).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn plot_validation_curve<P>(
    curve: &ValidationCurve<P>,
    x: &[f64],
    x_label: &str,
    path: impl AsRef<Path>,
) -> Result<()> {
    if x.len() != curve.values.len() {
        return Err(Error::value(
            "plot_validation_curve",
            format!(
                "{} x positions, one per hyperparameter value",
                curve.values.len()
            ),
            format!("{}", x.len()),
        ));
    }
    check_curve("plot_validation_curve", x.len(), &curve.scores)?;
    let panel = curve_panel("validation curve", &curve.scores);
    draw(path.as_ref(), x, x_label, &[panel])
}

fn check_curve(context: &str, points: usize, scores: &CurveScores) -> Result<()> {
    if points == 0 || scores.train.len() != points || scores.validation.len() != points {
        return Err(Error::value(
            context,
            format!("{points} rows of train and validation scores (at least one)"),
            format!(
                "{} and {} rows",
                scores.train.len(),
                scores.validation.len()
            ),
        ));
    }
    Ok(())
}
