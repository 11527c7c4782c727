"""Reference values for the encoders, ColumnTransformer and Pipeline in src/data (scikit-learn).

Regenerate with:

    /work/venv-ref/bin/python scripts/reference/make_encoder_fixtures.py

Writes tests/fixtures/encoders.json, read by tests/parity_encoders.rs.

A seeded mixed table (three text columns with missing values and rare categories, a numeric
column used as categories, two numeric columns with missing values) is split into a training
table and a test table that also holds categories the training table lacks. For each encoder
setting the fixture records, from scikit-learn itself: `categories_`, `infrequent_categories_`
(OneHotEncoder and OrdinalEncoder with grouping), `get_feature_names_out()`, the transformed training and test
tables, or `test_error: true` when transform raises (an unknown category with
handle_unknown="error"). A ColumnTransformer (imputer + scaler pipeline on the numeric columns,
one-hot and ordinal encoders on the text ones, a numeric column passed through as remainder)
records its feature names and outputs, to be met to 1e-10.

Missing values are NaN in every column (as pandas.read_csv gives them), so scikit-learn names
them `{column}_nan`; in JSON they are null. Text columns are pandas object columns (so
scikit-learn sorts them as Python strings).
"""

import json
import os

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler, TargetEncoder

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "encoders.json"
)

TEXT = ["color", "size", "binary"]
NUMERIC = ["num_cat", "age", "income"]


def make_tables(rng):
    n_train, n_test = 80, 20
    n = n_train + n_test
    color = rng.choice(
        ["red", "green", "blue", "violet", "cyan", "Amber"], size=n, p=[0.3, 0.25, 0.3, 0.07, 0.03, 0.05]
    ).astype(object)
    size = rng.choice(["S", "M", "L"], size=n).astype(object)
    binary = rng.choice(["yes", "no"], size=n).astype(object)
    num_cat = rng.choice([1.0, 2.0, 3.5, 10.0], size=n, p=[0.4, 0.3, 0.25, 0.05])
    age = rng.normal(40.0, 12.0, size=n)
    income = rng.lognormal(10.0, 0.5, size=n)
    for col, p in ((color, 0.05), (size, 0.05)):
        col[rng.random(n) < p] = np.nan
    for col, p in ((num_cat, 0.05), (age, 0.1), (income, 0.1)):
        col[rng.random(n) < p] = np.nan
    # Categories unseen in training, in the test rows only.
    test = slice(n_train, n)
    color[n_train + 1] = "magenta"
    size[n_train + 3] = "XL"
    num_cat[n_train + 5] = 7.0
    df = pd.DataFrame(
        {
            "color": pd.Series(color, dtype=object),
            "size": pd.Series(size, dtype=object),
            "binary": pd.Series(binary, dtype=object),
            "num_cat": num_cat,
            "age": age,
            "income": income,
        }
    )
    train = df.iloc[:n_train].reset_index(drop=True)
    test_df = df.iloc[test].reset_index(drop=True)
    # Make sure the rare categories stay in training (unknowns only where planted).
    for name in TEXT:
        seen = set(train[name].dropna())
        for r, v in enumerate(test_df[name]):
            if isinstance(v, str) and v not in seen and v not in ("magenta", "XL"):
                test_df.at[r, name] = sorted(seen)[0]
    seen = set(train["num_cat"].dropna())
    for r, v in enumerate(test_df["num_cat"]):
        if not np.isnan(v) and v not in seen and v != 7.0:
            test_df.at[r, "num_cat"] = sorted(seen)[0]
    return train, test_df


def json_value(v):
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else float(v)
    return str(v)


def table_json(df):
    return {
        "names": list(df.columns),
        "columns": [
            {
                "kind": "categorical" if name in TEXT else "numeric",
                "values": [json_value(v) for v in df[name]],
            }
            for name in df.columns
        ],
    }


def matrix(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [None if np.isnan(v) else float(v) for v in a.ravel()]}


def encoder_case(kind, params, enc, train, test, columns):
    enc.fit(train[columns])
    case = {
        "kind": kind,
        "params": params,
        "columns": columns,
        "categories": [[json_value(v) for v in cats] for cats in enc.categories_],
        "names": [str(n) for n in enc.get_feature_names_out()],
        "train_out": matrix(enc.transform(train[columns])),
    }
    if getattr(enc, "_infrequent_enabled", False):
        case["infrequent"] = [
            None if inf is None else [json_value(v) for v in inf] for inf in enc.infrequent_categories_
        ]
    try:
        case["test_out"] = matrix(enc.transform(test[columns]))
    except ValueError as e:
        case["test_error"] = True
        case["error"] = str(e)
    return case


def onehot_params(p):
    out = {"sparse_output": False}
    out["handle_unknown"] = p.get("handle_unknown", "error")
    if "min_frequency" in p:
        out["min_frequency"] = p["min_frequency"]
    if "max_categories" in p:
        out["max_categories"] = p["max_categories"]
    if "drop" in p:
        out["drop"] = p["drop"]
    return out


def target_encoder_cases(train, test):
    """TargetEncoder on the text columns, with targets drawn from a separate seeded stream:
    continuous, binary and three-class; folds unshuffled (KFold or StratifiedKFold of 5)."""
    rng = np.random.default_rng(7)
    cols = ["color", "size"]
    n = len(train)
    effect = {"red": 1.0, "green": -0.5, "blue": 0.3, "violet": 2.0, "cyan": -1.0, "Amber": 0.0}
    base = np.array([effect.get(v, 0.5) if isinstance(v, str) else 0.2 for v in train["color"]])
    targets = {
        "continuous": base + rng.normal(0.0, 1.0, size=n),
        "binary": (base + rng.normal(0.0, 1.0, size=n) > 0.5).astype(int),
        "multiclass": np.digitize(base + rng.normal(0.0, 1.0, size=n), [0.0, 1.0]),
    }
    cases = []
    for kind, y in targets.items():
        for smooth in ("auto", 2.0):
            cv = KFold(5) if kind == "continuous" else StratifiedKFold(5)
            enc = TargetEncoder(smooth=smooth, cv=cv, target_type=kind)
            train_out = enc.fit_transform(train[cols], y)
            cases.append(
                {
                    "kind": kind,
                    "smooth": smooth,
                    "y": [float(v) for v in y],
                    "names": [str(v) for v in enc.get_feature_names_out()],
                    "target_mean": [float(v) for v in np.atleast_1d(enc.target_mean_)],
                    "train_out": matrix(train_out),
                    "test_out": matrix(enc.transform(test[cols])),
                }
            )
    return cases


def main():
    rng = np.random.default_rng(20261201)
    train, test = make_tables(rng)
    cat_cols = ["color", "size", "binary", "num_cat"]
    cases = []
    onehot_settings = [
        {},
        {"handle_unknown": "ignore"},
        {"handle_unknown": "infrequent_if_exist", "min_frequency": 5},
        {"handle_unknown": "ignore", "min_frequency": 0.1},
        {"handle_unknown": "infrequent_if_exist", "max_categories": 3},
        {"handle_unknown": "ignore", "drop": "first"},
        {"handle_unknown": "ignore", "drop": "if_binary"},
        {"handle_unknown": "infrequent_if_exist", "drop": "first", "min_frequency": 5},
        {"handle_unknown": "infrequent_if_exist", "drop": "if_binary", "min_frequency": 8},
        {"handle_unknown": "ignore", "min_frequency": 4, "max_categories": 3},
    ]
    for p in onehot_settings:
        enc = OneHotEncoder(**onehot_params(p))
        cases.append(encoder_case("onehot", p, enc, train, test, cat_cols))
    ordinal_settings = [
        {},
        {"unknown_value": -1},
        {"unknown_value": None, "encoded_missing_value": -2},
        {"unknown_value": -1, "encoded_missing_value": -2},
        # Infrequent grouping (scikit-learn >= 1.3): counts, fractions, max_categories, both.
        {"unknown_value": -1, "min_frequency": 5},
        {"unknown_value": None, "min_frequency": 8},
        {"unknown_value": -1, "encoded_missing_value": -2, "min_frequency": 0.1},
        {"unknown_value": -1, "max_categories": 3},
        {"unknown_value": -1, "max_categories": 1},
        {"unknown_value": -1, "min_frequency": 4, "max_categories": 3},
    ]
    for p in ordinal_settings:
        kwargs = {}
        if p.get("unknown_value") is not None:
            kwargs.update(handle_unknown="use_encoded_value", unknown_value=p["unknown_value"])
        if "encoded_missing_value" in p:
            kwargs["encoded_missing_value"] = p["encoded_missing_value"]
        for key in ("min_frequency", "max_categories"):
            if key in p:
                kwargs[key] = p[key]
        enc = OrdinalEncoder(**kwargs)
        cases.append(encoder_case("ordinal", p, enc, train, test, cat_cols))

    ct = ColumnTransformer(
        [
            (
                "num",
                Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
                ["age", "income"],
            ),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["color", "size"]),
            (
                "ord",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                ["binary"],
            ),
        ],
        remainder="passthrough",
    )
    ct.fit(train)
    column_transformer = {
        "names": [str(n) for n in ct.get_feature_names_out()],
        "train_out": matrix(ct.transform(train)),
        "test_out": matrix(ct.transform(test)),
    }
    out_target = target_encoder_cases(train, test)
    out = {
        "target_encoder": out_target,
        "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__, "pandas": pd.__version__},
        "train": table_json(train),
        "test": table_json(test),
        "cases": cases,
        "column_transformer": column_transformer,
    }
    with open(OUT, "w") as f:
        json.dump(out, f)
    print(f"wrote {OUT}: {len(cases)} encoder cases")


if __name__ == "__main__":
    main()
