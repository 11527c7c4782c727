//! The remedies the doctor prescribes, each naming the crate's own API.

use super::finding::{Problem, Remedy};

/// The remedies for `problem`, most useful first.
pub(crate) fn remedies_for(problem: Problem) -> Vec<Remedy> {
    let r = Remedy::new;
    match problem {
        Problem::OutputRange | Problem::LossOutputMismatch | Problem::TaskMismatch => {
            super::preflight::output_remedies(problem)
        }
        Problem::DataScale => vec![r(
            "StandardScaler::new().fit(&x_train)?, then transform train and test",
            "unit-scale inputs are what the initialisation assumes",
        )],
        Problem::PrecisionLoss => vec![r(
            "StandardScaler (centring) before the cast to f32, or train in f64",
            "centred values keep their differences in f32's 24-bit mantissa",
        )],
        Problem::SymmetricWeights => vec![
            r(
                "Mlp::new(..).init(Init::KaimingUniform { gain, mode }) (Init::XavierUniform for tanh / sigmoid), or drop .init(Init::Constant(..))",
                "random initial weights give each unit its own function and its own gradient",
            ),
        ],
        Problem::Overfitting
        | Problem::Underfitting
        | Problem::Plateau
        | Problem::Divergence
        | Problem::Oscillation
        | Problem::VanishingGradients
        | Problem::ExplodingGradients
        | Problem::DeadUnits
        | Problem::SaturatedUnits
        | Problem::NoLearningSignal
        | Problem::PoorGeneralization => training_remedies(problem),
        Problem::DistributionShift
        | Problem::MissingValues
        | Problem::Outliers
        | Problem::ClassImbalance
        | Problem::DuplicateRows
        | Problem::TrainTestOverlap
        | Problem::UnseenTestClass
        | Problem::LabelNoise
        | Problem::TargetLeakage
        | Problem::ConstantFeatures => data_remedies(problem),
    }
}

/// The remedies of the problems a run shows (its curves and its health).
fn training_remedies(problem: Problem) -> Vec<Remedy> {
    let r = Remedy::new;
    match problem {
        Problem::Overfitting => vec![
            r(
                "EarlyStopping::new(EarlyStoppingConfig { patience: 5, restore_best_weights: true, ..Default::default() })",
                "stops near the validation minimum and restores those weights",
            ),
            r(
                "L2::new(1e-4) (or AdamW::new(lr)?.weight_decay(1e-2)?)",
                "penalises large weights, the capacity the model spends on noise",
            ),
            r(
                "Mlp::new(..).dropout(0.2) or Dropout::new(0.2, seed)",
                "random masks keep units from co-adapting to single samples",
            ),
            r(
                "smaller widths in Mlp::new(&[..]), or more data via GaussianNoise::new(0.1, seed) / MixUp",
                "less capacity, or more (augmented) samples per parameter",
            ),
        ],
        Problem::Underfitting => vec![
            r(
                "wider or deeper Mlp::new(&[d, 64, 64, k]) with Activation::Relu",
                "a model that is too simple cannot bend to the data (a linear model cannot separate circles)",
            ),
            r(
                "train longer, or a higher rate: Adam::new(1e-2)",
                "the loss may not have converged",
            ),
            r(
                "weaken L2 / Dropout / weight_decay",
                "heavy regularisation pins the model to the constant predictor",
            ),
            r(
                "StandardScaler::new().fit(&x)?",
                "unscaled features slow learning in some directions",
            ),
        ],
        Problem::Plateau => vec![
            r(
                "CosineAnnealingWarmRestarts::new(lr, 10, 2, 0.0)? or CyclicLr",
                "periodic high rates kick the weights off a flat region",
            ),
            r(
                "Sgd::new(lr)?.momentum(0.9)? or Adam::new(1e-3)?",
                "momentum and adaptive steps cross flat regions faster",
            ),
            r(
                "Mlp::new(..).init(Init::KaimingNormal { .. }) (or XavierNormal for tanh)",
                "too small an initialisation starts on a saddle",
            ),
            r(
                "ReduceLrOnPlateau::new(lr, PlateauConfig::default())?",
                "lowers the rate once progress stops, to settle into the minimum",
            ),
        ],
        Problem::Divergence => vec![
            r(
                "a learning rate 10× smaller (Sgd::new(lr / 10.0)?, Adam::new(1e-3)?)",
                "steps larger than the curvature allows overshoot and grow without bound",
            ),
            r(
                "clip_grad_norm(&mut model, 1.0, 2.0, false)?",
                "caps the size of one bad step",
            ),
            r(
                "LinearLr::new(lr, 0.1, 1.0, 5)? (warm-up)",
                "small steps while the early gradients are large",
            ),
            r(
                "StandardScaler::new().fit(&x)? and SimpleImputer for NaN inputs",
                "large or missing inputs give huge or NaN losses",
            ),
        ],
        Problem::Oscillation => vec![
            r(
                "a learning rate 3–10× smaller",
                "the loss bounces across a valley instead of descending it",
            ),
            r(
                "ReduceLrOnPlateau::new(lr, PlateauConfig::default())? or CosineAnnealingLr::new(lr, epochs, 0.0)?",
                "decays the rate as training proceeds",
            ),
            r(
                "larger batches (BatchLoader) or Sgd momentum 0.9",
                "averages out step-to-step noise",
            ),
        ],
        Problem::VanishingGradients => vec![
            r(
                "Activation::Relu (or Gelu / Silu) instead of Sigmoid / Tanh in hidden layers",
                "sigmoid's derivative is at most 1/4, so gradients shrink layer by layer",
            ),
            r(
                "Mlp::new(..).normalization(Normalization::Batch) or Residual blocks",
                "normalisation and skip connections keep signals at a usable scale",
            ),
            r(
                "Mlp::new(..).init(Init::KaimingNormal { .. }) / XavierNormal",
                "variance-preserving initialisation",
            ),
            r("fewer layers", "each layer multiplies the shrinkage"),
        ],
        // Ordered for gradients that grow towards the input (an initialisation fault);
        // `gradients` moves the learning rate first when a norm blew up during training.
        Problem::ExplodingGradients => vec![
            r(
                "Mlp::new(..).init(Init::KaimingNormal { .. }) / XavierNormal",
                "weights too large at initialisation multiply gradients layer by layer",
            ),
            r(
                "clip_grad_norm(&mut model, 1.0, 2.0, false)?",
                "caps the update no matter how large the gradient",
            ),
            r(
                "a learning rate 10× smaller (Sgd::new(lr / 10.0)?, Adam::new(1e-3)?)",
                "large steps push the weights where gradients grow: the usual cause of a norm that blows up during training",
            ),
            r(
                "Normalization::Batch / LayerNorm",
                "keeps activations and gradients at unit scale",
            ),
        ],
        Problem::DeadUnits => vec![
            r(
                "Activation::LeakyRelu { .. } / Elu / Gelu",
                "a non-zero slope for negative inputs lets dead units recover",
            ),
            r(
                "a smaller learning rate",
                "large steps push biases so negative that a unit never fires again",
            ),
            r(
                "Mlp::new(..).init(Init::KaimingNormal { .. }) with zero biases",
                "starts every unit in its active region",
            ),
        ],
        Problem::NoLearningSignal => vec![
            r(
                "Activation::LeakyRelu or ELU, and Init::KaimingUniform (or a smaller negative bias) for the dead or saturated layer",
                "a layer whose units all output 0 (or sit in a flat tail) passes no gradient to the layers before it",
            ),
            r(
                "Doctor::preflight(&model, &loss, x, y) — check the output activation and the loss",
                "a loss that is flat in the outputs (a clipped or thresholded output) gives every weight a zero gradient",
            ),
            r(
                "model::set_frozen_matching(&mut net, \"*\", false) if layers were frozen by mistake",
                "frozen parameters never learn (they are not in the health log either)",
            ),
        ],
        Problem::SaturatedUnits => vec![
            r(
                "Mlp::new(..).init(Init::XavierNormal { .. }) (smaller weights)",
                "large pre-activations put sigmoid / tanh in their flat tails",
            ),
            r(
                "StandardScaler::new().fit(&x)? and Normalization::Batch / LayerNorm",
                "keeps pre-activations near 0 where the derivative is largest",
            ),
            r(
                "Activation::Relu / Gelu in hidden layers",
                "no flat tail on the positive side",
            ),
        ],
        Problem::PoorGeneralization => vec![
            r(
                "check the split: train_test_split with a seed, StratifiedKFold for model selection",
                "a validation set that leaked or is unrepresentative overstates the score",
            ),
            r(
                "L2::new(1e-4), Dropout, EarlyStopping",
                "a model tuned to the validation set needs regularisation too",
            ),
            r(
                "more varied data: GaussianNoise, MixUp, Fgsm (adversarial augmentation)",
                "covers inputs the test set holds but training did not",
            ),
        ],
        _ => Vec::new(),
    }
}

/// The remedies of the problems the data show.
fn data_remedies(problem: Problem) -> Vec<Remedy> {
    let r = Remedy::new;
    match problem {
        Problem::DistributionShift => vec![
            r(
                "fit scalers / imputers on train only (StandardScaler::new().fit(&train)?), then transform test",
                "leaked or mismatched preprocessing looks like shift",
            ),
            r(
                "retrain on data that covers the test distribution, or fine-tune on it (freeze early layers)",
                "a model cannot extrapolate to feature values it never saw",
            ),
            r(
                "GaussianNoise::new(std, seed) augmentation",
                "robustness to small shifts",
            ),
            r(
                "Coral::new().fit(train.view(), test_x.view())?.transform(train.view())? then train on the result",
                "CORAL aligns the training features' covariance to the test features' (no test labels needed)",
            ),
            r(
                "ImportanceWeighting::new().fit(train.view(), test_x.view())?.weights(train.view())? into trainer.fit_weighted(train, y, w)",
                "a domain classifier's p(test|x)/p(train|x) weights the training rows that look like test rows up (covariate shift)",
            ),
        ],
        Problem::MissingValues => vec![
            r(
                "SimpleImputer::new(ImputeStrategy::Median)?.fit(&x)? or KnnImputer",
                "NaN inputs make every loss and gradient NaN",
            ),
            r(
                "MissingThreshold / drop_rows_with_missing",
                "drop columns or rows that are mostly missing",
            ),
        ],
        Problem::Outliers => vec![
            r(
                "OutlierDetector::new(OutlierMethod::modified_z_score())?.fit(&x)?.clip(&x)? or Winsorizer::new(0.01, 0.99)?",
                "extreme values dominate squared losses and scaler statistics",
            ),
            r(
                "RobustScaler::new() instead of StandardScaler",
                "median and IQR are not moved by outliers",
            ),
            r("Huber::new(1.0) loss", "linear, not quadratic, in large errors"),
        ],
        Problem::ClassImbalance => vec![
            r(
                "Smote::new().seed(s).fit_resample(..) / RandomOverSampler / Adasyn",
                "more minority samples to learn from",
            ),
            r(
                "CrossEntropy::new().with_class_weights(..)? or BceWithLogits::new().with_pos_weight(..)?",
                "weights errors on the rare class more",
            ),
            r(
                "judge with balanced_accuracy_score / f1_score, split with StratifiedKFold",
                "accuracy rewards predicting the majority class",
            ),
        ],
        Problem::DuplicateRows => vec![
            r(
                "drop_duplicate_rows(&x.view())",
                "repeated rows weigh some samples more and leak across train/validation splits",
            ),
        ],
        Problem::TrainTestOverlap => vec![
            r(
                "drop_duplicate_rows(&x.view()) on all the data before train_test_split",
                "a row on both sides of the split is scored after the model has fitted it",
            ),
            r(
                "score the test rows that overlapping_rows(&train.view(), &test.view())? does not list",
                "their score is the honest estimate for unseen data",
            ),
        ],
        Problem::UnseenTestClass => vec![
            r(
                "train_test_split(.., Some(&labels), seed) (stratified) or StratifiedKFold, so every class is on both sides",
                "a random split can leave a rare class out of training",
            ),
            r(
                "gather training rows of the class, or leave it out of the test set and report it apart",
                "a class the model never saw is scored as an error on every row",
            ),
        ],
        Problem::LabelNoise => vec![
            r(
                "LabelIssues::ranked_issues(): review and relabel the flagged rows, most confident first",
                "a corrected label helps every model trained on the data afterwards",
            ),
            r(
                "train on LabelIssues::clean_rows() and compare the validation score",
                "wrong labels pull the decision boundary; if the score does not rise, the classes overlap instead",
            ),
            r(
                "GeneralizedCrossEntropy::new(0.7)? as the loss",
                "a noise-robust loss bounds how much a wrong label can pull",
            ),
        ],
        Problem::TargetLeakage => vec![
            r(
                "drop the column from the features (x.select(Axis(1), &kept_columns))",
                "a column computed from the target will not exist when the target is unknown",
            ),
            r(
                "build features only from what is known before the target (split by time, fit encoders inside Pipeline / cross_val)",
                "leaks also come from preprocessing fitted on all rows",
            ),
        ],
        Problem::ConstantFeatures => vec![
            r(
                "VarianceThreshold::default().fit(&x)?.transform(&x)?",
                "a constant column carries no information (and divides by 0 in scalers)",
            ),
        ],
        _ => Vec::new(),
    }
}
