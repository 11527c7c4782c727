//! Per-layer health statistics over epochs: the plain record a callback fills and the doctor
//! reads.

/// One parameter's (or layer's) health at the end of one epoch.
///
/// `layer` is the parameter's name as the model's visitor gives it (`"0.weight"`), so the
/// doctor can order layers from input to output. Activation statistics belong to the layer
/// that produces the activations; a record that does not know them leaves them `None`.
///
/// ```
/// use tuneup::diagnostics::doctor::LayerHealth;
/// let h = LayerHealth::new("0.weight", 3, 0.02, 1.5);
/// assert_eq!(h.epoch, 3);
/// assert_eq!(h.dead_fraction, None);
/// let h = h.with_dead_fraction(0.25).with_update_ratio(1e-3);
/// assert_eq!(h.dead_fraction, Some(0.25));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LayerHealth {
    /// The parameter's (or layer's) name, e.g. `"0.weight"`.
    pub layer: String,
    /// The epoch (from 0) these statistics were measured in.
    pub epoch: usize,
    /// L2 norm of the parameter's gradient (the last step of the epoch, or a mean over it).
    pub grad_norm: f64,
    /// L2 norm of the parameter's value.
    pub weight_norm: f64,
    /// `‖Δw‖ / ‖w‖` of the last optimizer step (about `1e-3` is typical), if measured.
    pub update_ratio: Option<f64>,
    /// Fraction of the layer's units whose output was 0 for every sample (dead ReLU units; see
    /// [`dead_fraction`](crate::diagnostics::health::dead_fraction)).
    pub dead_fraction: Option<f64>,
    /// Fraction of the layer's sigmoid / tanh units that are saturated (stuck near their
    /// bounds; see [`saturated_fraction`](crate::diagnostics::health::saturated_fraction)).
    pub saturated_fraction: Option<f64>,
}

impl LayerHealth {
    /// A record with gradient and weight norms only.
    ///
    /// ```
    /// let h = tuneup::diagnostics::doctor::LayerHealth::new("2.weight", 0, 0.5, 3.0);
    /// assert_eq!(h.weight_norm, 3.0);
    /// ```
    pub fn new(layer: impl Into<String>, epoch: usize, grad_norm: f64, weight_norm: f64) -> Self {
        LayerHealth {
            layer: layer.into(),
            epoch,
            grad_norm,
            weight_norm,
            update_ratio: None,
            dead_fraction: None,
            saturated_fraction: None,
        }
    }

    /// Sets the update ratio `‖Δw‖ / ‖w‖`.
    ///
    /// ```
    /// let h = tuneup::diagnostics::doctor::LayerHealth::new("0.weight", 0, 1.0, 1.0).with_update_ratio(0.01);
    /// assert_eq!(h.update_ratio, Some(0.01));
    /// ```
    pub fn with_update_ratio(mut self, ratio: f64) -> Self {
        self.update_ratio = Some(ratio);
        self
    }

    /// Sets the fraction of dead units.
    ///
    /// ```
    /// let h = tuneup::diagnostics::doctor::LayerHealth::new("0.weight", 0, 1.0, 1.0).with_dead_fraction(0.5);
    /// assert_eq!(h.dead_fraction, Some(0.5));
    /// ```
    pub fn with_dead_fraction(mut self, fraction: f64) -> Self {
        self.dead_fraction = Some(fraction);
        self
    }

    /// Sets the fraction of saturated units.
    ///
    /// ```
    /// let h = tuneup::diagnostics::doctor::LayerHealth::new("0.weight", 0, 1.0, 1.0).with_saturated_fraction(0.9);
    /// assert_eq!(h.saturated_fraction, Some(0.9));
    /// ```
    pub fn with_saturated_fraction(mut self, fraction: f64) -> Self {
        self.saturated_fraction = Some(fraction);
        self
    }
}

/// Every [`LayerHealth`] record of a run, in the order they were pushed (within an epoch,
/// from the input layer to the output layer).
///
/// ```
/// use tuneup::diagnostics::doctor::{HealthLog, LayerHealth};
/// let mut log = HealthLog::new();
/// log.push(LayerHealth::new("0.weight", 0, 1e-9, 1.0));
/// log.push(LayerHealth::new("2.weight", 0, 0.1, 1.0));
/// log.push(LayerHealth::new("0.weight", 1, 2e-9, 1.0));
/// assert_eq!(log.last_epoch(), Some(1));
/// assert_eq!(log.epoch(0).len(), 2);
/// assert_eq!(log.layers(), vec!["0.weight".to_string(), "2.weight".to_string()]);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HealthLog {
    records: Vec<LayerHealth>,
}

impl HealthLog {
    /// An empty log.
    ///
    /// ```
    /// assert!(tuneup::diagnostics::doctor::HealthLog::new().is_empty());
    /// ```
    pub fn new() -> Self {
        HealthLog::default()
    }

    /// Appends a record.
    ///
    /// ```
    /// let mut log = tuneup::diagnostics::doctor::HealthLog::new();
    /// log.push(tuneup::diagnostics::doctor::LayerHealth::new("0.weight", 0, 1.0, 1.0));
    /// assert_eq!(log.len(), 1);
    /// ```
    pub fn push(&mut self, record: LayerHealth) {
        self.records.push(record);
    }

    /// Every record, in push order.
    ///
    /// ```
    /// assert!(tuneup::diagnostics::doctor::HealthLog::new().records().is_empty());
    /// ```
    pub fn records(&self) -> &[LayerHealth] {
        &self.records
    }

    /// Number of records.
    ///
    /// ```
    /// assert_eq!(tuneup::diagnostics::doctor::HealthLog::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when no record was pushed.
    ///
    /// ```
    /// assert!(tuneup::diagnostics::doctor::HealthLog::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The latest epoch with a record.
    ///
    /// ```
    /// assert_eq!(tuneup::diagnostics::doctor::HealthLog::new().last_epoch(), None);
    /// ```
    pub fn last_epoch(&self) -> Option<usize> {
        self.records.iter().map(|r| r.epoch).max()
    }

    /// The records of one epoch, in push order.
    ///
    /// ```
    /// use tuneup::diagnostics::doctor::{HealthLog, LayerHealth};
    /// let mut log = HealthLog::new();
    /// log.push(LayerHealth::new("0.weight", 4, 1.0, 1.0));
    /// assert_eq!(log.epoch(4)[0].layer, "0.weight");
    /// assert!(log.epoch(3).is_empty());
    /// ```
    pub fn epoch(&self, epoch: usize) -> Vec<&LayerHealth> {
        self.records.iter().filter(|r| r.epoch == epoch).collect()
    }

    /// The distinct layer names, in order of first appearance.
    ///
    /// ```
    /// use tuneup::diagnostics::doctor::{HealthLog, LayerHealth};
    /// let mut log = HealthLog::new();
    /// log.push(LayerHealth::new("a", 0, 1.0, 1.0));
    /// log.push(LayerHealth::new("a", 1, 1.0, 1.0));
    /// assert_eq!(log.layers(), vec!["a".to_string()]);
    /// ```
    pub fn layers(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for r in &self.records {
            if !names.contains(&r.layer) {
                names.push(r.layer.clone());
            }
        }
        names
    }
}
