//! A model's `state_dict`: its parameters, buffers and counters as named tensors, with
//! PyTorch's names, shapes and dtypes, and the weights files built on it.
//!
//! | entry | name | stored as |
//! |---|---|---|
//! | parameters | `0.weight` (out × in), `0.bias`, `2.weight` … | `F32` / `F64`, as the model's float type |
//! | buffers | `2.running_mean`, `2.running_var` | same |
//! | PyTorch counters | `2.num_batches_tracked` | `I64`, shape `[]` |
//! | tuneup-only counters | `4.mask_draws` (Dropout) | `I64`, shape `[]`, [`StateScope::Full`] only |
//! | pruned parameters | `0.weight_orig`, `0.weight_mask` instead of `0.weight` | same, the mask as 0 / 1 |
//!
//! A pruned parameter (see [`crate::compress`]) is stored as PyTorch stores it; loading such
//! a pair into an unpruned parameter prunes it with the mask, as a PyTorch checkpoint of a
//! pruned model needs.
//!
//! A weights file written by [`save_weights`] holds the [`StateScope::Torch`] entries, so
//! PyTorch's `model.load_state_dict(safetensors.torch.load_file(path))` accepts it with
//! `strict=True`; a file written by PyTorch's `safetensors.torch.save_file(model.state_dict())`
//! loads with [`load_weights`]. Counters PyTorch does not have, such as Dropout's
//! `mask_draws`, are only in the full state that checkpoints keep (see
//! [`super::Checkpoint`]).
//!
//! ```
//! use tuneup::prelude::*;
//! use tuneup::train::{load_weights_from_bytes, weights_to_bytes};
//! let mut a = Mlp::new(&[3, 4, 2]).seed(1).build::<f32>()?;
//! let mut b = Mlp::new(&[3, 4, 2]).seed(2).build::<f32>()?;
//! let bytes = weights_to_bytes(&a)?;
//! let report = load_weights_from_bytes(&mut b, &bytes)?;
//! assert_eq!(report.loaded, ["0.bias", "0.weight", "2.bias", "2.weight"]);
//! let x = ndarray::Array2::ones((1, 3));
//! assert_eq!(a.predict(x.view())?, b.predict(x.view())?);
//! # Ok::<(), tuneup::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use super::pruned_entries::{pair_names, pruned_tensors};
use super::safetensors_io::{write_atomically, Tensor, TensorFile};
use crate::model::Layer;
use crate::{Error, Float, Result};

/// Which entries a state dict holds.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{state_dict, StateScope};
/// let net = Sequential::<f64>::new()
///     .push(Linear::new(2, 2, 0)?)
///     .push(Dropout::new(0.5, 1)?);
/// assert!(!state_dict(&net, StateScope::Torch)?.contains_key("1.mask_draws"));
/// assert!(state_dict(&net, StateScope::Full)?.contains_key("1.mask_draws"));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StateScope {
    /// What PyTorch's `state_dict()` of the same network holds: parameters, buffers and the
    /// counters PyTorch has (`num_batches_tracked`, see [`is_torch_counter`]).
    #[default]
    Torch,
    /// Everything needed to resume exactly: also tuneup's own counters (Dropout's
    /// `mask_draws`).
    Full,
}

/// True for counters that PyTorch keeps in its `state_dict` (names ending in
/// `num_batches_tracked`); other counters are tuneup's own.
///
/// ```
/// use tuneup::train::is_torch_counter;
/// assert!(is_torch_counter("2.num_batches_tracked"));
/// assert!(!is_torch_counter("4.mask_draws"));
/// ```
pub fn is_torch_counter(name: &str) -> bool {
    name.rsplit('.').next() == Some("num_batches_tracked")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotKind {
    Value,
    Counter,
}

struct Slot {
    name: String,
    shape: Vec<usize>,
    kind: SlotKind,
    required: bool,
}

/// The model's named entries, in visiting order; duplicate names are an error.
fn slots<F: Float>(model: &dyn Layer<F>, scope: StateScope) -> Result<Vec<Slot>> {
    let mut out = Vec::new();
    model.visit_parameters(&mut |p| {
        let names = match p.is_pruned() {
            true => {
                let (o, m) = pair_names(p.name());
                vec![o, m]
            }
            false => vec![p.name().to_string()],
        };
        for name in names {
            out.push(Slot {
                name,
                shape: p.shape().to_vec(),
                kind: SlotKind::Value,
                required: true,
            })
        }
    });
    model.visit_buffers(&mut |b| {
        out.push(Slot {
            name: b.name().to_string(),
            shape: b.value().shape().to_vec(),
            kind: SlotKind::Value,
            required: true,
        })
    });
    model.visit_counters(&mut |c| {
        out.push(Slot {
            name: c.name().to_string(),
            shape: Vec::new(),
            kind: SlotKind::Counter,
            required: scope == StateScope::Full || is_torch_counter(c.name()),
        })
    });
    let mut seen = std::collections::HashSet::new();
    for s in &out {
        if !seen.insert(s.name.as_str()) {
            return Err(Error::value(
                "state_dict",
                "unique tensor names (put layers in a Sequential to number them)",
                format!("`{}` twice in {}", s.name, "the model"),
            ));
        }
    }
    Ok(out)
}

/// The model's state as named tensors: parameters and buffers in the model's float type
/// (`F32` or `F64`), counters as `I64` scalars (shape `[]`). `scope` says whether tuneup's
/// own counters are included.
///
/// Fails with [`Error::Value`] if two entries share a name (layers outside a container) or a
/// counter does not fit in an `i64`.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{state_dict, Dtype, StateScope};
/// let net = Sequential::<f32>::new().push(Linear::new(5, 4, 0)?).push(BatchNorm1d::new(4)?);
/// let sd = state_dict(&net, StateScope::Torch)?;
/// assert_eq!(sd.keys().collect::<Vec<_>>(), ["0.bias", "0.weight", "1.bias",
///     "1.num_batches_tracked", "1.running_mean", "1.running_var", "1.weight"]);
/// assert_eq!(sd["0.weight"].shape(), &[4, 5]);
/// assert_eq!(sd["1.num_batches_tracked"].dtype(), Dtype::I64);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn state_dict<F: Float>(
    model: &dyn Layer<F>,
    scope: StateScope,
) -> Result<BTreeMap<String, Tensor>> {
    slots(model, scope)?;
    let mut out = BTreeMap::new();
    let mut failure: Option<Error> = None;
    model.visit_parameters(&mut |p| {
        if let (Some(orig), Some(mask)) = (p.original(), p.mask()) {
            match pruned_tensors(p.name(), &orig, mask) {
                Ok(pair) => out.extend(pair),
                Err(e) => failure = failure.take().or(Some(e)),
            }
            return;
        }
        let t = Tensor::from_floats(p.shape(), p.value_slice());
        match t {
            Ok(t) => {
                out.insert(p.name().to_string(), t);
            }
            Err(e) => failure = failure.take().or(Some(e)),
        }
    });
    model.visit_buffers(
        &mut |b| match Tensor::from_floats(b.value().shape(), b.as_slice()) {
            Ok(t) => {
                out.insert(b.name().to_string(), t);
            }
            Err(e) => failure = failure.take().or(Some(e)),
        },
    );
    model.visit_counters(&mut |c| {
        if scope == StateScope::Torch && !is_torch_counter(c.name()) {
            return;
        }
        match i64::try_from(c.get()) {
            Ok(v) => {
                out.insert(c.name().to_string(), Tensor::scalar_i64(v));
            }
            Err(_) => {
                failure = failure.take().or(Some(Error::value(
                    "state_dict",
                    format!("counter `{}` ≤ i64::MAX", c.name()),
                    c.get(),
                )))
            }
        }
    });
    failure.map_or(Ok(out), Err)
}

/// How [`load_state_dict`] matches tensors to the model.
///
/// ```
/// use tuneup::train::{LoadOptions, StateScope};
/// let o = LoadOptions::default();
/// assert!(o.strict);
/// assert_eq!(o.scope, StateScope::Torch);
/// assert!(!LoadOptions::non_strict().strict);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    /// When true (the default), every required entry must be present with its shape and a
    /// readable dtype, and no tensor may be left over; otherwise nothing is loaded and the
    /// error lists every problem. When false, the entries that fit are loaded and the rest
    /// are reported.
    pub strict: bool,
    /// Which counters are required: with [`StateScope::Torch`] tuneup's own counters are
    /// loaded when present and not missed when absent; with [`StateScope::Full`] they are
    /// required.
    pub scope: StateScope,
    /// Accept NaN and ±∞ in the loaded values (default false: such a tensor is a mismatch).
    /// Values that overflow the model's float type (a finite f64 beyond f32's range) and
    /// negative BatchNorm variances are refused either way.
    pub allow_non_finite: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            strict: true,
            scope: StateScope::Torch,
            allow_non_finite: false,
        }
    }
}

impl LoadOptions {
    /// Strict loading of PyTorch's entries (the default).
    ///
    /// ```
    /// assert!(tuneup::train::LoadOptions::strict().strict);
    /// ```
    pub fn strict() -> Self {
        Self::default()
    }

    /// Loads whatever fits and reports the rest (PyTorch's `strict=False`, which here also
    /// skips mis-shaped tensors, e.g. a classifier head of another width when fine-tuning).
    ///
    /// ```
    /// assert!(!tuneup::train::LoadOptions::non_strict().strict);
    /// ```
    pub fn non_strict() -> Self {
        LoadOptions {
            strict: false,
            ..Self::default()
        }
    }

    /// The same options with another scope.
    ///
    /// ```
    /// use tuneup::train::{LoadOptions, StateScope};
    /// assert_eq!(LoadOptions::strict().scope(StateScope::Full).scope, StateScope::Full);
    /// ```
    pub fn scope(mut self, scope: StateScope) -> Self {
        self.scope = scope;
        self
    }

    /// The same options, accepting (or not) NaN and ±∞ in the loaded values.
    ///
    /// ```
    /// assert!(tuneup::train::LoadOptions::strict().allow_non_finite(true).allow_non_finite);
    /// ```
    pub fn allow_non_finite(mut self, allow: bool) -> Self {
        self.allow_non_finite = allow;
        self
    }
}

/// A tensor whose name matched but whose shape or dtype did not fit.
///
/// ```
/// let m = tuneup::train::Mismatch {
///     name: "0.weight".into(), expected: "shape [4, 5]".into(), found: "shape [5, 4]".into(),
/// };
/// assert_eq!(m.to_string(), "`0.weight` (expected shape [4, 5], found shape [5, 4])");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The tensor's name.
    pub name: String,
    /// What the model needs.
    pub expected: String,
    /// What the file holds.
    pub found: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` (expected {}, found {})",
            self.name, self.expected, self.found
        )
    }
}

/// What [`load_state_dict`] did (PyTorch's `missing_keys` / `unexpected_keys`, plus the
/// tensors skipped for their shape or dtype). All lists are sorted by name.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{load_state_dict, state_dict, LoadOptions, StateScope};
/// let small = Sequential::<f64>::new().push(Linear::new(3, 2, 0)?);
/// let mut big = Sequential::<f64>::new().push(Linear::new(3, 2, 1)?).push(Linear::new(2, 1, 2)?);
/// let sd = state_dict(&small, StateScope::Torch)?;
/// let report = load_state_dict(&mut big, &sd, LoadOptions::non_strict())?;
/// assert_eq!(report.loaded, ["0.bias", "0.weight"]);
/// assert_eq!(report.missing, ["1.bias", "1.weight"]);
/// assert!(!report.is_complete());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Entries that were loaded.
    pub loaded: Vec<String>,
    /// Required entries of the model the tensors lacked (left unchanged).
    pub missing: Vec<String>,
    /// Tensors that match no entry of the model (ignored).
    pub unexpected: Vec<String>,
    /// Tensors whose shape or dtype does not fit their entry (skipped).
    pub mismatched: Vec<Mismatch>,
}

impl LoadReport {
    /// True when nothing was missing, unexpected or mismatched.
    ///
    /// ```
    /// assert!(tuneup::train::LoadReport::default().is_complete());
    /// ```
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.mismatched.is_empty()
    }

    fn problems(&self) -> String {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!("missing {:?}", self.missing));
        }
        if !self.unexpected.is_empty() {
            parts.push(format!("unexpected {:?}", self.unexpected));
        }
        if !self.mismatched.is_empty() {
            let m: Vec<String> = self.mismatched.iter().map(|m| m.to_string()).collect();
            parts.push(format!("mismatched [{}]", m.join(", ")));
        }
        parts.join("; ")
    }
}

enum Staged<F> {
    Values(Vec<F>),
    Count(u64),
    /// A pruned parameter: `<name>_orig` and its 0/1 `<name>_mask`.
    Pruned(Vec<F>, Vec<F>),
}

/// Matches `tensors` against the model's entries without changing anything.
/// One tensor's staged value for an entry `name` of `shape` and `kind`, or why it does not fit.
fn stage_tensor<F: Float>(
    name: &str,
    shape: &[usize],
    kind: SlotKind,
    t: &Tensor,
    options: LoadOptions,
) -> std::result::Result<Staged<F>, Mismatch> {
    let mismatch = |expected: String, found: String| Mismatch {
        name: name.to_string(),
        expected,
        found,
    };
    if t.shape() != shape {
        return Err(mismatch(
            format!("shape {shape:?}"),
            format!("shape {:?}", t.shape()),
        ));
    }
    match kind {
        SlotKind::Value => {
            let v = t.to_floats::<F>().map_err(|_| {
                mismatch(
                    "a float dtype (F16, BF16, F32, F64)".into(),
                    format!("dtype {}", t.dtype()),
                )
            })?;
            match value_problem(name, t, &v, options) {
                Some((expected, found)) => Err(mismatch(expected, found)),
                None => Ok(Staged::Values(v)),
            }
        }
        SlotKind::Counter => match t.to_i64() {
            Ok(v) if v[0] >= 0 => Ok(Staged::Count(v[0] as u64)),
            Ok(v) => Err(mismatch("a count ≥ 0".into(), v[0].to_string())),
            Err(_) => Err(mismatch(
                "an integer dtype (I64)".into(),
                format!("dtype {}", t.dtype()),
            )),
        },
    }
}

/// Joins the staged `<name>_orig` / `<name>_mask` values of each parameter into one
/// [`Staged::Pruned`] entry: for a pruned parameter (whose slots are the pair), and for an
/// unpruned one whose `<name>` is missing while the pair is there (a PyTorch checkpoint of a
/// pruned model), which then becomes pruned. A mask with entries other than 0 and 1 is a
/// mismatch; half a pair loads nothing.
fn pair_up<F: Float>(
    model: &dyn Layer<F>,
    tensors: &BTreeMap<String, Tensor>,
    options: LoadOptions,
    report: &mut LoadReport,
    staged: &mut HashMap<String, Staged<F>>,
) {
    let mut params = Vec::new();
    model.visit_parameters(&mut |p| {
        params.push((p.name().to_string(), p.shape().to_vec(), p.is_pruned()))
    });
    for (name, shape, pruned) in params {
        let (o, m) = pair_names(&name);
        if !pruned {
            let from_pair = report.missing.contains(&name)
                && tensors.contains_key(&o)
                && tensors.contains_key(&m);
            if !from_pair {
                continue;
            }
            for key in [&o, &m] {
                match stage_tensor(key, &shape, SlotKind::Value, &tensors[key], options) {
                    Ok(v) => {
                        report.loaded.push(key.clone());
                        staged.insert(key.clone(), v);
                    }
                    Err(e) => report.mismatched.push(e),
                }
            }
            report.missing.retain(|n| n != &name);
            report.unexpected.retain(|n| n != &o && n != &m);
        }
        join_pair(&name, (&o, &m), report, staged);
    }
}

/// Moves the staged pair of `name` into one entry, or drops half a pair or a bad mask.
fn join_pair<F: Float>(
    name: &str,
    (o, m): (&str, &str),
    report: &mut LoadReport,
    staged: &mut HashMap<String, Staged<F>>,
) {
    let (orig, mask) = (staged.remove(o), staged.remove(m));
    let (Some(Staged::Values(orig)), Some(Staged::Values(mask))) = (orig, mask) else {
        report.loaded.retain(|n| n != o && n != m);
        return;
    };
    if let Some(bad) = mask.iter().find(|&&v| v != F::zero() && v != F::one()) {
        report.loaded.retain(|n| n != o && n != m);
        report.mismatched.push(Mismatch {
            name: m.to_string(),
            expected: "a pruning mask of 0 and 1".into(),
            found: format!("{}", bad.as_f64()),
        });
        return;
    }
    staged.insert(name.to_string(), Staged::Pruned(orig, mask));
}

fn stage<F: Float>(
    model: &dyn Layer<F>,
    tensors: &BTreeMap<String, Tensor>,
    options: LoadOptions,
) -> Result<(LoadReport, HashMap<String, Staged<F>>)> {
    let slots = slots(model, options.scope)?;
    let mut report = LoadReport::default();
    let mut staged = HashMap::new();
    for slot in &slots {
        let Some(t) = tensors.get(&slot.name) else {
            if slot.required {
                report.missing.push(slot.name.clone());
            }
            continue;
        };
        let value = stage_tensor(&slot.name, &slot.shape, slot.kind, t, options);
        match value {
            Ok(v) => {
                report.loaded.push(slot.name.clone());
                staged.insert(slot.name.clone(), v);
            }
            Err(m) => report.mismatched.push(m),
        }
    }
    let known: std::collections::HashSet<&str> = slots.iter().map(|s| s.name.as_str()).collect();
    report.unexpected = tensors
        .keys()
        .filter(|k| !known.contains(k.as_str()))
        .cloned()
        .collect();
    pair_up(model, tensors, options, &mut report, &mut staged);
    report.loaded.sort();
    report.missing.sort();
    report.mismatched.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((report, staged))
}

/// What [`load_state_dict`] would do, without changing the model.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{check_state_dict, state_dict, LoadOptions, StateScope};
/// let a = Sequential::<f32>::new().push(Linear::new(3, 2, 0)?);
/// let b = Sequential::<f32>::new().push(Linear::new(2, 3, 0)?);
/// let report = check_state_dict(&b, &state_dict(&a, StateScope::Torch)?, LoadOptions::strict())?;
/// assert_eq!(report.mismatched.len(), 2);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn check_state_dict<F: Float>(
    model: &dyn Layer<F>,
    tensors: &BTreeMap<String, Tensor>,
    options: LoadOptions,
) -> Result<LoadReport> {
    stage(model, tensors, options).map(|(r, _)| r)
}

/// Loads named tensors into the model (PyTorch's `load_state_dict`), converting `F16`,
/// `BF16`, `F32` or `F64` values to the model's float type.
///
/// Strict (the default): if any required entry is missing, any tensor is unexpected, or any
/// has the wrong shape or dtype, nothing changes and the [`Error::Value`] lists all of them.
/// Non-strict: the matching entries are loaded and the [`LoadReport`] lists what was skipped.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{load_state_dict, state_dict, LoadOptions, StateScope};
/// let a = Sequential::<f64>::new().push(Linear::new(3, 2, 0)?);
/// let mut b = Sequential::<f64>::new().push(Linear::new(3, 2, 1)?).push(Linear::new(2, 2, 2)?);
/// let sd = state_dict(&a, StateScope::Torch)?;
/// let err = load_state_dict(&mut b, &sd, LoadOptions::strict()).unwrap_err();
/// assert!(err.to_string().contains(r#"missing ["1.bias", "1.weight"]"#));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn load_state_dict<F: Float>(
    model: &mut dyn Layer<F>,
    tensors: &BTreeMap<String, Tensor>,
    options: LoadOptions,
) -> Result<LoadReport> {
    let (report, staged) = stage(&*model, tensors, options)?;
    if options.strict && !report.is_complete() {
        return Err(Error::value(
            "load_state_dict (strict)",
            "every entry of the model with its shape and a readable dtype, and no other tensor",
            report.problems(),
        ));
    }
    apply(model, &staged);
    Ok(report)
}

/// What is wrong with the values of a tensor loaded into `name`, if anything: a value that
/// overflowed the model's float type, a NaN or ±∞ (unless allowed), a negative variance.
fn value_problem<F: Float>(
    name: &str,
    tensor: &Tensor,
    values: &[F],
    options: LoadOptions,
) -> Option<(String, String)> {
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        let source = tensor.to_f64().ok().and_then(|s| s.get(i).copied());
        match source {
            Some(v) if v.is_finite() => {
                return Some((
                    format!("values that fit in {}", F::NAME),
                    format!("{v:e} at flat index {i}, beyond {}'s range", F::NAME),
                ))
            }
            _ if !options.allow_non_finite => {
                return Some((
                    "finite values (or LoadOptions::allow_non_finite)".into(),
                    format!("{} at flat index {i}", values[i]),
                ))
            }
            _ => {}
        }
    }
    let is_variance = name.rsplit('.').next() == Some("running_var");
    values
        .iter()
        .position(|&v| v < F::zero())
        .filter(|_| is_variance)
        .map(|i| {
            (
                "variances ≥ 0".to_string(),
                format!("{} at flat index {i}", values[i]),
            )
        })
}

/// Writes staged values into the model (cannot fail: shapes were checked).
fn apply<F: Float>(model: &mut dyn Layer<F>, staged: &HashMap<String, Staged<F>>) {
    model.visit_parameters_mut(&mut |p| {
        match staged.get(p.name()) {
            Some(Staged::Values(v)) => p.value_and_grad_mut().0.copy_from_slice(v),
            Some(Staged::Pruned(orig, mask)) => {
                p.remove_mask();
                p.value_and_grad_mut().0.copy_from_slice(orig);
                let mask = ndarray::ArrayD::from_shape_vec(p.shape(), mask.clone());
                // Checked when staged: the parameter's shape, entries 0 and 1.
                if let Ok(m) = mask {
                    let _ = p.set_mask(m);
                }
            }
            _ => {}
        }
    });
    model.visit_buffers_mut(&mut |b| {
        if let Some(Staged::Values(v)) = staged.get(b.name()) {
            b.as_slice_mut().copy_from_slice(v);
        }
    });
    model.visit_counters_mut(&mut |c| {
        if let Some(Staged::Count(n)) = staged.get(c.name()) {
            c.set(*n);
        }
    });
}

/// The model's weights as a PyTorch-compatible safetensors file in memory: the
/// [`StateScope::Torch`] state dict, with metadata `{"format": "pt"}`. The bytes depend only
/// on the model's state.
///
/// ```
/// use tuneup::prelude::*;
/// let net = Mlp::new(&[2, 1]).seed(3).build::<f64>()?;
/// let a = tuneup::train::weights_to_bytes(&net)?;
/// assert_eq!(a, tuneup::train::weights_to_bytes(&net)?);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn weights_to_bytes<F: Float>(model: &dyn Layer<F>) -> Result<Vec<u8>> {
    weights_file(model)?.to_bytes()
}

fn weights_file<F: Float>(model: &dyn Layer<F>) -> Result<TensorFile> {
    let mut file = TensorFile::new();
    file.tensors = state_dict(model, StateScope::Torch)?;
    file.metadata.insert("format".into(), "pt".into());
    Ok(file)
}

/// Writes the model's weights to a safetensors file that PyTorch loads with
/// `model.load_state_dict(safetensors.torch.load_file(path))` (see [`weights_to_bytes`]).
/// An existing file is replaced only once the new one is complete; failure to write is an
/// [`Error::Io`] naming the path.
///
/// ```no_run
/// use tuneup::prelude::*;
/// let net = Mlp::new(&[4, 8, 1]).build::<f32>()?;
/// tuneup::train::save_weights(&net, "model.safetensors")?;
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn save_weights<F: Float>(model: &dyn Layer<F>, path: impl AsRef<Path>) -> Result<()> {
    let bytes = weights_to_bytes(model)?;
    write_atomically(path.as_ref(), &bytes)
}

/// Loads weights from safetensors bytes, strictly (see [`load_state_dict`]): on any
/// problem nothing changes.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{load_weights_from_bytes, weights_to_bytes};
/// let a = Mlp::new(&[2, 3, 1]).seed(0).build::<f64>()?;
/// let mut b = Mlp::new(&[2, 4, 1]).seed(0).build::<f64>()?;
/// let err = load_weights_from_bytes(&mut b, &weights_to_bytes(&a)?).unwrap_err();
/// assert!(err.to_string().contains("`0.weight` (expected shape [4, 2], found shape [3, 2])"));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn load_weights_from_bytes<F: Float>(
    model: &mut dyn Layer<F>,
    bytes: &[u8],
) -> Result<LoadReport> {
    let file = TensorFile::from_bytes(bytes)?;
    load_state_dict(model, &file.tensors, LoadOptions::strict())
}

/// Loads weights from a safetensors file (written by [`save_weights`] or by PyTorch's
/// `safetensors.torch.save_file(model.state_dict(), path)`), strictly. An unreadable path is
/// an [`Error::Io`]; for non-strict loading read the file with [`TensorFile::read`] and call
/// [`load_state_dict`].
///
/// ```
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[2, 1]).build::<f32>()?;
/// let err = tuneup::train::load_weights(&mut net, "missing.safetensors").unwrap_err();
/// assert!(matches!(err, tuneup::Error::Io { .. }));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn load_weights<F: Float>(
    model: &mut dyn Layer<F>,
    path: impl AsRef<Path>,
) -> Result<LoadReport> {
    let file = TensorFile::read(path)?;
    load_state_dict(model, &file.tensors, LoadOptions::strict())
}
