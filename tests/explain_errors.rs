//! Bad input to the explainers: each case is a typed error and leaves the model as it was
//! (same outputs, parameter gradients still zero, every parameter still trainable).

use ndarray::{array, Array1, Array2};
use tuneup::explain::*;
use tuneup::model::{Layer, Mlp};
use tuneup::prelude::*;
use tuneup::Error;

fn net(widths: &[usize]) -> Sequential<f64> {
    Mlp::new(widths)
        .activation(Activation::Tanh)
        .seed(3)
        .build::<f64>()
        .unwrap()
}

fn assert_untouched(model: &mut Sequential<f64>, x: &Array2<f64>, before: &Array2<f64>) {
    assert_eq!(&model.predict(x.view()).unwrap(), before, "outputs changed");
    let (mut zero, mut trainable) = (true, true);
    model.visit_parameters(&mut |p| {
        zero &= p.grad_slice().iter().all(|&g| g == 0.0);
        trainable &= !p.is_frozen();
    });
    assert!(zero && trainable, "gradients or frozen flags changed");
}

#[test]
fn gradient_attributions_refuse_bad_input() {
    let mut model = net(&[3, 4, 2]);
    let x = array![[0.1, 0.2, 0.3], [0.4, -0.5, 0.6]];
    let before = model.predict(x.view()).unwrap();
    let ig = IntegratedGradients::new();
    let wide = ig.clone().baseline(Baseline::Row(array![0.0, 0.0]));
    let e = wide
        .explain(&mut model, x.view(), &Target::Output(0))
        .unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    let batch = ig.clone().baseline(Baseline::Batch(Array2::zeros((3, 3))));
    let e = batch
        .explain(&mut model, x.view(), &Target::Output(0))
        .unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    for method in [
        &ig as &dyn Attribution<f64>,
        &Saliency::new(),
        &InputXGradient,
    ] {
        let e = method
            .attribute(&mut model, x.view(), &Target::Output(2))
            .unwrap_err();
        assert!(matches!(e, Error::Value { .. }), "{e}");
        let e = method
            .attribute(&mut model, x.view(), &Target::Only)
            .unwrap_err();
        assert!(matches!(e, Error::Value { .. }), "{e}");
        let e = method
            .attribute(&mut model, x.view(), &Target::PerRow(vec![0]))
            .unwrap_err();
        assert!(matches!(e, Error::Shape { .. }), "{e}");
        let mut nan = x.clone();
        nan[[1, 2]] = f64::NAN;
        let e = method
            .attribute(&mut model, nan.view(), &Target::Output(0))
            .unwrap_err();
        assert!(matches!(e, Error::NonFinite { .. }), "{e}");
        let e = method.attribute(&mut model, Array2::zeros((0, 3)).view(), &Target::Output(0));
        assert!(matches!(e.unwrap_err(), Error::Value { .. }));
        let e = method.attribute(&mut model, Array2::zeros((1, 4)).view(), &Target::Output(0));
        assert!(matches!(e.unwrap_err(), Error::Shape { .. }));
    }
    assert!(matches!(
        ig.clone().n_steps(0).unwrap_err(),
        Error::Config { .. }
    ));
    let one = ig
        .clone()
        .method(IgMethod::RiemannTrapezoid)
        .n_steps(1)
        .unwrap();
    let e = one
        .explain(&mut model, x.view(), &Target::Output(0))
        .unwrap_err();
    assert!(matches!(e, Error::Config { .. }), "{e}");
    let nan_base = ig.baseline(Baseline::Scalar(f64::NAN));
    let e = nan_base
        .explain(&mut model, x.view(), &Target::Output(0))
        .unwrap_err();
    assert!(matches!(e, Error::NonFinite { .. }), "{e}");
    assert_untouched(&mut model, &x, &before);
}

#[test]
fn exact_shap_refuses_bad_input() {
    let e = ExactShap::new(Array2::<f64>::zeros((0, 3))).unwrap_err();
    assert!(matches!(e, Error::Value { .. }), "{e}");
    let mut nan = Array2::<f64>::zeros((4, 3));
    nan[[2, 1]] = f64::NAN;
    assert!(matches!(
        ExactShap::new(nan).unwrap_err(),
        Error::NonFinite { .. }
    ));
    let mut model = net(&[3, 4, 2]);
    let x = array![[0.1, 0.2, 0.3]];
    let before = model.predict(x.view()).unwrap();
    let shap = ExactShap::new(Array2::from_elem((5, 3), 0.5)).unwrap();
    let e = shap
        .explain(&mut model, x.view(), &Target::Output(5))
        .unwrap_err();
    assert!(matches!(e, Error::Value { .. }), "{e}");
    let e = shap.explain(
        &mut model,
        array![[0.1, f64::INFINITY, 0.3]].view(),
        &Target::Output(0),
    );
    assert!(matches!(e.unwrap_err(), Error::NonFinite { .. }));
    let e = shap.explain(&mut model, array![[0.1, 0.2]].view(), &Target::Output(0));
    assert!(matches!(e.unwrap_err(), Error::Shape { .. }));
    let e = shap
        .clone()
        .groups(FeatureGroups::singletons(4))
        .unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    assert_untouched(&mut model, &x, &before);
    // More features than 2^16 coalitions allow: the error names what to do instead.
    let mut wide = net(&[17, 2, 1]);
    let shap = ExactShap::new(Array2::<f64>::zeros((2, 17))).unwrap();
    let e = shap
        .explain(&mut wide, Array2::zeros((1, 17)).view(), &Target::Only)
        .unwrap_err();
    assert!(matches!(e, Error::Value { .. }), "{e}");
    assert!(
        e.to_string().contains("KernelShap") && e.to_string().contains("groups"),
        "{e}"
    );
}

#[test]
fn global_explainers_refuse_bad_input() {
    let mut model = net(&[3, 4, 1]);
    let x = Array2::from_shape_fn((10, 3), |(i, j)| (i * 3 + j) as f64);
    let before = model.predict(x.view()).unwrap();
    let mut score = |p: ndarray::ArrayView2<'_, f64>| Ok(p.sum());
    let settings = PermutationImportance::new();
    assert!(matches!(
        settings.n_repeats(0).unwrap_err(),
        Error::Config { .. }
    ));
    let mut nan = x.clone();
    nan[[0, 0]] = f64::NAN;
    let e = settings
        .compute(&mut model, nan.view(), &mut score)
        .unwrap_err();
    assert!(matches!(e, Error::NonFinite { .. }), "{e}");
    let e =
        permutation_importance_with(&mut model, x.view(), &[vec![(0..10).collect()]], &mut score);
    assert!(matches!(e.unwrap_err(), Error::Shape { .. }));
    let mut failing = |_: ndarray::ArrayView2<'_, f64>| Err(Error::value("score", "ok", "no"));
    assert!(settings
        .compute(&mut model, x.view(), &mut failing)
        .is_err());
    let pd = PartialDependence::new(vec![3]);
    let e = pd.compute(&mut model, x.view(), &Target::Only).unwrap_err();
    assert!(matches!(e, Error::Value { .. }), "{e}");
    let e = PartialDependence::new(vec![]).compute(&mut model, x.view(), &Target::Only);
    assert!(matches!(e.unwrap_err(), Error::Value { .. }));
    let e = PartialDependence::new(vec![0]).compute(&mut model, x.view(), &Target::Output(1));
    assert!(matches!(e.unwrap_err(), Error::Value { .. }));
    // A column with more unique values than the grid but equal percentiles.
    let mut spiky = Array2::from_elem((200, 3), 1.0);
    spiky.column_mut(0).assign(&Array1::from_shape_fn(200, |i| {
        if i < 3 {
            i as f64
        } else {
            1.0
        }
    }));
    let pd = PartialDependence::new(vec![0]).grid_resolution(2).unwrap();
    let e = pd
        .compute(&mut model, spiky.view(), &Target::Only)
        .unwrap_err();
    assert!(matches!(e, Error::Value { .. }), "{e}");
    assert_untouched(&mut model, &x, &before);
}

#[test]
fn sampling_explainers_refuse_bad_input() {
    assert!(matches!(
        KernelShap::new(Array2::<f64>::zeros((0, 3))).unwrap_err(),
        Error::Value { .. }
    ));
    let mut nan = Array2::<f64>::zeros((4, 3));
    nan[[0, 2]] = f64::NAN;
    assert!(matches!(
        KernelShap::new(nan.clone()).unwrap_err(),
        Error::NonFinite { .. }
    ));
    assert!(matches!(
        LimeTabular::new(nan.view()).unwrap_err(),
        Error::NonFinite { .. }
    ));
    assert!(matches!(
        LimeTabular::new(Array2::<f64>::zeros((0, 3)).view()).unwrap_err(),
        Error::Value { .. }
    ));
    let mut model = net(&[3, 4, 2]);
    let x = array![[0.1, 0.2, 0.3]];
    let before = model.predict(x.view()).unwrap();
    let kernel = KernelShap::new(Array2::from_shape_fn((6, 3), |(i, j)| (i + j) as f64)).unwrap();
    let e = kernel
        .explain(&mut model, x.view(), &Target::Output(2))
        .unwrap_err();
    assert!(matches!(e, Error::Value { .. }), "{e}");
    let e = kernel.explain(
        &mut model,
        array![[0.1, f64::NAN, 0.3]].view(),
        &Target::Output(0),
    );
    assert!(matches!(e.unwrap_err(), Error::NonFinite { .. }));
    let e = kernel.explain(&mut model, array![[0.1, 0.3]].view(), &Target::Output(0));
    assert!(matches!(e.unwrap_err(), Error::Shape { .. }));
    let lime =
        LimeTabular::new(Array2::from_shape_fn((20, 3), |(i, j)| (i * j) as f64).view()).unwrap();
    let e = lime
        .explain(&mut model, array![0.1, 0.2].view(), &Target::Output(0))
        .unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    let e = lime
        .explain(
            &mut model,
            array![0.1, 0.2, f64::NAN].view(),
            &Target::Output(0),
        )
        .unwrap_err();
    assert!(matches!(e, Error::NonFinite { .. }), "{e}");
    let e = lime
        .explain(&mut model, array![0.1, 0.2, 0.3].view(), &Target::Only)
        .unwrap_err();
    assert!(matches!(e, Error::Value { .. }), "{e}");
    assert_untouched(&mut model, &x, &before);
}

#[test]
fn interpretable_models_refuse_bad_input() {
    let x = array![[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]];
    let y = array![1.0, 2.0, 3.0];
    let ols = LinearRegression::new();
    assert!(matches!(
        ols.fit(x.view(), array![1.0, 2.0].view()).unwrap_err(),
        Error::Shape { .. }
    ));
    assert!(matches!(
        ols.fit(x.view(), array![1.0, f64::NAN, 2.0].view())
            .unwrap_err(),
        Error::NonFinite { .. }
    ));
    assert!(matches!(
        ols.ridge(f64::NAN).unwrap_err(),
        Error::Config { .. }
    ));
    let fit = ols.fit(x.view(), y.view()).unwrap();
    assert!(matches!(
        fit.predict(array![[1.0]].view()).unwrap_err(),
        Error::Shape { .. }
    ));
    let logistic = LogisticRegression::new();
    assert!(matches!(
        logistic.fit(x.view(), &[1, 1, 1]).unwrap_err(),
        Error::Value { .. }
    ));
    assert!(matches!(
        logistic.fit(x.view(), &[0, 1]).unwrap_err(),
        Error::Shape { .. }
    ));
    let tree = DecisionTree::classifier();
    assert!(matches!(
        tree.fit_regressor(x.view(), y.view()).unwrap_err(),
        Error::Config { .. }
    ));
    assert!(matches!(
        DecisionTree::regressor()
            .fit_classifier(x.view(), &[0, 1, 0])
            .unwrap_err(),
        Error::Config { .. }
    ));
    let fitted = tree.fit_classifier(x.view(), &[0, 1, 1]).unwrap();
    assert!(matches!(
        fitted.predict_values(x.view()).unwrap_err(),
        Error::State { .. }
    ));
    assert!(matches!(
        fitted.apply(array![[f64::NAN, 1.0]].view()).unwrap_err(),
        Error::NonFinite { .. }
    ));
    let names = TextOptions {
        feature_names: vec!["a".into()],
        ..TextOptions::default()
    };
    assert!(matches!(
        export_text(&fitted, &names).unwrap_err(),
        Error::Shape { .. }
    ));
}
