#!/usr/bin/env bash
# The exercises of step 2. Shown in book/src/step02-shared-memory.md.
source "$(dirname "$0")/lib.sh"

run "make --no-print-directory exercises | grep '^2\\.'"
