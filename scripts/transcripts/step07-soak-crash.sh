#!/usr/bin/env bash
# Step 7: `make soak-crash CYCLES=20`: twenty rounds in which four clients burst their lines,
# some are killed with SIGKILL and replaced, and the server is SIGKILLed at a random moment
# and restarted (taking over what it left), then a last round that runs to the end, and the
# agreement check of ipc-chat stress over all of it. The seed is the time; times change.
# Shown in book/src/step07-no-polling.md ("Stress and crash tests").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
step04_private_tmp
trap step04_remove_private_tmp EXIT

run 'make --no-print-directory soak-crash CYCLES=20'
