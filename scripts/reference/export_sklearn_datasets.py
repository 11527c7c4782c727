"""Exports the small real data sets shipped inside scikit-learn (breast cancer, wine, digits,
iris, diabetes) as CSV files for the doctor's no-false-alarm test (tests/doctor_real_data.rs).

The values are written exactly as scikit-learn loads them (repr of each float64, integers
without a decimal part); the target is the last column, named `target`.

Run: /work/venv-ref/bin/python scripts/reference/export_sklearn_datasets.py
"""

import csv
import pathlib

import sklearn
from sklearn import datasets

OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "sklearn_datasets"


def number(v):
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)


def export(name, bunch):
    OUT.mkdir(parents=True, exist_ok=True)
    names = [str(n).replace(",", " ") for n in getattr(bunch, "feature_names", [])]
    if not names:
        names = [f"x{j}" for j in range(bunch.data.shape[1])]
    with open(OUT / f"{name}.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(names + ["target"])
        for row, t in zip(bunch.data, bunch.target):
            w.writerow([number(v) for v in row] + [number(t)])
    print(name, bunch.data.shape)


def main():
    # Diabetes unscaled (the raw measurements), as a user reading the original file would.
    export("breast_cancer", datasets.load_breast_cancer())
    export("wine", datasets.load_wine())
    export("digits", datasets.load_digits())
    export("iris", datasets.load_iris())
    export("diabetes", datasets.load_diabetes(scaled=False))
    (OUT / "VERSION").write_text(f"scikit-learn {sklearn.__version__}\n")


if __name__ == "__main__":
    main()
