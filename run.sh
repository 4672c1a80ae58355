#!/usr/bin/env bash
# The main job: set up, build the dataset from data/raw (incremental: only new or changed
# reports are read), then open the dashboard at http://localhost:8501.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
.venv/bin/python -m pipeline build data/raw --out data/dataset || [ $? -eq 1 ]  # 1 = some files failed; the dataset is written
exec .venv/bin/streamlit run app.py --server.address "${ADDRESS:-localhost}" --server.port "${PORT:-8501}" "$@"
