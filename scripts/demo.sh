#!/usr/bin/env bash
# `make demo`: step 1's sender and receiver talking through a message queue whose key comes
# from a throwaway directory. Everything it creates is removed on exit, even on Ctrl-C.
set -euo pipefail
bin="$1"
room=$(mktemp -d -t ipc-course-demo-XXXXXX)
receiver=""
cleanup() {
    [ -n "$receiver" ] && kill "$receiver" 2>/dev/null || true
    "$bin/step01-rm" --path "$room" 2>/dev/null || true
    rm -rf "$room"
}
trap cleanup EXIT

echo "== key file: $room (the queue's key is ftok of this directory)"
echo "== a receiver starts first and waits for 3 messages of type 1"
"$bin/step01-recv" --path "$room" --create --type 1 --count 3 &
receiver=$!
sleep 0.3
echo "== a sender sends four messages: three of type 1, one of type 2"
"$bin/step01-send" --path "$room" --type 1 "hello from process $$"
"$bin/step01-send" --path "$room" --type 2 "for type-2 readers only"
"$bin/step01-send" --path "$room" --type 1 "bytes are copied by the kernel"
printf 'the last one (read from stdin)' | "$bin/step01-send" --path "$room" --type 1
wait "$receiver"
receiver=""
echo "== the type-2 message is still queued:"
ipcs -q
"$bin/step01-recv" --path "$room" --nowait
echo "== nothing left: a non-blocking receive reports it"
"$bin/step01-recv" --path "$room" --nowait || echo "(exit status $?: no message)"
"$bin/step01-rm" --path "$room"
echo "== demo done; the queue is removed"
