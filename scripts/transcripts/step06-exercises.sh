#!/usr/bin/env bash
# The exercises of step 6. Shown in book/src/step06-integrated-chat.md.
source "$(dirname "$0")/lib.sh"

run "make --no-print-directory exercises | grep '^6\\.'"
