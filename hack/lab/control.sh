#!/usr/bin/env bash
# Kills or starts one control-plane program of the lab made by
# hack/lab/up.sh, to show that every component can die at any moment and
# come back without losing anything:
#
#   hack/lab/control.sh kill scheduler     SIGKILL: no goodbye, no clean-up
#   hack/lab/control.sh start scheduler    the same command line as up.sh's
#
# Components: apiserver, scheduler, controller. (Nodes: hack/lab/node.sh.)
set -euo pipefail
cd "$(dirname "$0")/../.."
. hack/lab/common.sh
[ $# = 2 ] || { echo "usage: $0 kill|start apiserver|scheduler|controller" >&2; exit 2; }
verb=$1 name=$2
pidfile="$dir/run/$name.pid"
case $verb in
kill)
	if [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null; then
		# Wait until it is really gone, so that a start can take its port.
		while kill -0 "$(cat "$pidfile")" 2>/dev/null; do sleep 0.05; done
		echo "killed $name"
	fi
	rm -f "$pidfile"
	;;
start)
	if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		echo "$name is already running (pid $(cat "$pidfile"))"
		exit 0
	fi
	start_component "$name"
	if [ "$name" = apiserver ]; then
		for _ in $(seq 1 100); do
			kctl version >/dev/null 2>&1 && exit 0
			sleep 0.1
		done
		echo "the apiserver did not come back; see $dir/logs/apiserver.log" >&2
		exit 1
	fi
	;;
*) echo "usage: $0 kill|start apiserver|scheduler|controller" >&2; exit 2 ;;
esac
