//! The last good weights: copied at the start of each epoch, put back on divergence.

use super::trainer::{Trainer, Workspace};
use crate::model::Layer;
use crate::Float;

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// Copies the parameters and buffers (the last good weights).
    pub(crate) fn capture_weights(&mut self) {
        let Workspace {
            saved_params,
            saved_buffers,
            ..
        } = &mut self.ws;
        let mut i = 0;
        self.model.visit_parameters(&mut |p| {
            if saved_params.len() == i {
                saved_params.push(Vec::new());
            }
            saved_params[i].clear();
            saved_params[i].extend_from_slice(p.value_slice());
            i += 1;
        });
        let mut j = 0;
        self.model.visit_buffers(&mut |b| {
            if saved_buffers.len() == j {
                saved_buffers.push(Vec::new());
            }
            saved_buffers[j].clear();
            saved_buffers[j].extend_from_slice(b.as_slice());
            j += 1;
        });
    }

    /// Writes the copied parameters and buffers back.
    pub(crate) fn restore_weights(&mut self) {
        let Workspace {
            saved_params,
            saved_buffers,
            ..
        } = &self.ws;
        let mut i = 0;
        self.model.visit_parameters_mut(&mut |p| {
            if let Some(saved) = saved_params.get(i) {
                p.value_and_grad_mut().0.copy_from_slice(saved);
            }
            i += 1;
        });
        let mut j = 0;
        self.model.visit_buffers_mut(&mut |b| {
            if let Some(saved) = saved_buffers.get(j) {
                b.as_slice_mut().copy_from_slice(saved);
            }
            j += 1;
        });
    }
}
