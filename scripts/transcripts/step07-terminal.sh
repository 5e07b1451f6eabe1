#!/usr/bin/env bash
# Step 7: ipc-chat's line editor at a terminal. alice runs the client in a tmux terminal
# (120x30) and types half a line without Enter while bob, a piped client, says a line every
# 200 ms: bob's lines appear above her line, which stays whole on the last row; she
# finishes it and presses Enter: it shows once, as the room's line `[time] <alice> ...`,
# and her prompt is back. bob's stdout, a file, has no escape sequence: a pipe stays
# line-oriented. Ctrl-D leaves with status 0 and the terminal cooked again. The script
# checks each of these and fails (status 1, the screen on stderr) if one does not hold;
# times change from run to run.
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step07-ipc-chat
step05_private_tmp

socket="ipc-course-step07-$$"
source "$(dirname "$0")/terminals.bash"

bob=""
socket_path=""
cleanup() {
    [ -n "$bob" ] && kill -TERM "$bob" 2>/dev/null
    # Closing the terminal sends SIGHUP: a client still in it leaves the room.
    tmx kill-server 2>/dev/null
    [ -n "$socket_path" ] && rm -f "$socket_path"
    if [ -n "$server" ]; then
        kill -INT "$server" 2>/dev/null && wait "$server" 2>/dev/null
        server=""
    fi
    # A server that stopped removes its objects; this is for one that did not.
    if [ -n "$room" ]; then
        ipc-chat cleanup --room "$room" >/dev/null 2>&1
        rm -rf "$room"
    fi
    step04_remove_private_tmp
}
trap cleanup EXIT

# Fails the transcript with the message $1, and shows alice's terminal.
fail() {
    echo "transcript: $1; alice's terminal:" >&2
    screen alice >&2
    exit 1
}

step05_start_in_new_room "ipc-chat server"
export room

# alice's terminal: an interactive bash with the prompt `$ `, 120 columns by 30 rows.
shell='env PS1="$ " HISTFILE=/dev/null bash --norc --noprofile -i'
tmx new-session -d -s chat -n alice -x 120 -y 30 "$shell"
socket_path=$(tmx display-message -p '#{socket_path}')
wait_prompt alice
type_in alice 'ipc-chat client --room "$room" --name alice'
wait_screen alice "* alice joined"
wait_screen alice "alice>"

echo "# bob's lines come from a pipe, one every 200 ms"
run '{ for i in $(seq 30); do echo "line $i from bob"; sleep 0.2; done; } | ipc-chat client --room "$room" --name bob > "$room/bob.txt" 2>&1 &'
bob=$!
wait_screen alice "<bob> line 2 from bob"

echo "# alice types half a line, without Enter, while bob's lines arrive"
half="I am typing a long sen"
tmx send-keys -t chat:alice -l -- "$half"
wait_screen alice "alice> $half"
wait_screen alice "<bob> line 12 from bob"
typing=$(screen alice)
echo "==== alice's terminal, while she types"
echo "$typing"
echo
[ "$(tail -n 1 <<<"$typing")" = "alice> $half" ] \
    || fail "the last line is not alice's prompt with her half-typed line"
[ "$(grep -cF -- "$half" <<<"$typing")" = 1 ] \
    || fail "the half-typed line is not on one line only"
grep -qE '^\[[0-9:]{8}\] <bob> line 12 from bob$' <<<"$typing" \
    || fail "bob's lines are not whole lines above alice's"
grep -qE "^alice> $half\$" <<<"$(head -n -1 <<<"$typing")" \
    && fail "an earlier copy of the prompt was left above the incoming lines"

echo "# alice finishes her line and presses Enter"
tmx send-keys -t chat:alice -l -- "tence"
tmx send-keys -t chat:alice Enter
wait_screen alice "<alice> I am typing a long sentence"
sleep 0.5
entered=$(screen alice)
echo "==== alice's terminal, after Enter"
echo "$entered"
echo
[ "$(grep -cF -- "I am typing a long sentence" <<<"$entered")" = 1 ] \
    || fail "the entered line does not show exactly once"
grep -qE '^\[[0-9:]{8}\] <alice> I am typing a long sentence$' <<<"$entered" \
    || fail "the entered line is not the room's line"
[ "$(tail -n 1 <<<"$entered")" = "alice>" ] \
    || fail "alice's empty prompt is not on the last line"

# bob's pipe ends after his 30 lines: he waits for his last one, and leaves.
wait "$bob"
bob=""
wait_screen alice "* bob left"
run 'grep -F "<alice>" "$room/bob.txt"'
run 'grep -c $'"'"'\e'"'"' "$room/bob.txt"'
grep -q $'\e' "$room/bob.txt" && fail "bob's stdout, a file, has escape sequences"

echo "# alice leaves with Ctrl-D; her shell's terminal is cooked again (icanon, echo)"
tmx send-keys -t chat:alice C-d
wait_prompt alice 2
run_in alice 'echo "exit status $?"; stty -a | grep -oE -- "-?(icanon|echo) " | tr -d "\n"; echo'
after=$(screen alice)
grep -qx 'exit status 0' <<<"$after" || fail "the client did not exit with status 0"
grep -qx 'icanon echo' <<<"$after" || fail "the terminal was left raw"
echo "==== alice's terminal, at the end"
screen alice | tail -n 6
