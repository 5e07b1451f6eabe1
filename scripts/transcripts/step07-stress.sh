#!/usr/bin/env bash
# Step 7: `ipc-chat stress`. An honest run with churn (clients that quit early, clients
# killed with SIGKILL and replaced) and three rounds whose server is SIGKILLed at a random
# moment and restarted: every view and the log agree. Then a run whose evidence is spoiled
# on purpose (--plant drop: one line taken out of one client's view, as a client that lost
# a line would show it): the check names the gap, and the run fails and keeps its evidence.
# The seeds make the runs repeatable; pids, times and durations change. Shown in
# book/src/step07-no-polling.md ("Stress and crash tests").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
build_solutions step07-ipc-chat
step04_private_tmp
# Runs before step04_private_tmp's path fix: the random part of the evidence's directory.
exec > >(sed -u -e 's|/stress-[A-Za-z0-9]\{6\}|/stress-XXXXXX|g') 2>&1
trap step04_remove_private_tmp EXIT

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'ipc-chat stress --clients 8 --lines 200 --churn --crash-rounds 3 --seed 7'
echo "# --plant (hidden, for the grader) spoils the evidence before the check, which must then fail"
run 'dir=$(mktemp -d -t stress-XXXXXX)'
run 'ipc-chat stress --clients 4 --lines 40 --seed 21 --plant drop --dir "$dir"; echo "exit status $?"'
run 'ls -x "$dir"'
