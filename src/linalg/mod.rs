//! Dense linear algebra used on the hot path: an allocation-free matrix multiply (f32, f64,
//! and bf16 inputs with f32 accumulation) and the reusable 2-D buffers layers keep between
//! steps.

mod bf16;
mod bf16_widened;
mod buffer;
mod gemm;
#[doc(hidden)]
pub mod kernel;
#[cfg(target_arch = "x86_64")]
pub(crate) mod lanes;
mod precision;
mod simd;
mod threads;
mod transpose_pack;

pub use bf16::{bf16_kernel_name, gemm_bf16, gemm_bf16_portable, Bf16Workspace};
pub use buffer::Buffer2;
pub use gemm::{gemm, GemmWorkspace};
pub use precision::{gemm_with_precision, Precision, PrecisionWorkspace};
pub(crate) use simd::{accumulate_scaled, all_finite, narrow_into, widen_scaled};
pub(crate) use threads::run_parts;
pub use threads::{num_threads, set_num_threads};
pub(crate) use threads::{product_threads, set_this_thread_only};
