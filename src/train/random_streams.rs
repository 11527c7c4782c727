//! The seeds of every random stream a run draws from, beyond the model's own (Dropout keeps
//! its seed as a state counter): the trainer's shuffles and split, each augmenter's stream and
//! adversarial training's. A checkpoint carries them, so a trainer built with other seeds
//! resumes exactly.

use super::checkpoint::Checkpoint;
use crate::data::{AdversarialTraining, Augmenter};
use crate::{Error, Float, Result};

const AUGMENTERS_KEY: &str = "trainer.augmenter_seeds";
const ADVERSARIAL_KEY: &str = "trainer.adversarial_seeds";
const STEPS_KEY: &str = "trainer.optimizer_steps";

/// Where a run's random streams are, borrowed from a trainer (what callbacks see; nothing is
/// copied until a checkpoint is written).
pub(crate) struct StreamSource<'a, F: Float> {
    pub(crate) seed: u64,
    pub(crate) augmenters: &'a [Box<dyn Augmenter<F>>],
    pub(crate) adversarial: Option<&'a AdversarialTraining>,
    pub(crate) steps: u64,
}

impl<F: Float> StreamSource<'_, F> {
    /// The seeds, copied.
    pub(crate) fn streams(&self) -> RandomStreams {
        RandomStreams::of(self.seed, self.augmenters, self.adversarial, self.steps)
    }
}

/// The seeds of a run's random streams, and its optimizer step count.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct RandomStreams {
    /// The trainer's seed (shuffles, validation split, adversarial rows' stream position).
    pub(crate) seed: Option<u64>,
    /// Each augmenter's stream seed, in order (`None` for one without randomness).
    pub(crate) augmenters: Option<Vec<Option<u64>>>,
    /// Adversarial training's row seed and PGD random-start seed.
    pub(crate) adversarial: Option<(u64, Option<u64>)>,
    /// Optimizer steps taken in the run.
    pub(crate) steps: Option<u64>,
}

impl RandomStreams {
    /// The streams of a running trainer.
    pub(crate) fn of<F: Float>(
        seed: u64,
        augmenters: &[Box<dyn Augmenter<F>>],
        adversarial: Option<&AdversarialTraining>,
        steps: u64,
    ) -> Self {
        RandomStreams {
            seed: Some(seed),
            augmenters: Some(augmenters.iter().map(|a| a.stream_seed()).collect()),
            adversarial: adversarial.map(|a| a.stream_seeds()),
            steps: Some(steps),
        }
    }

    /// Writes the streams into a checkpoint.
    pub(crate) fn write(&self, mut ckpt: Checkpoint) -> Checkpoint {
        if let Some(seed) = self.seed {
            ckpt = ckpt.with_rng(seed, self.steps.unwrap_or(0));
        }
        if let Some(steps) = self.steps {
            ckpt = ckpt.with_metadata(STEPS_KEY, steps.to_string());
        }
        if let Some(list) = &self.augmenters {
            ckpt = ckpt.with_metadata(AUGMENTERS_KEY, seed_list(list));
        }
        if let Some((rows, start)) = self.adversarial {
            ckpt = ckpt.with_metadata(ADVERSARIAL_KEY, seed_list(&[Some(rows), start]));
        }
        ckpt
    }

    /// Reads what a checkpoint holds of the streams (older checkpoints hold less).
    pub(crate) fn from_checkpoint(ckpt: &Checkpoint) -> Result<Self> {
        let text = |key: &str| ckpt.metadata.get(key);
        let augmenters = text(AUGMENTERS_KEY)
            .map(|t| parse_list(t, AUGMENTERS_KEY))
            .transpose()?;
        let adversarial = match text(ADVERSARIAL_KEY) {
            None => None,
            Some(t) => match parse_list(t, ADVERSARIAL_KEY)?.as_slice() {
                [Some(rows), start] => Some((*rows, *start)),
                _ => return Err(bad(ADVERSARIAL_KEY, t)),
            },
        };
        let steps = match text(STEPS_KEY) {
            None => None,
            Some(t) => Some(t.parse::<u64>().map_err(|_| bad(STEPS_KEY, t))?),
        };
        Ok(RandomStreams {
            seed: ckpt.seed,
            augmenters,
            adversarial,
            steps,
        })
    }

    /// Checks that the streams fit a trainer with `augmenters` augmenters and (or without)
    /// adversarial training.
    pub(crate) fn check_fits(&self, augmenters: usize, adversarial: bool) -> Result<()> {
        if let Some(list) = self.augmenters.as_ref().filter(|l| l.len() != augmenters) {
            return Err(Error::value(
                "Trainer::restore_checkpoint",
                format!("a checkpoint of a run with {augmenters} augmenters, like this trainer"),
                format!("{} augmenter seeds", list.len()),
            ));
        }
        if self.adversarial.is_some() && !adversarial {
            return Err(Error::value(
                "Trainer::restore_checkpoint",
                "a trainer with adversarial training, as the checkpoint's run had",
                "a trainer without it",
            ));
        }
        Ok(())
    }
}

/// `7,-,9`: seeds, `-` for none.
fn seed_list(seeds: &[Option<u64>]) -> String {
    let parts: Vec<String> = seeds
        .iter()
        .map(|s| s.map_or_else(|| "-".to_string(), |v| v.to_string()))
        .collect();
    parts.join(",")
}

fn parse_list(text: &str, key: &str) -> Result<Vec<Option<u64>>> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|p| match p {
            "-" => Ok(None),
            v => v.parse::<u64>().map(Some).map_err(|_| bad(key, text)),
        })
        .collect()
}

fn bad(key: &str, text: &str) -> Error {
    let shown: String = text.chars().take(40).collect();
    Error::value(
        "Checkpoint metadata",
        format!("`{key}` as comma-separated seeds"),
        format!("\"{shown}\""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_lists_round_trip() {
        let list = [Some(7), None, Some(u64::MAX)];
        assert_eq!(parse_list(&seed_list(&list), "k").unwrap(), list);
        assert_eq!(parse_list("", "k").unwrap(), Vec::<Option<u64>>::new());
        assert!(parse_list("7,x", "k").is_err());
    }
}
