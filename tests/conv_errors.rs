//! Bad input to the convolution layers: each a typed error naming the layer, what was expected
//! and what was found, never a panic, and the layer left as it was.

use ndarray::Array2;
use tuneup::prelude::*;
use tuneup::Error;

fn shape_error(e: Error) -> (String, String, String) {
    match e {
        Error::Shape {
            context,
            expected,
            found,
        } => (context, expected, found),
        other => panic!("expected a shape error, got {other:?}"),
    }
}

fn config_error(e: Error) -> (String, String, String) {
    match e {
        Error::Config {
            parameter,
            value,
            expected,
        } => (parameter, value, expected),
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn a_row_that_is_not_c_h_w_wide_is_a_shape_error_and_changes_nothing() {
    let mut conv = Conv2dConfig::new(3, 4, (3, 3))
        .build::<f64>((5, 5), 0)
        .unwrap();
    let good = Array2::from_elem((2, 75), 0.5);
    let before = conv.forward(good.view(), Mode::Train).unwrap().to_owned();
    let bad = Array2::<f64>::zeros((2, 74));
    let (context, expected, found) =
        shape_error(conv.forward(bad.view(), Mode::Train).unwrap_err());
    assert!(context.starts_with("Conv2d(3 → 4, 3×3"), "{context}");
    assert!(expected.contains("75 columns"), "{expected}");
    assert!(found.contains("74"), "{found}");
    // The failed call left the last pass intact: backward still matches it.
    let ones = Array2::ones(before.raw_dim());
    let g = conv.backward(ones.view()).unwrap();
    assert_eq!(g.dim(), (2, 75));
    // Per-sample shapes are checked the same way.
    let (_, expected, found) = shape_error(conv.output_shape(&[3, 5, 4]).unwrap_err());
    assert!(expected.contains("3 × 5 × 5"), "{expected}");
    assert!(found.contains("3 × 5 × 4"), "{found}");
    let mut conv1 = Conv1dConfig::new(2, 2, 3).build::<f64>(8, 0).unwrap();
    let (context, ..) = shape_error(
        conv1
            .forward(Array2::zeros((1, 15)).view(), Mode::Eval)
            .unwrap_err(),
    );
    assert!(context.starts_with("Conv1d"), "{context}");
}

#[test]
fn a_kernel_larger_than_the_padded_input_is_a_shape_error() {
    let e = Conv2dConfig::new(1, 1, (5, 3))
        .padding(1)
        .build::<f32>((2, 9), 0)
        .unwrap_err();
    let (context, expected, found) = shape_error(e);
    assert_eq!(context, "Conv2d");
    assert!(expected.contains("padded input height 4"), "{expected}");
    assert!(found.contains("5"), "{found}");
    // Dilation counts: a 3-tap kernel with dilation 3 spans 7.
    let e = Conv1dConfig::new(1, 1, 3)
        .dilation(3)
        .build::<f32>(6, 0)
        .unwrap_err();
    assert!(shape_error(e).2.contains("7"));
    let e = Pool2dConfig::new((4, 4)).max::<f32>([1, 3, 8]).unwrap_err();
    assert_eq!(shape_error(e).0, "MaxPool2d");
}

#[test]
fn groups_that_do_not_divide_the_channels_are_a_config_error() {
    let e = Conv2dConfig::new(4, 6, (3, 3))
        .groups(3)
        .build::<f32>((8, 8), 0)
        .unwrap_err();
    let (parameter, value, expected) = config_error(e);
    assert_eq!((parameter.as_str(), value.as_str()), ("Conv2d.groups", "3"));
    assert!(expected.contains("in_channels = 4"), "{expected}");
    let e = Conv2dConfig::new(4, 6, (3, 3))
        .groups(4)
        .build::<f32>((8, 8), 0)
        .unwrap_err();
    assert!(config_error(e).2.contains("out_channels = 6"));
    let e = Conv1dConfig::new(3, 3, 3)
        .groups(0)
        .build::<f32>(8, 0)
        .unwrap_err();
    assert_eq!(config_error(e).0, "Conv1d.groups");
}

#[test]
fn stride_zero_and_other_zero_sizes_are_config_errors() {
    let e = Conv2dConfig::new(1, 1, (3, 3))
        .stride((1, 0))
        .build::<f32>((8, 8), 0)
        .unwrap_err();
    assert_eq!(config_error(e).0, "Conv2d.stride");
    let e = Conv1dConfig::new(1, 1, 3)
        .stride(0)
        .build::<f32>(8, 0)
        .unwrap_err();
    assert_eq!(config_error(e).0, "Conv1d.stride");
    let e = Pool2dConfig::new((2, 2))
        .stride((0, 2))
        .avg::<f32>([1, 4, 4])
        .unwrap_err();
    assert_eq!(config_error(e).0, "AvgPool2d.stride");
    for (e, name) in [
        (
            Conv2dConfig::new(1, 0, (3, 3))
                .build::<f32>((8, 8), 0)
                .unwrap_err(),
            "Conv2d.out_channels",
        ),
        (
            Conv2dConfig::new(1, 1, (0, 3))
                .build::<f32>((8, 8), 0)
                .unwrap_err(),
            "Conv2d.kernel_size",
        ),
        (
            Conv2dConfig::new(1, 1, (1, 1))
                .dilation((0, 1))
                .build::<f32>((8, 8), 0)
                .unwrap_err(),
            "Conv2d.dilation",
        ),
        (
            Conv2dConfig::new(1, 1, (1, 1))
                .build::<f32>((0, 8), 0)
                .unwrap_err(),
            "Conv2d.input height",
        ),
    ] {
        assert_eq!(config_error(e).0, name);
    }
    // "same" padding needs stride 1, as in PyTorch.
    let e = Conv2dConfig::new(1, 1, (3, 3))
        .stride((2, 2))
        .padding(Padding::Same)
        .build::<f32>((8, 8), 0)
        .unwrap_err();
    assert_eq!(config_error(e).0, "Conv2d.padding");
}

#[test]
fn an_output_size_of_zero_is_a_config_error() {
    let e = AdaptiveAvgPool2d::<f32>::new([2, 4, 4], (0, 1)).unwrap_err();
    let (parameter, value, expected) = config_error(e);
    assert_eq!(parameter, "AdaptiveAvgPool2d.output height");
    assert_eq!((value.as_str(), expected.as_str()), ("0", "at least 1"));
    let e = Pool2dConfig::new((2, 2)).max::<f32>([0, 4, 4]).unwrap_err();
    assert_eq!(config_error(e).0, "MaxPool2d.channels");
}

#[test]
fn pooling_padding_above_half_the_kernel_is_a_config_error() {
    let e = Pool2dConfig::new((3, 3))
        .padding((1, 2))
        .max::<f32>([1, 6, 6])
        .unwrap_err();
    let (parameter, value, _) = config_error(e);
    assert_eq!(
        (parameter.as_str(), value.as_str()),
        ("MaxPool2d.padding", "2")
    );
}

#[test]
fn absurd_sizes_are_errors_not_panics() {
    let huge = usize::MAX / 4;
    let e = Conv2dConfig::new(huge, 4, (1, 1))
        .build::<f32>((huge, 3), 0)
        .unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e:?}");
    let e = Conv2dConfig::new(2, 2, (3, 3))
        .padding(usize::MAX)
        .build::<f32>((8, 8), 0)
        .unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e:?}");
    let e = Pool2dConfig::new((1, 1))
        .avg::<f32>([huge, huge, 2])
        .unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e:?}");
    assert!(Layer::<f32>::output_shape(&Flatten::new(), &[huge, huge]).is_err());
}

#[test]
fn batchnorm2d_needs_whole_channels_and_more_than_one_value_in_train_mode() {
    let mut bn = BatchNorm2d::<f64>::new(3).unwrap();
    let e = bn
        .forward(Array2::zeros((2, 10)).view(), Mode::Train)
        .unwrap_err();
    let (context, expected, found) = shape_error(e);
    assert_eq!(context, "BatchNorm2d(3)");
    assert!(expected.contains("multiple of 3"), "{expected}");
    assert_eq!(found, "2 × 10");
    let e = bn
        .forward(Array2::zeros((1, 3)).view(), Mode::Train)
        .unwrap_err();
    assert!(shape_error(e).1.contains("more than 1 value per channel"));
    assert_eq!(
        bn.num_batches_tracked(),
        0,
        "a refused batch leaves the statistics"
    );
    assert!(bn.forward(Array2::zeros((1, 3)).view(), Mode::Eval).is_ok());
    assert!(bn.output_shape(&[4, 2, 2]).is_err());
    assert!(BatchNorm2d::<f64>::new(0).is_err());
}

#[test]
fn backward_before_forward_and_wrong_gradient_shapes_are_errors() {
    let mut conv = Conv2dConfig::new(1, 2, (2, 2))
        .build::<f64>((3, 3), 0)
        .unwrap();
    let e = conv.backward(Array2::zeros((1, 8)).view()).unwrap_err();
    assert!(matches!(e, Error::State { .. }), "{e:?}");
    conv.forward(Array2::zeros((2, 9)).view(), Mode::Train)
        .unwrap();
    let e = conv.backward(Array2::zeros((2, 7)).view()).unwrap_err();
    assert!(shape_error(e).1.contains("2 × 8"));
    let mut pool = Pool2dConfig::new((2, 2)).max::<f64>([1, 4, 4]).unwrap();
    assert!(pool.backward(Array2::zeros((1, 4)).view()).is_err());
    let mut flat = Flatten::new();
    assert!(Layer::<f64>::backward(&mut flat, Array2::zeros((1, 4)).view()).is_err());
}

#[test]
fn a_misfit_layer_in_a_cnn_is_named_by_its_position() {
    let net = Sequential::<f32>::new()
        .push(Conv2dConfig::new(1, 4, (3, 3)).build((8, 8), 0).unwrap())
        .push(Pool2dConfig::new((2, 2)).max([4, 5, 5]).unwrap());
    let e = net.summary_for(&[1, 8, 8]).unwrap_err();
    let (context, expected, found) = shape_error(e);
    assert!(context.starts_with("Sequential[1]: MaxPool2d"), "{context}");
    assert!(expected.contains("4 × 5 × 5"), "{expected}");
    assert!(found.contains("4 × 6 × 6"), "{found}");
}

#[test]
fn a_shortcut_that_does_not_match_the_main_path_is_a_shape_error_naming_both() {
    let body = || {
        Conv2dConfig::new(2, 4, (3, 3))
            .stride((2, 2))
            .padding(1)
            .build::<f64>((6, 6), 0)
            .unwrap()
    };
    // The main path halves 6 × 6; a 1 × 1 shortcut without the stride keeps it.
    let err = Residual::with_conv_projection(body(), [2, 6, 6], (1, 1), true, 1).unwrap_err();
    let (context, expected, found) = shape_error(err);
    assert!(context.starts_with("Residual shortcut"), "{context}");
    assert!(context.contains("Conv2d(2 → 4, 1×1"), "{context}");
    assert!(expected.contains("4 × 3 × 3"), "{expected}");
    assert!(found.contains("4 × 6 × 6"), "{found}");
    // A shortcut with the wrong channel count, given directly.
    let wrong = Conv2dConfig::new(2, 3, (1, 1))
        .stride((2, 2))
        .build::<f64>((6, 6), 1)
        .unwrap();
    let (context, expected, found) =
        shape_error(Residual::with_shortcut(body(), wrong, &[2, 6, 6]).unwrap_err());
    assert!(context.contains("Conv2d(2 → 3, 1×1"), "{context}");
    assert!(expected.contains("4 × 3 × 3"), "{expected}");
    assert!(found.contains("3 × 3 × 3"), "{found}");
    // A shortcut that cannot take the input at all names itself.
    let misfit = Conv2dConfig::new(3, 4, (1, 1))
        .build::<f64>((6, 6), 1)
        .unwrap();
    let (context, ..) =
        shape_error(Residual::with_shortcut(body(), misfit, &[2, 6, 6]).unwrap_err());
    assert!(context.starts_with("Residual shortcut"), "{context}");
    // A body whose output is not an image cannot have a convolutional shortcut.
    let dense = Sequential::new().push(body()).push(Flatten::new());
    let flat = Residual::with_conv_projection(dense, [2, 6, 6], (2, 2), true, 1);
    let (context, expected, found) = shape_error(flat.unwrap_err());
    assert!(context.contains("with_conv_projection"), "{context}");
    assert!(expected.contains("C × H × W"), "{expected}");
    assert!(found.contains("36 columns"), "{found}");
    // Stride 0 is the convolution's config error.
    assert!(matches!(
        Residual::with_conv_projection(body(), [2, 6, 6], (0, 2), true, 1),
        Err(Error::Config { .. })
    ));
    // A row of the wrong width at run time.
    let mut block = Residual::with_conv_projection(body(), [2, 6, 6], (2, 2), true, 1).unwrap();
    let (context, ..) = shape_error(
        block
            .forward(Array2::<f64>::zeros((2, 71)).view(), Mode::Train)
            .unwrap_err(),
    );
    assert!(context.starts_with("Residual"), "{context}");
}
