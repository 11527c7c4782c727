//! Every threshold the doctor uses, with its default and the reason for it.

use crate::{Error, Result};

/// The doctor's thresholds. `Default` gives values chosen so that a healthy run on easy data
/// raises nothing while the textbook failure of each problem is caught; each field says why.
///
/// ```
/// use tuneup::diagnostics::doctor::DoctorSettings;
/// let s = DoctorSettings { overfit_window: 3, ..Default::default() };
/// assert!(s.validate().is_ok());
/// assert!(DoctorSettings { psi_bins: 1, ..Default::default() }.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DoctorSettings {
    /// Epochs at the end of the run over which validation loss must rise and training loss
    /// fall to call overfitting. Default 5: fewer epochs confuse noise with a trend.
    pub overfit_window: usize,
    /// How far the final validation loss must be above its minimum, relative to that minimum.
    /// Default 0.1 (10 %): smaller rises are within epoch-to-epoch noise.
    pub overfit_rise: f64,
    /// Train/validation gap `(val − train) / val` at the end that counts as overfitting on its
    /// own. Default 0.5: validation loss twice the training loss.
    pub overfit_gap_ratio: f64,
    /// Smallest absolute gap `val − train` for the gap rule. Default 0.1: on easy data both
    /// losses are near 0 and their ratio means nothing.
    pub overfit_min_gap: f64,
    /// Underfitting when the best training loss is at least this fraction of the constant
    /// predictor's loss. Default 0.8: a model that explains under 20 % of the loss learned
    /// little beyond the prior.
    pub underfit_loss_ratio: f64,
    /// Underfitting when the best accuracy beats the majority-class rate by less than this,
    /// or by less than half the headroom `1 − majority` when that is smaller (a 97% majority
    /// asks for 1.5 points). Default 0.05 (5 points).
    pub underfit_accuracy_margin: f64,
    /// Epochs over which the loss must barely improve to call a plateau. Default 10: long
    /// enough that a slow phase of a healthy run does not count.
    pub plateau_window: usize,
    /// Relative improvement of the best loss over the window below which the loss is flat.
    /// Default 1e-2 (1 % in `plateau_window` epochs): far from the floor, a healthy run
    /// improves by far more than that.
    pub plateau_epsilon: f64,
    /// A flat loss counts as a plateau only while it is above this fraction of the constant
    /// predictor's loss (far from its floor; a converged run is flat near its floor).
    /// Default 0.5.
    pub plateau_floor_ratio: f64,
    /// The loss is exploding when it exceeds this multiple of the first epoch's loss.
    /// Default 10: no sane run ends ten times worse than it began.
    pub explode_factor: f64,
    /// Fraction of sign changes of successive loss differences that marks oscillation.
    /// Default 0.5: a descending run changes sign rarely, an oscillating one about every epoch.
    pub oscillation_sign_changes: f64,
    /// Mean absolute loss change relative to the mean loss that marks oscillation. Default
    /// 0.1: small wiggles near convergence are noise, not a too-high learning rate.
    pub oscillation_amplitude: f64,
    /// Epochs at the end of the run examined for oscillation. Default 10.
    pub oscillation_window: usize,
    /// The mean loss change must also exceed this fraction of the reference loss (the
    /// constant predictor's, else the first epoch's). Default 1e-3: a loss wiggling by
    /// 20% of 1e-7 near the floor is rounding, not a too-high learning rate.
    pub oscillation_floor: f64,
    /// Vanishing gradients when the first weight's gradient norm is below this fraction of
    /// the last weight's. Default 1e-3: three orders of magnitude across the depth.
    pub vanishing_ratio: f64,
    /// Exploding gradients when the first weight's gradient norm is above this multiple of the
    /// last weight's. Default 1e3.
    pub exploding_ratio: f64,
    /// Exploding gradients when any gradient norm (per layer or global) exceeds this. Default
    /// 1e3: healthy runs on scaled data stay far below.
    pub exploding_grad_norm: f64,
    /// Dead units when a layer has at least this fraction of units that never fire. Default
    /// 0.5: a few dead units are normal, half a layer is wasted capacity.
    pub dead_fraction: f64,
    /// Saturated units when at least this fraction of a layer's sigmoid / tanh units are
    /// saturated. Default 0.5: half a layer that passes almost no gradient.
    pub saturated_fraction: f64,
    /// Poor generalisation when the test score is worse than the validation score by more
    /// than this fraction of the validation score. Default 0.1.
    pub generalization_gap: f64,
    /// ... and by more than this in absolute terms. Default 0.05: on small test sets a loss
    /// near 0 moves by more than 10% between samples (0.06 against 0.09 on iris means
    /// nothing), as does an accuracy by a point or two.
    pub generalization_min_gap: f64,
    /// Number of quantile bins for the population stability index. Default 10 (deciles, the
    /// usual choice).
    pub psi_bins: usize,
    /// Proportion used in place of an empty bin's 0, so `ln(q/p)` stays finite. Default 1e-4:
    /// small enough not to matter for a filled bin, and the usual choice.
    pub psi_epsilon: f64,
    /// A feature has shifted when its PSI exceeds this. Default 0.25 (the rule of thumb:
    /// below 0.1 stable, 0.1–0.25 moderate, above 0.25 significant).
    pub psi_threshold: f64,
    /// ...and its Kolmogorov–Smirnov p-value is below this divided by the number of features
    /// (Bonferroni: the finding is that some feature shifted). Default 0.01: PSI alone is
    /// biased upwards on small samples, the KS test guards against chance.
    pub ks_alpha: f64,
    /// Missing values are reported when any column has more than this fraction of NaN.
    /// Default 0: any NaN breaks training.
    pub missing_fraction: f64,
    /// Modified z-score (Iglewicz–Hoaglin) above which a value is an outlier, on both the
    /// column's linear and skew-corrected (log-tail) scales. Default 10: clean real data with
    /// heavy tails reaches about 8 (scikit-learn's breast cancer set), while sentinels, unit
    /// slips and typos score in the tens to thousands (3.5 is the classic flag for Gaussian
    /// data, which real measurements rarely are).
    pub outlier_z: f64,
    /// Outliers are reported when more than this fraction of rows has one. Default 0.001:
    /// any on small data, more than one row in a thousand on large data.
    pub outlier_fraction: f64,
    /// Class imbalance when the rarest class is below this fraction of the most common one.
    /// Default 0.2 (1:5).
    pub imbalance_ratio: f64,
    /// Duplicate rows are reported above this fraction of rows. Default 0.01.
    pub duplicate_fraction: f64,
    /// Test rows that repeat a training row are reported above this fraction of the test
    /// rows. Default 0.05: clean tabular data repeats a row now and then (iris holds one
    /// duplicate pair, so one test row of 30 may repeat a training row by chance), while
    /// splitting data that was duplicated before the split puts about the duplicated share
    /// of the test rows on both sides.
    pub overlap_fraction: f64,
    /// Label noise is reported when confident learning estimates more than this fraction of
    /// the labels are wrong. Default 0.05: measured with a 64-unit network's 5-fold
    /// probabilities, clean well-separated data estimates 0–3% (make_classification with
    /// class_sep 2: 1.1%; moons with noise 0.1 / 0.3: 0% / 3%) and 10% of labels flipped
    /// estimates 9–13%. Classes that overlap also raise the estimate (class_sep 1: 10%, 0.5:
    /// 25% on clean labels): the rows deep in the other class's region look mislabelled.
    pub label_noise_rate: f64,
}

impl Default for DoctorSettings {
    fn default() -> Self {
        DoctorSettings {
            overfit_window: 5,
            overfit_rise: 0.1,
            overfit_gap_ratio: 0.5,
            overfit_min_gap: 0.1,
            underfit_loss_ratio: 0.8,
            underfit_accuracy_margin: 0.05,
            plateau_window: 10,
            plateau_epsilon: 1e-2,
            plateau_floor_ratio: 0.5,
            explode_factor: 10.0,
            oscillation_sign_changes: 0.5,
            oscillation_amplitude: 0.1,
            oscillation_window: 10,
            oscillation_floor: 1e-3,
            vanishing_ratio: 1e-3,
            exploding_ratio: 1e3,
            exploding_grad_norm: 1e3,
            dead_fraction: 0.5,
            saturated_fraction: 0.5,
            generalization_gap: 0.1,
            generalization_min_gap: 0.05,
            psi_bins: 10,
            psi_epsilon: 1e-4,
            psi_threshold: 0.25,
            ks_alpha: 0.01,
            missing_fraction: 0.0,
            outlier_z: 10.0,
            outlier_fraction: 0.001,
            imbalance_ratio: 0.2,
            duplicate_fraction: 0.01,
            overlap_fraction: 0.05,
            label_noise_rate: 0.05,
        }
    }
}

impl DoctorSettings {
    /// Checks every setting: windows at least 2, `psi_bins` at least 2, fractions in `[0, 1]`,
    /// positive finite thresholds; else [`Error::Config`] naming the field.
    ///
    /// ```
    /// use tuneup::diagnostics::doctor::DoctorSettings;
    /// let bad = DoctorSettings { ks_alpha: 2.0, ..Default::default() };
    /// assert!(matches!(bad.validate(), Err(tuneup::Error::Config { .. })));
    /// ```
    pub fn validate(&self) -> Result<()> {
        let windows = [
            ("DoctorSettings.overfit_window", self.overfit_window),
            ("DoctorSettings.plateau_window", self.plateau_window),
            ("DoctorSettings.oscillation_window", self.oscillation_window),
            ("DoctorSettings.psi_bins", self.psi_bins),
        ];
        for (name, v) in windows {
            if v < 2 {
                return Err(Error::config(name, v, "at least 2"));
            }
        }
        let fractions = [
            ("DoctorSettings.overfit_gap_ratio", self.overfit_gap_ratio),
            (
                "DoctorSettings.underfit_loss_ratio",
                self.underfit_loss_ratio,
            ),
            (
                "DoctorSettings.underfit_accuracy_margin",
                self.underfit_accuracy_margin,
            ),
            (
                "DoctorSettings.plateau_floor_ratio",
                self.plateau_floor_ratio,
            ),
            (
                "DoctorSettings.oscillation_sign_changes",
                self.oscillation_sign_changes,
            ),
            ("DoctorSettings.oscillation_floor", self.oscillation_floor),
            ("DoctorSettings.dead_fraction", self.dead_fraction),
            ("DoctorSettings.saturated_fraction", self.saturated_fraction),
            ("DoctorSettings.psi_epsilon", self.psi_epsilon),
            ("DoctorSettings.ks_alpha", self.ks_alpha),
            ("DoctorSettings.missing_fraction", self.missing_fraction),
            ("DoctorSettings.outlier_fraction", self.outlier_fraction),
            ("DoctorSettings.imbalance_ratio", self.imbalance_ratio),
            ("DoctorSettings.duplicate_fraction", self.duplicate_fraction),
            ("DoctorSettings.overlap_fraction", self.overlap_fraction),
            ("DoctorSettings.label_noise_rate", self.label_noise_rate),
        ];
        for (name, v) in fractions {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::config(name, v, "a fraction in [0, 1]"));
            }
        }
        let positives = [
            ("DoctorSettings.overfit_rise", self.overfit_rise),
            ("DoctorSettings.overfit_min_gap", self.overfit_min_gap),
            ("DoctorSettings.plateau_epsilon", self.plateau_epsilon),
            ("DoctorSettings.explode_factor", self.explode_factor),
            (
                "DoctorSettings.oscillation_amplitude",
                self.oscillation_amplitude,
            ),
            ("DoctorSettings.vanishing_ratio", self.vanishing_ratio),
            ("DoctorSettings.exploding_ratio", self.exploding_ratio),
            (
                "DoctorSettings.exploding_grad_norm",
                self.exploding_grad_norm,
            ),
            ("DoctorSettings.generalization_gap", self.generalization_gap),
            (
                "DoctorSettings.generalization_min_gap",
                self.generalization_min_gap,
            ),
            ("DoctorSettings.psi_threshold", self.psi_threshold),
            ("DoctorSettings.outlier_z", self.outlier_z),
        ];
        for (name, v) in positives {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::config(name, v, "a finite positive number"));
            }
        }
        if self.psi_epsilon == 0.0 {
            return Err(Error::config(
                "DoctorSettings.psi_epsilon",
                self.psi_epsilon,
                "a positive fraction (it replaces empty bins' 0)",
            ));
        }
        Ok(())
    }
}
