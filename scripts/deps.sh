#!/bin/sh
# Install the Debian 12 packages a make target needs, only those missing.
# Usage: scripts/deps.sh build|test|bench|all
set -eu

# libgnutls28-dev and libcrypt-dev: TLS and bcrypt checks of the web config file.
build="make clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libdeflate-dev pkg-config
       libmicrohttpd-dev libyaml-dev libjson-c-dev libcurl4-openssl-dev libssl-dev xxd
       libgnutls28-dev libcrypt-dev"
# systemd brings systemd-analyze, which checks the shipped unit offline
# (tests/integration/test_systemd_unit.py). prometheus brings promtool; prometheus-alertmanager brings amtool. nodejs
# and npm run the dashboard schema check (tests/validators/). openssl makes the
# HTTPS tests' certificates, and the web config tests' CA, server and client
# certificates (their bcrypt hashes come from python3's crypt, libcrypt's);
# wget is the HTTPS tests' GnuTLS client. libclang-rt-14-dev:
# the libFuzzer and sanitizer runtimes for clang 14; llvm-14:
# llvm-profdata-14 and llvm-cov-14, make fuzz's coverage report. qemu-system-x86,
# busybox-static, cpio and xz-utils boot Debian's kernels (tests/kernels/).
# podman, containerd, docker.io, docker-compose and runc run real containers
# for the naming tests (tests/integration/test_containers.py; crun refuses
# hybrid cgroup hosts); podman and runc also run pantau as the Kubernetes
# DaemonSet does (tests/integration/test_kubernetes.py).
test="$build systemd libcmocka-dev libclang-rt-14-dev llvm-14 curl prometheus python3
      python3-prometheus-client prometheus-alertmanager python3-aiosmtpd python3-yaml
      nodejs npm chromium fonts-dejavu-core iproute2 iptables nginx wrk openssl wget
      qemu-system-x86 busybox-static cpio xz-utils podman containerd docker.io
      docker-compose runc"
# The benchmarks' peers and loads: libbpf-tools brings runqlat,
# prometheus-node-exporter the scrape peer, fio the disk load.
bench="$test bpftrace libbpf-tools prometheus-node-exporter fio"

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
	# A Node.js build that carries its own npm provides the npm package
	# (and conflicts with Debian's); a working npm command is enough.
	[ "$p" = npm ] && command -v npm >/dev/null 2>&1 && continue
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
