#!/usr/bin/env bash
# `make demo`: the finished chat, `ipc-chat` (step 7), end to end in a throwaway room. A
# server and three scripted clients (alice, bob, carol) talk for a few seconds, `ipc-chat
# who` lists them from shared memory while they do; then each client's screen is shown,
# the server is stopped with SIGINT, the room's objects are checked to be gone, and the
# history is read back from the room's log file, which outlives the server.
# Everything it creates is removed on exit, even on Ctrl-C.
#
# The ipcs check looks at the room's own objects only, never at the machine's count (which
# another program can change at any time): the objects keyed from the room directory
# (ftok with the project ids 'Q', 'M' and 'S' of solutions/03-protocol/src/routing.rs,
# among all 256), listed by scripts/ipcs-snapshot.sh while the directory exists. The room
# is a fresh directory whose keys no object uses yet (else another one is made, as the
# graders' sandboxes do), the objects the server made are recorded by key and id, and
# after the server stopped exactly those must be gone. Another program's object cannot
# match: it would need one of the room's keys and the id of an object the server made
# (the kernel gives a new object another id than the removed one had).
#
# Usage: scripts/demo.sh BIN_DIR [STEP]   (STEP 4 to 7, default 7: whose programs to run)
set -euo pipefail
bin="$1"
step="${2:-7}"
case "$step" in
    4 | 5 | 6) server_command=("$bin/step0$step-server"); client=("$bin/step0$step-client") ;;
    7) server_command=("$bin/ipc-chat" server); client=("$bin/ipc-chat" client) ;;
    *) echo "demo: step $step has no chat to show (4 to 7)" >&2; exit 2 ;;
esac
snapshot="$(dirname "$0")/ipcs-snapshot.sh"
rejected=()
for attempt in $(seq 20); do
    room=$(mktemp -d -t ipc-course-demo-XXXXXX)
    echo $$ > "$room/.owner-pid"   # in use: `make clean-ipc` leaves it alone
    if [ -z "$("$snapshot" "$room")" ] || [ "$attempt" -eq 20 ]; then
        break
    fi
    rejected+=("$room")            # kept until a room is found, so each gets another inode
done
rm -rf "${rejected[@]}"
server=""
started=""   # set once the server runs: from then on, the room's keys are the demo's
cleanup() {
    [ -n "$server" ] && kill -INT "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    [ -n "$started" ] && { cargo xtask clean-ipc "$room" >/dev/null 2>&1 || true; }
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
    } | "${client[@]}" --room "$room" --name "$name" > "$room/$name.screen" 2> "$room/$name.err"
}

echo "== room: $room"
[ -z "$("$snapshot" "$room")" ] || { echo "== no room with unused keys could be made" >&2; exit 1; }
started=1
"${server_command[@]}" --room "$room" 2> "$room/server.log" &
server=$!
for _ in $(seq 100); do grep -q "serving room" "$room/server.log" 2>/dev/null && break; sleep 0.05; done
# kind, key and id of each object keyed from the room.
objects=$("$snapshot" "$room" | awk '{print $1, $2, $3}')
echo "== the server created the room's objects (kind, key, id):"
echo "$objects" | sed 's/^/   /'

echo "== alice, bob and carol chat for a few seconds ..."
person alice 0.0 1.5 "hi everyone" "is anybody there?" pause:1.2 "welcome carol!" &
person bob 0.5 2.0 "hello alice" "the queue carries our lines to the server" &
person carol 1.8 1.0 "hi! I joined late but I can read the history" &
if [ "$step" -ge 6 ]; then
    sleep 2.2
    echo "== who is online, from the presence table in shared memory (no request to the server):"
    if [ "$step" -eq 7 ]; then "$bin/ipc-chat" who --room "$room"; else "$bin/step06-who" --room "$room"; fi | sed 's/^/   /'
fi
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
left=$(comm -12 <(echo "$objects" | LC_ALL=C sort) \
    <("$snapshot" "$room" | awk '{print $1, $2, $3}' | LC_ALL=C sort))
count=$(echo "$objects" | grep -c . || true)
if [ -n "$left" ]; then
    echo "== the server left these objects of the room behind:" >&2
    echo "$left" | sed 's/^/   /' >&2
    exit 1
elif [ "$count" -ne 3 ]; then
    echo "== the server made $count objects in the room, not 3 (a queue, a segment, semaphores)" >&2
    exit 1
else
    echo "== the room's three objects are gone from ipcs"
fi
[ "$step" -ge 5 ] || exit 0
echo
if [ "$step" -eq 7 ]; then
    echo "== the history outlives the server: the last 5 lines of $room/chat.log (ipc-chat log)"
    "$bin/ipc-chat" log --room "$room" --last 5 | sed 's/^/   /'
else
    echo "== the history outlives the server: the last 5 lines of $room/chat.log (step05-log)"
    "$bin/step05-log" --room "$room" --last 5 | sed 's/^/   /'
fi
