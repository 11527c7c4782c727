"""Times imbalanced-learn's SMOTE and scikit-learn's KNNImputer on the data of benches/data.rs.

Run with:

    .venv-reference/bin/python scripts/reference/time_resampling.py

(the environment is made by ../shared/reference/setup-python.sh), in the same sitting as
`cargo bench --bench data`, and compare the medians as a ratio. The data are the same
deterministic function of row and column as in the Rust benchmark (splitmix64 counters): 100 000
× 20 float64 rows from a 4-dimensional latent point plus noise, the last 5 000 of class 1.

* `smote`: SMOTE(k_neighbors=5, random_state=0).fit_resample(X, y) (90 000 new rows);
* `knn_imputer/fit100k_transform200_x20`: KNNImputer(n_neighbors=5).fit(train).transform(test)
  with 5% of values missing, train = the 100 000 rows, test = 200 further rows;
* `knn_imputer/fit_transform_100k_x20`: KNNImputer(n_neighbors=5).fit(train).transform(train),
  imputing the training rows themselves (about 64 000 have a missing value). This takes
  minutes, so it runs `--full-repeats` times (default 1).

* `cleaning/tomek_links/100k_x20`: TomekLinks().fit_resample(X, y);
* `cleaning/smote_enn/100k_x20`: SMOTEENN(random_state=0).fit_resample(X, y) (SMOTE's 90 000
  new rows, then ENN over all 190 000 rows), `--cleaning-repeats` times (default 3);
  `--cleaning-only` runs just these two;
* `smote_nc/100k_x15num_5cat`: SMOTENC(categorical_features=[15..19], random_state=0) on the
  first 15 columns plus 5 text columns of 8 values (`c{column}_{value}`, counters from 4e9, as
  in benches/data.rs), `--smote-nc-only`, `--cleaning-repeats` times; run it under
  `/usr/bin/time -v` for its peak memory.

Prints the median and minimum of `--repeats` runs (default 10) of each, except the full
imputation (`--smote-only` skips both imputer timings, `--knn-only` skips SMOTE,
`--skip-full` skips the full imputation).
"""

import argparse
import statistics
import time

import numpy as np
from imblearn.combine import SMOTEENN
from imblearn.over_sampling import SMOTE, SMOTENC
from imblearn.under_sampling import TomekLinks
from sklearn.impute import KNNImputer

N = 100_000
N_MINORITY = 5_000
D = 20
LATENT = 4
M64 = (1 << 64) - 1


def u(counters):
    """Uniform [0, 1) from uint64 counters (splitmix64), as `u` in benches/data.rs."""
    with np.errstate(over="ignore"):
        z = counters.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def rows(start, n):
    a = (u(np.arange(D * LATENT, dtype=np.uint64) + np.uint64(1_000_000_000)) * 2.0 - 1.0).reshape(
        D, LATENT
    )
    row = np.arange(start, start + n, dtype=np.uint64)
    z = u(row[:, None] * np.uint64(LATENT) + np.arange(LATENT, dtype=np.uint64)[None, :]) * 2.0 - 1.0
    minority = (row >= N - N_MINORITY) & (row < N)
    z[minority, 0] += 0.5
    x = np.zeros((n, D))
    for l in range(LATENT):
        x += z[:, l : l + 1] * a[None, :, l]
    noise = u(np.uint64(2_000_000_000) + row[:, None] * np.uint64(D) + np.arange(D, dtype=np.uint64))
    x += (noise - 0.5) * 0.1
    return x, minority.astype(np.int64)


def with_missing(x, start):
    n = x.shape[0]
    row = np.arange(start, start + n, dtype=np.uint64)
    mask = u(np.uint64(3_000_000_000) + row[:, None] * np.uint64(D) + np.arange(D, dtype=np.uint64)) < 0.05
    x = x.copy()
    x[mask] = np.nan
    return x


def timeit(f, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def time_cleaning(x, y, repeats):
    med, best = timeit(lambda: TomekLinks().fit_resample(x, y), repeats)
    print(f"cleaning/tomek_links/100k_x20: median {med * 1e3:.1f} ms, min {best * 1e3:.1f} ms")
    med, best = timeit(lambda: SMOTEENN(random_state=0).fit_resample(x, y), repeats)
    print(f"cleaning/smote_enn/100k_x20: median {med * 1e3:.1f} ms, min {best * 1e3:.1f} ms")


def time_smote_nc(x, y, repeats):
    row = np.arange(N, dtype=np.uint64)
    cats = []
    for j in range(5):
        v = (u(np.uint64(4_000_000_000) + row * np.uint64(5) + np.uint64(j)) * 8.0).astype(np.int64)
        cats.append(np.array([f"c{j}_{k}" for k in v], dtype=object))
    X = np.empty((N, 20), dtype=object)
    X[:, :15] = x[:, :15]
    for j in range(5):
        X[:, 15 + j] = cats[j]
    sampler = SMOTENC(categorical_features=list(range(15, 20)), random_state=0)
    med, best = timeit(lambda: sampler.fit_resample(X, y), repeats)
    print(f"smote_nc/100k_x15num_5cat: median {med * 1e3:.1f} ms, min {best * 1e3:.1f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--full-repeats", type=int, default=1, help="runs of the full imputation")
    parser.add_argument("--smote-only", action="store_true", help="skip the KNNImputer timings")
    parser.add_argument("--knn-only", action="store_true", help="skip the SMOTE timing")
    parser.add_argument("--skip-full", action="store_true", help="skip the full imputation")
    parser.add_argument("--cleaning-repeats", type=int, default=3)
    parser.add_argument("--cleaning-only", action="store_true", help="only Tomek links and SMOTEENN")
    parser.add_argument("--smote-nc-only", action="store_true", help="only SMOTENC")
    args = parser.parse_args()
    x, y = rows(0, N)
    if args.smote_nc_only:
        time_smote_nc(x, y, args.cleaning_repeats)
        return
    if args.cleaning_only:
        time_cleaning(x, y, args.cleaning_repeats)
        return
    if not args.knn_only:
        print(f"class counts: {np.bincount(y).tolist()}")
        med, best = timeit(
            lambda: SMOTE(k_neighbors=5, random_state=0).fit_resample(x, y), args.repeats
        )
        print(f"smote/100k_x20: median {med * 1e3:.1f} ms, min {best * 1e3:.1f} ms")
    if args.smote_only:
        return
    train = with_missing(x, 0)
    test = with_missing(rows(N, 200)[0], N)
    imp = KNNImputer(n_neighbors=5)
    med, best = timeit(lambda: imp.fit(train).transform(test), args.repeats)
    print(f"knn_imputer/fit100k_transform200_x20: median {med * 1e3:.1f} ms, min {best * 1e3:.1f} ms")
    if args.skip_full:
        return
    incomplete = int(np.isnan(train).any(axis=1).sum())
    med, best = timeit(lambda: imp.fit(train).transform(train), args.full_repeats)
    print(
        f"knn_imputer/fit_transform_100k_x20 ({incomplete} rows imputed): "
        f"median {med:.1f} s, min {best:.1f} s over {args.full_repeats} run(s)"
    )


if __name__ == "__main__":
    main()
