#!/usr/bin/env python3
"""Reference internals of Optuna's TPE sampler for tests/tune_tpe.rs.

Regenerate with:

    /work/venv-ref/bin/python scripts/reference/make_tpe_fixtures.py

Made with optuna 5.1.0 (numpy 2.4.6); optuna 4.9.0 gives the same file to 1e-12. It uses Optuna's internal API
(`optuna.samplers._tpe.parzen_estimator._ParzenEstimator`, `_ParzenEstimatorParameters`,
`optuna.samplers._tpe.sampler.{default_gamma, default_weights, _split_trials}`), whose
univariate semantics (consider_prior=True, magic clip, no endpoints) are those of 4.x.

Writes tests/fixtures/tune_tpe.json:
- "gamma": [n, default_gamma(n)] pairs; "weights": {n: default_weights(n)};
- "parzen": one case per distribution and setting: the observations, the fitted mixture
  weights, kernel centres and widths (numeric) or choice probability rows (categorical), and
  the log-pdf at a list of points;
- "split": trials (state, value, intermediate values) of a study, n_below, and the numbers
  Optuna's `_split_trials` puts below and above.
"""

import inspect
import json
import os

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import _split_trials, default_gamma, default_weights
from optuna.trial import TrialState, create_trial

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "tune_tpe.json")
rng = np.random.RandomState(0)


def dist_json(d):
    if isinstance(d, CategoricalDistribution):
        return {"kind": "categorical", "choices": list(d.choices)}
    kind = "int" if isinstance(d, IntDistribution) else "float"
    return {"kind": kind, "low": d.low, "high": d.high, "step": d.step, "log": d.log}


def parzen_case(name, dist, obs, points, prior_weight=1.0, magic_clip=True, endpoints=False):
    fields = dict(
        prior_weight=prior_weight,
        consider_magic_clip=magic_clip,
        consider_endpoints=endpoints,
        weights=default_weights,
        multivariate=False,
    )
    if "categorical_distance_func" in _ParzenEstimatorParameters._fields:  # optuna 4.x
        fields["categorical_distance_func"] = {}
    params = _ParzenEstimatorParameters(**fields)
    if isinstance(dist, CategoricalDistribution):
        internal = np.asarray([dist.to_internal_repr(v) for v in obs], dtype=float)
        internal_points = np.asarray([dist.to_internal_repr(v) for v in points], dtype=float)
    else:
        internal = np.asarray(obs, dtype=float)
        internal_points = np.asarray(points, dtype=float)
    pe = _ParzenEstimator({"x": internal}, {"x": dist}, params)
    mix = pe._mixture_distribution
    kernels = mix.distributions[0]
    case = {
        "name": name,
        "distribution": dist_json(dist),
        "prior_weight": prior_weight,
        "magic_clip": magic_clip,
        "endpoints": endpoints,
        "observations": list(obs),
        "weights": mix.weights.tolist(),
        "points": list(points),
        "log_pdf": pe.log_pdf({"x": internal_points}).tolist(),
    }
    if isinstance(dist, CategoricalDistribution):
        case["choice_probabilities"] = kernels.weights.tolist()
    else:
        case["mus"] = np.asarray(kernels.mu).tolist()
        case["sigmas"] = np.asarray(kernels.sigma).tolist()
    return case


def py(v):
    return v.item() if hasattr(v, "item") else v


def parzen_cases():
    cases = []
    u = FloatDistribution(-5.0, 10.0)
    obs = [py(x) for x in rng.uniform(-5.0, 10.0, size=7)]
    pts = [-5.0, -4.999, -1.0, 0.3, 2.5, 9.99, 10.0] + obs[:2]
    cases.append(parzen_case("float", u, obs, pts))
    cases.append(parzen_case("float_empty", u, [], pts))
    cases.append(parzen_case("float_one", u, [1.5], pts))
    cases.append(parzen_case("float_prior_half", u, obs, pts, prior_weight=0.5))
    cases.append(parzen_case("float_no_clip", u, obs, pts, magic_clip=False))
    cases.append(parzen_case("float_endpoints", u, obs, pts, endpoints=True))
    many = [py(x) for x in rng.uniform(-5.0, 10.0, size=33)]
    cases.append(parzen_case("float_ramp", u, many, pts))
    lg = FloatDistribution(1e-5, 1e-1, log=True)
    lobs = [py(x) for x in np.exp(rng.uniform(np.log(1e-5), np.log(1e-1), size=6))]
    cases.append(parzen_case("float_log", lg, lobs, [1e-5, 3e-5, 1e-3, 0.05, 0.1] + lobs[:1]))
    st = FloatDistribution(0.0, 1.0, step=0.1)
    cases.append(parzen_case("float_step", st, [0.2, 0.3, 0.3, 0.9], [0.0, 0.1, 0.3, 0.5, 1.0]))
    it = IntDistribution(1, 20)
    cases.append(parzen_case("int", it, [3, 4, 17, 9, 9], [1, 2, 3, 9, 10, 20]))
    its = IntDistribution(16, 128, step=16)
    cases.append(parzen_case("int_step", its, [32, 64, 128], [16, 32, 48, 112, 128]))
    il = IntDistribution(1, 1024, log=True)
    cases.append(parzen_case("int_log", il, [2, 16, 17, 512], [1, 2, 3, 100, 1000, 1024]))
    # A narrow kernel far from a point: the log-mass of a grid cell deep in a tail.
    cases.append(parzen_case("int_tail", IntDistribution(0, 1000), [500, 501, 502], [0, 1000],
                             magic_clip=False))
    cat = CategoricalDistribution(["sgd", "adam", "rmsprop"])
    cobs = ["adam", "adam", "sgd", "adam"]
    cases.append(parzen_case("categorical", cat, cobs, ["sgd", "adam", "rmsprop"]))
    cases.append(parzen_case("categorical_empty", cat, [], ["sgd", "adam", "rmsprop"]))
    cases.append(parzen_case("categorical_prior_2", cat, cobs, ["sgd", "rmsprop"],
                             prior_weight=2.0))
    many_c = [["sgd", "adam", "rmsprop"][i] for i in rng.randint(0, 3, size=30)]
    cases.append(parzen_case("categorical_ramp", cat, many_c, ["sgd", "adam", "rmsprop"]))
    return cases


def split_case(direction, n_below):
    study = optuna.create_study(direction=direction)
    trials = []
    x = FloatDistribution(0.0, 1.0)
    for k in range(14):
        kind = ["complete", "complete", "pruned", "failed", "complete", "pruned", "complete"][k % 7]
        inter = {}
        value = None
        if kind == "complete":
            value = py(np.round(rng.uniform(-1, 1), 3))
            state = TrialState.COMPLETE
        elif kind == "pruned":
            steps = int(rng.randint(0, 4))
            inter = {s: py(np.round(rng.uniform(-1, 1), 3)) for s in range(steps)}
            if k == 9 and steps:
                inter[steps - 1] = float("nan")
            state = TrialState.PRUNED
        else:
            state = TrialState.FAIL
        study.add_trial(create_trial(state=state, value=value, params={"x": 0.5},
                                     distributions={"x": x}, intermediate_values=inter))
        trials.append({"state": kind, "value": value,
                       "intermediate": [[s, None if np.isnan(v) else v] for s, v in inter.items()]})
    finished = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
    if "constraints_enabled" in inspect.signature(_split_trials).parameters:  # optuna 4.x
        below, above = _split_trials(study, finished, n_below, False)
    else:
        below, above = _split_trials(study, finished, n_below)
    return {"direction": direction, "n_below": n_below, "trials": trials,
            "below": [t.number for t in below], "above": [t.number for t in above]}


def main():
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    out = {
        "optuna": optuna.__version__,
        "gamma": [[n, default_gamma(n)] for n in [0, 1, 9, 10, 11, 99, 100, 249, 250, 251, 1000]],
        "weights": {str(n): list(map(float, default_weights(n))) for n in [0, 1, 24, 25, 26, 27, 40, 100]},
        "parzen": parzen_cases(),
        "split": [split_case(d, nb) for d in ["minimize", "maximize"] for nb in [0, 2, 5, 10, 20]],
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
