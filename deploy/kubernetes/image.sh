#!/bin/sh
# The container image the DaemonSet runs: build/pantau at
# /usr/local/sbin/pantau and the shared libraries ldd lists for it, each at
# its own path, and nothing else (no shell, no package manager).
#
# Usage: deploy/kubernetes/image.sh [--rootfs DIR] [BUILD_DIR]
#   --rootfs DIR  only lay the image's files out in DIR (it must not exist)
#   otherwise     import them with podman as localhost/pantau:latest
# BUILD_DIR is where pantau was built (default: build).
set -eu

rootfs=""
if [ "${1:-}" = --rootfs ]; then
	rootfs=$2
	shift 2
fi
build=${1:-build}
pantau=$build/pantau
[ -x "$pantau" ] || { echo "image.sh: no $pantau; run make first." >&2; exit 1; }

own=""
if [ -z "$rootfs" ]; then
	rootfs=$(mktemp -d)
	own=1
	rmdir "$rootfs"
fi
mkdir "$rootfs"
install -D -m 0755 "$pantau" "$rootfs/usr/local/sbin/pantau"
# The files behind the sonames (cp -L), under the paths the loader looks in.
for lib in $(ldd "$pantau" | grep -o '/[^ ]*'); do
	mkdir -p "$rootfs$(dirname "$lib")"
	cp -L "$lib" "$rootfs$lib"
done
# Mount points the runtime and the DaemonSet's volumes need on a
# read-only root.
for d in proc sys dev etc tmp run etc/pantau/config etc/pantau/web sys/fs/cgroup \
	run/containerd/io.containerd.runtime.v2.task run/containers/storage \
	var/lib/containers/storage var/lib/docker/containers; do
	mkdir -p "$rootfs/$d"
done
[ -z "$own" ] && exit 0

tar -C "$rootfs" -c . | podman import \
	--change 'ENTRYPOINT ["/usr/local/sbin/pantau"]' - localhost/pantau:latest
rm -rf "$rootfs"
