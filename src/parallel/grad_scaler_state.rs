//! The exported state of a [`GradScaler`](super::GradScaler), for checkpoints.

use serde_json::{json, Value};

use crate::{Error, Result};

/// What a [`GradScaler`](super::GradScaler) needs to resume exactly: PyTorch's
/// `GradScaler.state_dict()` entries (`scale`, `growth_factor`, `backoff_factor`,
/// `growth_interval`, `_growth_tracker`). [`to_json`](GradScalerState::to_json) writes them
/// under those names, so a checkpoint's scaler state reads like PyTorch's.
///
/// ```
/// use tuneup::parallel::{GradScaler, GradScalerState};
/// let state = GradScaler::new().state();
/// let json = state.to_json();
/// assert!(json.contains("\"_growth_tracker\":0"));
/// assert_eq!(GradScalerState::from_json(&json)?, state);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradScalerState {
    /// The current scale (an `f32` value, widened exactly).
    pub scale: f64,
    /// The growth factor.
    pub growth_factor: f64,
    /// The backoff factor.
    pub backoff_factor: f64,
    /// Clean steps in a row that make the scale grow.
    pub growth_interval: u32,
    /// Clean steps in a row so far.
    pub growth_tracker: u32,
}

impl GradScalerState {
    /// The state as a JSON object with PyTorch's `state_dict` keys; floats in shortest
    /// round-trip form, so reading it back gives the same bits.
    ///
    /// ```
    /// let json = tuneup::parallel::GradScaler::new().state().to_json();
    /// assert!(json.contains("\"scale\":65536.0"));
    /// ```
    pub fn to_json(&self) -> String {
        json!({
            "scale": self.scale,
            "growth_factor": self.growth_factor,
            "backoff_factor": self.backoff_factor,
            "growth_interval": self.growth_interval,
            "_growth_tracker": self.growth_tracker,
        })
        .to_string()
    }

    /// Reads [`to_json`](GradScalerState::to_json)'s form (or a PyTorch `state_dict` dumped as
    /// JSON). A missing or mistyped entry is an [`Error::Value`] naming it.
    ///
    /// ```
    /// let e = tuneup::parallel::GradScalerState::from_json("{\"scale\": 2.0}").unwrap_err();
    /// assert!(e.to_string().contains("growth_factor"));
    /// ```
    pub fn from_json(text: &str) -> Result<GradScalerState> {
        const WHERE: &str = "GradScalerState::from_json";
        let v: Value = serde_json::from_str(text)
            .map_err(|e| Error::value(WHERE, "a JSON object", e.to_string()))?;
        let float = |key: &str| {
            v.get(key).and_then(Value::as_f64).ok_or_else(|| {
                Error::value(WHERE, format!("a number under \"{key}\""), text_of(&v, key))
            })
        };
        let count = |key: &str| {
            v.get(key)
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    Error::value(
                        WHERE,
                        format!("a count in [0, 2³²) under \"{key}\""),
                        text_of(&v, key),
                    )
                })
        };
        Ok(GradScalerState {
            scale: float("scale")?,
            growth_factor: float("growth_factor")?,
            backoff_factor: float("backoff_factor")?,
            growth_interval: count("growth_interval")?,
            growth_tracker: count("_growth_tracker")?,
        })
    }
}

/// The entry under `key`, as found, for an error message.
fn text_of(v: &Value, key: &str) -> String {
    v.get(key)
        .map_or_else(|| "nothing".to_string(), |x| x.to_string())
}
