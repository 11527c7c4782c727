//! Knowledge distillation in the trainer: a teacher model run in eval mode on every batch,
//! whose outputs and the batch's labels make the [`Distillation`] objective of the student.

use ndarray::{Array2, ArrayView2};

use crate::loss::{fit_buffer, Distillation, Targets};
use crate::model::{Layer, Mode};
use crate::{Error, Float, Result};

/// The teacher as configured: the model and the distillation's settings (checked by
/// [`TrainerConfig::validate`](super::TrainerConfig::validate)).
#[derive(Clone)]
pub(crate) struct TeacherSetting<F: Float> {
    pub(crate) model: Box<dyn Layer<F>>,
    /// `None` for a regression teacher.
    pub(crate) temperature: Option<f64>,
    pub(crate) alpha: f64,
}

impl<F: Float> TeacherSetting<F> {
    /// The distillation objective, or the configuration error naming the wrong setting.
    pub(crate) fn distillation(&self) -> Result<Distillation> {
        let checked = match self.temperature {
            Some(t) => Distillation::new(t, self.alpha),
            None => Distillation::regression(self.alpha),
        };
        checked.map_err(|e| e.within("Trainer.teacher"))
    }

    /// A trainer's own copy: the teacher model cloned, and the objective.
    pub(crate) fn build(&self) -> Result<Teacher<F>> {
        Ok(Teacher {
            model: self.model.clone(),
            objective: self.distillation()?,
            packed: Array2::zeros((0, 0)),
        })
    }
}

/// A trainer's teacher: its model (only ever run in eval mode, so it never changes), the
/// objective, and the buffer of packed targets for sample-weighted batches.
#[derive(Clone)]
pub(crate) struct Teacher<F: Float> {
    model: Box<dyn Layer<F>>,
    objective: Distillation,
    packed: Array2<F>,
}

impl<F: Float> Teacher<F> {
    /// Refuses a teacher whose outputs cannot be compared with the student's (its output
    /// width on `features` columns must be `student_width`), and class labels for a
    /// regression teacher.
    pub(crate) fn check(
        &self,
        features: usize,
        student_width: usize,
        targets: Targets<'_, F>,
    ) -> Result<()> {
        let width = self
            .model
            .output_width(features)
            .map_err(|e| e.within(format!("Trainer.teacher on {features} feature columns")))?;
        if width != student_width {
            return Err(Error::shape(
                "Trainer.teacher",
                format!("a teacher with {student_width} outputs (the student's)"),
                format!("{width} outputs"),
            ));
        }
        if self.objective.temperature().is_none() && matches!(targets, Targets::Classes(_)) {
            return Err(Error::value(
                "Trainer.regression_teacher",
                "regression targets (one column per output)",
                "class indices",
            ));
        }
        Ok(())
    }

    /// The batch's distillation loss with the student's outputs `student` on rows `x`, its
    /// gradient written into `grad`, and the factor the gradient still needs (as the
    /// unweighted and weighted losses of the step give them). Unweighted batches allocate
    /// nothing once the buffers have their size.
    pub(crate) fn value_and_grad(
        &mut self,
        x: ArrayView2<'_, F>,
        student: ArrayView2<'_, F>,
        targets: Targets<'_, F>,
        weights: Option<&[F]>,
        grad: &mut Array2<F>,
    ) -> Result<(f64, F)> {
        let teacher = self.model.forward(x, Mode::Eval)?;
        let Some(w) = weights else {
            fit_buffer(grad, student.dim());
            let value = self.objective.compute_with_teacher(
                student,
                teacher,
                targets,
                Some(grad.view_mut()),
            )?;
            return Ok((value.as_f64(), F::one()));
        };
        Distillation::pack_targets(teacher, targets, &mut self.packed)?;
        super::step::weighted_loss(
            &self.objective,
            student,
            Targets::Dense(self.packed.view()),
            Some(w),
            grad,
        )
    }
}
