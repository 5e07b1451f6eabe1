#!/usr/bin/env bash
# Step 4 by hand: a server and two people in four terminals, driven through tmux. Each
# terminal is a tmux window running an interactive shell; the script types into it with
# `tmux send-keys` (exactly as a person would: the terminal echoes what is typed) and
# shows the screens at the end with `tmux capture-pane`. Shown in book/src/step04-chat.md
# ("Running it by hand").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
build_solutions step04-chat
step04_private_tmp

socket="ipc-course-step04-$$"
source "$(dirname "$0")/terminals.bash"

room=""
cleanup() {
    # Ctrl-C the server if it still runs, then close every terminal (tmux sends SIGHUP,
    # which also stops a server cleanly), and remove whatever is left.
    tmx send-keys -t chat:server C-c 2>/dev/null
    sleep 1
    tmx kill-server 2>/dev/null
    step04_remove_room_objects "$room"
    [ -n "$room" ] && rm -rf "$room"
    step04_remove_private_tmp
}
trap cleanup EXIT

export PATH="$PWD/solutions/target/debug:$PATH"
room=$(mktemp -d -t ipc-course-XXXXXX)
export room

# Four terminals of 100 columns, each an interactive bash with the prompt `$ `.
shell='env PS1="$ " HISTFILE=/dev/null bash --norc --noprofile -i'
tmx new-session -d -s chat -n server -x 100 -y 40 "$shell"
for name in alice bob shell; do tmx new-window -d -t chat -n "$name" "$shell"; done


for name in server alice bob shell; do wait_prompt "$name"; done

echo "# Every terminal below has solutions/target/debug first in its PATH, and \$room set to"
echo "# the room: /tmp/ipc-course-XXXXXX, made with mktemp -d -t ipc-course-XXXXXX."
echo

type_in server 'step04-server --room "$room"'
wait_screen server "serving room"

type_in alice 'step04-client --room "$room" --name alice'
wait_screen alice "* alice joined"
type_in alice 'hi, I am alice'
wait_screen alice "<alice> hi, I am alice"

type_in bob 'step04-client --room "$room" --name bob'
wait_screen bob "* bob joined"
type_in bob 'hello alice, I can see your line from before I came'
wait_screen alice "<bob> hello alice"
type_in alice '/who'
wait_screen alice "* online: alice, bob"
type_in bob '/msg alice this one is for you only'
wait_screen alice "*bob* this one is for you only"
type_in bob '/mgs alice oops'
wait_screen bob "unknown command /mgs"

run_in shell 'ipcs'
semid=$(screen server | sed -n 's/.*semaphores \([0-9]*\)).*/\1/p' | head -n 1)
run_in shell "ipcs -s -i $semid"
run_in shell 'step04-client --room "$room" --name alice'
run_in shell 'echo "a line from a pipe" | step04-client --room "$room" --name carol'
wait_screen bob "* carol left"

type_in alice '/quit'
wait_prompt alice 2
wait_screen bob "* alice left"

tmx send-keys -t chat:server C-c
wait_prompt server 2
wait_screen bob "goodbye"
wait_prompt bob 2
run_in shell 'ipcs'

for name in server alice bob shell; do
    case "$name" in
        server) title="terminal 1: the server" ;;
        alice) title="terminal 2: alice" ;;
        bob) title="terminal 3: bob" ;;
        shell) title="terminal 4: a shell to look around" ;;
    esac
    echo "==== $title"
    screen "$name"
    echo
done
