#!/bin/sh
# The kernel matrix's in-guest smoke test (busybox sh; tests/kernels/init
# runs it as `sh /guest.sh` and reboots after). Each check prints exactly one
# line, `RESULT <name> ok|fail <detail>`, held against ground truth the guest
# knows itself: cgroupfs, /proc, the bytes it wrote, the HTTP client's own
# tally. Every wait is bounded: the guest must never hang (TCG is slow, so
# the bounds are generous; the matrix gives a boot 420 s in all).

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
PORT=9542
URL=http://127.0.0.1:$PORT
CG=/sys/fs/cgroup
T=/tmp/guest
HTTP_PORT=8080
PEER=pay.example.test
# PANTAU_FORCE=raw_tp: the second pass (tests/kernels/init), with the
# raw_tp twins forced; its results are named cpu_raw and so on, its --check
# lines CHECKRAW. The network domain needs BTF-typed programs: not in it.
FORCE=${PANTAU_FORCE:-}
FARGS=${FORCE:+--force-flavour $FORCE}
SUF=${FORCE:+_raw}
TAG=${FORCE:+RAW}
rm -rf "$T"
mkdir -p "$T"
# The checks that still have to print a RESULT line.
if [ -n "$FORCE" ]; then
	PENDING="attach cpu memory disk oom verifier stop"
else
	PENDING="attach cpu memory disk oom http tcp_bytes dependency http_alone dependency_alone verifier stop"
fi

result() {	# name ok|fail detail...
	name=$1 status=$2
	shift 2
	echo "RESULT $name$SUF $status $*"
	rest=
	for p in $PENDING; do
		[ "$p" = "$name" ] || rest="$rest $p"
	done
	PENDING=$rest
}

now() { date +%s; }

# until_true SECONDS CMD...: run CMD every second until it succeeds; 1 when
# SECONDS went by without success.
until_true() {
	_end=$(($(now) + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$(now)" -lt "$_end" ] || return 1
		sleep 1
	done
}

# Debian's busybox 1.35 wget segfaults with -T: bound it with timeout instead.
pantau_alive() { kill -0 "$PANTAU_PID" 2>/dev/null; }
healthz() { [ "$(timeout 15 wget -q -O- "$URL/healthz" 2>/dev/null)" = ok ]; }
scrape() {
	timeout 30 wget -q -O "$T/metrics.tmp" "$URL/metrics" 2>/dev/null &&
		mv "$T/metrics.tmp" "$T/metrics"
}

# samples NAME [LABEL="VALUE"...]: '<labels> <value>' of every sample of
# NAME in the last scrape whose labels include each LABEL="VALUE" given.
samples() {
	_name=$1
	shift
	awk -v name="$_name" -v want="$*" '
	BEGIN { n = split(want, w, " ") }
	/^#/ || NF < 2 { next }
	{
		b = index($0, "{"); s = index($0, " ")
		if (b > 0 && b < s) {
			match($0, /\}[^}]*$/)
			m = substr($0, 1, b - 1); labels = substr($0, b + 1, RSTART - b - 1)
			rest = substr($0, RSTART + 1)
		} else {
			m = substr($0, 1, s - 1); labels = ""; rest = substr($0, s)
		}
		if (m != name)
			next
		for (k = 1; k <= n; k++)
			if (index("," labels ",", "," w[k] ",") == 0)
				next
		split(rest, r, " ")
		print labels, r[1]
	}' "$T/metrics" 2>/dev/null
}

# metric NAME [LABEL="VALUE"...]: the sum of the matching samples, or
# nothing when there is none.
metric() {
	samples "$@" | awk '{ s += $NF; n++ } END { if (n) printf "%.15g\n", s }'
}

# within A B PCT: A is within PCT % of B (B > 0).
within() {
	awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d
		exit !(a != "" && b > 0 && d <= b * p / 100) }'
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b <= 0) print "?"
	else { d = (a - b) / b * 100; printf "%+.2f%%\n", d } }'; }

# in_cgroup DIR CMD...: run CMD inside the cgroup DIR (the shell joins it,
# then execs CMD).
in_cgroup() {
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$@"
}

# check_within NAME METRIC SERVICE TRUTH UNIT WHAT: one RESULT line, ok when
# pantau's METRIC for SERVICE comes within 5 % of TRUTH (the guest's own
# WHAT) within 30 s.
check_within() {
	cw_name=$1 cw_metric=$2 cw_service=$3 truth=$4 cw_unit=$5 cw_what=$6
	got=
	near() {
		scrape && got=$(metric "$cw_metric" "service=\"$cw_service\"") &&
			within "$got" "$truth" 5
	}
	if until_true 30 near; then
		result "$cw_name" ok "pantau ${got} $cw_unit, $cw_what ${truth} $cw_unit ($(pct "$got" "$truth"))"
	else
		result "$cw_name" fail "pantau '${got}' $cw_unit, $cw_what ${truth} $cw_unit ($(pct "$got" "$truth")), not within 5 %"
	fi
}

# counted_since BY CLIENT_OUT BEFORE AFTER: "ok K=N..." when the samples
# counted between BEFORE and AFTER (files of `samples` lines) match
# httpmini client's tally in CLIENT_OUT, by method and status class (BY
# method) or by status class alone (BY class); else "fail" and each
# difference.
counted_since() {
	awk -v by="$1" '
	function key(l,   m, c) {
		c = l; sub(/.*(^|,)status_class="/, "", c); sub(/".*/, "", c)
		if (by != "method")
			return c
		m = l; sub(/.*(^|,)method="/, "", m); sub(/".*/, "", m)
		return m " " c
	}
	FILENAME == ARGV[1] {
		if ($1 == "requests") { k = by == "method" ? $2 " " $3 : $3; want[k] += $4; keys[k] = 1 }
		next
	}
	FILENAME == ARGV[2] { before[key($1)] += $2; next }
	{ k = key($1); got[k] += $2; keys[k] = 1 }
	END {
		bad = 0
		for (k in keys) {
			g = got[k] - before[k]; w = (k in want) ? want[k] : 0
			if (g != w) { bad++; diff = diff sprintf(" %s pantau %d client %d;", k, g, w) }
			else same = same sprintf(" %s=%d", k, g)
		}
		print (bad ? "fail" : "ok") (bad ? diff : same)
	}' "$2" "$3" "$4"
}

# wait_exit PID SECONDS: 0 once PID is gone, 1 if it still runs.
wait_exit() { until_true "$2" eval '! kill -0 '"$1"' 2>/dev/null'; }

echo "GUEST start $(now)"
T0=$(now)

# Run stats on: the request programs' costs are reported below. HTTPS in
# clear on: its send hook (tcp_sendmsg_locked) loads and attaches too.
# kcli2's and ksrv2's connections are left unparsed, so that the other
# end of them is parsed alone, as in production (made before pantau
# starts, so that its first look at the cgroups finds them).
cat > "$T/pantau.yaml" <<EOF
log_level: info
bpf_run_stats: true
requests:
  tls: true
  skip_cgroups: ["/kcli2", "/ksrv2"]
services:
  short_lived_seconds: 2
EOF
mkdir -p "$CG/kcli2" "$CG/ksrv2"

# --- attach ----------------------------------------------------------------
timeout 240 pantau --check --config "$T/pantau.yaml" $FARGS >"$T/check.out" 2>"$T/check.err"
rc=$?
sed "s/^/CHECK$TAG /" "$T/check.out"
sed "s/^/CHECKLOG$TAG /" "$T/check.err"
# Forced raw_tp: exit 1 is right when the network domain alone is missing.
unattached=$(grep -E '^[a-z_]+ \([a-z]+\): ' "$T/check.out" | grep -v ': can attach' | grep -vc '(net)')
if [ -n "$FORCE" ] && [ "$rc" = 1 ] && [ "$unattached" = 0 ] &&
	grep -q 'network programs: they need tracepoints with kernel BTF' "$T/check.out"; then
	result attach ok "pantau --check $FARGS exited 1 for the network domain alone: $(tail -n 1 "$T/check.out")"
elif [ "$rc" = 0 ]; then
	result attach ok "pantau --check exited 0: $(tail -n 1 "$T/check.out")"
else
	result attach fail "pantau --check exited $rc: $(tail -n 1 "$T/check.out")"
fi
echo "GUEST check done after $(($(now) - T0)) s"

# --- start pantau ----------------------------------------------------------
pantau --listen "127.0.0.1:$PORT" --config "$T/pantau.yaml" $FARGS >"$T/pantau.log" 2>&1 &
PANTAU_PID=$!
START=$(now)
up=0
# BPF verification under emulation is slow: up to 180 s for /healthz.
if until_true 180 eval 'healthz || ! pantau_alive'; then
	pantau_alive && healthz && up=1
fi
echo "GUEST pantau up=$up after $(($(now) - START)) s"
if [ $up = 0 ]; then
	if pantau_alive; then
		why="no /healthz within 180 s"
	else
		wait "$PANTAU_PID"
		why="pantau exited with $? at start"
	fi
	sed 's/^/PANTAU /' "$T/pantau.log" | tail -n 40
	for p in $PENDING; do
		result "$p" fail "$why"
	done
	kill -9 "$PANTAU_PID" 2>/dev/null
	exit 0
fi
for c in cpu memory io; do
	echo "+$c" > "$CG/cgroup.subtree_control" ||
		echo "GUEST cannot enable $c: root has $(cat "$CG/cgroup.controllers")"
done
for d in kcpu kmem kdisk koom khttp kcli; do
	mkdir -p "$CG/$d"
done

# --- cpu ---------------------------------------------------------------------
if timeout 120 burn --cgroup "$CG/kcpu" --cpu-ms 1500 >/dev/null; then
	truth_us=$(awk '$1 == "usage_usec" { print $2 }' "$CG/kcpu/cpu.stat")
	truth=$(awk -v u="$truth_us" 'BEGIN { printf "%.6f\n", u / 1e6 }')
	check_within cpu pantau_cpu_seconds_total kcpu "$truth" s "cpu.stat usage_usec"
else
	result cpu fail "burn --cpu-ms 1500 failed or took over 120 s"
fi

# --- memory --------------------------------------------------------------------
burn --cgroup "$CG/kmem" --alloc-mb 64 --hold >"$T/kmem.out" 2>&1 &
MEM_PID=$!
if until_true 60 grep -q '^ready' "$T/kmem.out"; then
	truth=$(awk '$1 == "VmRSS:" { print $2 * 1024 }' "/proc/$MEM_PID/status")
	check_within memory pantau_memory_rss_bytes kmem "$truth" B VmRSS
else
	result memory fail "burn --alloc-mb 64 not ready within 60 s: $(cat "$T/kmem.out")"
fi
kill "$MEM_PID" 2>/dev/null
wait_exit "$MEM_PID" 10 || kill -9 "$MEM_PID" 2>/dev/null

# --- disk --------------------------------------------------------------------
# busybox dd has oflag=direct: 16 MiB of O_DIRECT writes to the empty disk.
DISK_MB=16
want=$((DISK_MB * 1048576))
if [ -b /dev/vda ]; then
	devno=$(cat /sys/block/vda/dev)
	s0=$(awk '{ print $7 }' /sys/block/vda/stat)
	timeout 120 sh -c 'echo $$ > "$1/cgroup.procs" && exec dd if=/dev/zero of=/dev/vda bs=1M count='$DISK_MB' oflag=direct' \
		sh "$CG/kdisk" >"$T/dd.out" 2>&1
	rc=$?
	s1=$(awk '{ print $7 }' /sys/block/vda/stat)
	sectors_b=$(((s1 - s0) * 512))
	disk_ok() {
		scrape && got=$(metric pantau_disk_bytes_total 'service="kdisk"' 'device="vda"' 'op="write"') &&
			[ "$got" = "$want" ]
	}
	got=
	if [ $rc != 0 ]; then
		result disk fail "dd exited $rc: $(tr '\n' ' ' < "$T/dd.out")"
	elif until_true 30 disk_ok; then
		result disk ok "pantau ${got} B written on vda ($devno), dd oflag=direct wrote ${want} B, /sys/block/vda/stat ${sectors_b} B"
	else
		seen=$(samples pantau_disk_bytes_total 'service="kdisk"' | tr '\n' ';')
		result disk fail "pantau '${got}' B written on vda ($devno), dd wrote ${want} B, /sys/block/vda/stat ${sectors_b} B; kdisk series: ${seen}"
	fi
else
	result disk fail "no /dev/vda"
fi

# --- oom ---------------------------------------------------------------------
if echo 32M > "$CG/koom/memory.max"; then
	burn --cgroup "$CG/koom" --alloc-mb 128 --hold >"$T/koom.out" 2>&1 &
	OOM_PID=$!
	if wait_exit "$OOM_PID" 60; then
		wait "$OOM_PID"
		rc=$?
		kills=$(awk '$1 == "oom_kill" { print $2 }' "$CG/koom/memory.events")
		oom_ok() {
			scrape && got=$(metric pantau_memory_oom_kills_total 'service="koom"') &&
				[ "$got" = 1 ]
		}
		got=
		if until_true 30 oom_ok; then
			result oom ok "pantau counted ${got} OOM kill; burn exited $rc, memory.events oom_kill ${kills}"
		else
			result oom fail "pantau counted '${got}' OOM kills, want 1; burn exited $rc, memory.events oom_kill ${kills}"
		fi
	else
		kill -9 "$OOM_PID" 2>/dev/null
		result oom fail "burn --alloc-mb 128 under memory.max 32M was not killed within 60 s"
	fi
else
	result oom fail "cannot set memory.max on $CG/koom"
fi

# --- http, tcp_bytes, dependency ----------------------------------------------
if [ -z "$FORCE" ]; then
netoff=$(grep -i 'network' "$T/pantau.log" | grep -i 'cannot\|off' | head -n 1)
rm -f "$T/srv.ready"
httpmini serve --port "$HTTP_PORT" --cgroup "$CG/khttp" --ready "$T/srv.ready" >"$T/srv.out" 2>&1 &
SRV_PID=$!
if ! until_true 30 test -s "$T/srv.ready"; then
	why="httpmini serve not ready within 30 s: $(tr '\n' ' ' < "$T/srv.out")"
	result http fail "$why"
	result tcp_bytes fail "$why"
	result dependency fail "$why"
	result http_alone fail "$why"
	result dependency_alone fail "$why"
elif ! timeout 120 httpmini client --port "$HTTP_PORT" --host "$PEER" --cgroup "$CG/kcli" \
		>"$T/cli.out" 2>"$T/cli.err"; then
	why="httpmini client failed: $(tr '\n' ' ' < "$T/cli.err")"
	result http fail "$why"
	result tcp_bytes fail "$why"
	result dependency fail "$why"
	result http_alone fail "$why"
	result dependency_alone fail "$why"
else
	sed 's/^/CLIENT /' "$T/cli.out"
	total=$(awk '$1 == "requests" { s += $4 } END { print s + 0 }' "$T/cli.out")
	c_sent=$(awk '$1 == "bytes_sent" { print $2 }' "$T/cli.out")
	c_recv=$(awk '$1 == "bytes_received" { print $2 }' "$T/cli.out")
	c_conns=$(awk '$1 == "connections" { print $2 }' "$T/cli.out")
	[ -n "$netoff" ] && netoff=" (pantau: $netoff)"
	# Connections are closed once the client is gone: wait until every
	# request is counted, then the totals are final.
	http_settled() {
		scrape && [ "$(metric pantau_request_duration_seconds_count 'service="khttp"' 'protocol="http"')" = "$total" ]
	}
	until_true 30 http_settled
	sleep 2
	scrape

	# http: pantau's served requests by method and class against the client's.
	samples pantau_requests_total 'service="khttp"' >"$T/req.samples"
	cmp=$(awk '
	FNR == NR { if ($1 == "requests") { want[$2 " " $3] = $4; keys[$2 " " $3] = 1 } next }
	{
		m = $1; sub(/.*(^|,)method="/, "", m); sub(/".*/, "", m)
		c = $1; sub(/.*(^|,)status_class="/, "", c); sub(/".*/, "", c)
		p = $1; sub(/.*(^|,)protocol="/, "", p); sub(/".*/, "", p)
		k = (p == "http" ? "" : p ":") m " " c
		got[k] += $2; keys[k] = 1
	}
	END {
		bad = 0
		for (k in keys) {
			g = (k in got) ? got[k] : 0; w = (k in want) ? want[k] : 0
			if (g != w) { bad++; diff = diff sprintf(" %s pantau %d client %d;", k, g, w) }
			else same = same sprintf(" %s=%d", k, g)
		}
		print (bad ? "fail" : "ok") (bad ? diff : same)
	}' "$T/cli.out" "$T/req.samples")
	# Both ends here: every connection parsed once each way for both (the
	# scrapes, to pantau on this host too, add theirs).
	once=$(metric pantau_requests_parsed_once_total 'outcome="started"')
	once_stopped=$(metric pantau_requests_parsed_once_total 'outcome="stopped"')
	twins="directions parsed once for both ends: ${once} with the scrapes', for ${c_conns} connections; ${once_stopped} stopped"
	if [ "$total" -gt 0 ] && [ "${cmp%%[ ]*}" = ok ] && [ -n "$c_conns" ] && [ -n "$once" ] &&
			[ "${once%.*}" -ge "$((2 * c_conns))" ] && [ "$once_stopped" = 0 ]; then
		result http ok "$total requests, pantau = client:${cmp#ok}; $twins"
	else
		result http fail "$total requests by the client; ${cmp#????}; $twins$netoff"
	fi

	# tcp_bytes: the server's received/sent against the client's sent/received.
	s_recv=$(metric pantau_network_bytes_total 'service="khttp"' 'direction="received"')
	s_sent=$(metric pantau_network_bytes_total 'service="khttp"' 'direction="sent"')
	if [ -n "$c_sent" ] && [ "$s_recv" = "$c_sent" ] && [ "$s_sent" = "$c_recv" ]; then
		result tcp_bytes ok "khttp received ${s_recv} B = client sent ${c_sent} B, khttp sent ${s_sent} B = client received ${c_recv} B"
	else
		result tcp_bytes fail "khttp received '${s_recv}' B vs client sent ${c_sent} B, khttp sent '${s_sent}' B vs client received ${c_recv} B$netoff"
	fi

	# dependency: the client's calls are named by the Host it asked for
	# (found by the kernel in its first bytes), every one of them.
	peers=$(samples pantau_dependency_requests_total 'service="kcli"' |
		awk '{ p = $1; sub(/.*(^|,)peer="/, "", p); sub(/".*/, "", p); n[p] += $2 }
		END { for (p in n) printf "%s=%d ", p, n[p] }')
	if [ "$peers" = "$PEER=$total " ]; then
		result dependency ok "kcli calls: ${peers}(client made $total requests)"
	else
		result dependency fail "kcli calls: '${peers}', want $PEER=$total$netoff"
	fi

	# http_alone: the same script from kcli2, whose end is not parsed. The
	# server's answers are then read by their status lines alone; only
	# the pipelined connection goes to the framer.
	framed0=$(metric pantau_requests_answers_framed_total)
	if timeout 120 httpmini client --port "$HTTP_PORT" --host "$PEER" --cgroup "$CG/kcli2" \
			>"$T/cli2.out" 2>"$T/cli2.err"; then
		total2=$(awk '$1 == "requests" { s += $4 } END { print s + 0 }' "$T/cli2.out")
		conns2=$(awk '$1 == "connections" { print $2 }' "$T/cli2.out")
		alone_settled() {
			scrape && [ "$(metric pantau_request_duration_seconds_count 'service="khttp"' 'protocol="http"')" = "$((total + total2))" ]
		}
		until_true 30 alone_settled
		samples pantau_requests_total 'service="khttp"' >"$T/req2.samples"
		# What pantau counted since the first client's run, against kcli2's tally.
		cmp2=$(counted_since method "$T/cli2.out" "$T/req.samples" "$T/req2.samples")
		framed=$(awk -v a="$(metric pantau_requests_answers_framed_total)" -v b="$framed0" \
			'BEGIN { print a - b }')
		made2=$(metric pantau_dependency_requests_total 'service="kcli2"')
		heads="answers framed on ${framed} of ${conns2} connections, the rest read by their heads; kcli2 made '${made2}' by pantau"
		if [ "$total2" -gt 0 ] && [ "${cmp2%%[ ]*}" = ok ] && [ "$framed" -le 1 ] &&
				[ "${made2:-0}" = 0 ]; then
			result http_alone ok "$total2 requests, pantau = client:${cmp2#ok}; $heads"
		else
			result http_alone fail "$total2 requests by kcli2; ${cmp2#????}; $heads$netoff"
		fi
	else
		result http_alone fail "httpmini client from kcli2 failed: $(tr '\n' ' ' < "$T/cli2.err")"
	fi

	# dependency_alone: kcli calls a server in ksrv2, whose end is not
	# parsed: the client reads the answers by their status lines alone.
	rm -f "$T/srv3.ready"
	httpmini serve --port "$((HTTP_PORT + 1))" --cgroup "$CG/ksrv2" --ready "$T/srv3.ready" >"$T/srv3.out" 2>&1 &
	SRV3_PID=$!
	scrape
	samples pantau_dependency_requests_total 'service="kcli"' >"$T/dep.samples"
	framed0=$(metric pantau_requests_answers_framed_total)
	if ! until_true 30 test -s "$T/srv3.ready"; then
		result dependency_alone fail "httpmini serve in ksrv2 not ready within 30 s: $(tr '\n' ' ' < "$T/srv3.out")"
	elif timeout 120 httpmini client --port "$((HTTP_PORT + 1))" --host "$PEER" --cgroup "$CG/kcli" \
			>"$T/cli3.out" 2>"$T/cli3.err"; then
		total3=$(awk '$1 == "requests" { s += $4 } END { print s + 0 }' "$T/cli3.out")
		conns3=$(awk '$1 == "connections" { print $2 }' "$T/cli3.out")
		dep_settled() {
			scrape && [ "$(metric pantau_dependency_requests_total 'service="kcli"')" = "$((total + total3))" ]
		}
		until_true 30 dep_settled
		samples pantau_dependency_requests_total 'service="kcli"' >"$T/dep3.samples"
		# The calls pantau counted since, by status class, against the client's tally.
		cmp3=$(counted_since class "$T/cli3.out" "$T/dep.samples" "$T/dep3.samples")
		framed=$(awk -v a="$(metric pantau_requests_answers_framed_total)" -v b="$framed0" \
			'BEGIN { print a - b }')
		served3=$(metric pantau_requests_total 'service="ksrv2"')
		heads="answers framed on ${framed} of ${conns3} connections, the rest read by their heads; ksrv2 served '${served3}' by pantau"
		if [ "$total3" -gt 0 ] && [ "${cmp3%%[ ]*}" = ok ] && [ "$framed" -le 1 ] &&
				[ "${served3:-0}" = 0 ]; then
			result dependency_alone ok "$total3 calls, pantau = client:${cmp3#ok}; $heads"
		else
			result dependency_alone fail "$total3 calls by kcli; ${cmp3#????}; $heads$netoff"
		fi
	else
		result dependency_alone fail "httpmini client to ksrv2 failed: $(tr '\n' ' ' < "$T/cli3.err")"
	fi
	kill "$SRV3_PID" 2>/dev/null
	wait_exit "$SRV3_PID" 10 || kill -9 "$SRV3_PID" 2>/dev/null
fi
kill "$SRV_PID" 2>/dev/null
wait_exit "$SRV_PID" 10 || kill -9 "$SRV_PID" 2>/dev/null
# The kernel's run stats of the request programs (docs/performance.md quotes
# them as an order of magnitude: TCG is an emulator).
if scrape; then
	for prog in net_ingress net_egress net_sendmsg_fentry net_sendmsg net_sock_set_state; do
		runs=$(metric pantau_bpf_program_runs_total "program=\"$prog\"")
		secs=$(metric pantau_bpf_program_run_seconds_total "program=\"$prog\"")
		[ -n "$runs" ] && [ "$runs" != 0 ] &&
			echo "STATS $prog runs=$runs ns_per_run=$(awk -v s="$secs" -v n="$runs" 'BEGIN { printf "%.0f", s * 1e9 / n }')"
	done
fi
fi

# --- verifier: each program pantau loaded took this kernel's verifier under
# half its limit of 1,000,000 instructions walked (tests/tools/prog_insns;
# kernel names are cut to 15 characters).
if scrape && prog_insns >"$T/insns" 2>"$T/insns.err"; then
	samples pantau_bpf_program_runs_total | sed -n 's/.*program="\([^"]*\)".*/\1/p' |
		cut -c1-15 | sort -u >"$T/ours"
	top=$(awk 'NR == FNR { ours[$1] = 1; next }
		($1 in ours) && $2 + 0 >= max { max = $2 + 0; name = $1 }
		END { if (name != "") print name, max }' "$T/ours" "$T/insns")
	n_progs=$(wc -l <"$T/ours")
	if [ -n "$top" ] && [ "${top##* }" -lt 500000 ]; then
		result verifier ok "$n_progs programs; the most walked: ${top% *}, ${top##* } instructions"
	else
		result verifier fail "the most walked: '${top}' instructions, not under 500000"
	fi
else
	result verifier fail "cannot list the kernel's programs: $(cat "$T/insns.err")"
fi

# --- stop ----------------------------------------------------------------------
kill -TERM "$PANTAU_PID"
if wait_exit "$PANTAU_PID" 30; then
	wait "$PANTAU_PID"
	rc=$?
	if [ "$rc" = 0 ]; then
		result stop ok "pantau exited 0 on SIGTERM"
	else
		result stop fail "pantau exited $rc on SIGTERM"
	fi
else
	kill -9 "$PANTAU_PID" 2>/dev/null
	result stop fail "pantau still ran 30 s after SIGTERM"
fi
sed 's/^/PANTAU /' "$T/pantau.log" | tail -n 40
for p in $PENDING; do
	result "$p" fail "no result (guest script bug)"
done
# The next pass starts from empty cgroups (cpu.stat and memory.events count from their birth).
for d in kcpu kmem kdisk koom khttp kcli kcli2 ksrv2; do
	[ -d "$CG/$d" ] || continue
	for pid in $(cat "$CG/$d/cgroup.procs" 2>/dev/null); do
		kill -9 "$pid" 2>/dev/null
	done
	until_true 10 rmdir "$CG/$d" 2>/dev/null || echo "GUEST cannot remove $CG/$d"
done
echo "GUEST checks$SUF took $(($(now) - T0)) s"
