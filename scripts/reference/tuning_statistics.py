#!/usr/bin/env python3
"""Reference values of the tuning-effect tests for tests/tune_compare.rs.

Regenerate with (the environment is made by scripts/reference/setup-python.sh):

    /work/venv-ref/bin/python scripts/reference/tuning_statistics.py

Writes tests/fixtures/tuning_statistics.json with:

* five_by_two: recorded 5x2 score matrices of two models (random but fixed, with ties, a
  negative t and a small p) and mlxtend's paired_ttest_5x2cv and combined_ftest_5x2cv on them.
  mlxtend takes estimators, so dummy estimators are used whose scorer returns the recorded
  scores in the order mlxtend asks for them (estimator 1 then 2, fold 1 then fold 2);
* mcnemar: labels and two prediction vectors, mlxtend's mcnemar_table of them, and
  mlxtend's mcnemar (corrected chi2, uncorrected chi2, exact) on several tables (tiny b + c,
  b = c, large counts, a very small p);
* resampled: differences with n_train / n_test and the Nadeau-Bengio corrected resampled
  t-test computed with NumPy and scipy.stats.t (no mlxtend function exists for it);
* bootstrap: data, scipy.stats.bootstrap's bootstrap_distribution and its percentile and BCa
  confidence intervals for the same distribution;
* split_sizes: the train/test sizes mlxtend's 5x2cv uses for odd and even n;
* degenerate: what mlxtend returns for zero variance and b + c = 0 (documented, not matched).
"""

import json
import os
import warnings

import mlxtend
import numpy as np
import scipy
from mlxtend.evaluate import combined_ftest_5x2cv, mcnemar, mcnemar_table, paired_ttest_5x2cv
from scipy import stats

OUT = os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "fixtures", "tuning_statistics.json"
)
rng = np.random.default_rng(20261202)


class Dummy:
    """An 'estimator' whose fit does nothing; a scorer below hands out recorded scores."""

    def __init__(self, name):
        self.name = name

    def fit(self, X, y):
        return self


def recorded_scorer(scores_a, scores_b, est_a):
    """A scorer returning scores_a / scores_b in mlxtend's call order (row-major)."""
    queues = {"a": list(np.ravel(scores_a)), "b": list(np.ravel(scores_b))}

    def scorer(estimator, X, y):
        return float(queues["a" if estimator is est_a else "b"].pop(0))

    return scorer


def mlxtend_5x2(scores_a, scores_b):
    X = np.arange(20, dtype=float).reshape(10, 2)
    y = np.arange(10) % 2
    out = {}
    for name, fn in (("t", paired_ttest_5x2cv), ("f", combined_ftest_5x2cv)):
        a, b = Dummy("a"), Dummy("b")
        stat, p = fn(a, b, X, y, scoring=recorded_scorer(scores_a, scores_b, a), random_seed=1)
        out[name] = {"statistic": stat, "p_value": p}
    return out


def five_by_two_cases():
    cases = []
    base = rng.uniform(0.7, 0.9, size=(5, 2))
    specs = [
        ("b_better_negative_t", base, base + rng.normal(0.02, 0.01, size=(5, 2))),
        ("a_better", base + rng.normal(0.03, 0.01, size=(5, 2)), base),
        ("no_difference", base, base + rng.normal(0.0, 0.02, size=(5, 2))),
        # ties: accuracies on 50 samples (multiples of 0.02), many equal differences
        ("ties", np.round(base * 50) / 50, np.round((base + 0.02) * 50) / 50
         + np.array([[0, 0.02], [0, 0], [0.02, 0], [0, 0], [0, -0.02]])),
        ("small_p", base, base + 0.1 + rng.normal(0, 0.002, size=(5, 2))),
        ("large_scores", 1000 * base, 1000 * base - 5 + rng.normal(0, 1, size=(5, 2))),
    ]
    for name, a, b in specs:
        ref = mlxtend_5x2(a, b)
        cases.append({"name": name, "scores_a": a.tolist(), "scores_b": b.tolist(), **ref})
    return cases


def mcnemar_cases():
    y = rng.integers(0, 3, size=200)
    pred_a = np.where(rng.random(200) < 0.75, y, (y + 1) % 3)
    pred_b = np.where(rng.random(200) < 0.85, y, (y + 2) % 3)
    table = mcnemar_table(y_target=y, y_model1=pred_a, y_model2=pred_b)
    labelled = {
        "y_true": y.tolist(),
        "pred_a": pred_a.tolist(),
        "pred_b": pred_b.tolist(),
        "table": table.tolist(),
    }
    tables = [
        table.tolist(),
        [[101, 121], [59, 33]],  # mlxtend's user-guide example
        [[9945, 25], [15, 15]],
        [[10, 1], [0, 5]],  # tiny b + c
        [[10, 3], [3, 5]],  # b = c
        [[50, 2], [30, 10]],  # small p
        [[0, 1000], [900, 0]],
        [[5, 0], [7, 1]],  # b = 0
    ]
    results = []
    for t in tables:
        ary = np.array(t)
        corr = mcnemar(ary, corrected=True, exact=False)
        unc = mcnemar(ary, corrected=False, exact=False)
        ex = mcnemar(ary, exact=True)
        results.append({
            "table": t,
            "corrected": {"statistic": float(corr[0]), "p_value": float(corr[1])},
            "uncorrected": {"statistic": float(unc[0]), "p_value": float(unc[1])},
            "exact": {"p_value": float(ex[1])},
        })
    return labelled, results


def corrected_resampled(d, n_train, n_test):
    d = np.asarray(d, dtype=float)
    j = len(d)
    t = d.mean() / np.sqrt((1 / j + n_test / n_train) * d.var(ddof=1))
    return float(t), float(2 * stats.t.sf(abs(t), j - 1))


def resampled_cases():
    cases = []
    for name, d, n_train, n_test in [
        ("ten_rounds", rng.normal(0.01, 0.02, 10), 90, 10),
        ("thirty_rounds", rng.normal(-0.02, 0.03, 30), 70, 30),
        ("small_p", rng.normal(0.05, 0.005, 30), 700, 300),
        ("two_rounds", [0.1, 0.3], 50, 50),
    ]:
        t, p = corrected_resampled(d, n_train, n_test)
        cases.append({"name": name, "differences": list(map(float, d)), "n_train": n_train,
                      "n_test": n_test, "statistic": t, "p_value": p})
    return cases


def bootstrap_cases():
    cases = []
    for name, data, conf in [
        ("normal_40", rng.normal(0.03, 0.1, 40), 0.95),
        ("skewed_25", rng.exponential(1.0, 25) - 0.5, 0.9),
        ("correctness", rng.choice([-1.0, 0.0, 1.0], size=60, p=[0.1, 0.7, 0.2]), 0.95),
    ]:
        out = {"name": name, "data": list(map(float, data)), "confidence": conf}
        for method in ("percentile", "BCa"):
            res = stats.bootstrap((data,), np.mean, n_resamples=999, confidence_level=conf,
                                  method=method, rng=np.random.default_rng(7))
            means = list(map(float, res.bootstrap_distribution))
            assert out.setdefault("means", means) == means  # one rng seed, one distribution
            ci = res.confidence_interval
            out[method.lower()] = [float(ci.low), float(ci.high)]
        cases.append(out)
    return cases


def split_sizes():
    sizes = []
    for n in (10, 11, 25):
        X = np.arange(2 * n, dtype=float).reshape(n, 2)
        y = np.arange(n) % 2
        seen = []

        class Recorder(Dummy):
            def fit(self, X, y):
                seen.append(("train", len(y)))
                return self

        def scorer(est, X, y):
            seen.append(("test", len(y)))
            return 0.5 + 0.01 * len(seen)

        paired_ttest_5x2cv(Recorder("a"), Recorder("b"), X, y, scoring=scorer, random_seed=0)
        fold1 = [s for k, s in seen[:4] if k == "train"][0], [s for k, s in seen[:4] if k == "test"][0]
        sizes.append({"n": n, "fold1_train": fold1[0], "fold1_test": fold1[1]})
    return sizes


def outcome(fn, *args, **kwargs):
    """repr of what fn returns, or of the exception it raises."""
    try:
        return repr(fn(*args, **kwargs))
    except Exception as e:  # noqa: BLE001 - the point is to record it
        return f"raises {type(e).__name__}: {e}"


def degenerate():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same = np.full((5, 2), 0.8)
        X = np.arange(20, dtype=float).reshape(10, 2)
        y = np.arange(10) % 2
        out = {}
        for label, a_scores in (("constant_shift", same + 0.05), ("equal", same)):
            for name, fn in (("t", paired_ttest_5x2cv), ("f", combined_ftest_5x2cv)):
                a, b = Dummy("a"), Dummy("b")
                out[f"five_by_two_{name}_{label}"] = outcome(
                    fn, a, b, X, y, scoring=recorded_scorer(a_scores, same, a), random_seed=1)
        zero = np.array([[10, 0], [0, 5]])
        out["mcnemar_b_c_zero_corrected"] = outcome(mcnemar, zero, corrected=True)
        out["mcnemar_b_c_zero_uncorrected"] = outcome(mcnemar, zero, corrected=False)
        out["mcnemar_b_c_zero_exact_p"] = float(mcnemar(zero, exact=True)[1])
    return out


def main():
    labelled, tables = mcnemar_cases()
    fixture = {
        "versions": {"mlxtend": mlxtend.__version__, "scipy": scipy.__version__,
                     "numpy": np.__version__},
        "five_by_two": five_by_two_cases(),
        "mcnemar_labels": labelled,
        "mcnemar": tables,
        "resampled": resampled_cases(),
        "bootstrap": bootstrap_cases(),
        "split_sizes": split_sizes(),
        "degenerate": degenerate(),
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
