#!/usr/bin/env bash
# The System V IPC limits of the machine that refreshed the book (not of a private IPC
# namespace: these are the values the course really runs with there).
# Shown in book/src/setup.md ("Kernel limits").
source "$(dirname "$0")/lib.sh"

run 'sysctl kernel.msgmax kernel.msgmnb kernel.msgmni'
run 'sysctl kernel.shmmax kernel.shmall kernel.shmmni'
run 'sysctl kernel.sem'
run 'getconf PAGE_SIZE'
run 'ipcs -l'
