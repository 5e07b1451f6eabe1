#!/usr/bin/env bash
# Step 1: where a key comes from (ftok), and why replacing the key file changes it.
# Shown in book/src/step01-message-queue.md.
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
build_solutions step01-message-queue

room=""
cleanup() {
    [ -n "$room" ] || return 0
    for id in $(ipcs -q | awk '$1 ~ /^0x/ {print $2}'); do ipcrm -q "$id"; done
    rm -rf "$room"
}
trap cleanup EXIT

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'room=$(mktemp -d -t ipc-course-XXXXXX)'
run 'stat -c "device %d, inode %i" "$room"'
run 'printf "ftok(room, 1) should be 0x%02x%02x%04x\n" 1 $(( $(stat -c %d "$room") & 0xff )) $(( $(stat -c %i "$room") & 0xffff ))'
run 'step01-send --path "$room" --create "project id 1"'
run 'step01-send --path "$room" --create --proj-id 2 "project id 2"'
run 'ipcs -q'
run 'touch "$room/key"'
run 'step01-send --path "$room/key" --create "sent before the key file was replaced"'
run 'touch "$room/key.new" && mv "$room/key.new" "$room/key"'
run 'step01-recv --path "$room/key" --nowait'
run 'ipcs -q'
