#!/usr/bin/env bash
# `make exercises`: every exercise of the course with its points, file and task.
# Shown in book/src/how-to-use.md.
source "$(dirname "$0")/lib.sh"

run 'make --no-print-directory exercises'
