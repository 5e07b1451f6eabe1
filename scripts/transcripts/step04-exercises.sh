#!/usr/bin/env bash
# The exercises of step 4. Shown in book/src/step04-chat.md.
source "$(dirname "$0")/lib.sh"

run "make --no-print-directory exercises | grep '^4\\.'"
