#!/usr/bin/env bash
# Step 6 by hand: a server, three people and a shell in five terminals, driven through tmux
# as in step04-by-hand.sh (the script types into each terminal with `tmux send-keys`, then
# shows the screens). step06-who lists the room from the presence table; carol is killed with SIGKILL and announced; bob is stopped (Ctrl-Z),
# so the private lines a script sends him are refused once his mailbox holds 4 KiB, then he
# is killed too and his mailbox is drained; the server is killed and the next one takes
# over its objects, with the history; alice leaves on Ctrl-C. Pids and times change from
# run to run. Shown in book/src/step06-integrated-chat.md ("Running it by hand").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step06-integrated-chat
step05_private_tmp

socket="ipc-course-step06-$$"
source "$(dirname "$0")/terminals.bash"

room=""
cleanup() {
    # Ctrl-C the server if it still runs, then close every terminal (tmux sends SIGHUP,
    # which also stops a server, and makes a client leave), and remove whatever is left.
    tmx send-keys -t chat:server C-c 2>/dev/null
    sleep 1
    tmx kill-server 2>/dev/null
    step04_remove_room_objects "$room"
    [ -n "$room" ] && rm -rf "$room"
    step04_remove_private_tmp
}
trap cleanup EXIT

export PATH="$PWD/solutions/target/debug:$PATH"
room=$(mktemp -d -t chat-XXXXXX)
export room

# Five terminals of 100 columns, each an interactive bash with the prompt `$ `.
shell='env PS1="$ " HISTFILE=/dev/null bash --norc --noprofile -i'
tmx new-session -d -s chat -n server -x 100 -y 50 "$shell"
for name in alice bob carol shell; do tmx new-window -d -t chat -n "$name" "$shell"; done

# The pid of the program running in terminal $1 (the child of its shell).
pid_in() { pgrep -P "$(tmx display-message -p -t "chat:$1" '#{pane_pid}')" | head -n 1; }

for name in server alice bob carol shell; do wait_prompt "$name"; done

echo "# Every terminal below has solutions/target/debug first in its PATH, and \$room set to"
echo "# the room: /tmp/chat-XXXXXX, made with mktemp -d -t chat-XXXXXX."
echo

type_in server 'step06-server --room "$room"'
wait_screen server "serving room"

type_in alice 'step06-client --room "$room" --name alice'
wait_screen alice "* alice joined"
type_in alice 'hi, I am alice'
wait_screen alice "<alice> hi, I am alice"
type_in bob 'step06-client --room "$room" --name bob'
wait_screen bob "* bob joined"
type_in carol 'step06-client --room "$room" --name carol'
wait_screen carol "* carol joined"
type_in carol 'carol here'
wait_screen alice "<carol> carol here"

run_in shell 'step06-who --room "$room"'

carol=$(pid_in carol)
run_in shell "kill -KILL $carol"
wait_screen alice "* carol was disconnected"
wait_prompt carol 2

tmx send-keys -t chat:bob C-z
wait_prompt bob 2
run_in shell '{ for i in $(seq 12); do echo "/msg bob line $i $(printf "%0400d" 0)"; done; sleep 1; } | step06-client --room "$room" --name dave > /dev/null'
run_in shell 'ipcs -q'
bob=$(pid_in bob)
run_in shell "kill -KILL $bob"
wait_screen alice "* bob was disconnected"
run_in shell 'ipcs -q'

server=$(pid_in server)
run_in shell "kill -KILL $server"
wait_prompt server 2
wait_screen alice "has stopped"
wait_prompt alice 2
run_in shell 'ipcs'
run_in shell 'step06-who --room "$room"'

type_in server 'step06-server --room "$room"'
wait_screen server "serving room"
type_in alice 'step06-client --room "$room" --name alice'
wait_screen alice "joined room"
sleep 0.3
run_in shell 'step06-who --room "$room"'
tmx send-keys -t chat:alice C-c
wait_prompt alice 3
run_in alice 'echo "exit status $?"'
tmx send-keys -t chat:server C-c
wait_prompt server 3
run_in shell 'ipcs'
# bob's shell reports the end of its job at its next prompt.
tmx send-keys -t chat:bob Enter
wait_prompt bob 3

for name in server alice bob carol shell; do
    case "$name" in
        server) title="terminal 1: the server" ;;
        alice) title="terminal 2: alice" ;;
        bob) title="terminal 3: bob" ;;
        carol) title="terminal 4: carol" ;;
        shell) title="terminal 5: a shell to look around" ;;
    esac
    echo "==== $title"
    screen "$name"
    echo
done
