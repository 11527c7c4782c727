//! Dense linear algebra used on the hot path: an allocation-free matrix multiply and the
//! reusable 2-D buffers layers keep between steps.

mod buffer;
mod gemm;
#[doc(hidden)]
pub mod kernel;
mod simd;
mod threads;

pub use buffer::Buffer2;
pub use gemm::{gemm, GemmWorkspace};
pub(crate) use simd::all_finite;
pub(crate) use threads::run_parts;
pub use threads::{num_threads, set_num_threads};
pub(crate) use threads::{product_threads, set_this_thread_only};
