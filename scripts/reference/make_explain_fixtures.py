#!/usr/bin/env python3
"""Reference values of captum, shap and scikit-learn for the explain parity tests.

Regenerate with (the environment is made by ../shared/reference/setup-python.sh):

    /work/venv-ref/bin/python scripts/reference/make_explain_fixtures.py

Writes three files under tests/fixtures/, all float64 (torch's default dtype is set to float64,
so captum's Riemann alphas are float64 too):

- explain_captum.json: small torch nets (tanh / ReLU / sigmoid, a multi-class head), their
  weights, inputs, and captum's Saliency (abs and signed), InputXGradient and
  IntegratedGradients for every method at several n_steps, with zero, scalar, row and batch
  baselines, multiply_by_inputs on and off, attributions and convergence deltas.
- explain_shap.json: nets of 4, 7 and 10 features, backgrounds of 20, 50 and 100 rows, and
  shap's Exact explainer with an Independent masker (values and base values); and shap's
  KernelExplainer on a 20-feature net (default nsamples, l1_reg=False) under 12 seeds: the
  mean and spread of its estimates.
- explain_models.json: LinearRegression and Ridge coefficients (with and without an intercept)
  and LogisticRegression (binary and multinomial, several C, solved by newton-cholesky to
  tol 1e-12).
- explain_sklearn.json: MLPRegressor / MLPClassifier weights, partial_dependence (brute, both
  kinds; the ICE curves of the first 6 rows) for one column, a low-cardinality column and a pair, and permutation_importance
  with the effective row orders of scikit-learn's shuffle stream replayed for each column.

- explain_lime.json: lime's LimeTabularExplainer (regression, default settings) on a tanh net
  under 10 seeds: mean and spread of the local weights, intercept and score (the last two
  entries).

A net is a list of layers: {"kind": "linear", "weight": (out × in), "bias": (out)},
{"kind": "tanh" | "relu" | "sigmoid" | "softmax"}. Arrays are {"shape": [...], "data": [...]}.
"""

import json
import os
import warnings

import numpy as np
import torch
import captum
import shap
import sklearn
from captum.attr import InputXGradient, IntegratedGradients, Saliency
from sklearn.inspection import partial_dependence, permutation_importance
from sklearn.neural_network import MLPClassifier, MLPRegressor

warnings.simplefilter("ignore")
torch.set_default_dtype(torch.float64)
torch.manual_seed(20261201)
rng = np.random.default_rng(20261201)
HERE = os.path.dirname(__file__)
ICE_ROWS = 6
FIXTURES = os.path.join(HERE, "..", "..", "tests", "fixtures")


def arr(a):
    if isinstance(a, torch.Tensor):
        a = a.detach().numpy()
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(x) for x in a.ravel()]}


def write(name, payload):
    with open(os.path.join(FIXTURES, name), "w") as f:
        json.dump(payload, f)
    print("wrote", name)


def torch_net(widths, acts, softmax=False):
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append({"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid}[acts[i]]())
    if softmax:
        layers.append(torch.nn.Softmax(dim=1))
    return torch.nn.Sequential(*layers).eval()


def torch_spec(net):
    spec = []
    for m in net:
        if isinstance(m, torch.nn.Linear):
            spec.append({"kind": "linear", "weight": arr(m.weight.detach()), "bias": arr(m.bias.detach())})
        else:
            spec.append({"kind": type(m).__name__.lower()})
    return spec


def captum_case(name, net, x, targets):
    xt = torch.tensor(x)
    case = {"name": name, "net": torch_spec(net), "x": arr(x), "targets": []}
    d = x.shape[1]
    baselines = {
        "zero": None,
        "scalar": 0.25,
        "row": rng.normal(size=(1, d)),
        "batch": rng.normal(size=x.shape),
    }
    for target in targets:
        t = {"target": target, "saliency_abs": arr(Saliency(net).attribute(xt, target=target)),
             "saliency_signed": arr(Saliency(net).attribute(xt, target=target, abs=False)),
             "input_x_gradient": arr(InputXGradient(net).attribute(xt, target=target)), "ig": []}
        for method in ["riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid", "gausslegendre"]:
            for n_steps in [2, 7, 50]:
                for bname, b in baselines.items():
                    for mult in [True, False]:
                        if not mult and (bname != "row" or n_steps != 7):
                            continue
                        bt = None if b is None else (b if np.isscalar(b) else torch.tensor(b))
                        ig = IntegratedGradients(net, multiply_by_inputs=mult)
                        attr, delta = ig.attribute(xt, baselines=bt, target=target, n_steps=n_steps,
                                                   method=method, return_convergence_delta=True)
                        t["ig"].append({"method": method, "n_steps": n_steps, "baseline": bname,
                                        "baseline_value": None if b is None else (b if np.isscalar(b) else arr(b)),
                                        "multiply_by_inputs": mult,
                                        "attributions": arr(attr.detach()), "delta": arr(delta.detach())})
        case["targets"].append(t)
    return case


def captum_fixtures():
    multi = torch_net([5, 8, 6, 3], ["tanh", "relu"])
    single = torch_net([4, 6, 1], ["sigmoid"])
    cases = [
        captum_case("multi_class_tanh_relu", multi, rng.normal(size=(4, 5)), [0, 2, [1, 0, 2, 1]]),
        captum_case("single_output_sigmoid", single, rng.normal(size=(3, 4)), [0]),
    ]
    write("explain_captum.json", {"captum": captum.__version__, "torch": torch.__version__, "cases": cases})


def shap_fixtures():
    cases = []
    for m, n_bg, output, acts in [(4, 20, 0, ["tanh"]), (7, 50, 1, ["relu", "tanh"]), (10, 100, 0, ["sigmoid"])]:
        widths = [m, 6, 2] if len(acts) == 1 else [m, 6, 5, 2]
        net = torch_net(widths, acts)
        background = rng.normal(size=(n_bg, m))
        x = rng.normal(size=(3, m)) * 1.5

        def f(data, net=net, output=output):
            with torch.no_grad():
                return net(torch.tensor(data)).numpy()[:, output]

        explainer = shap.explainers.Exact(f, shap.maskers.Independent(background, max_samples=100))
        e = explainer(x)
        cases.append({"name": f"m{m}_bg{n_bg}", "net": torch_spec(net), "output": output,
                      "background": arr(background), "x": arr(x),
                      "values": arr(e.values), "base_values": arr(e.base_values)})
    write("explain_shap.json", {"shap": shap.__version__, "cases": cases, "kernel_m20": kernel_spread()})


def kernel_spread(seeds=12):
    """shap's KernelExplainer at M = 20 (default nsamples, l1_reg=False) under several numpy
    seeds: the mean and standard deviation of its estimates."""
    own = np.random.default_rng(20261202)  # its own stream: the other fixtures stay as they were
    torch.manual_seed(20261202)
    net = torch_net([20, 8, 1], ["tanh"])
    background = own.normal(size=(20, 20))
    x = own.normal(size=(2, 20))

    def f(data):
        with torch.no_grad():
            return net(torch.tensor(data)).numpy()[:, 0]

    explainer = shap.KernelExplainer(f, background)
    runs = []
    for seed in range(seeds):
        np.random.seed(seed)
        runs.append(explainer.shap_values(x, l1_reg=False, silent=True))
    runs = np.array(runs)
    return {"net": torch_spec(net), "background": arr(background), "x": arr(x),
            "base_value": float(explainer.expected_value),
            "mean": arr(runs.mean(axis=0)), "std": arr(runs.std(axis=0)), "seeds": seeds}


def mlp_spec(mlp, final):
    spec = []
    for i, (w, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_)):
        spec.append({"kind": "linear", "weight": arr(w.T), "bias": arr(b)})
        if i < len(mlp.coefs_) - 1:
            spec.append({"kind": mlp.activation})
    if final:
        spec.append({"kind": final})
    return spec


def effective_orders(random_state, n_rows, n_cols, n_repeats):
    """The row order of each column in each repeat, as scikit-learn's shuffles compose them."""
    seed = np.random.RandomState(random_state).randint(np.iinfo(np.int32).max + 1)
    orders = []
    for _ in range(n_cols):
        rs = np.random.RandomState(seed)
        idx = np.arange(n_rows)
        current = np.arange(n_rows)
        col_orders = []
        for _ in range(n_repeats):
            rs.shuffle(idx)
            current = current[idx]
            col_orders.append([int(v) for v in current])
        orders.append(col_orders)
    return orders


def sklearn_fixtures():
    n = 60
    x = rng.normal(size=(n, 4))
    x[:, 3] = rng.integers(0, 5, size=n)  # five unique values: the grid is the uniques
    y = np.sin(x[:, 0]) + 0.5 * x[:, 1] ** 2 - 0.3 * x[:, 3] + 0.1 * rng.normal(size=n)
    reg = MLPRegressor(hidden_layer_sizes=(8,), activation="tanh", max_iter=300, random_state=0).fit(x, y)
    labels = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    clf = MLPClassifier(hidden_layer_sizes=(6,), activation="relu", max_iter=300, random_state=0).fit(x, labels)
    pd_cases = []
    for model, name, spec in [(reg, "regressor", mlp_spec(reg, None)), (clf, "classifier", mlp_spec(clf, "softmax"))]:
        for features in [[0], [3], [0, 3], [1, 2]]:
            res = partial_dependence(model, x, features, kind="both", method="brute",
                                     grid_resolution=100 if features != [1, 2] else 12)
            pd_cases.append({"model": name, "features": features,
                             "grid_resolution": 100 if features != [1, 2] else 12,
                             "axes": [arr(v) for v in res["grid_values"]],
                             "average": arr(res["average"].reshape(res["average"].shape[0], -1)),
                             # the ICE curves of the first ICE_ROWS rows (the file stays small)
                             "individual": arr(res["individual"].reshape(res["individual"].shape[0], n, -1)[:, :ICE_ROWS])})
    n_repeats, random_state = 4, 7
    imp = permutation_importance(reg, x, y, n_repeats=n_repeats, random_state=random_state)
    write("explain_sklearn.json", {
        "sklearn": sklearn.__version__, "x": arr(x), "y": arr(y), "labels": [int(v) for v in labels],
        "regressor": mlp_spec(reg, None), "classifier": mlp_spec(clf, "softmax"),
        "classes": [int(c) for c in clf.classes_],
        "partial_dependence": pd_cases,
        "permutation_importance": {
            "scorer": "r2", "n_repeats": n_repeats,
            "orders": effective_orders(random_state, n, x.shape[1], n_repeats),
            "importances": arr(imp.importances), "mean": arr(imp.importances_mean),
            "std": arr(imp.importances_std),
        },
    })


def models_fixtures():
    from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

    n, d = 80, 5
    x = rng.normal(size=(n, d)) * np.array([1.0, 2.0, 0.5, 1.5, 1.0]) + np.array([0.0, 1.0, -2.0, 0.5, 3.0])
    y = x @ np.array([1.5, -0.7, 2.0, 0.0, 0.3]) + 0.8 + 0.2 * rng.normal(size=n)
    linear = []
    for name, model in [("ols", LinearRegression()), ("ols_no_intercept", LinearRegression(fit_intercept=False)),
                        ("ridge_1", Ridge(alpha=1.0)), ("ridge_35", Ridge(alpha=35.0)),
                        ("ridge_no_intercept", Ridge(alpha=2.0, fit_intercept=False))]:
        model.fit(x, y)
        linear.append({"name": name, "alpha": getattr(model, "alpha", 0.0), "fit_intercept": model.fit_intercept,
                       "coef": arr(model.coef_), "intercept": float(model.intercept_),
                       "predict": arr(model.predict(x[:10]))})
    logistic = []
    binary = (x[:, 0] - 0.5 * x[:, 1] + 0.3 * rng.normal(size=n) > -0.5).astype(int)
    three = np.digitize(x[:, 0] + 0.4 * x[:, 2] + 0.3 * rng.normal(size=n), [-0.8, 0.4])
    for name, labels, c, intercept in [("binary_c1", binary, 1.0, True), ("binary_c03", binary, 0.3, True),
                                       ("multinomial_c1", three, 1.0, True), ("multinomial_c5", three, 5.0, True),
                                       ("multinomial_no_intercept", three, 1.0, False)]:
        # newton-cholesky solves the same objective as the default lbfgs, to 1e-12 (lbfgs stops
        # at ftol = 64ε, about 1e-7 from the optimum on the multinomial cases).
        model = LogisticRegression(C=c, fit_intercept=intercept, tol=1e-12, max_iter=1000,
                                   solver="newton-cholesky").fit(x, labels)
        logistic.append({"name": name, "labels": [int(v) for v in labels], "C": c, "fit_intercept": intercept,
                         "coef": arr(model.coef_), "intercept": arr(model.intercept_),
                         "proba": arr(model.predict_proba(x[:10]))})
    trees = tree_cases(x, y, three)
    write("explain_models.json", {"sklearn": sklearn.__version__, "x": arr(x), "y": arr(y),
                                  "linear": linear, "logistic": logistic, **trees})


def tree_cases(x, y, labels):
    """CART trees whose structure does not depend on random_state (no tied splits)."""
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor, export_text

    x_test = rng.normal(size=(25, x.shape[1])) * 1.5 + 0.5
    out = {"x_test": arr(x_test), "tree_labels": [int(v) for v in labels], "trees": []}
    settings = [
        ("classifier", dict(criterion="gini", max_depth=3)),
        ("classifier", dict(criterion="entropy", max_depth=3)),
        ("classifier", dict(criterion="gini", min_samples_split=10, min_samples_leaf=3)),
        ("classifier", dict(criterion="entropy", max_leaf_nodes=6)),
        ("regressor", dict(max_depth=4, min_samples_leaf=6)),
        ("regressor", dict(min_samples_leaf=5)),
        ("regressor", dict(max_leaf_nodes=8, min_samples_split=6)),
        ("regressor", dict(max_depth=12, min_samples_leaf=4)),
    ]
    for kind, kw in settings:
        cls = DecisionTreeClassifier if kind == "classifier" else DecisionTreeRegressor
        target = labels if kind == "classifier" else y
        fits = [cls(random_state=seed, **kw).fit(x, target) for seed in range(8)]
        ref = fits[0].tree_
        same = all(np.array_equal(f.tree_.feature, ref.feature) and np.array_equal(f.tree_.threshold, ref.threshold)
                   for f in fits)
        assert same, f"{kind} {kw}: tied splits, the tree depends on random_state"
        tree = fits[0]
        case = {"kind": kind, "settings": kw, "n_nodes": int(ref.node_count),
                "text": export_text(tree), "text_depth_2": export_text(tree, max_depth=2, decimals=3, spacing=2),
                "predict_train": arr(tree.predict(x)), "predict_test": arr(tree.predict(x_test))}
        if kind == "classifier":
            case["proba_test"] = arr(tree.predict_proba(x_test))
        out["trees"].append(case)
    return out


def lime_fixtures(seeds=10):
    """lime's LimeTabularExplainer (regression, defaults) on a small tanh net under several
    seeds: mean and spread of the local weights, intercept and score."""
    from lime.lime_tabular import LimeTabularExplainer

    own = np.random.default_rng(20261203)
    torch.manual_seed(20261203)
    net = torch_net([5, 6, 1], ["tanh"])
    train = own.normal(size=(300, 5)) * np.array([1.0, 2.0, 0.5, 1.0, 3.0])
    rows = own.normal(size=(2, 5))

    def f(data):
        with torch.no_grad():
            return net(torch.tensor(data)).numpy()[:, 0]

    cases = []
    for row in rows:
        runs = []
        for seed in range(seeds):
            explainer = LimeTabularExplainer(train, mode="regression", random_state=seed)
            e = explainer.explain_instance(row, f)
            weights = dict(e.local_exp[1])
            runs.append([weights[j] for j in range(5)] + [e.intercept[1], e.score])
        runs = np.array(runs)
        cases.append({"x": arr(row), "mean": arr(runs.mean(axis=0)), "std": arr(runs.std(axis=0))})
    write("explain_lime.json", {"lime": "0.2.0.1", "net": torch_spec(net), "train": arr(train),
                                "seeds": seeds, "cases": cases})


if __name__ == "__main__":
    captum_fixtures()
    shap_fixtures()
    sklearn_fixtures()
    models_fixtures()
    lime_fixtures()
