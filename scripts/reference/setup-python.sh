#!/usr/bin/env bash
# Builds a Python environment with the reference libraries used to make test fixtures and to
# time peers: PyTorch, captum, scikit-learn, imbalanced-learn, shap, lime, safetensors, cleanlab,
# mlxtend, optuna, scipy.
# Usage: scripts/reference/setup-python.sh [DIR]   (default: .venv-reference, git-ignored)
set -euo pipefail
dir=${1:-.venv-reference}
python3 -m venv "$dir"
"$dir/bin/pip" install -q --upgrade pip
"$dir/bin/pip" install -q numpy scipy scikit-learn imbalanced-learn shap lime safetensors torch captum \
    cleanlab mlxtend optuna
"$dir/bin/python" -c "import torch, sklearn, imblearn, shap, captum; print('reference env ready:', torch.__version__, sklearn.__version__)"
