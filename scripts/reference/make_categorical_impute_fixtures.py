"""Reference values for SimpleImputer on categorical and mixed tables, alone and inside a
ColumnTransformer of pipelines (scikit-learn).

Regenerate with:

    /work/venv-ref/bin/python scripts/reference/make_categorical_impute_fixtures.py

Writes tests/fixtures/categorical_impute.json, read by tests/parity_categorical_impute.rs.

A seeded mixed table (three text columns with missing values, one of them with a planted tie
for the most frequent category, one text column entirely missing, two numeric columns with
missing values) is split into a training table and a test table whose text columns also hold
categories the training table lacks ("magenta", "XL").

Imputer cases record, from scikit-learn itself, `statistics_` (as text, or null for a dropped
column), `get_feature_names_out()` and the transformed training and test tables: for
strategy "most_frequent" (ties go to the smallest value, `_safe_min`) and "constant" (default
`fill_value` "missing_value" for object data, or a given one), with and without
`keep_empty_features`, on text columns only and on a mixed table ("most_frequent" only: on
mixed data scikit-learn's one `fill_value` would put the text "missing_value" in the numeric
columns too, which tuneup's constant strategy does not do).

Column-transformer cases: `Pipeline([SimpleImputer(most_frequent or constant),
OneHotEncoder(handle_unknown="ignore")])` on the text columns and `Pipeline([SimpleImputer(
median), StandardScaler()])` on the numeric ones; their feature names and outputs, to be met
to 1e-10. And `Pipeline([ColumnTransformer([SimpleImputer(most_frequent)]),
OneHotEncoder(handle_unknown="ignore")])`: the column transformer hands the imputed text
columns to the encoder.

Missing values are NaN in every column (as pandas.read_csv gives them); in JSON they are null,
and tuneup reads a null text value as `None`. Text columns are pandas object columns (so
scikit-learn compares them as Python strings, by code point).
"""

import json
import os
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..",
    "..",
    "tests",
    "fixtures",
    "categorical_impute.json",
)

TEXT = ["color", "size", "tie", "empty"]
NUMERIC = ["age", "income"]


def make_tables(rng):
    n_train, n_test = 60, 20
    n = n_train + n_test
    color = rng.choice(["red", "green", "blue", "Amber"], size=n, p=[0.35, 0.3, 0.25, 0.1]).astype(
        object
    )
    size = rng.choice(["S", "M", "L"], size=n).astype(object)
    age = rng.normal(40.0, 12.0, size=n)
    income = rng.lognormal(10.0, 0.5, size=n)
    for col, p in ((color, 0.1), (size, 0.1)):
        col[rng.random(n) < p] = np.nan
    for col, p in ((age, 0.1), (income, 0.15)):
        col[rng.random(n) < p] = np.nan
    # A planted tie among the training rows: "zeta", "alpha" and "Zeta" 19 times each, three
    # missing; "Zeta" is the smallest by code point (uppercase first).
    tie = np.array([np.nan] * n, dtype=object)
    tie[:n_train] = ["zeta", "alpha", "Zeta"] * (n_train // 3)
    tie[:3] = np.nan
    tie[n_train:] = rng.choice(["alpha", "beta"], size=n_test)
    tie[n_train + 2] = np.nan
    # A text column with no observed value in training.
    empty = np.array([np.nan] * n, dtype=object)
    empty[n_train + 4] = "late"
    # Categories unseen in training, in the test rows only, and missing test values.
    color[n_train + 1] = "magenta"
    size[n_train + 3] = "XL"
    color[n_train + 6] = np.nan
    size[n_train + 7] = np.nan
    df = pd.DataFrame(
        {
            "color": pd.Series(color, dtype=object),
            "age": age,
            "size": pd.Series(size, dtype=object),
            "tie": pd.Series(tie, dtype=object),
            "income": income,
            "empty": pd.Series(empty, dtype=object),
        }
    )
    train = df.iloc[:n_train].reset_index(drop=True)
    test = df.iloc[n_train:].reset_index(drop=True)
    return train, test


def json_value(v):
    if v is None or (isinstance(v, (float, np.floating)) and np.isnan(v)):
        return None
    if isinstance(v, (float, np.floating, int, np.integer)):
        return float(v)
    return str(v)


def table_json(df, kinds):
    return {
        "names": [str(n) for n in df.columns],
        "columns": [
            {"kind": kind, "values": [json_value(v) for v in df[name]]}
            for name, kind in zip(df.columns, kinds)
        ],
    }


def output_json(imputer, X, kinds_in):
    """The imputer's output on X as a table (names from get_feature_names_out), each column
    keeping its input kind; a numeric 0 written into a text column becomes the text "0"."""
    out = imputer.transform(X)
    names = [str(n) for n in imputer.get_feature_names_out()]
    kinds = [kinds_in[list(X.columns).index(n)] for n in names]
    cols = []
    for j, kind in enumerate(kinds):
        values = [json_value(v) for v in out[:, j]]
        if kind == "categorical":
            values = [statistic(v, kind) if v is not None else None for v in values]
        cols.append({"kind": kind, "values": values})
    return {"names": names, "columns": cols}


def statistic(v, kind):
    """A fill value: null for a dropped column, text for a text column (scikit-learn's 0 for
    an empty one kept by keep_empty_features becomes "0"), a number otherwise."""
    v = json_value(v)
    if kind == "categorical" and isinstance(v, float):
        return str(int(v))
    return v


def kinds_of(columns):
    return ["categorical" if c in TEXT else "numeric" for c in columns]


def imputer_case(params, train, test, columns):
    kwargs = {"strategy": params["strategy"]}
    if "fill_value" in params:
        kwargs["fill_value"] = params["fill_value"]
    if params.get("keep_empty_features"):
        kwargs["keep_empty_features"] = True
    imp = SimpleImputer(**kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Skipping features without any observed values"
        imp.fit(train[columns])
        kinds = kinds_of(columns)
        case = {
            "params": params,
            "columns": columns,
            "statistics": [statistic(v, kind) for v, kind in zip(imp.statistics_, kinds)],
            "names": [str(n) for n in imp.get_feature_names_out()],
            "train_out": output_json(imp, train[columns], kinds),
            "test_out": output_json(imp, test[columns], kinds),
        }
    return case


def matrix(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [None if np.isnan(v) else float(v) for v in a.ravel()]}


def column_transformer_case(cat_params, train, test):
    cat_columns = ["color", "size", "tie"]
    ct = ColumnTransformer(
        [
            (
                "cat",
                Pipeline(
                    [
                        ("impute", SimpleImputer(**cat_params)),
                        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                    ]
                ),
                cat_columns,
            ),
            (
                "num",
                Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
                NUMERIC,
            ),
        ]
    )
    ct.fit(train)
    return {
        "cat_params": cat_params,
        "cat_columns": cat_columns,
        "num_columns": NUMERIC,
        "names": [str(n) for n in ct.get_feature_names_out()],
        "train_out": matrix(ct.transform(train)),
        "test_out": matrix(ct.transform(test)),
    }


def imputing_column_transformer_then_one_hot(train, test):
    """Pipeline([ColumnTransformer([SimpleImputer(most_frequent)] on the text columns),
    OneHotEncoder(handle_unknown="ignore")]): the encoder after the column transformer sees
    the imputed text columns, named `imp__{column}`."""
    columns = ["color", "size", "tie"]
    pipe = Pipeline(
        [
            ("ct", ColumnTransformer([("imp", SimpleImputer(strategy="most_frequent"), columns)])),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )
    pipe.fit(train)
    return {
        "columns": columns,
        "names": [str(n) for n in pipe.get_feature_names_out()],
        "train_out": matrix(pipe.transform(train)),
        "test_out": matrix(pipe.transform(test)),
    }


def main():
    rng = np.random.default_rng(20261203)
    train, test = make_tables(rng)
    text = ["color", "size", "tie", "empty"]
    mixed = ["color", "age", "size", "tie", "income"]
    settings = [
        ({"strategy": "most_frequent"}, text),
        ({"strategy": "most_frequent", "keep_empty_features": True}, text),
        ({"strategy": "constant"}, text),
        ({"strategy": "constant", "fill_value": "?"}, text),
        ({"strategy": "constant", "keep_empty_features": True}, text),
        ({"strategy": "most_frequent"}, mixed),
        ({"strategy": "most_frequent"}, mixed + ["empty"]),
    ]
    cases = [imputer_case(p, train, test, cols) for p, cols in settings]
    ct_cases = [
        column_transformer_case({"strategy": "most_frequent"}, train, test),
        column_transformer_case({"strategy": "constant"}, train, test),
    ]
    kinds = kinds_of(train.columns)
    out = {
        "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__, "pandas": pd.__version__},
        "train": table_json(train, kinds),
        "test": table_json(test, kinds),
        "imputer_cases": cases,
        "column_transformer_cases": ct_cases,
        "column_transformer_then_one_hot": imputing_column_transformer_then_one_hot(train, test),
    }
    with open(OUT, "w") as f:
        json.dump(out, f)
    print(f"wrote {OUT}: {len(cases)} imputer cases, {len(ct_cases)} column-transformer cases")


if __name__ == "__main__":
    main()
