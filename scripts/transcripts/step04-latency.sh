#!/usr/bin/env bash
# Step 4: what polling costs. scripts/chat-latency.py types 200 lines into one client, at
# random moments of an idle room, and measures how long each takes until another client
# prints it (the debug build of the solutions). Shown in book/src/step04-chat.md
# ("Polling: the interval and the latency it implies"). The numbers change from run to run.
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
build_solutions step04-chat
step04_private_tmp
trap step04_remove_private_tmp EXIT

run 'python3 scripts/chat-latency.py solutions/target/debug step04 200'
