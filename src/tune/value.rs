//! One hyperparameter value: an integer, a float, a string or a boolean.

use std::fmt;

/// The value a trial holds for one hyperparameter.
///
/// Integers come from integer ranges, floats from float ranges, and any of the four from a
/// categorical choice.
///
/// ```
/// use tuneup::tune::ParamValue;
/// assert_eq!(ParamValue::from(3).to_string(), "3");
/// assert_eq!(ParamValue::from("sgd").to_string(), "sgd");
/// assert_eq!(ParamValue::from(0.5).as_f64(), Some(0.5));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(untagged))]
pub enum ParamValue {
    /// A boolean choice.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A named choice.
    Str(String),
}

impl ParamValue {
    /// The value as a float: floats as they are, integers converted; `None` otherwise.
    ///
    /// ```
    /// use tuneup::tune::ParamValue;
    /// assert_eq!(ParamValue::Int(4).as_f64(), Some(4.0));
    /// assert_eq!(ParamValue::from("adam").as_f64(), None);
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ParamValue::Float(v) => Some(*v),
            ParamValue::Int(v) => Some(*v as f64),
            _ => None,
        }
    }

    /// The kind of value, for error messages: `"bool"`, `"int"`, `"float"` or `"string"`.
    ///
    /// ```
    /// assert_eq!(tuneup::tune::ParamValue::Bool(true).kind(), "bool");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            ParamValue::Bool(_) => "bool",
            ParamValue::Int(_) => "int",
            ParamValue::Float(_) => "float",
            ParamValue::Str(_) => "string",
        }
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Bool(v) => write!(f, "{v}"),
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Float(v) => write!(f, "{v}"),
            ParamValue::Str(v) => write!(f, "{v}"),
        }
    }
}

impl From<bool> for ParamValue {
    fn from(v: bool) -> Self {
        ParamValue::Bool(v)
    }
}

impl From<i64> for ParamValue {
    fn from(v: i64) -> Self {
        ParamValue::Int(v)
    }
}

impl From<i32> for ParamValue {
    fn from(v: i32) -> Self {
        ParamValue::Int(i64::from(v))
    }
}

impl From<f64> for ParamValue {
    fn from(v: f64) -> Self {
        ParamValue::Float(v)
    }
}

impl From<&str> for ParamValue {
    fn from(v: &str) -> Self {
        ParamValue::Str(v.to_string())
    }
}

impl From<String> for ParamValue {
    fn from(v: String) -> Self {
        ParamValue::Str(v)
    }
}
