"""Times scikit-learn's RandomizedSearchCV over MLPClassifier on the workload of
benches/tune.rs: 64 trials, 3-fold stratified CV, on 1 and 2 jobs.

make_classification(n_samples=400, n_features=20, n_informative=5, n_redundant=2,
random_state=0); hidden_layer_sizes ~ int-log [8, 128], alpha ~ log [1e-5, 1e-1],
learning_rate_init ~ log [1e-4, 1e-1]; max_iter=30 (ConvergenceWarnings silenced).
Prints the best mean CV accuracy and the median wall time of `--repeats` searches.

Usage: /work/venv-ref/bin/python scripts/reference/time_tune.py [--repeats 5]
"""
import argparse
import statistics
import time
import warnings

from scipy.stats import loguniform
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold
from sklearn.neural_network import MLPClassifier


class IntLogUniform:
    """Integers drawn log-uniformly in [low, high], like tuneup's int_log."""

    def __init__(self, low, high):
        self.dist = loguniform(low, high + 1)

    def rvs(self, random_state=None, size=None):
        return int(self.dist.rvs(random_state=random_state))


def search(x, y, n_jobs):
    space = {
        "hidden_layer_sizes": IntLogUniform(8, 128),
        "alpha": loguniform(1e-5, 1e-1),
        "learning_rate_init": loguniform(1e-4, 1e-1),
    }
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    s = RandomizedSearchCV(MLPClassifier(max_iter=30, random_state=0), space, n_iter=64,
                           cv=cv, n_jobs=n_jobs, random_state=0)
    started = time.perf_counter()
    s.fit(x, y)
    return time.perf_counter() - started, s.best_score_


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write-csv", help="also write the rows (features, label) here, "
                        "for TUNEUP_TUNE_CSV=path cargo bench --bench tune")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    x, y = make_classification(n_samples=400, n_features=20, n_informative=5,
                               n_redundant=2, random_state=0)
    if args.write_csv:
        with open(args.write_csv, "w") as f:
            for row, label in zip(x, y):
                f.write(",".join(repr(float(v)) for v in row) + f",{label}\n")
    for n_jobs in (1, 2):
        runs = [search(x, y, n_jobs) for _ in range(args.repeats)]
        median = statistics.median(t for t, _ in runs)
        print(f"RandomizedSearchCV, 64 trials x 3 folds, n_jobs={n_jobs}: "
              f"best CV accuracy {runs[0][1]:.4f}, median {median:.3f} s over {args.repeats}")


if __name__ == "__main__":
    main()
