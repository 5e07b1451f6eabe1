#!/usr/bin/env bash
# `make demo`: the step 4 chat end to end in a throwaway room. A server and three scripted
# clients (alice, bob, carol) talk for a few seconds; then each client's screen is shown,
# the server is stopped with SIGINT, and the room is checked to be gone from `ipcs`.
# Everything it creates is removed on exit, even on Ctrl-C.
set -euo pipefail
bin="$1"
room=$(mktemp -d -t ipc-course-demo-XXXXXX)
echo $$ > "$room/.owner-pid"   # in use: `make clean-ipc` leaves it alone
server=""
cleanup() {
    [ -n "$server" ] && kill -INT "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    cargo xtask clean-ipc "$room" >/dev/null 2>&1 || true
    rm -rf "$room"
}
trap cleanup EXIT

# A scripted person: arrives after START seconds, types each line (or pauses, for a
# `pause:SECONDS` line), then stays STAY seconds before end of input makes it leave.
person() {
    local name="$1" start="$2" stay="$3"; shift 3
    sleep "$start"
    {
        sleep 0.3
        for line in "$@"; do
            case "$line" in
                pause:*) sleep "${line#pause:}" ;;
                *) echo "$line"; sleep 0.4 ;;
            esac
        done
        sleep "$stay"
    } | "$bin/step04-client" --room "$room" --name "$name" > "$room/$name.screen" 2> "$room/$name.err"
}

echo "== room: $room"
before=$(ipcs -q -m -s | grep -cE "^0x" || true)
"$bin/step04-server" --room "$room" 2> "$room/server.log" &
server=$!
for _ in $(seq 100); do grep -q "serving room" "$room/server.log" 2>/dev/null && break; sleep 0.05; done
echo "== the server created the room's objects:"
ipcs -q -m -s | grep -E "^0x" | sed 's/^/   /' || true

echo "== alice, bob and carol chat for a few seconds ..."
person alice 0.0 1.5 "hi everyone" "is anybody there?" pause:1.2 "welcome carol!" &
person bob 0.5 2.0 "hello alice" "the queue carries our lines to the server" &
person carol 1.8 1.0 "hi! I joined late but I can read the history" &
wait %2 %3 %4 2>/dev/null || wait

for name in alice bob carol; do
    echo
    echo "== what $name saw:"
    sed 's/^/   /' "$room/$name.screen"
done

echo
echo "== stopping the server with SIGINT"
kill -INT "$server"
wait "$server" || true
server=""
sed 's/^/   server: /' "$room/server.log" | tail -n 4
after=$(ipcs -q -m -s | grep -cE "^0x" || true)
if [ "$after" -eq "$before" ]; then
    echo "== the room's three objects are gone (ipcs counts $after objects, as before the demo)"
else
    echo "== ipcs counts $after objects, $before before the demo: something was left behind" >&2
    exit 1
fi
