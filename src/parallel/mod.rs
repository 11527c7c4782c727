//! Engineering for limited compute that sits beside the model and the optimizer: mixed-precision
//! loss scaling ([`GradScaler`], `torch.amp.GradScaler`'s semantics) — and, with the
//! data-parallel half of this module, communicators, samplers and gradient all-reduce.
//!
//! Nothing here imports [`train`](crate::train): a custom loop uses these pieces directly, and
//! the Trainer turns them on with flags (`.grad_scaler(…)`).

mod grad_scaler;
mod grad_scaler_state;

pub use grad_scaler::{GradScaler, GradScalerConfig};
pub use grad_scaler_state::GradScalerState;
