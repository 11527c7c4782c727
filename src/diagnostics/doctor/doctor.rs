//! The [`Doctor`]: gathers the evidence and runs every check.

use ndarray::{Array2, ArrayView2};

use super::curves::{self, BaselineSource};
use super::data_checks;
use super::finding::Diagnosis;
use super::gradients;
use super::health::HealthLog;
use super::label_noise;
use super::leakage;
use super::learning_signal;
use super::ranking;
use super::settings::DoctorSettings;
use crate::data::LabelIssues;
use crate::diagnostics::history::History;
use crate::{Error, Float, Result};

/// A score measured on a held-out test set, to compare with the validation value of the same
/// metric in the History (`val_<metric>`, or `val_loss` for `"loss"`).
///
/// ```
/// use tuneup::diagnostics::doctor::TestScore;
/// let t = TestScore::higher_is_better("accuracy", 0.71);
/// assert!(t.higher_is_better);
/// assert!(!TestScore::lower_is_better("loss", 0.4).higher_is_better);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TestScore {
    /// The metric's name without the `val_` prefix (`"accuracy"`, `"loss"`).
    pub metric: String,
    /// Its value on the test set.
    pub value: f64,
    /// True for scores (accuracy), false for losses.
    pub higher_is_better: bool,
    /// The standard error of the difference between the test and the validation value, when
    /// known: the doctor then calls poor generalisation only for a gap beyond two of them (a
    /// small test set's score moves by chance).
    pub standard_error: Option<f64>,
}

impl TestScore {
    /// A score where higher is better (accuracy, F1, R²).
    ///
    /// ```
    /// assert_eq!(tuneup::diagnostics::doctor::TestScore::higher_is_better("f1", 0.5).metric, "f1");
    /// ```
    pub fn higher_is_better(metric: impl Into<String>, value: f64) -> Self {
        TestScore {
            metric: metric.into(),
            value,
            higher_is_better: true,
            standard_error: None,
        }
    }

    /// A loss, where lower is better.
    ///
    /// ```
    /// assert_eq!(tuneup::diagnostics::doctor::TestScore::lower_is_better("loss", 0.5).value, 0.5);
    /// ```
    pub fn lower_is_better(metric: impl Into<String>, value: f64) -> Self {
        TestScore {
            metric: metric.into(),
            value,
            higher_is_better: false,
            standard_error: None,
        }
    }

    /// The same score with the standard error of its difference from the validation value
    /// (finite and ≥ 0, else ignored by the doctor).
    ///
    /// ```
    /// use tuneup::diagnostics::doctor::TestScore;
    /// let t = TestScore::lower_is_better("loss", 0.5).with_standard_error(0.1);
    /// assert_eq!(t.standard_error, Some(0.1));
    /// ```
    pub fn with_standard_error(mut self, standard_error: f64) -> Self {
        self.standard_error = Some(standard_error);
        self
    }
}

/// The training doctor: reads a run's [`History`] and any further evidence (per-layer
/// health, the training data, a test set) and names what went wrong, with the numbers and the
/// crate's remedies.
///
/// The History is required; every other input is optional and enables the checks that need
/// it:
///
/// | input | checks |
/// |---|---|
/// | History | divergence, oscillation, overfitting, underfitting, plateau, exploding global gradient |
/// | [`HealthLog`] | vanishing / exploding gradients, dead and saturated units |
/// | training features | missing values, outliers, duplicates, constant features |
/// | class labels / regression targets | constant-predictor loss, majority rate, class imbalance, target leakage (a feature correlated with a single target or binary label at 0.99 or more) |
/// | test features | train/test shift (PSI and KS per feature), test rows that repeat training rows |
/// | test class labels | classes that appear only in the test data |
/// | [`TestScore`] | poor generalisation (test against validation) |
///
/// The constant predictor's loss (the underfitting and plateau reference) is, in order: the
/// value given to [`Doctor::baseline_loss`]; the entropy of the class frequencies when labels
/// are given (the cross-entropy of predicting the class prior); the mean target variance when
/// regression targets are given (the MSE of predicting the mean); else the first epoch's loss.
///
/// ```
/// use tuneup::diagnostics::doctor::{Doctor, Problem};
/// use tuneup::diagnostics::history::{EpochRecord, History};
/// let mut h = History::new("val_loss", true);
/// for (e, (l, v)) in [(1.0, 1.0), (0.5, 0.6), (0.3, 0.5), (0.2, 0.55), (0.1, 0.6), (0.05, 0.7),
///                     (0.02, 0.8), (0.01, 0.9)].into_iter().enumerate() {
///     h.push(EpochRecord { epoch: e, loss: l, val_loss: Some(v), metrics: vec![], lr: 1e-3,
///                          grad_norm: 1.0, wall_time: 0.0 });
/// }
/// let d = Doctor::new(&h).examine()?;
/// assert_eq!(d.problems(), vec![Problem::Overfitting]);
/// println!("{d}");
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Doctor<'a> {
    history: &'a History,
    settings: DoctorSettings,
    health: Option<&'a HealthLog>,
    train_x: Option<Array2<f64>>,
    labels: Option<Vec<usize>>,
    targets: Option<Array2<f64>>,
    baseline: Option<f64>,
    test_x: Option<Array2<f64>>,
    test_labels: Option<Vec<usize>>,
    test_score: Option<TestScore>,
    label_issues: Option<&'a LabelIssues>,
}

fn to_f64<F: Float>(x: &ArrayView2<'_, F>) -> Array2<f64> {
    x.mapv(|v| v.as_f64())
}

impl<'a> Doctor<'a> {
    /// A doctor for `history` with the default settings and no further evidence.
    ///
    /// ```
    /// use tuneup::diagnostics::{doctor::Doctor, history::History};
    /// assert!(Doctor::new(&History::new("loss", true)).examine()?.is_healthy());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn new(history: &'a History) -> Self {
        Doctor {
            history,
            settings: DoctorSettings::default(),
            health: None,
            train_x: None,
            labels: None,
            targets: None,
            baseline: None,
            test_x: None,
            test_labels: None,
            test_score: None,
            label_issues: None,
        }
    }

    /// Uses `settings` (checked with [`DoctorSettings::validate`]).
    ///
    /// ```
    /// use tuneup::diagnostics::{doctor::{Doctor, DoctorSettings}, history::History};
    /// let h = History::new("loss", true);
    /// assert!(Doctor::new(&h).settings(DoctorSettings { plateau_window: 0, ..Default::default() }).is_err());
    /// ```
    pub fn settings(mut self, settings: DoctorSettings) -> Result<Self> {
        settings.validate()?;
        self.settings = settings;
        Ok(self)
    }

    /// Per-layer gradient and activation statistics of the run.
    ///
    /// ```
    /// use tuneup::diagnostics::{doctor::{Doctor, HealthLog, LayerHealth, Problem}, history::History};
    /// let mut log = HealthLog::new();
    /// log.push(LayerHealth::new("0.weight", 0, 1e-9, 1.0));
    /// log.push(LayerHealth::new("2.weight", 0, 1e-2, 1.0));
    /// let h = History::new("loss", true);
    /// assert!(Doctor::new(&h).health(&log).examine()?.has(Problem::VanishingGradients));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn health(mut self, log: &'a HealthLog) -> Self {
        self.health = Some(log);
        self
    }

    /// The training features (one row per sample; NaN marks a missing value). Copied.
    ///
    /// ```
    /// use tuneup::diagnostics::{doctor::{Doctor, Problem}, history::History};
    /// let x = ndarray::array![[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]];
    /// let h = History::new("loss", true);
    /// assert!(Doctor::new(&h).training_data(&x.view()).examine()?.has(Problem::ConstantFeatures));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn training_data<F: Float>(mut self, x: &ArrayView2<'_, F>) -> Self {
        self.train_x = Some(to_f64(x));
        self
    }

    /// The training class labels (one per training row when features are given).
    ///
    /// ```
    /// use tuneup::diagnostics::{doctor::{Doctor, Problem}, history::History};
    /// let mut labels = vec![0; 95];
    /// labels.extend([1; 5]);
    /// let h = History::new("loss", true);
    /// assert!(Doctor::new(&h).class_labels(&labels).examine()?.has(Problem::ClassImbalance));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn class_labels(mut self, labels: &[usize]) -> Self {
        self.labels = Some(labels.to_vec());
        self
    }

    /// What confident learning found on the training labels
    /// ([`ConfidentLearning::find`](crate::data::ConfidentLearning::find) on out-of-sample
    /// probabilities, e.g. from [`out_of_fold_probabilities`](crate::data::out_of_fold_probabilities)):
    /// a [`Problem::LabelNoise`](super::Problem::LabelNoise) finding when its estimated noise
    /// rate exceeds [`DoctorSettings::label_noise_rate`], with the rate, the flagged rows and
    /// the most common confusion as evidence. The labels must be the training labels given to
    /// [`class_labels`](Self::class_labels), if both are given.
    ///
    /// ```
    /// use tuneup::data::ConfidentLearning;
    /// use tuneup::diagnostics::{doctor::{Doctor, Problem}, history::History};
    /// use ndarray::Array2;
    /// // 20 rows; rows 0 and 1 are labelled 0 but the model is sure they are class 1.
    /// let labels: Vec<usize> = (0..20).map(|i| usize::from(i >= 10)).collect();
    /// let probs = Array2::from_shape_fn((20, 2), |(i, c)| {
    ///     let p1 = if i < 2 || i >= 10 { 0.95 } else { 0.05 };
    ///     if c == 1 { p1 } else { 1.0 - p1 }
    /// });
    /// let found = ConfidentLearning::new().find(&labels, probs.view())?;
    /// let h = History::new("loss", true);
    /// let d = Doctor::new(&h).class_labels(&labels).label_issues(&found).examine()?;
    /// let f = d.get(Problem::LabelNoise).unwrap();
    /// assert!((f.evidence[0].value - 0.1).abs() < 1e-12); // 2 of 20 labels
    /// assert!(f.summary.contains("class 1 labelled as 0"), "{}", f.summary);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn label_issues(mut self, issues: &'a LabelIssues) -> Self {
        self.label_issues = Some(issues);
        self
    }

    /// Regression targets (one row per training sample), for the constant predictor's MSE.
    ///
    /// ```
    /// use tuneup::diagnostics::{doctor::Doctor, history::History};
    /// let y = ndarray::array![[1.0], [3.0]];
    /// let h = History::new("loss", true);
    /// assert!(Doctor::new(&h).regression_targets(&y.view()).examine()?.is_healthy());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn regression_targets<F: Float>(mut self, y: &ArrayView2<'_, F>) -> Self {
        self.targets = Some(to_f64(y));
        self
    }

    /// The loss of the best constant predictor, when known (overrides what labels or targets
    /// give; must be the same loss the History records).
    ///
    /// ```
    /// use tuneup::diagnostics::{doctor::{Doctor, Problem}, history::{EpochRecord, History}};
    /// let mut h = History::new("loss", true);
    /// h.push(EpochRecord { epoch: 0, loss: 0.69, val_loss: None, metrics: vec![], lr: 0.1,
    ///                      grad_norm: 0.1, wall_time: 0.0 });
    /// assert!(Doctor::new(&h).baseline_loss(0.693).examine()?.has(Problem::Underfitting));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn baseline_loss(mut self, loss: f64) -> Self {
        self.baseline = Some(loss);
        self
    }

    /// A test set's features, compared feature by feature with the training features.
    ///
    /// ```
    /// use tuneup::diagnostics::{doctor::{Doctor, Problem}, history::History};
    /// use ndarray::Array2;
    /// let train = Array2::from_shape_fn((300, 1), |(i, _)| (i % 100) as f64);
    /// let test = train.mapv(|v| v + 60.0);
    /// let h = History::new("loss", true);
    /// let d = Doctor::new(&h).training_data(&train.view()).test_data(&test.view()).examine()?;
    /// assert!(d.has(Problem::DistributionShift));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn test_data<F: Float>(mut self, x: &ArrayView2<'_, F>) -> Self {
        self.test_x = Some(to_f64(x));
        self
    }

    /// The test set's class labels, compared with the training labels: a class that appears
    /// only in the test data is one the model never saw.
    ///
    /// ```
    /// use tuneup::diagnostics::{doctor::{Doctor, Problem}, history::History};
    /// let h = History::new("loss", true);
    /// let train = [0, 1, 0, 1, 0, 1];
    /// let d = Doctor::new(&h).class_labels(&train).test_labels(&[0, 2, 1, 2]).examine()?;
    /// assert!(d.has(Problem::UnseenTestClass));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn test_labels(mut self, labels: &[usize]) -> Self {
        self.test_labels = Some(labels.to_vec());
        self
    }

    /// A score measured on the test set.
    ///
    /// ```
    /// use tuneup::diagnostics::{doctor::{Doctor, Problem, TestScore}, history::{EpochRecord, History}};
    /// let mut h = History::new("val_accuracy", false);
    /// h.push(EpochRecord { epoch: 0, loss: 0.2, val_loss: None, metrics: vec![("val_accuracy".into(), 0.95)],
    ///                      lr: 0.1, grad_norm: 0.1, wall_time: 0.0 });
    /// let d = Doctor::new(&h).test_score(TestScore::higher_is_better("accuracy", 0.6)).examine()?;
    /// assert!(d.has(Problem::PoorGeneralization));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn test_score(mut self, score: TestScore) -> Self {
        self.test_score = Some(score);
        self
    }

    /// The constant predictor's loss and where it came from.
    fn baseline(&self) -> Option<(f64, BaselineSource)> {
        if let Some(b) = self.baseline {
            return Some((b, BaselineSource::Given));
        }
        if let Some(labels) = &self.labels {
            if !labels.is_empty() {
                let n = labels.len() as f64;
                let h: f64 = data_checks::class_counts(labels)
                    .iter()
                    .map(|&(_, c)| {
                        let p = c as f64 / n;
                        -p * p.ln()
                    })
                    .sum();
                return Some((h, BaselineSource::ClassPrior));
            }
        }
        if let Some(y) = &self.targets {
            if y.nrows() > 0 && y.ncols() > 0 {
                let v = y.var_axis(ndarray::Axis(0), 0.0).mean().unwrap_or(f64::NAN);
                if v.is_finite() {
                    return Some((v, BaselineSource::TargetVariance));
                }
            }
        }
        let first = self.history.epochs().first()?.loss;
        first
            .is_finite()
            .then_some((first, BaselineSource::FirstEpoch))
    }

    /// One target value per row for the leakage check: a single regression target, or binary
    /// class labels as 0 / 1 (the index of several classes has no order to correlate with).
    fn single_target(&self) -> Option<Vec<f64>> {
        if let Some(l) = &self.labels {
            let binary = l.iter().all(|&c| c < 2);
            return binary.then(|| l.iter().map(|&c| c as f64).collect());
        }
        let y = self.targets.as_ref().filter(|y| y.ncols() == 1)?;
        Some(y.column(0).to_vec())
    }

    fn check_shapes(&self) -> Result<()> {
        if let (Some(x), Some(l)) = (&self.train_x, &self.labels) {
            if x.nrows() != l.len() {
                return Err(Error::shape(
                    "Doctor (class labels)",
                    format!("{} labels, one per training row", x.nrows()),
                    format!("{} labels", l.len()),
                ));
            }
        }
        if let (Some(x), Some(y)) = (&self.train_x, &self.targets) {
            if x.nrows() != y.nrows() {
                return Err(Error::shape(
                    "Doctor (regression targets)",
                    format!("{} target rows, one per training row", x.nrows()),
                    format!("{} rows", y.nrows()),
                ));
            }
        }
        if let (Some(x), Some(t)) = (&self.train_x, &self.test_x) {
            if x.ncols() != t.ncols() {
                return Err(Error::shape(
                    "Doctor (test data)",
                    format!("test data with {} columns, as the training data", x.ncols()),
                    format!("{} columns", t.ncols()),
                ));
            }
        }
        if let (Some(issues), Some(l)) = (self.label_issues, &self.labels) {
            if issues.is_issue().len() != l.len() {
                return Err(Error::shape(
                    "Doctor (label issues)",
                    format!("label issues of the {} class labels", l.len()),
                    format!("issues of {} rows", issues.is_issue().len()),
                ));
            }
        }
        if let (Some(t), Some(l)) = (&self.test_x, &self.test_labels) {
            if t.nrows() != l.len() {
                return Err(Error::shape(
                    "Doctor (test labels)",
                    format!("{} labels, one per test row", t.nrows()),
                    format!("{} labels", l.len()),
                ));
            }
        }
        if self.test_labels.is_some() && self.labels.is_none() {
            return Err(Error::value(
                "Doctor (test labels)",
                "training labels to compare the test labels with (Doctor::class_labels)",
                "test labels only",
            ));
        }
        if self.test_x.is_some() && self.train_x.is_none() {
            return Err(Error::value(
                "Doctor (test data)",
                "training data to compare the test data with (Doctor::training_data)",
                "test data only",
            ));
        }
        Ok(())
    }

    /// Runs every check the evidence allows and returns the findings, most severe first. A
    /// healthy run gives an empty [`Diagnosis`].
    ///
    /// When the run diverged, the other loss-curve checks are skipped (their numbers are
    /// meaningless). An underfitting run that is still flat at the end is reported as
    /// underfitting only, not also as a plateau.
    ///
    /// # Errors
    /// [`Error::Shape`] when labels, targets or test data do not match the training data;
    /// [`Error::Value`] for test data without training data, or a test score whose
    /// validation counterpart the History lacks.
    ///
    /// ```
    /// use tuneup::diagnostics::{doctor::{Doctor, Problem}, history::{EpochRecord, History, StopReason}};
    /// let mut h = History::new("loss", true);
    /// h.push(EpochRecord { epoch: 0, loss: 2.0, val_loss: None, metrics: vec![], lr: 10.0,
    ///                      grad_norm: 50.0, wall_time: 0.0 });
    /// h.set_stop_reason(StopReason::Diverged { epoch: 1, batch: 0, value: f64::NAN, what: "loss".into() });
    /// let d = Doctor::new(&h).examine()?;
    /// assert_eq!(d.findings[0].problem, Problem::Divergence);
    /// assert!(d.to_string().contains("[critical] divergence"));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn examine(&self) -> Result<Diagnosis> {
        self.check_shapes()?;
        let s = &self.settings;
        let h = self.history;
        let mut findings = Vec::new();
        let baseline = self.baseline();
        let majority = self.labels.as_ref().filter(|l| !l.is_empty()).map(|l| {
            let counts = data_checks::class_counts(l);
            counts.iter().map(|c| c.1).max().unwrap_or(0) as f64 / l.len() as f64
        });

        if let Some(f) = curves::divergence(h, s) {
            findings.push(f);
        } else {
            findings.extend(curves::oscillation(h, s, baseline.map(|b| b.0)));
            findings.extend(curves::overfitting(h, s));
            let under = curves::underfitting(h, s, baseline, majority);
            let plateau = curves::plateau(h, s, baseline.map(|b| b.0));
            let underfit = under.is_some();
            findings.extend(under);
            if let Some((f, escaped)) = plateau {
                if escaped || !underfit {
                    findings.push(f);
                }
            }
        }
        findings.extend(gradients::gradients(h, self.health, s));
        findings.extend(gradients::units(self.health, s));
        findings.extend(learning_signal::no_learning_signal(self.health));
        findings.extend(learning_signal::nothing_trainable(h, self.health));
        ranking::rank_by_evidence(&mut findings, h, self.health);
        if let Some(score) = &self.test_score {
            findings.extend(data_checks::generalization(h, score, s)?);
        }
        if let (Some(x), Some(t)) = (&self.train_x, &self.test_x) {
            findings.extend(data_checks::shift(&x.view(), &t.view(), s));
            findings.extend(data_checks::overlap(&x.view(), &t.view(), s)?);
        }
        if let Some(x) = &self.train_x {
            findings.extend(data_checks::defects(&x.view(), s));
            if let Some(target) = self.single_target() {
                findings.extend(leakage::target_leakage(&x.view(), &target));
            }
        }
        if let Some(l) = &self.labels {
            findings.extend(data_checks::imbalance(l, s));
            if let Some(t) = &self.test_labels {
                findings.extend(data_checks::unseen_test_classes(l, t));
            }
        }
        if let Some(issues) = self.label_issues {
            findings.extend(label_noise::label_noise(issues, s));
        }
        // Stable: equal severities keep the order the checks ran in.
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        Ok(Diagnosis { findings })
    }
}
