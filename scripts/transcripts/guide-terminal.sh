#!/usr/bin/env bash
# The user guide's look at ipc-chat's line editor. alice runs the client in a tmux terminal
# (100x24) while bob, a client whose stdin is a FIFO, stays in the room. alice completes
# `/msg ` and bob's name with Tab, sends a private line, asks /who, gets a private line
# from bob, mistypes a command (refused, and offered again for editing), clears it and
# takes /who back from the history with the Up arrow; her screen is shown after each
# step, then her private and notice lines with their escape sequences (cat -v). She
# leaves with Ctrl-C (exit status 130), then joins with --plain, where the terminal echoes
# what she types and nothing is edited, and leaves with Ctrl-D. The script checks what it
# shows and fails (status 1, the screen on stderr) if a step does not happen; pids and
# times change from run to run. Shown in book/src/user-guide.md.
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step07-ipc-chat
step05_private_tmp

socket="ipc-course-guide-$$"
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
# Shows alice's terminal under the heading $1.
show() {
    echo "==== alice's terminal: $1"
    screen alice
    echo
}
# Presses the tmux key $2 (Tab, Up, C-u, ...) in terminal $1.
press() { tmx send-keys -t "chat:$1" "$2"; }
# Types $2 into terminal $1 without pressing Enter.
type_only() { tmx send-keys -t "chat:$1" -l -- "$2"; }

step05_start_in_new_room "ipc-chat server"
export room
echo "# bob stays in the room: his stdin is a FIFO that this shell keeps open"
run 'mkfifo "$room/bob.in"; exec 4<> "$room/bob.in"'
run 'ipc-chat client --room "$room" --name bob < "$room/bob.in" > "$room/bob.txt" 2>&1 &'
bob=$!
step04_wait_for "$room/bob.txt" "* bob joined" || exit 1

# alice's terminal: an interactive bash with the prompt `$ `, 100 columns by 24 rows.
shell='env PS1="$ " HISTFILE=/dev/null bash --norc --noprofile -i'
tmx new-session -d -s chat -n alice -x 100 -y 24 "$shell"
socket_path=$(tmx display-message -p '#{socket_path}')
# Every byte written to alice's terminal also goes to a file, to show the styles.
tmx pipe-pane -t chat:alice -o "cat >> '$room/alice.raw'"
wait_prompt alice
echo "# in alice's terminal (tmux):"
echo '$ ipc-chat client --room "$room" --name alice'
type_in alice 'ipc-chat client --room "$room" --name alice'
wait_screen alice "* alice joined"
wait_screen alice "alice>"
run 'echo "hi alice" >&4'
wait_screen alice "<bob> hi alice"

echo "# alice types /m and presses Tab, then b and Tab again"
type_only alice "/m"
press alice Tab
wait_screen alice "alice> /msg"
type_only alice "b"
press alice Tab
wait_screen alice "alice> /msg bob"
show "after /m Tab b Tab"
[ "$(screen alice | tail -n 1)" = "alice> /msg bob" ] || fail "Tab did not complete /msg bob"

echo "# she finishes the private line and presses Enter, then asks /who"
type_only alice "psst, only you can read this"
press alice Enter
wait_screen alice "-> *bob* psst, only you can read this"
wait_screen alice "alice>"
type_in alice "/who"
wait_screen alice "* online: alice, bob"
run 'echo "/msg alice got it, psst back" >&4'
wait_screen alice "*bob* got it, psst back"

echo "# she mistypes a command: it is refused and offered again for editing"
type_in alice "/mgs bob oops"
wait_screen alice "not sent: unknown command /mgs"
wait_screen alice "alice> /mgs bob oops"
show "after /mgs bob oops and Enter"
[ "$(screen alice | tail -n 1)" = "alice> /mgs bob oops" ] || fail "the refused line is not offered again"

echo "# Ctrl-U clears the line; Up, Up goes back to /who in the history, and Enter sends it"
press alice C-u
press alice Up
press alice Up
wait_screen alice "alice> /who"
[ "$(screen alice | tail -n 1)" = "alice> /who" ] || fail "Up, Up did not bring /who back"
echo "==== alice's terminal: after Ctrl-U, Up, Up (its last 3 lines)"
screen alice | tail -n 3
echo
press alice Enter
for _ in $(seq 200); do
    [ "$(screen alice | grep -cF '* online: alice, bob')" -ge 2 ] && break
    sleep 0.05
done
[ "$(screen alice | grep -cF '* online: alice, bob')" -ge 2 ] || fail "the second /who had no answer"
sleep 0.3
show "after Enter"

echo "==== the bytes the client wrote around its private lines and notices (cat -v)"
grep -aoE $'\e\\[[0-9;]*m[^\e]*(psst|online)[^\e]*\e\\[0m' "$room/alice.raw" | cat -v
echo

echo "# alice leaves with Ctrl-C: the client leaves the room properly and exits with 130"
press alice C-c
wait_prompt alice 2
run_in alice 'echo "exit status $?"'
screen alice | grep -qx 'exit status 130' || fail "Ctrl-C did not exit with status 130"
show "after Ctrl-C"

echo "# --plain at a terminal: no editor; the terminal itself echoes what she types"
before=$(prompts alice)
type_in alice 'ipc-chat client --plain --room "$room" --name alice'
for _ in $(seq 200); do
    [ "$(screen alice | grep -cF '* alice joined')" -ge 2 ] && break
    sleep 0.05
done
type_in alice "typed without the editor"
wait_screen alice "<alice> typed without the editor"
press alice C-d
wait_prompt alice $((before + 1))
run_in alice 'echo "exit status $?"'
screen alice | grep -qx 'exit status 0' || fail "Ctrl-D did not exit with status 0"
echo "==== alice's terminal: the --plain session"
screen alice | sed -n '/--plain/,$p'
echo
run 'cat "$room/bob.txt"'
