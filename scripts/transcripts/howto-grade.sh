#!/usr/bin/env bash
# `make grade` on the untouched skeleton: the progress table over every graded step.
# Shown in book/src/how-to-use.md.
source "$(dirname "$0")/lib.sh"

run 'make --no-print-directory grade'
