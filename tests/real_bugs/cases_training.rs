//! Faults in how the model is trained: learning rate, initialisation, depth, regularisation,
//! capacity and input scale.

use super::run::{binary, classes, features, regression, Normal, Program, Y};
use crate::Case;
use tuneup::diagnostics::doctor::{Diagnosis, Problem};
use tuneup::model::FanMode;
use tuneup::prelude::*;
use tuneup::train::TrainerBuilder;

type B = TrainerBuilder<f64, Sequential<f64>>;

fn net(widths: &[usize], act: Activation) -> Sequential<f64> {
    Mlp::new(widths).activation(act).seed(5).build().unwrap()
}

fn learning_rate_far_too_high() -> Diagnosis {
    let (x, y) = regression(200, 4, 21);
    Program::new(
        net(&[4, 32, 1], Activation::Relu),
        Mse::new(),
        x,
        Y::Dense(y),
    )
    .run(|b: B| {
        b.optimizer(Sgd::new(3.0).unwrap())
            .epochs(10)
            .batch_size(32)
    })
}

fn adam_learning_rate_of_one() -> Diagnosis {
    let (x, y) = binary(240, 4, 22);
    Program::new(
        net(&[4, 32, 2], Activation::Relu),
        CrossEntropy::new(),
        x,
        Y::Classes(y),
    )
    .run(|b: B| {
        b.optimizer(Adam::new(1.0).unwrap())
            .epochs(20)
            .batch_size(32)
    })
}

fn learning_rate_far_too_low() -> Diagnosis {
    let (x, y) = binary(240, 4, 23);
    Program::new(
        net(&[4, 32, 2], Activation::Relu),
        CrossEntropy::new(),
        x,
        Y::Classes(y),
    )
    .run(|b: B| {
        b.optimizer(Sgd::new(1e-5).unwrap())
            .epochs(20)
            .batch_size(32)
            .metric(Metric::Accuracy)
    })
}

fn relu_killed_by_a_huge_step() -> Diagnosis {
    let (x, y) = regression(200, 4, 24);
    Program::new(
        net(&[4, 32, 32, 1], Activation::Relu),
        Mse::new(),
        x,
        Y::Dense(y),
    )
    .run(|b: B| {
        b.optimizer(Sgd::new(0.5).unwrap())
            .epochs(15)
            .batch_size(16)
    })
}

fn negative_bias_initialisation() -> Diagnosis {
    let (x, y) = binary(240, 4, 25);
    let mut m = net(&[4, 32, 2], Activation::Relu);
    m.visit_parameters_mut(&mut |p| {
        if p.name() == "0.bias" {
            p.value_mut().fill(-8.0);
        }
    });
    Program::new(m, CrossEntropy::new(), x, Y::Classes(y)).run(|b: B| {
        b.optimizer(Adam::new(0.01).unwrap())
            .epochs(15)
            .batch_size(32)
    })
}

fn all_zero_initialisation() -> Diagnosis {
    let (x, y) = classes(240, 4, 3, 26);
    let m = Mlp::new(&[4, 32, 3])
        .init(Init::Constant(0.0))
        .seed(5)
        .build()
        .unwrap();
    Program::new(m, CrossEntropy::new(), x, Y::Classes(y)).run(|b: B| {
        b.optimizer(Sgd::new(0.1).unwrap())
            .epochs(15)
            .batch_size(32)
    })
}

fn constant_initialisation_symmetry() -> Diagnosis {
    let (x, y) = classes(240, 4, 3, 27);
    let m = Mlp::new(&[4, 32, 3])
        .activation(Activation::Tanh)
        .init(Init::Constant(0.1))
        .seed(5)
        .build()
        .unwrap();
    Program::new(m, CrossEntropy::new(), x, Y::Classes(y)).run(|b: B| {
        b.optimizer(Adam::new(0.01).unwrap())
            .epochs(20)
            .batch_size(32)
            .metric(Metric::Accuracy)
    })
}

fn deep_sigmoid_network() -> Diagnosis {
    let (x, y) = binary(240, 4, 28);
    let m = net(&[4, 16, 16, 16, 16, 16, 16, 16, 16, 2], Activation::Sigmoid);
    Program::new(m, CrossEntropy::new(), x, Y::Classes(y)).run(|b: B| {
        b.optimizer(Sgd::new(0.05).unwrap())
            .epochs(10)
            .batch_size(32)
    })
}

fn deep_network_with_too_large_initial_weights() -> Diagnosis {
    let (x, y) = regression(200, 4, 29);
    // Kaiming's gain is √2 for ReLU; 3 makes every layer multiply the signal by about 2.
    let init = Init::KaimingNormal {
        gain: 3.0,
        mode: FanMode::FanIn,
    };
    let m = Mlp::new(&[4, 32, 32, 32, 32, 32, 32, 32, 1])
        .init(init)
        .seed(5)
        .build()
        .unwrap();
    Program::new(m, Mse::new(), x, Y::Dense(y)).run(|b: B| {
        b.optimizer(Sgd::new(0.01).unwrap())
            .epochs(10)
            .batch_size(16)
    })
}

fn weight_decay_far_too_strong() -> Diagnosis {
    let (x, y) = binary(240, 4, 30);
    Program::new(
        net(&[4, 32, 2], Activation::Relu),
        CrossEntropy::new(),
        x,
        Y::Classes(y),
    )
    .run(|b: B| {
        b.optimizer(Adam::new(0.01).unwrap())
            .regularizer(L2::new(2.0).unwrap())
            .epochs(20)
            .batch_size(32)
            .metric(Metric::Accuracy)
    })
}

fn dropout_far_too_strong() -> Diagnosis {
    let (x, y) = classes(240, 4, 3, 31);
    let m = Mlp::new(&[4, 32, 3]).dropout(0.95).seed(5).build().unwrap();
    Program::new(m, CrossEntropy::new(), x, Y::Classes(y)).run(|b: B| {
        b.optimizer(Adam::new(0.01).unwrap())
            .epochs(20)
            .batch_size(32)
            .metric(Metric::Accuracy)
    })
}

fn huge_net_on_a_tiny_data_set() -> Diagnosis {
    let (x, y) = binary(60, 8, 32);
    Program::new(
        net(&[8, 128, 128, 2], Activation::Relu),
        CrossEntropy::new(),
        x,
        Y::Classes(y),
    )
    .run(|b: B| {
        b.optimizer(Adam::new(0.01).unwrap())
            .epochs(80)
            .batch_size(16)
            .validation_split(0.3)
    })
}

fn linear_model_on_circles() -> Diagnosis {
    let mut r = Normal::new(33);
    let x = r.matrix(240, 2);
    let y: Vec<usize> = x
        .rows()
        .into_iter()
        .map(|p| usize::from(p[0] * p[0] + p[1] * p[1] > 1.2))
        .collect();
    Program::new(
        net(&[2, 2], Activation::Relu),
        CrossEntropy::new(),
        x,
        Y::Classes(y),
    )
    .run(|b: B| {
        b.optimizer(Adam::new(0.05).unwrap())
            .epochs(30)
            .batch_size(32)
            .metric(Metric::Accuracy)
    })
}

fn sigmoid_hidden_layer_on_raw_inputs() -> Diagnosis {
    let (x, s) = features(240, 4, 34);
    let x = x.mapv(|v| 300.0 * v + 500.0);
    let y: Vec<usize> = s.iter().map(|&v| usize::from(v > 0.0)).collect();
    Program::new(
        net(&[4, 16, 2], Activation::Sigmoid),
        CrossEntropy::new(),
        x,
        Y::Classes(y),
    )
    .run(|b: B| {
        b.optimizer(Adam::new(0.01).unwrap())
            .epochs(15)
            .batch_size(32)
    })
}

fn a_layer_frozen_by_mistake() -> Diagnosis {
    let (x, y) = regression(200, 4, 35);
    let mut m = net(&[4, 32, 1], Activation::Relu);
    // Meant to freeze the first layer only ("0.*").
    tuneup::model::set_frozen_matching(&mut m, "*", true).unwrap();
    Program::new(m, Mse::new(), x, Y::Dense(y)).run(|b: B| {
        b.optimizer(Adam::new(0.01).unwrap())
            .epochs(15)
            .batch_size(32)
    })
}

/// The training cases.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "learning rate far too high (SGD)",
            source: "https://datascience.stackexchange.com/questions/15962 ('Why is learning rate causing my neural network's weights to skyrocket?')",
            symptom: "the loss jumps to a trillion, then NaN",
            fix: "a learning rate 10× smaller",
            cause: &[Problem::Divergence, Problem::ExplodingGradients, Problem::Oscillation],
            fix_api: &["a learning rate 10× smaller", "a learning rate 3–10× smaller"],
            run: learning_rate_far_too_high,
        },
        Case {
            name: "Adam with a learning rate of 1",
            source: "class of AUTOTRAINER (Zhang et al., ICSE 2021) 'oscillating loss'; class of DeepFD (Cao et al., ICSE 2022) fault type 'learning rate'",
            symptom: "the loss jumps up and down and never settles",
            fix: "a smaller learning rate",
            cause: &[Problem::Oscillation, Problem::Divergence, Problem::ExplodingGradients],
            fix_api: &["a learning rate 10× smaller", "a learning rate 3–10× smaller"],
            run: adam_learning_rate_of_one,
        },
        Case {
            name: "learning rate far too low",
            source: "class of AUTOTRAINER (Zhang et al., ICSE 2021) 'slow convergence'; class of DeepFD (Cao et al., ICSE 2022) fault type 'learning rate'",
            symptom: "the loss barely moves from its first value",
            fix: "a higher learning rate",
            cause: &[Problem::Underfitting, Problem::Plateau],
            fix_api: &["a higher rate", "a higher learning rate"],
            run: learning_rate_far_too_low,
        },
        Case {
            name: "ReLU units killed by a huge step",
            source: "class of AUTOTRAINER (Zhang et al., ICSE 2021) 'dying ReLU'; Lu et al., 'Dying ReLU and Initialization', arXiv:1903.06733",
            symptom: "the network outputs a constant after a few steps",
            fix: "a smaller learning rate or a leaky activation",
            cause: &[Problem::DeadUnits, Problem::NoLearningSignal, Problem::Divergence],
            fix_api: &["smaller learning rate", "a learning rate 10× smaller", "LeakyRelu"],
            run: relu_killed_by_a_huge_step,
        },
        Case {
            name: "negative bias initialisation kills ReLUs",
            source: "Lu et al., 'Dying ReLU and Initialization: Theory and Numerical Examples', arXiv:1903.06733; class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (model faults: weight initialisation)",
            symptom: "the loss never moves; every hidden unit outputs 0",
            fix: "zero biases / Kaiming initialisation, or a leaky activation",
            cause: &[Problem::DeadUnits, Problem::NoLearningSignal],
            fix_api: &["LeakyRelu", "Init::Kaiming"],
            run: negative_bias_initialisation,
        },
        Case {
            name: "all-zero initialisation",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (model faults: weight initialisation); Goodfellow, Bengio & Courville, Deep Learning (2016) §8.4 (breaking symmetry)",
            symptom: "the hidden weights never change",
            fix: "a random initialisation (Kaiming / Xavier)",
            cause: &[Problem::NoLearningSignal, Problem::DeadUnits, Problem::SymmetricWeights],
            fix_api: &["Init::Kaiming", "Init::Xavier"],
            run: all_zero_initialisation,
        },
        Case {
            name: "constant initialisation (symmetric units)",
            source: "Goodfellow, Bengio & Courville, Deep Learning (2016) §8.4 ('break symmetry'); class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (model faults: weight initialisation)",
            symptom: "every hidden unit learns the same function; accuracy stays low",
            fix: "a random initialisation",
            cause: &[Problem::SymmetricWeights, Problem::Plateau, Problem::Underfitting],
            fix_api: &["Init::Kaiming", "Init::Xavier"],
            run: constant_initialisation_symmetry,
        },
        Case {
            name: "deep sigmoid network (vanishing gradients)",
            source: "Glorot & Bengio, 'Understanding the difficulty of training deep feedforward neural networks', AISTATS 2010; class of AUTOTRAINER (ICSE 2021) 'vanishing gradient'",
            symptom: "the first layers do not learn",
            fix: "ReLU hidden activations",
            cause: &[Problem::VanishingGradients, Problem::SaturatedUnits],
            fix_api: &["Activation::Relu"],
            run: deep_sigmoid_network,
        },
        Case {
            name: "deep network with too-large initial weights, no clipping",
            source: "He et al., 'Delving Deep into Rectifiers', ICCV 2015 (initial variance of deep ReLU nets); Pascanu, Mikolov & Bengio, ICML 2013 (clipping); class of AUTOTRAINER (ICSE 2021) 'exploding gradient'",
            symptom: "huge gradient norms and a loss that explodes",
            fix: "gradient clipping or a variance-preserving initialisation",
            cause: &[Problem::ExplodingGradients, Problem::Divergence, Problem::SaturatedUnits],
            fix_api: &["clip_grad_norm", "init(Init::"],
            run: deep_network_with_too_large_initial_weights,
        },
        Case {
            name: "weight decay far too strong",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (training faults: hyperparameters, regularisation)",
            symptom: "accuracy near chance; weights shrink to nothing",
            fix: "a weaker L2 penalty",
            cause: &[Problem::Underfitting],
            fix_api: &["weaken L2"],
            run: weight_decay_far_too_strong,
        },
        Case {
            name: "dropout far too strong",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (model faults: layer properties, dropout); Srivastava et al., JMLR 2014",
            symptom: "the training loss stays near its starting value",
            fix: "a lower dropout rate",
            cause: &[Problem::Underfitting],
            fix_api: &["weaken L2 / Dropout"],
            run: dropout_far_too_strong,
        },
        Case {
            name: "huge network on a tiny data set",
            source: "Zhang et al., 'Understanding deep learning requires rethinking generalization', ICLR 2017; class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (training faults: overfitting)",
            symptom: "training loss near 0, validation loss rising",
            fix: "early stopping / regularisation / a smaller model",
            cause: &[Problem::Overfitting],
            fix_api: &["EarlyStopping", "L2::new", "dropout", "smaller widths"],
            run: huge_net_on_a_tiny_data_set,
        },
        Case {
            name: "linear model on a non-linear problem",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (model faults: an architecture too small for the task)",
            symptom: "accuracy stuck near the majority rate",
            fix: "a hidden layer (a wider or deeper model)",
            cause: &[Problem::Underfitting],
            fix_api: &["wider or deeper"],
            run: linear_model_on_circles,
        },
        Case {
            name: "sigmoid hidden layer on raw, unscaled inputs",
            source: "https://stackoverflow.com/questions/52800582 'Why do I fail to predict y=x**4 with keras?' (answer: inputs of that scale saturate the sigmoid)",
            symptom: "the loss stalls from the first epoch",
            fix: "standardised inputs",
            cause: &[Problem::DataScale, Problem::SaturatedUnits],
            fix_api: &["StandardScaler"],
            run: sigmoid_hidden_layer_on_raw_inputs,
        },
        Case {
            name: "layers frozen by mistake",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (training faults: which layers train)",
            symptom: "the loss hardly moves while the optimizer runs",
            fix: "unfreeze the layers",
            cause: &[Problem::NoLearningSignal, Problem::Underfitting],
            fix_api: &["set_frozen_matching"],
            run: a_layer_frozen_by_mistake,
        },
    ]
}
