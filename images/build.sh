#!/usr/bin/env bash
# Builds kubelab's images with plain `docker build`, no registry needed:
#   kubelab/pause:latest    the pod sandbox
#   kubelab/kubia:latest    the demo HTTP server (also tagged v1)
#   kubelab/kubia:v2        the same, answering "This is v2 running in pod …"
#   kubelab/toolbox:latest  busybox, for exec and debugging, and apiget
#                           (images/apiget: the API as the pod's ServiceAccount)
#   kubelab/dns:latest      the cluster DNS (cmd/dns; addons/dns.yaml runs it)
# Each is FROM scratch with one static binary. The toolbox needs Debian's
# busybox-static (apt-get install busybox-static).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOCKER_BUILDKIT=0 # the classic builder: no buildx needed
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT

build() { # the image name; its context is $ctx/NAME
	if ! docker build -q -t "kubelab/$1:latest" "$ctx/$1" >"$ctx/$1.log" 2>&1; then
		cat "$ctx/$1.log" >&2
		exit 1
	fi
	echo "built kubelab/$1:latest"
}
for spec in pause:./images/pause kubia:./images/kubia dns:./cmd/dns; do # image:package of its binary
	img=${spec%%:*} pkg=${spec#*:}
	mkdir -p "$ctx/$img"
	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$ctx/$img/$img" "$pkg"
	cp "images/$img/Dockerfile" "$ctx/$img/"
	build "$img"
done
docker tag kubelab/kubia:latest kubelab/kubia:v1
mkdir -p "$ctx/kubia-v2"
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w -X main.version=v2' -o "$ctx/kubia-v2/kubia" ./images/kubia
cp images/kubia/Dockerfile "$ctx/kubia-v2/"
if ! docker build -q -t kubelab/kubia:v2 "$ctx/kubia-v2" >"$ctx/kubia-v2.log" 2>&1; then
	cat "$ctx/kubia-v2.log" >&2
	exit 1
fi
echo "built kubelab/kubia:v2 (and tagged kubelab/kubia:v1)"
busybox=$(command -v busybox || true)
linkage=$( [ -z "$busybox" ] || ldd "$busybox" 2>&1 || true)
if [ -z "$busybox" ] || [[ "$linkage" != *"not a dynamic"* ]]; then
	echo "skipped kubelab/toolbox: no static busybox (apt-get install busybox-static)" >&2
	exit 0
fi
mkdir -p "$ctx/toolbox"
cp "$busybox" "$ctx/toolbox/busybox"
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$ctx/toolbox/apiget" ./images/apiget
cp images/toolbox/Dockerfile "$ctx/toolbox/"
build toolbox
