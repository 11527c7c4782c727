//! Faults in the program itself: the output activation, the loss and the kind of target.

use super::run::{binary, classes, column, one_hot, regression, Program, Y};
use crate::Case;
use tuneup::diagnostics::doctor::{Diagnosis, Problem};
use tuneup::ndarray::Array2;
use tuneup::prelude::*;

fn mlp(widths: &[usize], out: Activation) -> Sequential<f64> {
    Mlp::new(widths)
        .output_activation(out)
        .seed(3)
        .build()
        .unwrap()
}

fn adam(
    b: tuneup::train::TrainerBuilder<f64, Sequential<f64>>,
) -> tuneup::train::TrainerBuilder<f64, Sequential<f64>> {
    b.optimizer(Adam::new(0.01).unwrap())
        .epochs(15)
        .batch_size(32)
}

fn sigmoid_output_on_regression() -> Diagnosis {
    let (x, y) = regression(200, 4, 1);
    let y = y.mapv(|v| 3.0 * v); // targets in about [−8, 8]
    Program::new(
        mlp(&[4, 16, 1], Activation::Sigmoid),
        Mse::new(),
        x,
        Y::Dense(y),
    )
    .run(adam)
}

fn relu_output_on_negative_targets() -> Diagnosis {
    let (x, y) = regression(200, 4, 2);
    Program::new(
        mlp(&[4, 16, 1], Activation::Relu),
        Mse::new(),
        x,
        Y::Dense(y),
    )
    .run(adam)
}

fn tanh_output_on_percentages() -> Diagnosis {
    let (x, y) = regression(200, 4, 3);
    let y = y.mapv(|v| (50.0 + 15.0 * v).clamp(0.0, 100.0));
    Program::new(
        mlp(&[4, 16, 1], Activation::Tanh),
        Mse::new(),
        x,
        Y::Dense(y),
    )
    .run(adam)
}

fn softmax_over_one_unit() -> Diagnosis {
    let (x, y) = binary(200, 4, 4);
    let net = Mlp::new(&[4, 16, 1])
        .seed(3)
        .build::<f64>()
        .unwrap()
        .push(Softmax::default());
    Program::new(net, Bce::new(), x, Y::Dense(column(&y))).run(adam)
}

fn sigmoid_before_bce_with_logits() -> Diagnosis {
    let (x, y) = binary(200, 4, 5);
    let net = mlp(&[4, 16, 1], Activation::Sigmoid);
    Program::new(net, BceWithLogits::new(), x, Y::Dense(column(&y))).run(adam)
}

fn softmax_before_cross_entropy() -> Diagnosis {
    let (x, y) = classes(240, 4, 3, 6);
    let net = Mlp::new(&[4, 16, 3])
        .seed(3)
        .build::<f64>()
        .unwrap()
        .push(Softmax::default());
    Program::new(net, CrossEntropy::new(), x, Y::Classes(y)).run(adam)
}

fn bce_on_raw_logits() -> Diagnosis {
    let (x, y) = binary(200, 4, 7);
    Program::new(
        mlp(&[4, 16, 1], Activation::Identity),
        Bce::new(),
        x,
        Y::Dense(column(&y)),
    )
    .run(adam)
}

fn mse_on_class_labels() -> Diagnosis {
    let (x, y) = classes(240, 4, 5, 8);
    Program::new(
        mlp(&[4, 16, 1], Activation::Identity),
        Mse::new(),
        x,
        Y::Dense(column(&y)),
    )
    .run(adam)
}

fn mse_on_one_hot_targets() -> Diagnosis {
    let (x, y) = classes(240, 4, 3, 9);
    Program::new(
        mlp(&[4, 16, 3], Activation::Identity),
        Mse::new(),
        x,
        Y::Dense(one_hot(&y, 3)),
    )
    .run(adam)
}

fn multi_label_with_softmax_cross_entropy() -> Diagnosis {
    let (x, y) = classes(240, 4, 3, 10);
    // Tags: a row may carry its class and, when feature 1 is high, tag 2 as well.
    let t = Array2::from_shape_fn((240, 3), |(i, j)| {
        f64::from(y[i] == j || (j == 2 && x[[i, 1]] > 0.3))
    });
    Program::new(
        mlp(&[4, 16, 3], Activation::Identity),
        CrossEntropy::new(),
        x,
        Y::Dense(t),
    )
    .run(adam)
}

fn sigmoid_and_squared_error_on_binary_labels() -> Diagnosis {
    let (x, y) = binary(200, 4, 12);
    Program::new(
        mlp(&[4, 16, 1], Activation::Sigmoid),
        Mse::new(),
        x,
        Y::Dense(column(&y)),
    )
    .run(adam)
}

fn masks_saved_as_0_255() -> Diagnosis {
    let (x, y) = binary(200, 4, 11);
    let t = column(&y).mapv(|v| 255.0 * v);
    Program::new(
        mlp(&[4, 16, 1], Activation::Identity),
        BceWithLogits::new(),
        x,
        Y::Dense(t),
    )
    .run(adam)
}

/// The program cases.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "sigmoid output on regression targets",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (model faults: the output layer's activation function)",
            symptom: "predictions stuck in (0, 1); the loss stalls far above zero",
            fix: "a linear output layer",
            cause: &[Problem::OutputRange],
            fix_api: &["Activation::Identity"],
            run: sigmoid_output_on_regression,
        },
        Case {
            name: "ReLU output on targets that go negative",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (model faults: the output layer's activation function)",
            symptom: "negative targets are predicted as 0",
            fix: "a linear output layer",
            cause: &[Problem::OutputRange],
            fix_api: &["Activation::Identity"],
            run: relu_output_on_negative_targets,
        },
        Case {
            name: "tanh output on percentages",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (model faults: the output layer's activation function)",
            symptom: "predictions never exceed 1 while the targets run to 100",
            fix: "a linear output layer (or targets scaled into the range)",
            cause: &[Problem::OutputRange],
            fix_api: &["Activation::Identity", "MinMaxScaler"],
            run: tanh_output_on_percentages,
        },
        Case {
            name: "softmax over a single output unit",
            source: "Stack Overflow, 'Why does a binary Keras CNN always predict 1?' (Dense(1) + softmax + binary_crossentropy; mirrored at geek-questions.imtqy.com/articles/1270335/index.html)",
            symptom: "the model predicts class 1 for every input",
            fix: "a sigmoid output (or two units with a softmax)",
            cause: &[Problem::LossOutputMismatch],
            fix_api: &["Bce after a sigmoid", "two output units"],
            run: softmax_over_one_unit,
        },
        Case {
            name: "sigmoid output fed to BCE-with-logits (double sigmoid)",
            source: "PyTorch docs, torch.nn.BCEWithLogitsLoss ('combines a Sigmoid layer and the BCELoss in one single class'); class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (training faults: the loss function)",
            symptom: "the loss falls very slowly and the probabilities stay near 0.5–0.73",
            fix: "drop the output sigmoid (raw logits into the logits loss)",
            cause: &[Problem::LossOutputMismatch],
            fix_api: &["Activation::Identity"],
            run: sigmoid_before_bce_with_logits,
        },
        Case {
            name: "softmax output fed to CrossEntropy",
            source: "PyTorch docs, torch.nn.CrossEntropyLoss ('the input is expected to contain the unnormalized logits'); Karpathy, 'A Recipe for Training Neural Networks' (2019); UMLAUT (Schoop et al., CHI 2021) checks",
            symptom: "training is slow and the loss floor is high",
            fix: "raw logits into CrossEntropy",
            cause: &[Problem::LossOutputMismatch],
            fix_api: &["Activation::Identity"],
            run: softmax_before_cross_entropy,
        },
        Case {
            name: "BCE on raw logits (sigmoid forgotten)",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (training faults: the loss function); PyTorch docs, torch.nn.BCELoss (input must be probabilities)",
            symptom: "errors or NaN losses on outputs outside [0, 1]",
            fix: "a sigmoid before Bce, or BceWithLogits on the logits",
            cause: &[Problem::LossOutputMismatch],
            fix_api: &["Bce after a sigmoid", "BceWithLogits"],
            run: bce_on_raw_logits,
        },
        Case {
            name: "MSE on integer class labels",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (training faults: the loss function); Islam et al., 'A Comprehensive Study on Deep Learning Bug Characteristics', FSE 2019",
            symptom: "predictions land between classes; accuracy is poor",
            fix: "cross-entropy on class indices",
            cause: &[Problem::TaskMismatch],
            fix_api: &["CrossEntropy with class indices"],
            run: mse_on_class_labels,
        },
        Case {
            name: "MSE on one-hot targets",
            source: "Golik, Doetsch & Ney, 'Cross-Entropy vs. Squared Error Training', Interspeech 2013; class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (training faults: the loss function)",
            symptom: "slow training and poorly calibrated class scores",
            fix: "cross-entropy on class indices",
            cause: &[Problem::TaskMismatch],
            fix_api: &["CrossEntropy with class indices"],
            run: mse_on_one_hot_targets,
        },
        Case {
            name: "multi-label targets with a softmax cross-entropy",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (training faults: the loss function, multi-label)",
            symptom: "only one tag per row is ever predicted",
            fix: "one sigmoid output per label with BCE-with-logits",
            cause: &[Problem::TaskMismatch],
            fix_api: &["BceWithLogits on one output per label"],
            run: multi_label_with_softmax_cross_entropy,
        },
        Case {
            name: "sigmoid output with squared error on 0/1 labels",
            source: "Golik, Doetsch & Ney, 'Cross-Entropy vs. Squared Error Training: a Theoretical and Experimental Comparison', Interspeech 2013; class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (training faults: the loss function)",
            symptom: "slow training that stalls on confidently wrong samples",
            fix: "binary cross-entropy",
            cause: &[Problem::TaskMismatch],
            fix_api: &["Bce::new() after the sigmoid", "BceWithLogits"],
            run: sigmoid_and_squared_error_on_binary_labels,
        },
        Case {
            name: "segmentation masks saved as 0/255 with BCE",
            source: "https://github.com/milesial/Pytorch-UNet/issues/78 ('please ensure mask is 0-1, not 0-255')",
            symptom: "a negative, ever-falling BCE loss",
            fix: "targets mapped to 0/1",
            cause: &[Problem::TaskMismatch],
            fix_api: &["divide the targets"],
            run: masks_saved_as_0_255,
        },
    ]
}
