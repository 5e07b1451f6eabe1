#!/usr/bin/env bash
# The exercises of step 5. Shown in book/src/step05-mmap-log.md.
source "$(dirname "$0")/lib.sh"

run "make --no-print-directory exercises | grep '^5\\.'"
