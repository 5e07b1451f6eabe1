#!/usr/bin/env bash
# The exercises of step 7. Shown in book/src/step07-no-polling.md.
source "$(dirname "$0")/lib.sh"

run "make --no-print-directory exercises | grep '^7\\.'"
