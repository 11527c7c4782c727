//! The values one trial holds, read by name.

use super::ParamValue;
use crate::{Error, Result};

/// The hyperparameter values of one trial, in the search space's order. Parameters whose
/// condition is false are absent.
///
/// Reading a name the trial does not hold is an [`Error::Value`] naming the names it holds;
/// reading a value as the wrong kind (a string as a float) is one too.
///
/// ```
/// use tuneup::tune::{Params, ParamValue};
/// let p = Params::from_pairs([("lr", ParamValue::from(0.01)), ("opt", "adam".into())]);
/// assert_eq!(p.f64("lr")?, 0.01);
/// assert_eq!(p.str("opt")?, "adam");
/// assert!(p.f64("momentum").is_err());
/// assert!(p.f64("opt").is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Params {
    values: Vec<(String, ParamValue)>,
}

impl Params {
    /// Params from `(name, value)` pairs, in that order.
    ///
    /// ```
    /// let p = tuneup::tune::Params::from_pairs([("k", 3.into())]);
    /// assert_eq!(p.len(), 1);
    /// ```
    pub fn from_pairs<S: Into<String>>(pairs: impl IntoIterator<Item = (S, ParamValue)>) -> Self {
        Params {
            values: pairs.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        }
    }

    /// The `(name, value)` pairs, in the search space's order.
    ///
    /// ```
    /// let p = tuneup::tune::Params::from_pairs([("k", 3.into())]);
    /// assert_eq!(p.iter().next().unwrap().0, "k");
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The number of values held.
    ///
    /// ```
    /// assert_eq!(tuneup::tune::Params::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no value is held.
    ///
    /// ```
    /// assert!(tuneup::tune::Params::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value called `name`, if held.
    ///
    /// ```
    /// let p = tuneup::tune::Params::from_pairs([("k", 3.into())]);
    /// assert!(p.lookup("k").is_some() && p.lookup("j").is_none());
    /// ```
    pub fn lookup(&self, name: &str) -> Option<&ParamValue> {
        self.values.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The value called `name`, or an error naming the values held.
    ///
    /// ```
    /// let p = tuneup::tune::Params::from_pairs([("k", 3.into())]);
    /// assert_eq!(p.get("k")?, &tuneup::tune::ParamValue::Int(3));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn get(&self, name: &str) -> Result<&ParamValue> {
        self.lookup(name).ok_or_else(|| {
            let held: Vec<&str> = self.values.iter().map(|(k, _)| k.as_str()).collect();
            Error::value(
                "Trial params",
                format!("one of the names the trial holds ({})", held.join(", ")),
                format!("'{name}'"),
            )
        })
    }

    /// The value called `name` as a float (an integer is converted).
    ///
    /// ```
    /// let p = tuneup::tune::Params::from_pairs([("k", 3.into())]);
    /// assert_eq!(p.f64("k")?, 3.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn f64(&self, name: &str) -> Result<f64> {
        let v = self.get(name)?;
        v.as_f64().ok_or_else(|| kind_error(name, "a number", v))
    }

    /// The value called `name` as an integer.
    ///
    /// ```
    /// let p = tuneup::tune::Params::from_pairs([("k", 3.into())]);
    /// assert_eq!(p.i64("k")?, 3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn i64(&self, name: &str) -> Result<i64> {
        match self.get(name)? {
            ParamValue::Int(v) => Ok(*v),
            v => Err(kind_error(name, "an int", v)),
        }
    }

    /// The value called `name` as a non-negative integer (a layer width, a batch size).
    ///
    /// ```
    /// let p = tuneup::tune::Params::from_pairs([("k", (-1).into())]);
    /// assert!(p.usize("k").is_err());
    /// ```
    pub fn usize(&self, name: &str) -> Result<usize> {
        let v = self.i64(name)?;
        usize::try_from(v)
            .map_err(|_| Error::value(format!("Trial param '{name}'"), "an int ≥ 0", v))
    }

    /// The value called `name` as a string.
    ///
    /// ```
    /// let p = tuneup::tune::Params::from_pairs([("opt", "sgd".into())]);
    /// assert_eq!(p.str("opt")?, "sgd");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn str(&self, name: &str) -> Result<&str> {
        match self.get(name)? {
            ParamValue::Str(v) => Ok(v),
            v => Err(kind_error(name, "a string", v)),
        }
    }

    /// The value called `name` as a boolean.
    ///
    /// ```
    /// let p = tuneup::tune::Params::from_pairs([("bn", true.into())]);
    /// assert!(p.bool("bn")?);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn bool(&self, name: &str) -> Result<bool> {
        match self.get(name)? {
            ParamValue::Bool(v) => Ok(*v),
            v => Err(kind_error(name, "a bool", v)),
        }
    }

    pub(crate) fn push(&mut self, name: &str, value: ParamValue) {
        self.values.push((name.to_string(), value));
    }
}

fn kind_error(name: &str, expected: &str, found: &ParamValue) -> Error {
    Error::value(
        format!("Trial param '{name}'"),
        expected,
        format!("{} {found}", found.kind()),
    )
}
