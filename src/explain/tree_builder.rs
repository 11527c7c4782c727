//! Growing a CART tree: scikit-learn's best splitter with its depth-first builder, or its
//! best-first builder under `max_leaf_nodes`.

use ndarray::Array2;

use super::{DecisionTree, TreeNode};

/// Values closer than this are one value to the splitter (scikit-learn's `FEATURE_THRESHOLD`).
const FEATURE_THRESHOLD: f32 = 1e-7;

/// The targets a tree is grown on.
pub(crate) enum Labels<'a> {
    /// Class indices and the number of classes.
    Classes(&'a [usize], usize),
    /// Regression targets.
    Values(&'a [f64]),
}

impl Labels<'_> {
    /// Class counts, or `[n, Σy, Σy²]`, of the rows `rows`.
    fn stats(&self, rows: &[usize]) -> Vec<f64> {
        let mut s = vec![0.0; self.width()];
        rows.iter().for_each(|&r| self.add(&mut s, r, 1.0));
        s
    }

    fn width(&self) -> usize {
        match self {
            Labels::Classes(_, k) => *k,
            Labels::Values(_) => 3,
        }
    }

    fn add(&self, stats: &mut [f64], row: usize, sign: f64) {
        match self {
            Labels::Classes(y, _) => stats[y[row]] += sign,
            Labels::Values(y) => {
                stats[0] += sign;
                stats[1] += sign * y[row];
                stats[2] += sign * y[row] * y[row];
            }
        }
    }

    /// A leaf's value: class fractions or the mean.
    fn value(&self, stats: &[f64]) -> Vec<f64> {
        match self {
            Labels::Classes(..) => {
                let n: f64 = stats.iter().sum();
                stats.iter().map(|c| c / n).collect()
            }
            Labels::Values(_) => vec![stats[1] / stats[0]],
        }
    }
}

/// The best split of a node.
struct Split {
    feature: usize,
    threshold: f64,
    left: Vec<usize>,
    right: Vec<usize>,
    improvement: f64,
}

/// Everything growing a tree needs.
struct Grower<'a> {
    settings: &'a DecisionTree,
    features: &'a Array2<f32>,
    labels: &'a Labels<'a>,
    total: f64,
    nodes: Vec<TreeNode>,
}

/// Grows the tree on `features` (one row per feature) and returns its nodes, root first.
pub(crate) fn build(
    settings: &DecisionTree,
    features: &Array2<f32>,
    labels: &Labels<'_>,
) -> Vec<TreeNode> {
    let rows: Vec<usize> = (0..features.ncols()).collect();
    let mut grower = Grower {
        settings,
        features,
        labels,
        total: rows.len() as f64,
        nodes: Vec::new(),
    };
    match settings.max_leaf_nodes {
        None => {
            grower.depth_first(rows, 0);
        }
        Some(leaves) => grower.best_first(rows, leaves),
    }
    grower.nodes
}

impl Grower<'_> {
    /// Adds a node for `rows` and returns its index and best split (`None` for a leaf).
    fn add_node(&mut self, rows: &[usize], depth: usize) -> (usize, Option<Split>) {
        let stats = self.labels.stats(rows);
        let impurity = self.settings.criterion.impurity(&stats);
        let s = self.settings;
        let too_small = rows.len() < s.min_samples_split || rows.len() < 2 * s.min_samples_leaf;
        let leaf = s.max_depth.is_some_and(|d| depth >= d) || too_small || impurity <= f64::EPSILON;
        let split = if leaf {
            None
        } else {
            self.best_split(rows, &stats, impurity)
        };
        self.nodes.push(TreeNode {
            feature: None,
            threshold: -2.0,
            left: usize::MAX,
            right: usize::MAX,
            value: self.labels.value(&stats),
            impurity,
            n_samples: rows.len(),
        });
        (self.nodes.len() - 1, split)
    }

    /// Makes node `id` an inner node with children `left` and `right`.
    fn link(&mut self, id: usize, split: &Split, left: usize, right: usize) {
        let node = &mut self.nodes[id];
        node.feature = Some(split.feature);
        node.threshold = split.threshold;
        node.left = left;
        node.right = right;
    }

    /// Pre-order growth, left subtree first.
    fn depth_first(&mut self, rows: Vec<usize>, depth: usize) -> usize {
        let (id, split) = self.add_node(&rows, depth);
        if let Some(split) = split {
            let left = self.depth_first(split.left.clone(), depth + 1);
            let right = self.depth_first(split.right.clone(), depth + 1);
            self.link(id, &split, left, right);
        }
        id
    }

    /// Splits the frontier node of largest impurity decrease until `max_leaves` leaves.
    fn best_first(&mut self, rows: Vec<usize>, max_leaves: usize) {
        let mut frontier = vec![(self.add_node(&rows, 0), 0usize)];
        let mut splits_left = max_leaves - 1;
        while !frontier.is_empty() {
            let best = (0..frontier.len()).fold(0, |b, i| {
                let gain = |i: usize| {
                    frontier[i]
                        .0
                         .1
                        .as_ref()
                        .map_or(0.0, |s: &Split| s.improvement)
                };
                if gain(i) > gain(b) {
                    i
                } else {
                    b
                }
            });
            let ((id, split), depth) = frontier.swap_remove(best);
            let Some(split) = split.filter(|_| splits_left > 0) else {
                continue;
            };
            let left = self.add_node(&split.left, depth + 1);
            let right = self.add_node(&split.right, depth + 1);
            self.link(id, &split, left.0, right.0);
            frontier.push((left, depth + 1));
            frontier.push((right, depth + 1));
            splits_left -= 1;
        }
    }

    /// The split of `rows` with the best proxy improvement over every feature.
    fn best_split(&self, rows: &[usize], stats: &[f64], impurity: f64) -> Option<Split> {
        let criterion = self.settings.criterion;
        let min_leaf = self.settings.min_samples_leaf;
        let mut best: Option<(f64, usize, usize)> = None;
        for f in 0..self.features.nrows() {
            let column = self.features.row(f);
            let sorted = self.sorted(rows, f);
            let (lo, hi) = (column[sorted[0]], column[sorted[sorted.len() - 1]]);
            if hi <= lo + FEATURE_THRESHOLD {
                continue;
            }
            let mut left = vec![0.0; stats.len()];
            let mut right = stats.to_vec();
            for p in 1..sorted.len() {
                self.labels.add(&mut left, sorted[p - 1], 1.0);
                self.labels.add(&mut right, sorted[p - 1], -1.0);
                if column[sorted[p]] <= column[sorted[p - 1]] + FEATURE_THRESHOLD
                    || p < min_leaf
                    || sorted.len() - p < min_leaf
                {
                    continue;
                }
                let proxy = criterion.proxy(&left, &right);
                if best.as_ref().is_none_or(|b| proxy > b.0) {
                    best = Some((proxy, f, p));
                }
            }
        }
        let (_, feature, p) = best?;
        Some(self.make_split(feature, p, self.sorted(rows, feature), impurity))
    }

    /// `rows` in increasing order of feature `f` (a stable sort).
    fn sorted(&self, rows: &[usize], f: usize) -> Vec<usize> {
        let column = self.features.row(f);
        let mut sorted = rows.to_vec();
        sorted.sort_by(|&a, &b| column[a].total_cmp(&column[b]));
        sorted
    }

    /// The split of `sorted` (rows in order of `feature`) before position `p`.
    fn make_split(&self, feature: usize, p: usize, mut sorted: Vec<usize>, impurity: f64) -> Split {
        let column = self.features.row(feature);
        let (a, b) = (
            f64::from(column[sorted[p - 1]]),
            f64::from(column[sorted[p]]),
        );
        let mut threshold = a / 2.0 + b / 2.0;
        if threshold == b || threshold.is_infinite() {
            threshold = a;
        }
        let right = sorted.split_off(p);
        let criterion = self.settings.criterion;
        let (ls, rs) = (self.labels.stats(&sorted), self.labels.stats(&right));
        let (wl, wr) = (criterion.weight(&ls), criterion.weight(&rs));
        let w = wl + wr;
        let improvement = (w / self.total)
            * (impurity - wr / w * criterion.impurity(&rs) - wl / w * criterion.impurity(&ls));
        Split {
            feature,
            threshold,
            left: sorted,
            right,
            improvement,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_first_keeps_the_largest_decrease() {
        // Column 0 separates the classes perfectly; with two leaves that split comes first.
        let features = ndarray::array![
            [0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0],
            [5.0, 3.0, 1.0, 0.0, 2.0, 4.0]
        ];
        let y = [0usize, 0, 0, 1, 1, 1];
        let settings = DecisionTree::classifier().max_leaf_nodes(2).unwrap();
        let nodes = build(&settings, &features, &Labels::Classes(&y, 2));
        assert_eq!(nodes.len(), 3);
        assert_eq!((nodes[0].feature, nodes[0].threshold), (Some(0), 2.5));
        assert!(nodes[1..].iter().all(|n| n.impurity == 0.0));
    }
}
