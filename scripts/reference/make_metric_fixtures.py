#!/usr/bin/env python3
"""Reference values of sklearn.metrics for tests/parity_metrics.rs.

Regenerate with (the environment is made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_metric_fixtures.py

Writes tests/fixtures/metrics.json. Each classification case holds y_true and y_pred (class
labels), optional scores (binary) or proba (one column per class), and the metrics computed by
scikit-learn; each regression case holds y_true, y_pred and the regression metrics. Arrays are
{"shape": [...], "data": [...]} in row-major order, float64.

Cases: binary with tied scores, binary with integer-valued scores (many ties), multi-class with
4 classes, multi-class with a class that is never predicted, heavily unbalanced classes (the
weighted average differs most from the macro one), labels that are not 0..k, regression, and
regression with a constant target (R² edge cases).
"""

import json
import os
import warnings

import numpy as np
import sklearn
from sklearn import metrics as m

warnings.simplefilter("ignore")  # zero-division and single-class warnings are expected

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "metrics.json")
rng = np.random.default_rng(20261128)


def arr(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(x) for x in a.ravel()]}


def labels(a):
    return [int(x) for x in a]


def label_metrics(y_true, y_pred):
    out = {
        "accuracy": m.accuracy_score(y_true, y_pred),
        "balanced_accuracy": m.balanced_accuracy_score(y_true, y_pred),
        "confusion_labels": labels(np.unique(np.concatenate([y_true, y_pred]))),
        "confusion": arr(m.confusion_matrix(y_true, y_pred)),
        "report": m.classification_report(y_true, y_pred),
        "report_3": m.classification_report(y_true, y_pred, digits=3),
    }
    for avg in ["micro", "macro", "weighted"]:
        out[f"precision_{avg}"] = m.precision_score(y_true, y_pred, average=avg)
        out[f"recall_{avg}"] = m.recall_score(y_true, y_pred, average=avg)
        out[f"f1_{avg}"] = m.f1_score(y_true, y_pred, average=avg)
    p, r, f, s = m.precision_recall_fscore_support(y_true, y_pred, average=None)
    out["per_class"] = {"precision": arr(p), "recall": arr(r), "f1": arr(f), "support": labels(s)}
    # Given labels: a reversed subset plus a label that never occurs.
    present = np.unique(np.concatenate([y_true, y_pred]))
    given = [int(present[-1]), int(present[0]), int(present.max() + 7)]
    out["given_labels"] = given
    out["confusion_given"] = arr(m.confusion_matrix(y_true, y_pred, labels=given))
    p, r, f, s = m.precision_recall_fscore_support(y_true, y_pred, labels=given, average=None)
    out["per_class_given"] = {
        "precision": arr(p), "recall": arr(r), "f1": arr(f), "support": labels(s),
    }
    return out


def binary_case(name, y_true, scores):
    y_true = np.asarray(y_true)
    scores = np.asarray(scores, dtype=np.float64)
    proba = 1.0 / (1.0 + np.exp(-scores))
    y_pred = (proba >= 0.5).astype(int)
    case = {"name": name, "kind": "binary", "y_true": labels(y_true), "y_pred": labels(y_pred),
            "scores": arr(scores), "proba": arr(proba)}
    case.update(label_metrics(y_true, y_pred))
    for pos in [0, 1]:
        case[f"precision_binary_{pos}"] = m.precision_score(y_true, y_pred, pos_label=pos)
        case[f"recall_binary_{pos}"] = m.recall_score(y_true, y_pred, pos_label=pos)
        case[f"f1_binary_{pos}"] = m.f1_score(y_true, y_pred, pos_label=pos)
    case["roc_auc"] = m.roc_auc_score(y_true, scores)
    case["average_precision"] = m.average_precision_score(y_true, scores)
    case["log_loss"] = m.log_loss(y_true, proba, labels=[0, 1])
    case["brier"] = m.brier_score_loss(y_true, proba)
    return case


def multiclass_case(name, y_true, y_pred, proba=None):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    case = {"name": name, "kind": "multiclass", "y_true": labels(y_true), "y_pred": labels(y_pred)}
    case.update(label_metrics(y_true, y_pred))
    if proba is not None:
        k = proba.shape[1]
        case["proba"] = arr(proba)
        case["log_loss"] = m.log_loss(y_true, proba, labels=list(range(k)))
        if len(np.unique(y_true)) == k:
            for avg in ["macro", "weighted"]:
                case[f"roc_auc_ovr_{avg}"] = m.roc_auc_score(
                    y_true, proba, multi_class="ovr", average=avg)
    return case


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


cases = []

# Binary, 60 samples, scores rounded to 1 decimal so that many are tied across classes.
y = rng.integers(0, 2, 60)
s = np.round(rng.normal(size=60) + 1.2 * y - 0.5, 1)
cases.append(binary_case("binary_ties", y, s))

# Binary, integer scores in {-1, 0, 1, 2}: few distinct thresholds, heavy ties; one
# positive gets probability exactly 0 and a negative exactly 1 (confident mistakes: the
# clipping decides the log loss), and a positive gets exactly 1.
y = rng.integers(0, 2, 40)
s = rng.integers(-1, 3, 40).astype(float) + y * rng.integers(0, 2, 40)
c = binary_case("binary_integer_scores", y, s)
proba = np.asarray(c["proba"]["data"])
pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
proba[pos[0]], proba[neg[0]], proba[pos[1]] = 0.0, 1.0, 1.0
c["proba"] = arr(proba)
c["log_loss"] = m.log_loss(y, proba, labels=[0, 1])
c["brier"] = m.brier_score_loss(y, proba)
cases.append(c)

# Binary, untied continuous scores.
y = rng.integers(0, 2, 200)
s = rng.normal(size=200) + 0.8 * y
cases.append(binary_case("binary_continuous", y, s))

# Multi-class, 4 classes, probabilities from noisy logits; predictions are the argmax.
n, k = 120, 4
y = rng.integers(0, k, n)
z = rng.normal(size=(n, k))
z[np.arange(n), y] += 1.5
p = softmax(z)
cases.append(multiclass_case("multiclass_4", y, p.argmax(axis=1), p))

# Multi-class with ties in the probability columns (rounded, then renormalised exactly on
# the last column so that rows sum to 1).
p2 = np.round(p, 1)
p2[:, -1] = 1.0 - p2[:, :-1].sum(axis=1)
p2 = np.clip(p2, 0.0, 1.0)
p2[:, -1] = 1.0 - p2[:, :-1].sum(axis=1)
ok = (p2 >= 0).all(axis=1)
cases.append(multiclass_case("multiclass_4_ties", y[ok], p2[ok].argmax(axis=1), p2[ok]))

# Class 3 is never predicted (its precision is a zero division).
y = rng.integers(0, 4, 50)
pred = np.where(y == 3, rng.integers(0, 3, 50), y)
noise = rng.random(50) < 0.3
pred[noise] = rng.integers(0, 3, noise.sum())
z = rng.normal(size=(50, 4))
z[np.arange(50), y] += 1.0
cases.append(multiclass_case("class_never_predicted", y, pred, softmax(z)))

# Heavily unbalanced: 90 / 8 / 2 samples, weighted averages far from macro ones.
y = np.array([0] * 90 + [1] * 8 + [2] * 2)
pred = y.copy()
pred[rng.choice(90, 6, replace=False)] = 1
pred[90:93] = 0
pred[98] = 1
z = rng.normal(size=(100, 3))
z[np.arange(100), y] += 2.0
cases.append(multiclass_case("unbalanced", y, pred, softmax(z)))

# Labels that are not 0..k, and a label only predicted (never true).
y = rng.choice([2, 5, 9], 30)
pred = np.where(rng.random(30) < 0.7, y, rng.choice([2, 5, 9, 11], 30))
cases.append(multiclass_case("sparse_labels", y, pred))


def regression_case(name, y_true, y_pred):
    return {"name": name, "y_true": arr(y_true), "y_pred": arr(y_pred),
            "mse": m.mean_squared_error(y_true, y_pred),
            "rmse": m.root_mean_squared_error(y_true, y_pred),
            "mae": m.mean_absolute_error(y_true, y_pred),
            "r2": m.r2_score(y_true, y_pred)}


yt = rng.normal(size=80) * 3.0 + 1.0
regression = [
    regression_case("regression", yt, yt + rng.normal(size=80) * 0.7),
    regression_case("regression_bad", yt, rng.normal(size=80) * 5.0),
    regression_case("constant_exact", np.full(5, 2.5), np.full(5, 2.5)),
    regression_case("constant_off", np.full(5, 2.5), np.array([2.5, 2.5, 2.5, 2.5, 3.0])),
]

with open(OUT, "w") as f:
    json.dump({"sklearn_version": sklearn.__version__, "classification": cases,
               "regression": regression}, f)
    f.write("\n")
print(f"wrote {OUT}: {len(cases)} classification and {len(regression)} regression cases")
