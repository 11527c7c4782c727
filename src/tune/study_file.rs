//! Saving a study to a JSON file and loading it back to go on searching.

use std::path::Path;

use serde_json::{json, Map, Value};

use super::{ParamValue, Params, Study, TrialRecord, TrialState};
use crate::{Error, Result};

const FORMAT: &str = "tuneup-study-1";

impl Study {
    /// Writes the study's settings that decide its outcome (seed, wave size, directions) and
    /// every trial record to `path` as JSON. Floats are written so that they read back
    /// bit-identical.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written.
    ///
    /// ```
    /// use tuneup::tune::{SearchSpace, Study};
    /// let path = std::env::temp_dir().join("tuneup-doc-study-save.json");
    /// let space = || SearchSpace::builder().float("x", 0.0, 1.0).build();
    /// let mut a = Study::builder(space()?).seed(5).build()?;
    /// a.optimize(6, |t| t.params().f64("x"))?;
    /// a.save(&path)?;
    /// let mut b = Study::builder(space()?).seed(5).build()?;
    /// b.load(&path)?;
    /// assert_eq!(a.trials(), b.trials());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let doc = json!({
            "format": FORMAT,
            "seed": self.seed,
            "wave_size": self.wave_size,
            "directions": self.directions.iter().map(|d| d.name()).collect::<Vec<_>>(),
            "trials": self.records.iter().map(record_to_json).collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| Error::io("write", path.display(), e))?;
        std::fs::write(path, text).map_err(|e| Error::io("write", path.display(), e))
    }

    /// Loads the trials saved by [`save`](Study::save) into this study, which must be empty
    /// and have the same seed, wave size and directions, so that
    /// [`optimize`](Study::optimize) goes on exactly as the saved study would have.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read; [`Error::Value`] when it is not a saved
    /// study, names a parameter the space does not have, or its settings differ from this
    /// study's; [`Error::State`] when this study already has trials.
    ///
    /// ```
    /// use tuneup::tune::{SearchSpace, Study};
    /// let mut s = Study::builder(SearchSpace::builder().int("k", 0, 3).build()?).build()?;
    /// assert!(s.load("/no/such/study.json").is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn load(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        if !self.records.is_empty() {
            return Err(Error::state(
                "Study::load",
                format!(
                    "the study already holds {} trials; load into a new one",
                    self.records.len()
                ),
            ));
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| Error::io("read", path.display(), e))?;
        let bad = |what: &str| {
            Error::value(
                format!("study file {}", path.display()),
                what,
                "something else",
            )
        };
        let doc: Value = serde_json::from_str(&text).map_err(|e| {
            Error::value(
                format!("study file {}", path.display()),
                "JSON",
                e.to_string(),
            )
        })?;
        if doc["format"] != FORMAT {
            return Err(bad(&format!("\"format\": \"{FORMAT}\"")));
        }
        self.check_settings(&doc, path)?;
        let trials = doc["trials"]
            .as_array()
            .ok_or_else(|| bad("a \"trials\" array"))?;
        let mut records = Vec::with_capacity(trials.len());
        for (i, t) in trials.iter().enumerate() {
            let r = record_from_json(t)
                .ok_or_else(|| bad(&format!("trial {i} as tuneup writes it")))?;
            if r.number != i {
                return Err(bad(&format!("trial number {i} at position {i}")));
            }
            if let Some((name, _)) = r.params.iter().find(|(n, _)| self.space.get(n).is_none()) {
                return Err(Error::value(
                    format!("study file {} trial {i}", path.display()),
                    "parameters of this study's space",
                    format!("'{name}'"),
                ));
            }
            records.push(r);
        }
        self.records = records;
        Ok(())
    }

    fn check_settings(&self, doc: &Value, path: &Path) -> Result<()> {
        let directions: Vec<&str> = self.directions.iter().map(|d| d.name()).collect();
        let checks = [
            ("seed", json!(self.seed)),
            ("wave_size", json!(self.wave_size)),
            ("directions", json!(directions)),
        ];
        for (key, ours) in checks {
            if doc[key] != ours {
                return Err(Error::value(
                    format!("study file {} setting `{key}`", path.display()),
                    format!("{ours} (this study's)"),
                    doc[key].to_string(),
                ));
            }
        }
        Ok(())
    }
}

fn value_to_json(v: &ParamValue) -> Value {
    match v {
        ParamValue::Bool(b) => json!({ "bool": b }),
        ParamValue::Int(i) => json!({ "int": i }),
        ParamValue::Float(f) => json!({ "float": f }),
        ParamValue::Str(s) => json!({ "str": s }),
    }
}

fn value_from_json(v: &Value) -> Option<ParamValue> {
    let (kind, inner) = v.as_object()?.iter().next()?;
    Some(match kind.as_str() {
        "bool" => ParamValue::Bool(inner.as_bool()?),
        "int" => ParamValue::Int(inner.as_i64()?),
        "float" => ParamValue::Float(inner.as_f64()?),
        "str" => ParamValue::Str(inner.as_str()?.to_string()),
        _ => return None,
    })
}

fn record_to_json(r: &TrialRecord) -> Value {
    let params: Vec<Value> = r
        .params
        .iter()
        .map(|(n, v)| json!([n, value_to_json(v)]))
        .collect();
    let mut m = Map::new();
    m.insert("number".into(), json!(r.number));
    m.insert("state".into(), json!(r.state.name()));
    m.insert("params".into(), Value::Array(params));
    m.insert("values".into(), json!(r.values));
    m.insert("intermediate".into(), json!(r.intermediate));
    m.insert("intermediate_values".into(), json!(r.intermediate_values));
    m.insert("fold_scores".into(), json!(r.fold_scores));
    m.insert("seconds".into(), json!(r.seconds));
    m.insert("error".into(), json!(r.error));
    Value::Object(m)
}

fn record_from_json(v: &Value) -> Option<TrialRecord> {
    let floats =
        |v: &Value| -> Option<Vec<f64>> { v.as_array()?.iter().map(Value::as_f64).collect() };
    let params = v["params"]
        .as_array()?
        .iter()
        .map(|p| Some((p[0].as_str()?.to_string(), value_from_json(&p[1])?)))
        .collect::<Option<Vec<_>>>()?;
    let intermediate = v["intermediate"]
        .as_array()?
        .iter()
        .map(|p| Some((p[0].as_u64()? as usize, p[1].as_f64()?)))
        .collect::<Option<Vec<_>>>()?;
    let intermediate_values = v["intermediate_values"]
        .as_array()?
        .iter()
        .map(|p| Some((p[0].as_u64()? as usize, floats(&p[1])?)))
        .collect::<Option<Vec<_>>>()?;
    Some(TrialRecord {
        number: usize::try_from(v["number"].as_u64()?).ok()?,
        params: Params::from_pairs(params),
        state: state_from_name(v["state"].as_str()?)?,
        values: floats(&v["values"])?,
        intermediate,
        intermediate_values,
        fold_scores: floats(&v["fold_scores"])?,
        seconds: v["seconds"].as_f64()?,
        error: v["error"].as_str().map(str::to_string),
    })
}

fn state_from_name(name: &str) -> Option<TrialState> {
    [TrialState::Complete, TrialState::Pruned, TrialState::Failed]
        .into_iter()
        .find(|s| s.name() == name)
}
