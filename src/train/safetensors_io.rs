//! Safetensors files: named tensors and a string → string metadata map, the format PyTorch and
//! Hugging Face use for weights.
//!
//! A [`TensorFile`] holds what one file holds. It is read and written whole, from bytes
//! ([`TensorFile::from_bytes`], [`TensorFile::to_bytes`]) or from a path ([`TensorFile::read`],
//! [`TensorFile::write`]); the model-level functions in [`super::state_dict`] and the
//! [`super::Checkpoint`] bundle are built on it.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use safetensors::tensor::{Dtype as StDtype, SafeTensors, View};

use crate::{Error, Float, Result};

/// The element type of a stored tensor (safetensors' dtype names).
///
/// ```
/// use tuneup::train::{Dtype, Tensor};
/// assert_eq!(Tensor::scalar_i64(3).dtype(), Dtype::I64);
/// assert_eq!(Dtype::BF16.to_string(), "BF16");
/// assert_eq!(Dtype::F32.size(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dtype {
    /// Booleans, one byte each.
    Bool,
    /// Unsigned 8-bit integers.
    U8,
    /// Signed 8-bit integers.
    I8,
    /// Signed 16-bit integers.
    I16,
    /// Unsigned 16-bit integers.
    U16,
    /// IEEE half precision.
    F16,
    /// bfloat16.
    BF16,
    /// Signed 32-bit integers.
    I32,
    /// Unsigned 32-bit integers.
    U32,
    /// IEEE single precision.
    F32,
    /// IEEE double precision.
    F64,
    /// Signed 64-bit integers (PyTorch's `num_batches_tracked`).
    I64,
    /// Unsigned 64-bit integers.
    U64,
}

impl Dtype {
    /// Bytes per element.
    ///
    /// ```
    /// assert_eq!(tuneup::train::Dtype::F16.size(), 2);
    /// ```
    pub fn size(self) -> usize {
        match self {
            Dtype::Bool | Dtype::U8 | Dtype::I8 => 1,
            Dtype::I16 | Dtype::U16 | Dtype::F16 | Dtype::BF16 => 2,
            Dtype::I32 | Dtype::U32 | Dtype::F32 => 4,
            Dtype::F64 | Dtype::I64 | Dtype::U64 => 8,
        }
    }

    /// The dtype a model of float type `F` is saved in: `F32` for `f32`, `F64` for `f64`.
    ///
    /// ```
    /// use tuneup::train::Dtype;
    /// assert_eq!(Dtype::of_float::<f32>(), Dtype::F32);
    /// assert_eq!(Dtype::of_float::<f64>(), Dtype::F64);
    /// ```
    pub fn of_float<F: Float>() -> Dtype {
        if F::NAME == "f32" {
            Dtype::F32
        } else {
            Dtype::F64
        }
    }

    fn to_st(self) -> StDtype {
        match self {
            Dtype::Bool => StDtype::BOOL,
            Dtype::U8 => StDtype::U8,
            Dtype::I8 => StDtype::I8,
            Dtype::I16 => StDtype::I16,
            Dtype::U16 => StDtype::U16,
            Dtype::F16 => StDtype::F16,
            Dtype::BF16 => StDtype::BF16,
            Dtype::I32 => StDtype::I32,
            Dtype::U32 => StDtype::U32,
            Dtype::F32 => StDtype::F32,
            Dtype::F64 => StDtype::F64,
            Dtype::I64 => StDtype::I64,
            Dtype::U64 => StDtype::U64,
        }
    }

    fn from_st(dtype: StDtype) -> Option<Dtype> {
        Some(match dtype {
            StDtype::BOOL => Dtype::Bool,
            StDtype::U8 => Dtype::U8,
            StDtype::I8 => Dtype::I8,
            StDtype::I16 => Dtype::I16,
            StDtype::U16 => Dtype::U16,
            StDtype::F16 => Dtype::F16,
            StDtype::BF16 => Dtype::BF16,
            StDtype::I32 => Dtype::I32,
            StDtype::U32 => Dtype::U32,
            StDtype::F32 => Dtype::F32,
            StDtype::F64 => Dtype::F64,
            StDtype::I64 => Dtype::I64,
            StDtype::U64 => Dtype::U64,
            _ => return None,
        })
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Dtype::Bool => "BOOL",
            Dtype::U8 => "U8",
            Dtype::I8 => "I8",
            Dtype::I16 => "I16",
            Dtype::U16 => "U16",
            Dtype::F16 => "F16",
            Dtype::BF16 => "BF16",
            Dtype::I32 => "I32",
            Dtype::U32 => "U32",
            Dtype::F32 => "F32",
            Dtype::F64 => "F64",
            Dtype::I64 => "I64",
            Dtype::U64 => "U64",
        };
        f.write_str(name)
    }
}

/// One stored tensor: dtype, shape and little-endian row-major bytes.
///
/// Built from numbers with [`Tensor::from_floats`], [`Tensor::from_f64`], [`Tensor::from_i64`]
/// or [`Tensor::scalar_i64`]; read back with [`Tensor::to_floats`] (which converts `F16`,
/// `BF16`, `F32` and `F64` to the float type asked for) or [`Tensor::to_i64`].
///
/// ```
/// use tuneup::train::{Dtype, Tensor};
/// let t = Tensor::from_floats::<f32>(&[2, 2], &[1.0, 2.0, 3.0, 4.0])?;
/// assert_eq!(t.dtype(), Dtype::F32);
/// assert_eq!(t.shape(), &[2, 2]);
/// assert_eq!(t.to_floats::<f64>()?, [1.0, 2.0, 3.0, 4.0]);
/// assert!(t.to_i64().is_err()); // floats are not counters
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tensor {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

fn element_count(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
}

fn check_len(shape: &[usize], len: usize) -> Result<()> {
    match element_count(shape) {
        Some(n) if n == len => Ok(()),
        _ => Err(Error::shape(
            "Tensor",
            format!(
                "{} elements for shape {shape:?}",
                element_count(shape).unwrap_or(0)
            ),
            format!("{len} elements"),
        )),
    }
}

impl Tensor {
    /// A tensor of `F`'s own dtype (`F32` or `F64`) holding `data` in row-major order.
    /// Fails with [`Error::Shape`] when the length does not match the shape.
    ///
    /// ```
    /// use tuneup::train::{Dtype, Tensor};
    /// assert_eq!(Tensor::from_floats::<f64>(&[3], &[1.0, 2.0, 3.0])?.dtype(), Dtype::F64);
    /// assert!(Tensor::from_floats::<f64>(&[2], &[1.0]).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn from_floats<F: Float>(shape: &[usize], data: &[F]) -> Result<Tensor> {
        check_len(shape, data.len())?;
        let dtype = Dtype::of_float::<F>();
        let mut bytes = Vec::with_capacity(data.len() * dtype.size());
        if dtype == Dtype::F32 {
            // Exact: `F` is f32 here, so the round trip through f64 changes nothing.
            for &v in data {
                bytes.extend_from_slice(&(v.as_f64() as f32).to_le_bytes());
            }
        } else {
            for &v in data {
                bytes.extend_from_slice(&v.as_f64().to_le_bytes());
            }
        }
        Ok(Tensor {
            dtype,
            shape: shape.to_vec(),
            bytes,
        })
    }

    /// An `F64` tensor (optimizer state is kept in `f64`).
    ///
    /// ```
    /// let t = tuneup::train::Tensor::from_f64(&[1, 2], &[0.5, -0.5])?;
    /// assert_eq!(t.to_f64()?, [0.5, -0.5]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn from_f64(shape: &[usize], data: &[f64]) -> Result<Tensor> {
        Self::from_floats::<f64>(shape, data)
    }

    /// An `I64` tensor.
    ///
    /// ```
    /// let t = tuneup::train::Tensor::from_i64(&[2], &[7, -1])?;
    /// assert_eq!(t.to_i64()?, [7, -1]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn from_i64(shape: &[usize], data: &[i64]) -> Result<Tensor> {
        check_len(shape, data.len())?;
        Ok(Tensor {
            dtype: Dtype::I64,
            shape: shape.to_vec(),
            bytes: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        })
    }

    /// A 0-dimensional `I64` tensor (shape `[]`), the way PyTorch stores
    /// `num_batches_tracked`.
    ///
    /// ```
    /// let t = tuneup::train::Tensor::scalar_i64(5);
    /// assert!(t.shape().is_empty());
    /// assert_eq!(t.len(), 1);
    /// ```
    pub fn scalar_i64(value: i64) -> Tensor {
        Tensor {
            dtype: Dtype::I64,
            shape: Vec::new(),
            bytes: value.to_le_bytes().to_vec(),
        }
    }

    /// A tensor from raw little-endian bytes; fails with [`Error::Shape`] when the byte count
    /// does not match dtype and shape.
    ///
    /// ```
    /// use tuneup::train::{Dtype, Tensor};
    /// let t = Tensor::from_bytes(Dtype::BF16, &[2], vec![0x80, 0x3f, 0x00, 0xc0])?;
    /// assert_eq!(t.to_floats::<f32>()?, [1.0, -2.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn from_bytes(dtype: Dtype, shape: &[usize], bytes: Vec<u8>) -> Result<Tensor> {
        let expected = element_count(shape).and_then(|n| n.checked_mul(dtype.size()));
        if expected != Some(bytes.len()) {
            return Err(Error::shape(
                format!("{dtype} tensor of shape {shape:?}"),
                format!("{} bytes", expected.unwrap_or(0)),
                format!("{} bytes", bytes.len()),
            ));
        }
        Ok(Tensor {
            dtype,
            shape: shape.to_vec(),
            bytes,
        })
    }

    /// The element type.
    ///
    /// ```
    /// use tuneup::train::{Dtype, Tensor};
    /// assert_eq!(Tensor::from_f64(&[1], &[0.0])?.dtype(), Dtype::F64);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// The shape (`[]` for a scalar).
    ///
    /// ```
    /// assert_eq!(tuneup::train::Tensor::from_f64(&[2, 1], &[0.0, 1.0])?.shape(), &[2, 1]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of elements (1 for a scalar).
    ///
    /// ```
    /// assert_eq!(tuneup::train::Tensor::from_f64(&[2, 3], &[0.0; 6])?.len(), 6);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.bytes.len() / self.dtype.size()
    }

    /// True when the tensor holds no element (a zero in its shape).
    ///
    /// ```
    /// assert!(tuneup::train::Tensor::from_f64(&[0, 3], &[])?.is_empty());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The raw little-endian row-major bytes.
    ///
    /// ```
    /// assert_eq!(tuneup::train::Tensor::scalar_i64(1).as_bytes(), &[1, 0, 0, 0, 0, 0, 0, 0]);
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn chunks<const N: usize>(&self) -> impl Iterator<Item = [u8; N]> + '_ {
        self.bytes
            .chunks_exact(N)
            .map(|c| c.try_into().expect("chunks_exact yields N bytes"))
    }

    /// The elements converted to `F`: `F32`, `F64`, `F16` and `BF16` are read (narrowing
    /// `F64` to `f32` rounds to nearest); any other dtype is an [`Error::Value`] naming it.
    ///
    /// ```
    /// use tuneup::train::{Dtype, Tensor};
    /// // 1.5 and -0.25 in IEEE half precision.
    /// let half = Tensor::from_bytes(Dtype::F16, &[2], vec![0x00, 0x3e, 0x00, 0xb4])?;
    /// assert_eq!(half.to_floats::<f64>()?, [1.5, -0.25]);
    /// assert!(Tensor::scalar_i64(1).to_floats::<f32>().is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn to_floats<F: Float>(&self) -> Result<Vec<F>> {
        Ok(match self.dtype {
            Dtype::F32 => self
                .chunks::<4>()
                .map(|b| F::cast(f32::from_le_bytes(b) as f64))
                .collect(),
            Dtype::F64 => self
                .chunks::<8>()
                .map(|b| F::cast(f64::from_le_bytes(b)))
                .collect(),
            Dtype::F16 => self
                .chunks::<2>()
                .map(|b| F::cast(f16_to_f32(u16::from_le_bytes(b)) as f64))
                .collect(),
            Dtype::BF16 => self
                .chunks::<2>()
                .map(|b| F::cast(f32::from_bits((u16::from_le_bytes(b) as u32) << 16) as f64))
                .collect(),
            other => {
                return Err(Error::value(
                    "Tensor::to_floats",
                    "a floating-point tensor (F16, BF16, F32 or F64)",
                    format!("dtype {other}"),
                ))
            }
        })
    }

    /// The elements as `f64` (see [`Tensor::to_floats`]).
    ///
    /// ```
    /// let t = tuneup::train::Tensor::from_floats::<f32>(&[1], &[0.1])?;
    /// assert_eq!(t.to_f64()?, [0.1f32 as f64]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn to_f64(&self) -> Result<Vec<f64>> {
        self.to_floats::<f64>()
    }

    /// The elements as `i64`, for integer dtypes; floats and `U64` values above `i64::MAX`
    /// are an [`Error::Value`].
    ///
    /// ```
    /// use tuneup::train::Tensor;
    /// assert_eq!(Tensor::scalar_i64(42).to_i64()?, [42]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn to_i64(&self) -> Result<Vec<i64>> {
        let not_integer = || {
            Error::value(
                "Tensor::to_i64",
                "an integer tensor",
                format!("dtype {}", self.dtype),
            )
        };
        Ok(match self.dtype {
            Dtype::Bool | Dtype::U8 => self.bytes.iter().map(|&b| b as i64).collect(),
            Dtype::I8 => self.bytes.iter().map(|&b| b as i8 as i64).collect(),
            Dtype::I16 => self
                .chunks::<2>()
                .map(|b| i16::from_le_bytes(b) as i64)
                .collect(),
            Dtype::U16 => self
                .chunks::<2>()
                .map(|b| u16::from_le_bytes(b) as i64)
                .collect(),
            Dtype::I32 => self
                .chunks::<4>()
                .map(|b| i32::from_le_bytes(b) as i64)
                .collect(),
            Dtype::U32 => self
                .chunks::<4>()
                .map(|b| u32::from_le_bytes(b) as i64)
                .collect(),
            Dtype::I64 => self.chunks::<8>().map(i64::from_le_bytes).collect(),
            Dtype::U64 => self
                .chunks::<8>()
                .map(|b| i64::try_from(u64::from_le_bytes(b)).map_err(|_| not_integer()))
                .collect::<Result<_>>()?,
            Dtype::F16 | Dtype::BF16 | Dtype::F32 | Dtype::F64 => return Err(not_integer()),
        })
    }
}

/// IEEE half precision to single precision (exact: every half is a single).
fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1f) as u32;
    let mant = (h & 0x3ff) as u32;
    let magnitude = if exp == 0 {
        // Zero or subnormal: mant · 2⁻²⁴, exact in f32.
        let v = mant as f32 * 2f32.powi(-24);
        return if sign != 0 { -v } else { v };
    } else if exp == 0x1f {
        0x7f80_0000 | (mant << 13)
    } else {
        ((exp + 112) << 23) | (mant << 13)
    };
    f32::from_bits(sign | magnitude)
}

impl View for &Tensor {
    fn dtype(&self) -> StDtype {
        self.dtype.to_st()
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// The contents of one safetensors file: tensors by name and the `__metadata__` map.
///
/// Writing is deterministic: equal contents give equal bytes (tensors in the order the
/// safetensors crate writes them, metadata keys sorted).
///
/// ```
/// use tuneup::train::{Tensor, TensorFile};
/// let mut file = TensorFile::new();
/// file.insert("0.weight", Tensor::from_floats::<f32>(&[1, 2], &[0.5, -1.0])?);
/// file.metadata.insert("format".into(), "pt".into());
/// let bytes = file.to_bytes()?;
/// let back = TensorFile::from_bytes(&bytes)?;
/// assert_eq!(back, file);
/// assert!(TensorFile::from_bytes(&bytes[..bytes.len() - 1]).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TensorFile {
    /// The tensors, by name.
    pub tensors: BTreeMap<String, Tensor>,
    /// The string → string `__metadata__` map.
    pub metadata: BTreeMap<String, String>,
}

impl TensorFile {
    /// An empty file.
    ///
    /// ```
    /// assert!(tuneup::train::TensorFile::new().tensors.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a tensor.
    ///
    /// ```
    /// let mut f = tuneup::train::TensorFile::new();
    /// f.insert("step", tuneup::train::Tensor::scalar_i64(3));
    /// assert_eq!(f.get("step").unwrap().to_i64()?, [3]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn insert(&mut self, name: impl Into<String>, tensor: Tensor) {
        self.tensors.insert(name.into(), tensor);
    }

    /// The tensor called `name`, if any.
    ///
    /// ```
    /// assert!(tuneup::train::TensorFile::new().get("x").is_none());
    /// ```
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.tensors.get(name)
    }

    /// The file's bytes in safetensors format.
    ///
    /// ```
    /// let bytes = tuneup::train::TensorFile::new().to_bytes()?;
    /// assert_eq!(&bytes[8..10], b"{}");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let writer_error =
            |e: String| Error::value("safetensors writer", "tensors it can write", e);
        let bytes = safetensors::serialize(
            self.tensors.iter().map(|(k, v)| (k.as_str(), v)),
            None::<HashMap<String, String>>,
        )
        .map_err(|e| writer_error(e.to_string()))?;
        if self.metadata.is_empty() {
            return Ok(bytes);
        }
        // The crate writes `__metadata__` from a HashMap, in no fixed order. Splice it in with
        // sorted keys instead, where the crate puts it (first), so that equal contents always
        // give equal bytes.
        let n = u64::from_le_bytes(bytes[..8].try_into().expect("8-byte length prefix")) as usize;
        let tensors_json = std::str::from_utf8(&bytes[8..8 + n])
            .map_err(|e| writer_error(e.to_string()))?
            .trim_end();
        // The tensor entries without the enclosing braces.
        let entries = &tensors_json[1..tensors_json.len() - 1];
        let meta =
            serde_json::to_string(&self.metadata).map_err(|e| writer_error(e.to_string()))?;
        let mut header = format!("{{\"__metadata__\":{meta}");
        if !entries.is_empty() {
            header.push(',');
            header.push_str(entries);
        }
        header.push('}');
        while header.len() % 8 != 0 {
            header.push(' ');
        }
        let data = &bytes[8 + n..];
        let mut out = Vec::with_capacity(8 + header.len() + data.len());
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        Ok(out)
    }

    /// Parses safetensors bytes. A truncated or corrupted buffer, or a tensor of a dtype
    /// tuneup does not know (FP8, complex), is an [`Error::Value`] saying what is wrong.
    ///
    /// ```
    /// assert!(tuneup::train::TensorFile::from_bytes(b"not a safetensors file").is_err());
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<TensorFile> {
        Self::parse(bytes, "safetensors bytes")
    }

    fn parse(bytes: &[u8], source: &str) -> Result<TensorFile> {
        check_sizes(bytes, source)?;
        let st = SafeTensors::deserialize(bytes)
            .map_err(|e| Error::value(source, "a valid safetensors file", format!("{e}")))?;
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| Error::value(source, "a valid safetensors file", format!("{e}")))?;
        let mut file = TensorFile::new();
        if let Some(meta) = header.metadata() {
            file.metadata = meta.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        }
        for (name, view) in st.iter() {
            let dtype = Dtype::from_st(view.dtype()).ok_or_else(|| {
                Error::value(
                    source,
                    format!(
                        "tensor `{name}` in a dtype tuneup reads (integers, F16, BF16, F32, F64)"
                    ),
                    format!("dtype {:?}", view.dtype()),
                )
            })?;
            let tensor = Tensor::from_bytes(dtype, view.shape(), view.data().to_vec())
                .map_err(|e| e.within(format!("{source}, tensor `{name}`")))?;
            file.tensors.insert(name.to_string(), tensor);
        }
        Ok(file)
    }

    /// Reads a safetensors file. A file that cannot be opened is an [`Error::Io`] naming the
    /// path; one that is not valid safetensors is an [`Error::Value`] naming it.
    ///
    /// ```
    /// let err = tuneup::train::TensorFile::read("no/such/file.safetensors").unwrap_err();
    /// assert!(matches!(err, tuneup::Error::Io { .. }));
    /// assert!(err.to_string().contains("no/such/file.safetensors"));
    /// ```
    pub fn read(path: impl AsRef<Path>) -> Result<TensorFile> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io("read", path.display(), e))?;
        Self::parse(&bytes, &format!("safetensors file {}", path.display()))
    }

    /// Writes the file, replacing any file at `path` only once the new one is complete (it is
    /// written beside it and renamed), so a crash mid-write never leaves a truncated file.
    ///
    /// ```no_run
    /// let mut f = tuneup::train::TensorFile::new();
    /// f.insert("w", tuneup::train::Tensor::from_f64(&[1], &[1.0])?);
    /// f.write("weights.safetensors")?;
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.to_bytes()?;
        write_atomically(path, &bytes)
    }
}

/// Writes `bytes` to a sibling temporary file and renames it over `path`.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp_name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, bytes).map_err(|e| Error::io("write", tmp.display(), e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("write", path.display(), e)
    })
}

/// A truncated file said in sizes: the 8-byte header length, the header, and the data the
/// header's offsets need, each against what the bytes hold.
fn check_sizes(bytes: &[u8], source: &str) -> Result<()> {
    let truncated = |expected: String, found: String| {
        Error::value(
            source,
            format!("a valid safetensors file: {expected}"),
            format!("{found} (the file is truncated)"),
        )
    };
    let Some(length) = bytes.get(..8) else {
        return Err(truncated(
            "at least 8 bytes (the header's length)".into(),
            format!("{} bytes", bytes.len()),
        ));
    };
    let header_len = u64::from_le_bytes(length.try_into().unwrap_or([0; 8]));
    let available = (bytes.len() - 8) as u64;
    if header_len > available {
        return Err(truncated(
            format!("a header of {header_len} bytes after its 8-byte length"),
            format!("{available} bytes"),
        ));
    }
    let header = &bytes[8..8 + header_len as usize];
    let Ok(serde_json::Value::Object(entries)) = serde_json::from_slice(header) else {
        return Ok(()); // not a size problem: the full parse says what is wrong
    };
    let needed = entries
        .values()
        .filter_map(|e| e.get("data_offsets")?.get(1)?.as_u64())
        .max()
        .unwrap_or(0);
    let data = available - header_len;
    if needed > data {
        return Err(truncated(
            format!("{needed} bytes of tensor data, as the header's offsets say"),
            format!("{data} bytes"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_decodes_every_class() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x8001), -(2f32.powi(-24)));
        assert_eq!(f16_to_f32(0x0400), 2f32.powi(-14));
        assert!(f16_to_f32(0x8000).is_sign_negative() && f16_to_f32(0x8000) == 0.0);
        assert_eq!(f16_to_f32(0x7c00), f32::INFINITY);
        assert_eq!(f16_to_f32(0xfc00), f32::NEG_INFINITY);
        assert!(f16_to_f32(0x7e00).is_nan());
    }

    #[test]
    fn floats_round_trip_bit_for_bit() {
        let data = [0.1f32, -0.0, f32::MIN_POSITIVE, f32::MAX, 1e-45];
        let t = Tensor::from_floats::<f32>(&[5], &data).unwrap();
        let back = t.to_floats::<f32>().unwrap();
        assert!(data
            .iter()
            .zip(&back)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}
