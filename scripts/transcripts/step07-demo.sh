#!/usr/bin/env bash
# `make demo`: the finished chat, ipc-chat, end to end (scripts/demo.sh with its default,
# step 7). Shown in book/src/step07-no-polling.md ("Goal").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
build_solutions
step04_private_tmp
trap step04_remove_private_tmp EXIT

# The demo's room has a random name: show it as the placeholder the rest of the book uses.
run 'make --no-print-directory demo' | sed -u 's/ipc-course-demo-[A-Za-z0-9]\{6\}/ipc-course-demo-XXXXXX/g'
