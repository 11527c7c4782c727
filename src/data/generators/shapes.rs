//! Small synthetic images of four shapes, for convolutional examples and tests without
//! downloaded data.

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{add_noise, check_count, check_non_negative, labelled, row_order};
use crate::data::Dataset;
use crate::{Error, Float, Result};

/// The four classes of [`make_shapes`], in label order.
///
/// ```
/// use tuneup::data::Shape;
/// assert_eq!(Shape::ALL.len(), 4);
/// assert_eq!(Shape::Ring as usize, 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// A horizontal or vertical bar (label 0).
    Bar,
    /// A horizontal and a vertical bar crossing (label 1).
    Cross,
    /// A circle outline (label 2).
    Ring,
    /// A square outline (label 3).
    Square,
}

impl Shape {
    /// Every shape, in label order.
    pub const ALL: [Shape; 4] = [Shape::Bar, Shape::Cross, Shape::Ring, Shape::Square];

    /// Whether pixel `(dy, dx)` (offsets from the centre) is on a shape of radius `r`; `flip`
    /// turns a bar vertical.
    fn covers(self, dy: f64, dx: f64, r: f64, flip: bool) -> bool {
        const HALF_WIDTH: f64 = 0.9;
        let bar = |along: f64, across: f64| across.abs() < HALF_WIDTH && along.abs() <= r;
        match self {
            Shape::Bar if flip => bar(dy, dx),
            Shape::Bar => bar(dx, dy),
            Shape::Cross => bar(dx, dy) || bar(dy, dx),
            Shape::Ring => ((dy * dy + dx * dx).sqrt() - r).abs() < HALF_WIDTH,
            Shape::Square => (dy.abs().max(dx.abs()) - r).abs() < HALF_WIDTH,
        }
    }
}

/// Settings of [`make_shapes`]; `Default` gives 200 images of 16 × 16 pixels, pixel noise
/// 0.1, shifts of up to 2 pixels, shuffled, seed 0.
///
/// ```
/// use tuneup::data::ShapesConfig;
/// let cfg = ShapesConfig { size: 12, ..Default::default() };
/// assert_eq!(cfg.n_samples, 200);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ShapesConfig {
    /// Number of images (at least 1); classes take turns, so they are balanced.
    pub n_samples: usize,
    /// Height and width of each image in pixels (at least 8).
    pub size: usize,
    /// Standard deviation of the Gaussian noise added to each pixel (finite, ≥ 0).
    pub noise: f64,
    /// Largest shift of a shape's centre from the image centre, in pixels, along each axis
    /// (finite, ≥ 0, at most `size / 8`).
    pub max_shift: f64,
    /// Whether to shuffle the rows (otherwise labels run 0, 1, 2, 3, 0, …).
    pub shuffle: bool,
    /// Seed of the random generator.
    pub seed: u64,
}

impl Default for ShapesConfig {
    fn default() -> Self {
        ShapesConfig {
            n_samples: 200,
            size: 16,
            noise: 0.1,
            max_shift: 2.0,
            shuffle: true,
            seed: 0,
        }
    }
}

/// Synthetic `1 × size × size` grey images of bars, crosses, rings and squares (labels 0–3,
/// see [`Shape`]), each row one flattened image, for convolutional networks.
///
/// Every image draws its shape's radius uniformly in `[size/5, size/3]`, its centre shifted
/// uniformly by up to `max_shift` pixels along each axis, a bar's orientation, and then
/// Gaussian pixel noise. Pixels on the shape are 1, others 0, before noise.
///
/// # Errors
/// [`Error::Config`](crate::Error::Config) naming the field when `n_samples` is 0, `size` is
/// below 8, or `noise` / `max_shift` is negative, not finite, or (`max_shift`) above
/// `size / 8`.
///
/// ```
/// use tuneup::data::{make_shapes, ShapesConfig};
/// let cfg = ShapesConfig { n_samples: 8, noise: 0.0, shuffle: false, ..Default::default() };
/// let ds = make_shapes::<f32>(&cfg)?;
/// assert_eq!(ds.features().dim(), (8, 256));
/// assert_eq!(ds.class_counts(), Some(vec![2, 2, 2, 2]));
/// assert!(ds.features().iter().all(|&v| v == 0.0 || v == 1.0));
/// assert_eq!(make_shapes::<f32>(&cfg)?.features(), ds.features()); // same seed, same images
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn make_shapes<F: Float>(config: &ShapesConfig) -> Result<Dataset<F>> {
    check_count("ShapesConfig.n_samples", config.n_samples, 1)?;
    check_count("ShapesConfig.size", config.size, 8)?;
    check_non_negative("ShapesConfig.noise", config.noise)?;
    check_non_negative("ShapesConfig.max_shift", config.max_shift)?;
    let side = config.size as f64;
    if config.max_shift > side / 8.0 {
        return Err(Error::config(
            "ShapesConfig.max_shift",
            config.max_shift,
            format!("at most size / 8 = {}", side / 8.0),
        ));
    }
    let pixels = config
        .size
        .checked_mul(config.size)
        .and_then(|p| p.checked_mul(config.n_samples).map(|_| p))
        .ok_or_else(|| {
            Error::config(
                "ShapesConfig.size",
                config.size,
                "images that fit in memory",
            )
        })?;
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut x = Array2::zeros((config.n_samples, pixels));
    let mut labels = vec![0; config.n_samples];
    for (i, mut row) in x.rows_mut().into_iter().enumerate() {
        let shape = Shape::ALL[i % 4];
        labels[i] = i % 4;
        let r = rng.random_range(side / 5.0..=side / 3.0);
        let mut shift = || {
            if config.max_shift > 0.0 {
                rng.random_range(-config.max_shift..=config.max_shift)
            } else {
                0.0
            }
        };
        let (cy, cx) = ((side - 1.0) / 2.0 + shift(), (side - 1.0) / 2.0 + shift());
        let flip = rng.random_bool(0.5);
        for (p, v) in row.iter_mut().enumerate() {
            let (py, px) = ((p / config.size) as f64, (p % config.size) as f64);
            if shape.covers(py - cy, px - cx, r, flip) {
                *v = 1.0;
            }
        }
    }
    add_noise(&mut x, config.noise, &mut rng);
    let order = row_order(config.n_samples, config.shuffle, &mut rng);
    labelled(&x, &labels, 4, &order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(n: usize, seed: u64) -> Dataset<f64> {
        let cfg = ShapesConfig {
            n_samples: n,
            noise: 0.0,
            shuffle: false,
            seed,
            ..Default::default()
        };
        make_shapes(&cfg).unwrap()
    }

    /// Rows and columns holding at least one lit pixel.
    fn extent(image: ndarray::ArrayView1<'_, f64>, size: usize) -> (usize, usize) {
        let lit = |p: usize| image[p] > 0.5;
        let rows = (0..size)
            .filter(|&r| (0..size).any(|c| lit(r * size + c)))
            .count();
        let cols = (0..size)
            .filter(|&c| (0..size).any(|r| lit(r * size + c)))
            .count();
        (rows, cols)
    }

    #[test]
    fn each_class_draws_its_shape() {
        let ds = clean(40, 3);
        for (i, image) in ds.features().rows().into_iter().enumerate() {
            let (rows, cols) = extent(image, 16);
            let on = image.iter().filter(|&&v| v > 0.5).count();
            match Shape::ALL[i % 4] {
                // A bar is thin along one axis and long along the other.
                Shape::Bar => assert!(rows.min(cols) <= 2 && rows.max(cols) >= 6, "{i}"),
                // A cross spans both axes but lights few pixels.
                Shape::Cross => assert!(rows >= 6 && cols >= 6 && on < 4 * rows.max(cols), "{i}"),
                // Ring and square outlines span both axes; the centre pixel stays dark.
                Shape::Ring | Shape::Square => {
                    assert!(rows >= 6 && cols >= 6, "{i}");
                    let centre = image.iter().enumerate().filter(|&(_, &v)| v > 0.5);
                    let (sy, sx, k) = centre.fold((0.0, 0.0, 0.0), |(y, x, k), (p, _)| {
                        (y + (p / 16) as f64, x + (p % 16) as f64, k + 1.0)
                    });
                    let (cy, cx) = ((sy / k).round() as usize, (sx / k).round() as usize);
                    assert!(image[cy * 16 + cx] < 0.5, "{i}: the outline is hollow");
                }
            }
        }
    }

    #[test]
    fn squares_light_their_corners_and_rings_do_not() {
        let ds = clean(400, 5);
        let corner_fill = |label: usize| {
            let mut lit = 0;
            let mut total = 0;
            for (i, image) in ds.features().rows().into_iter().enumerate() {
                if i % 4 == label {
                    let (rows, cols) = extent(image, 16);
                    total += rows * cols;
                    lit += image.iter().filter(|&&v| v > 0.5).count();
                }
            }
            lit as f64 / total as f64
        };
        // Same radius range: a square outline covers more of its bounding box than a ring.
        assert!(corner_fill(3) > corner_fill(2) + 0.05);
    }

    #[test]
    fn seeds_shifts_noise_and_checks() {
        let a = make_shapes::<f64>(&ShapesConfig::default()).unwrap();
        let b = make_shapes::<f64>(&ShapesConfig::default()).unwrap();
        assert_eq!(a.features(), b.features());
        assert_eq!(a.class_counts(), Some(vec![50, 50, 50, 50]));
        let other = ShapesConfig {
            seed: 1,
            ..Default::default()
        };
        assert_ne!(make_shapes::<f64>(&other).unwrap().features(), a.features());
        // Noise makes non-binary pixels.
        assert!(a.features().iter().any(|&v| v != 0.0 && v != 1.0));
        for (cfg, field) in [
            (
                ShapesConfig {
                    n_samples: 0,
                    ..Default::default()
                },
                "ShapesConfig.n_samples",
            ),
            (
                ShapesConfig {
                    size: 7,
                    ..Default::default()
                },
                "ShapesConfig.size",
            ),
            (
                ShapesConfig {
                    noise: -1.0,
                    ..Default::default()
                },
                "ShapesConfig.noise",
            ),
            (
                ShapesConfig {
                    max_shift: 2.5,
                    ..Default::default()
                },
                "ShapesConfig.max_shift",
            ),
            (
                ShapesConfig {
                    size: usize::MAX / 2,
                    ..Default::default()
                },
                "ShapesConfig.size",
            ),
        ] {
            match make_shapes::<f32>(&cfg) {
                Err(Error::Config { parameter, .. }) => assert_eq!(parameter, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }
}
