#!/bin/sh
# Install the Debian 12 packages a make target needs, only those missing.
# Usage: scripts/deps.sh build|test|bench|all
set -eu

build="make clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev pkg-config
       libmicrohttpd-dev libyaml-dev libjson-c-dev libcurl4-openssl-dev xxd"
test="$build libcmocka-dev curl prometheus python3 python3-prometheus-client chromium
      fonts-dejavu-core iproute2 iptables nginx wrk"
bench="$test bpftrace"

case "${1:-all}" in
build) want=$build ;;
test) want=$test ;;
bench) want=$bench ;;
all) want="$test $bench" ;;
*) echo "deps.sh: unknown set '$1'; use build, test, bench or all." >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "Missing Debian packages:$missing; run 'make deps' as root or install them with apt-get." >&2
	exit 1
fi
echo "Installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
