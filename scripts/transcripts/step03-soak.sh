#!/usr/bin/env bash
# Step 3: the soak test, 10 million fuzz cases (a fixed seed here; `make soak-protocol`
# picks a new one each run). Shown in book/src/step03-architecture.md ("Check your work").
source "$(dirname "$0")/lib.sh"

run 'make --no-print-directory soak-protocol SEED=1'
