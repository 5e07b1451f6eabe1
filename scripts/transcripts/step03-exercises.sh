#!/usr/bin/env bash
# The exercises of step 3. Shown in book/src/step03-architecture.md.
source "$(dirname "$0")/lib.sh"

run "make --no-print-directory exercises | grep '^3\\.'"
