#!/usr/bin/env bash
# Installs tmux when it is missing (Debian's package, with apt-get, through sudo unless
# root): the test of ipc-chat's line editor drives a real terminal in it. Safe to run
# again: it does nothing when tmux is there.
set -euo pipefail
command -v tmux > /dev/null && exit 0
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
echo "installing tmux with apt-get (once), for the terminal client's test ..."
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq tmux > /dev/null
tmux -V
