//! A fitted tree's rules as text (scikit-learn's `tree.export_text`).

use std::fmt::Write;

use super::decision_tree::argmax;
use super::FittedTree;
use crate::{Error, Result};

/// How [`export_text`] writes a tree: scikit-learn's defaults are `feature_i` names, class
/// labels as numbers, branches below depth 10 truncated, 3 spaces of indent, 2 decimals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextOptions {
    /// One name per feature (`feature_0`, … when empty).
    pub feature_names: Vec<String>,
    /// One name per class of a classifier (the labels when empty).
    pub class_names: Vec<String>,
    /// Deeper branches are written as `truncated branch of depth d`.
    pub max_depth: usize,
    /// The width of one indent level.
    pub spacing: usize,
    /// Decimals of thresholds and values.
    pub decimals: usize,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            feature_names: Vec::new(),
            class_names: Vec::new(),
            max_depth: 10,
            spacing: 3,
            decimals: 2,
        }
    }
}

/// The rules of `tree`, one line per node, as scikit-learn's `export_text` writes them.
///
/// ```
/// use tuneup::explain::{export_text, DecisionTree, TextOptions};
/// let x = ndarray::array![[1.0], [2.0], [3.0], [4.0]];
/// let tree = DecisionTree::classifier().fit_classifier(x.view(), &[0, 0, 1, 1])?;
/// let text = export_text(&tree, &TextOptions::default())?;
/// assert_eq!(text, "|--- feature_0 <= 2.50\n|   |--- class: 0\n|--- feature_0 >  2.50\n|   |--- class: 1\n");
/// # Ok::<(), tuneup::Error>(())
/// ```
///
/// # Errors
/// [`Error::Shape`] when names are given but not one per feature (or class); [`Error::Config`]
/// for a spacing of 0.
pub fn export_text(tree: &FittedTree, options: &TextOptions) -> Result<String> {
    let names = &options.feature_names;
    if !names.is_empty() && names.len() != tree.n_features {
        return Err(Error::shape(
            "export_text",
            format!("{} feature names", tree.n_features),
            names.len(),
        ));
    }
    let classes = tree.classes.as_deref().unwrap_or(&[]);
    if !options.class_names.is_empty() && options.class_names.len() != classes.len() {
        return Err(Error::shape(
            "export_text",
            format!("{} class names", classes.len()),
            options.class_names.len(),
        ));
    }
    if options.spacing == 0 {
        return Err(Error::config("TextOptions.spacing", 0, "at least 1"));
    }
    let mut out = String::new();
    write_node(tree, options, 0, 1, &mut out);
    Ok(out)
}

/// Writes node `id` at `depth` (the root's children at depth 1) and its subtree.
fn write_node(tree: &FittedTree, o: &TextOptions, id: usize, depth: usize, out: &mut String) {
    let unit = format!("|{}", " ".repeat(o.spacing));
    let mut indent = unit.repeat(depth);
    indent.truncate(indent.len() - o.spacing);
    indent.push_str(&"-".repeat(o.spacing));
    let node = &tree.nodes[id];
    if depth > o.max_depth + 1 {
        let below = subtree_depth(tree, id);
        if below != 1 {
            let _ = writeln!(out, "{indent} truncated branch of depth {below}");
            return;
        }
    }
    match node.feature {
        Some(f) if depth <= o.max_depth + 1 => {
            let name = o
                .feature_names
                .get(f)
                .cloned()
                .unwrap_or_else(|| format!("feature_{f}"));
            let threshold = format!("{:.*}", o.decimals, node.threshold);
            let _ = writeln!(out, "{indent} {name} <= {threshold}");
            write_node(tree, o, node.left, depth + 1, out);
            let _ = writeln!(out, "{indent} {name} >  {threshold}");
            write_node(tree, o, node.right, depth + 1, out);
        }
        _ => write_leaf(tree, o, id, &indent, out),
    }
}

/// `class: c` for a classifier, `value: [v]` for a regressor.
fn write_leaf(tree: &FittedTree, o: &TextOptions, id: usize, indent: &str, out: &mut String) {
    let value = &tree.nodes[id].value;
    match &tree.classes {
        Some(classes) => {
            let k = argmax(value);
            let name = o
                .class_names
                .get(k)
                .cloned()
                .unwrap_or_else(|| classes[k].to_string());
            let _ = writeln!(out, "{indent} class: {name}");
        }
        None => {
            let _ = writeln!(out, "{indent} value: [{:.*}]", o.decimals, value[0]);
        }
    }
}

/// The number of levels below and including `id` (a leaf has depth 1).
fn subtree_depth(tree: &FittedTree, id: usize) -> usize {
    let node = &tree.nodes[id];
    match node.feature {
        None => 1,
        Some(_) => 1 + subtree_depth(tree, node.left).max(subtree_depth(tree, node.right)),
    }
}
