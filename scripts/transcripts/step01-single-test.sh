#!/usr/bin/env bash
# Running one test of the grader by name, on the untouched skeleton.
# Shown in book/src/how-to-use.md.
source "$(dirname "$0")/lib.sh"

run 'cargo test --quiet --test step01 -- exact_bytes_round_trip'
