#!/usr/bin/env bash
# `make demo STEP=4`: the step 4 chat end to end (scripts/demo.sh). Shown in
# book/src/step04-chat.md ("Goal").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
build_solutions
step04_private_tmp
trap step04_remove_private_tmp EXIT

# The demo's room has a random name: show it as the placeholder the rest of the book uses.
run 'make --no-print-directory demo STEP=4' | sed -u 's/ipc-course-demo-[A-Za-z0-9]\{6\}/ipc-course-demo-XXXXXX/g'
