//! Convolution layers against PyTorch (float64): fixtures from
//! `scripts/reference/make_conv_fixtures.py`.
//!
//! Each case sets the layer's parameters to PyTorch's, runs a train-mode forward pass on
//! PyTorch's input, back-propagates PyTorch's upstream gradient `R` (of `L = Σ y ⊙ R`) and
//! compares the output, the input gradient, every parameter gradient and every float buffer
//! (running statistics) with a relative tolerance of 1e-10 of each array's largest entry.
//! A small CNN's `state_dict` moves both ways through safetensors.

mod common;

use ndarray::{Array2, ArrayD};
use serde_json::Value;
use tuneup::prelude::*;
use tuneup::train::{load_weights, load_weights_from_bytes, weights_to_bytes};

/// Tolerance relative to the largest magnitude of the expected array.
const RTOL: f64 = 1e-10;
/// Smallest scale: a gradient that is zero in exact arithmetic (a convolution bias before a
/// batch norm) is rounding noise of about 1e-16 in both implementations.
const SCALE_FLOOR: f64 = 1e-4;

fn fixture() -> Value {
    common::load_fixture("conv_parity.json")
}

fn case<'v>(fx: &'v Value, name: &str) -> &'v Value {
    fx["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no fixture case {name}"))
}

/// A batch-major `N × (C·H·W)` matrix from an `N × C × …` array.
fn rows(a: &ArrayD<f64>) -> Array2<f64> {
    let n = a.shape()[0];
    let width = a.len() / n;
    a.as_standard_layout()
        .into_owned()
        .into_shape_with_order((n, width))
        .unwrap()
}

fn close(got: &Array2<f64>, expected: &ArrayD<f64>, what: &str) {
    let want = rows(expected);
    let scale = want
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(SCALE_FLOOR);
    common::assert_close(got, &want, 0.0, RTOL * scale, what);
}

fn close_d(got: &[f64], expected: &ArrayD<f64>, what: &str) {
    let want: Vec<f64> = expected.iter().copied().collect();
    let scale = want
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(SCALE_FLOOR);
    common::assert_close_slices(got, &want, 0.0, RTOL * scale, what);
}

/// Sets every parameter from the case, by name; the names must be exactly PyTorch's.
fn load_parameters(layer: &mut dyn Layer<f64>, case: &Value) {
    let params = case["parameters"].as_object().unwrap();
    let mut seen = Vec::new();
    layer.visit_parameters_mut(&mut |p| {
        let value = common::array_d(&params[p.name()]);
        p.set_value(value.view()).unwrap();
        seen.push(p.name().to_string());
    });
    let mut want: Vec<String> = params.keys().cloned().collect();
    want.sort();
    seen.sort();
    assert_eq!(seen, want, "{}: parameter names", case["name"]);
}

/// Train-mode forward and backward against the case; then the buffers.
fn check(layer: &mut dyn Layer<f64>, case: &Value) {
    let name = case["name"].as_str().unwrap();
    load_parameters(layer, case);
    let x = rows(&common::array_d(&case["input"]));
    let y = layer.forward(x.view(), Mode::Train).unwrap().to_owned();
    close(
        &y,
        &common::array_d(&case["output"]),
        &format!("{name} output"),
    );
    layer.zero_grad();
    let r = rows(&common::array_d(&case["upstream"]));
    let g = layer.backward(r.view()).unwrap().to_owned();
    close(
        &g,
        &common::array_d(&case["grad_input"]),
        &format!("{name} grad input"),
    );
    let grads = case["grad_parameters"].as_object().unwrap();
    layer.visit_parameters(&mut |p| {
        let want = common::array_d(&grads[p.name()]);
        close_d(p.grad_slice(), &want, &format!("{name} grad {}", p.name()));
    });
    let buffers = case["buffers"].as_object().unwrap();
    let mut count = 0;
    layer.visit_buffers(&mut |b| {
        let want = common::array_d(&buffers[b.name()]);
        close_d(b.as_slice(), &want, &format!("{name} buffer {}", b.name()));
        count += 1;
    });
    assert_eq!(count, buffers.len(), "{name}: buffers");
}

fn pair(v: &Value) -> (usize, usize) {
    let a = v.as_array().unwrap();
    (
        a[0].as_u64().unwrap() as usize,
        a[1].as_u64().unwrap() as usize,
    )
}

fn usize_of(v: &Value) -> usize {
    v.as_u64().unwrap() as usize
}

fn conv2d_from(o: &Value) -> Conv2d<f64> {
    let padding = if o["padding"] == "same" {
        Padding::Same
    } else {
        Padding::from(pair(&o["padding"]))
    };
    Conv2dConfig::new(
        usize_of(&o["in_channels"]),
        usize_of(&o["out_channels"]),
        pair(&o["kernel"]),
    )
    .stride(pair(&o["stride"]))
    .padding(padding)
    .dilation(pair(&o["dilation"]))
    .groups(usize_of(&o["groups"]))
    .bias(o["bias"].as_bool().unwrap())
    .build(pair(&o["hw"]), 0)
    .unwrap()
}

#[test]
fn conv2d_matches_pytorch_over_strides_padding_dilation_groups_and_bias() {
    let fx = fixture();
    let mut checked = 0;
    for c in fx["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        if !name.starts_with("conv2d_") {
            continue;
        }
        let mut conv = conv2d_from(&c["options"]);
        check(&mut conv, c);
        checked += 1;
    }
    assert_eq!(checked, 10);
}

#[test]
fn conv1d_matches_pytorch() {
    let fx = fixture();
    let mut checked = 0;
    for c in fx["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        if !name.starts_with("conv1d_") {
            continue;
        }
        let o = &c["options"];
        let padding = if o["padding"] == "same" {
            Padding::Same
        } else {
            Padding::from(usize_of(&o["padding"]))
        };
        let mut conv = Conv1dConfig::new(
            usize_of(&o["in_channels"]),
            usize_of(&o["out_channels"]),
            usize_of(&o["kernel"]),
        )
        .stride(usize_of(&o["stride"]))
        .padding(padding)
        .dilation(usize_of(&o["dilation"]))
        .groups(usize_of(&o["groups"]))
        .bias(o["bias"].as_bool().unwrap())
        .build::<f64>(usize_of(&o["length"]), 0)
        .unwrap();
        check(&mut conv, c);
        checked += 1;
    }
    assert_eq!(checked, 4);
}

fn image_shape(case: &Value) -> [usize; 3] {
    let s = common::array_d(&case["input"]).shape().to_vec();
    [s[1], s[2], s[3]]
}

fn pool_from(case: &Value) -> Box<dyn Layer<f64>> {
    let name = case["name"].as_str().unwrap();
    let o = &case["options"];
    let input = image_shape(case);
    if name.starts_with("pool_adaptive") {
        return Box::new(AdaptiveAvgPool2d::new(input, pair(&o["output"])).unwrap());
    }
    let mut config = Pool2dConfig::new(pair(&o["kernel"])).padding(pair(&o["padding"]));
    if !o["stride"].is_null() {
        config = config.stride(pair(&o["stride"]));
    }
    if name.starts_with("pool_max") {
        Box::new(config.max(input).unwrap())
    } else {
        let include = o["count_include_pad"].as_bool().unwrap();
        Box::new(config.count_include_pad(include).avg(input).unwrap())
    }
}

#[test]
fn pooling_matches_pytorch_including_ties_padding_and_adaptive_windows() {
    let fx = fixture();
    let mut checked = 0;
    for c in fx["cases"].as_array().unwrap() {
        if c["name"].as_str().unwrap().starts_with("pool_") {
            let mut pool = pool_from(c);
            check(pool.as_mut(), c);
            checked += 1;
        }
    }
    assert_eq!(checked, 9);
    // The tie fixture really has tied maxima inside 2 × 2 windows.
    let ties = common::array_d(&case(&fx, "pool_max_k2")["input"]);
    let plane = ties.index_axis(ndarray::Axis(0), 0);
    let tied = (0..3).any(|i| {
        (0..3).any(|j| {
            let w = [
                plane[[0, 2 * i, 2 * j]],
                plane[[0, 2 * i, 2 * j + 1]],
                plane[[0, 2 * i + 1, 2 * j]],
                plane[[0, 2 * i + 1, 2 * j + 1]],
            ];
            let max = w.iter().cloned().fold(f64::MIN, f64::max);
            w.iter().filter(|&&v| v == max).count() > 1
        })
    });
    assert!(tied);
}

#[test]
fn batchnorm2d_matches_pytorch_in_train_and_eval_with_running_statistics() {
    let fx = fixture();
    let c = case(&fx, "batchnorm2d");
    let o = &c["options"];
    let mut bn = BatchNorm2d::<f64>::with_options(3, 1e-5, 0.2, true).unwrap();
    let mean = common::array_d(&o["running_mean_before"]);
    let var = common::array_d(&o["running_var_before"]);
    bn.visit_buffers_mut(&mut |b| {
        let v = if b.name() == "running_mean" {
            &mean
        } else {
            &var
        };
        b.as_slice_mut().copy_from_slice(v.as_slice().unwrap());
    });
    check(&mut bn, c);
    assert_eq!(bn.num_batches_tracked(), 1);
    let x = rows(&common::array_d(&c["input"]));
    let y = bn.forward(x.view(), Mode::Eval).unwrap().to_owned();
    close(
        &y,
        &common::array_d(&c["eval_output"]),
        "batchnorm2d eval output",
    );
    let r = rows(&common::array_d(&c["upstream"]));
    let g = bn.backward(r.view()).unwrap().to_owned();
    close(
        &g,
        &common::array_d(&c["eval_grad_input"]),
        "batchnorm2d eval grad input",
    );
}

#[test]
fn depthwise_separable_block_matches_pytorch() {
    let fx = fixture();
    let mut block = DepthwiseSeparable::<f64>::new(3, 5, 2, (7, 6), 0).unwrap();
    check(&mut block, case(&fx, "depthwise_separable"));
}

/// `x + body(x)`, body = conv 3×3 → BN → ReLU → conv 3×3 → BN, on 4 × 5 × 5 images.
fn residual_block(seed: u64) -> Residual<f64> {
    let conv = |s| {
        Conv2dConfig::new(4, 4, (3, 3))
            .padding(1)
            .build::<f64>((5, 5), s)
            .unwrap()
    };
    let body = Sequential::new()
        .push(conv(seed))
        .push(BatchNorm2d::new(4).unwrap())
        .push(ActivationLayer::new(Activation::Relu).unwrap())
        .push(conv(seed + 1))
        .push(BatchNorm2d::new(4).unwrap());
    Residual::new(body, 4 * 5 * 5).unwrap()
}

#[test]
fn residual_conv_block_matches_pytorch_and_keeps_the_image_shape() {
    let fx = fixture();
    let mut block = residual_block(0);
    check(&mut block, case(&fx, "residual_conv"));
    assert_eq!(block.output_shape(&[4, 5, 5]).unwrap(), [4, 5, 5]);
}

/// `body(x) + downsample(x)`: body = conv 3×3 (stride) → BN → ReLU → conv 3×3 → BN, both
/// bias-free; downsample = conv 1×1 (stride) → BN (torchvision's BasicBlock), or a conv 1×1
/// with a bias alone.
fn projection_block(o: &Value) -> Residual<f64> {
    let (c, out) = (usize_of(&o["in_channels"]), usize_of(&o["out_channels"]));
    let stride = usize_of(&o["stride"]);
    let (h, w) = pair(&o["hw"]);
    let first = Conv2dConfig::new(c, out, (3, 3))
        .stride((stride, stride))
        .padding(1)
        .bias(false)
        .build::<f64>((h, w), 0)
        .unwrap();
    let hw = first.output_hw();
    let body = Sequential::new()
        .push(first)
        .push(BatchNorm2d::new(out).unwrap())
        .push(ActivationLayer::new(Activation::Relu).unwrap())
        .push(
            Conv2dConfig::new(out, out, (3, 3))
                .padding(1)
                .bias(false)
                .build::<f64>(hw, 1)
                .unwrap(),
        )
        .push(BatchNorm2d::new(out).unwrap());
    let batch_norm = o["batch_norm"].as_bool().unwrap();
    Residual::with_conv_projection(body, [c, h, w], (stride, stride), batch_norm, 2).unwrap()
}

#[test]
fn projection_residual_blocks_match_pytorch_with_torchvision_names() {
    let fx = fixture();
    for (name, out_shape) in [
        ("residual_projection_stride2_bn", [5, 4, 3]),
        ("residual_projection_no_bn", [6, 5, 4]),
    ] {
        let c = case(&fx, name);
        let mut block = projection_block(&c["options"]);
        // Parameter and buffer names are checked against PyTorch's state_dict in `check`.
        check(&mut block, c);
        let o = &c["options"];
        let (h, w) = pair(&o["hw"]);
        let input = [usize_of(&o["in_channels"]), h, w];
        assert_eq!(block.output_shape(&input).unwrap(), out_shape, "{name}");
    }
}

/// PyTorch's `Sequential(Conv2d(1, 4, 3, padding=1), BatchNorm2d(4), ReLU(), MaxPool2d(2),
/// Conv2d(4, 6, 3, groups=2), ReLU(), AdaptiveAvgPool2d(1), Flatten(), Linear(6, 3))`.
fn small_cnn<F: Float>() -> Sequential<F> {
    Sequential::new()
        .push(
            Conv2dConfig::new(1, 4, (3, 3))
                .padding(1)
                .build((8, 8), 1)
                .unwrap(),
        )
        .push(BatchNorm2d::new(4).unwrap())
        .push(ActivationLayer::new(Activation::Relu).unwrap())
        .push(Pool2dConfig::new((2, 2)).max([4, 8, 8]).unwrap())
        .push(
            Conv2dConfig::new(4, 6, (3, 3))
                .groups(2)
                .build((4, 4), 2)
                .unwrap(),
        )
        .push(ActivationLayer::new(Activation::Relu).unwrap())
        .push(AdaptiveAvgPool2d::global([6, 2, 2]).unwrap())
        .push(Flatten::new())
        .push(Linear::new(6, 3, 3).unwrap())
}

fn fixture_path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The model behind `tuneup_cnn.safetensors`: seeded weights and two train-mode batches of
/// exact rational inputs, so running statistics and `num_batches_tracked` have moved.
fn tuneup_cnn() -> Sequential<f64> {
    let mut net = small_cnn::<f64>();
    for b in 0..2usize {
        let x = Array2::from_shape_fn((4, 64), |(i, j)| {
            ((i * 13 + j * 7 + b * 5) % 17) as f64 / 8.0 - 1.0
        });
        net.forward(x.view(), Mode::Train).unwrap();
    }
    net
}

#[test]
#[ignore = "writes tests/fixtures/tuneup_cnn.safetensors; run once, then the Python script"]
fn write_tuneup_cnn_fixture() {
    let bytes = weights_to_bytes(&tuneup_cnn()).unwrap();
    std::fs::write(fixture_path("tuneup_cnn.safetensors"), bytes).unwrap();
}

#[test]
fn cnn_summary_shows_image_shapes() {
    let table = small_cnn::<f32>().summary_for(&[1, 8, 8]).unwrap();
    assert!(table.contains("(None, 4, 8, 8)"), "{table}");
    assert!(table.contains("(None, 6, 2, 2)"), "{table}");
    assert!(table.contains("(None, 6)"), "{table}");
    assert!(table.contains("(None, 3)"), "{table}");
}

#[test]
fn pytorch_cnn_state_dict_loads_strictly_and_gives_pytorchs_outputs() {
    let fx = common::load_fixture("cnn_outputs.json");
    let mut net = small_cnn::<f32>();
    let report = load_weights(&mut net, fixture_path("torch_cnn.safetensors")).unwrap();
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(report.loaded.len(), 11);
    let mut tracked = 0;
    net.visit_counters(&mut |c| tracked = c.get());
    assert_eq!(tracked, 3);
    let x = rows(&common::array_d(&fx["input"])).mapv(|v| v as f32);
    let out = net.predict(x.view()).unwrap().mapv(|v| v as f64);
    let expected = common::array2(&fx["torch_cnn_output"]);
    common::assert_close(
        &out,
        &expected,
        1e-5,
        1e-5,
        "tuneup f32 CNN on PyTorch weights",
    );
}

#[test]
fn tuneup_cnn_loads_into_pytorch_with_the_same_outputs() {
    let fx = common::load_fixture("cnn_outputs.json");
    let committed = std::fs::read(fixture_path("tuneup_cnn.safetensors")).unwrap();
    let mut net = tuneup_cnn();
    assert!(
        weights_to_bytes(&net).unwrap() == committed,
        "tuneup no longer writes the bytes PyTorch checked; rerun the ignored test and the script"
    );
    assert_eq!(fx["tuneup_cnn_num_batches_tracked"], 2);
    let x = rows(&common::array_d(&fx["input"]));
    let out = net.predict(x.view()).unwrap();
    let expected = common::array2(&fx["tuneup_cnn_output"]);
    common::assert_close(
        &out,
        &expected,
        1e-12,
        1e-12,
        "PyTorch f64 on tuneup CNN weights",
    );
    let mut fresh = small_cnn::<f64>();
    load_weights_from_bytes(&mut fresh, &committed).unwrap();
    assert_eq!(fresh.predict(x.view()).unwrap(), out);
}
