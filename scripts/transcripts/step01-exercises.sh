#!/usr/bin/env bash
# The exercises of step 1. Shown in book/src/step01-message-queue.md.
source "$(dirname "$0")/lib.sh"

run "make --no-print-directory exercises | grep '^1\\.'"
