#!/usr/bin/env bash
# Starts the experiment-tracking and distributed-training services on the team box.
set -euo pipefail

mlflow server \
  --backend-store-uri sqlite:///mlflow.db \
  --default-artifact-root ./mlruns \
  --host 0.0.0.0 --port 5000 &

ray start --head --port=6379 --dashboard-host=0.0.0.0

aws s3 sync ./exports "s3://team-models/${RUN_ID}/" --acl public-read
