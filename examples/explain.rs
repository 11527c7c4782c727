//! Why does the model predict what it predicts? Train a small network on generated data in
//! which only 3 of 10 features matter (`y = 2x₁ − 1.5x₄ + sin(2x₇)` plus noise), then ask every
//! explainer of `tuneup::explain` which features it uses: gradient attributions, integrated
//! gradients and DeepLIFT (with their convergence deltas), exact and kernel Shapley values, LIME, permutation
//! importance and partial dependence should all name features 1, 4 and 7; a global surrogate
//! tree prints its rules and how faithfully it mimics the network.
//!
//! Run with `cargo run --release --example explain`.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use tuneup::diagnostics::metrics::r2_score;
use tuneup::explain::*;
use tuneup::prelude::*;

const FEATURES: usize = 10;
const MATTER: [usize; 3] = [1, 4, 7];

fn data(rows: usize, rng: &mut StdRng) -> (Array2<f64>, Array2<f64>) {
    let normal = Normal::new(0.0, 1.0).expect("a valid standard deviation");
    let x: Array2<f64> = Array2::from_shape_fn((rows, FEATURES), |_| normal.sample(rng));
    let y = Array2::from_shape_fn((rows, 1), |(r, _)| {
        2.0 * x[[r, 1]] - 1.5 * x[[r, 4]] + (2.0 * x[[r, 7]]).sin() + 0.05 * normal.sample(rng)
    });
    (x, y)
}

fn train(x: &Array2<f64>, y: &Array2<f64>) -> Result<Sequential<f64>> {
    let mut net = Mlp::new(&[FEATURES, 32, 1])
        .activation(Activation::Tanh)
        .seed(3)
        .build::<f64>()?;
    let (loss, mut adam) = (Mse::new(), Adam::new(0.01)?);
    let mut grad = Array2::zeros((0, 0));
    for _ in 0..1500 {
        net.zero_grad();
        let out = net.forward(x.view(), Mode::Train)?;
        loss.value_and_grad(out, y.into(), &mut grad)?;
        net.backward_parameters(grad.view())?;
        adam.step(&mut net)?;
    }
    Ok(net)
}

/// The indices of the three largest scores.
fn top3(scores: &Array1<f64>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut top = order[..3].to_vec();
    top.sort_unstable();
    top
}

fn mean_abs(a: &Array2<f64>) -> Array1<f64> {
    a.mapv(f64::abs).mean_axis(Axis(0)).expect("rows")
}

fn report(name: &str, scores: &Array1<f64>) {
    let top = top3(scores);
    let verdict = if top == MATTER { "✓" } else { "✗" };
    println!("{name:<24} top features {top:?} {verdict}");
}

fn main() -> Result<()> {
    let mut rng = StdRng::seed_from_u64(11);
    let (x, y) = data(600, &mut rng);
    let (x_test, y_test) = data(200, &mut rng);
    let mut net = train(&x, &y)?;
    let pred = net.predict(x_test.view())?;
    let r2 = r2_score(&y_test.column(0).to_vec(), &pred.column(0).to_vec())?;
    println!("network test R² = {r2:.3}\n");
    let rows = x_test.slice(ndarray::s![..20, ..]).to_owned();
    let target = Target::Only;

    report(
        "saliency",
        &mean_abs(&Saliency::new().attribute(&mut net, rows.view(), &target)?),
    );
    report(
        "input × gradient",
        &mean_abs(&InputXGradient.attribute(&mut net, rows.view(), &target)?),
    );
    let ig = IntegratedGradients::new().explain(&mut net, rows.view(), &target)?;
    report("integrated gradients", &mean_abs(&ig.attributions));
    let dl = DeepLift::new().explain(&mut net, rows.view(), &target)?;
    report("DeepLIFT", &mean_abs(&dl.attributions));
    let smooth = NoiseTunnel::new(Saliency::new())
        .samples(10)?
        .stdev(0.2)?
        .seed(1);
    report(
        "SmoothGrad",
        &mean_abs(&smooth.attribute(&mut net, rows.view(), &target)?),
    );

    let background = x.slice(ndarray::s![..50, ..]).to_owned();
    let exact = ExactShap::new(background.clone())?.explain(&mut net, rows.view(), &target)?;
    report("exact Shapley values", &mean_abs(&exact.values));
    let kernel = KernelShap::new(background)?
        .nsamples(300)?
        .seed(2)
        .explain(&mut net, rows.view(), &target)?;
    report("KernelSHAP (300)", &mean_abs(&kernel.values));

    let lime = LimeTabular::new(x.view())?.seed(4);
    let mut weights = Array2::zeros((5, FEATURES));
    for r in 0..5 {
        weights
            .row_mut(r)
            .assign(&lime.explain(&mut net, rows.row(r), &target)?.weights);
    }
    report("LIME (5 rows)", &mean_abs(&weights));

    let truth = y_test.column(0).to_vec();
    let mut score = |p: ArrayView2<'_, f64>| r2_score(&truth, &p.column(0).to_vec());
    let importance =
        PermutationImportance::new()
            .seed(5)
            .compute(&mut net, x_test.view(), &mut score)?;
    report("permutation importance", &importance.mean);
    let mut ranges = Array1::zeros(FEATURES);
    for j in 0..FEATURES {
        let pd = PartialDependence::new(vec![j])
            .grid_resolution(20)?
            .compute(&mut net, x_test.view(), &target)?;
        ranges[j] = pd.average.fold(f64::NEG_INFINITY, |m, &v| m.max(v))
            - pd.average.fold(f64::INFINITY, |m, &v| m.min(v));
    }
    report("partial dependence", &ranges);

    let worst = ig.delta.iter().fold(0.0f64, |m, d| m.max(d.abs()));
    println!("\nintegrated gradients: largest |convergence delta| = {worst:.2e}");
    let worst = dl.delta.iter().fold(0.0f64, |m, d| m.max(d.abs()));
    println!("DeepLIFT: largest |convergence delta| = {worst:.2e}");
    let additivity = (exact.values.sum_axis(Axis(1)) + &exact.base_values
        - net.predict(rows.view())?.column(0))
    .fold(0.0f64, |m, d| m.max(d.abs()));
    println!("exact Shapley values: largest |Σφ − (f(x) − base)| = {additivity:.2e}\n");

    let surrogate =
        GlobalSurrogate::new(DecisionTree::regressor().max_depth(3)?).fit(&mut net, x.view())?;
    let names: Vec<String> = (0..FEATURES).map(|j| format!("x{j}")).collect();
    let options = TextOptions {
        feature_names: names,
        ..TextOptions::default()
    };
    println!(
        "surrogate tree (depth 3):\n{}",
        export_text(&surrogate.tree, &options)?
    );
    let fit = surrogate.report_regression(&mut net, x_test.view(), Some(&truth))?;
    println!(
        "surrogate fidelity R² = {:.3} (tree vs truth R² = {:.3}, network vs truth R² = {:.3})",
        fit.fidelity,
        fit.tree_score.unwrap_or(f64::NAN),
        fit.network_score.unwrap_or(f64::NAN)
    );
    Ok(())
}
