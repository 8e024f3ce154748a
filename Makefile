# pantau build: vmlinux.h -> bpf/*.bpf.o -> *.skel.h -> build/pantau
# Quiet by default; `make V=1` shows every command.

OUTPUT  ?= build
CLANG   ?= clang
BPFTOOL ?= bpftool
CC      ?= cc
PREFIX  ?= /usr/local
VERSION := 0.1.0

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX := vmlinux/$(ARCH)/vmlinux.h

PKGS := libbpf libmicrohttpd yaml-0.1 json-c libcurl libcrypto libdeflate gnutls libxcrypt
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	  -DPANTAU_VERSION='"$(VERSION)"' -Iinclude -Iuser -Iexporters -I$(OUTPUT)
# Recursive: evaluated after `make` has installed the -dev packages.
LDLIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz -lpthread -lm
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -Iinclude -Ivmlinux/$(ARCH) -idirafter /usr/include \
	      -idirafter /usr/include/x86_64-linux-gnu

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
# Modules without BPF or HTTP dependencies, shared by the daemon and unit tests.
CORE_SRCS := $(wildcard user/*.c user/*/*.c exporters/*/*.c)
CORE_SRCS := $(filter-out user/main.c,$(CORE_SRCS))
CORE_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(CORE_SRCS))
MAIN_OBJ  := $(OUTPUT)/user/main.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
# libFuzzer targets. Each links the core modules from an archive built with
# clang, the sanitizers and libFuzzer's coverage hooks, so a target pulls in
# only the objects its parser needs: a new target is one file,
# tests/fuzz/fuzz_<name>.c (its seeds in tests/fuzz/corpus/<name>).
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))
FUZZ_BASE := -g -O1 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	     -DPANTAU_VERSION='"$(VERSION)"' -Iinclude -Iuser -Iexporters -I$(OUTPUT)
FUZZ_CFLAGS := $(FUZZ_BASE) -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_LIB := $(OUTPUT)/fuzz/obj/libpantau.a
# The same targets built for coverage alone: make fuzz replays the corpus
# through them and reports each parser's line and branch coverage.
FUZZ_COV_CFLAGS := $(FUZZ_BASE) -fprofile-instr-generate -fcoverage-mapping
FUZZ_COV_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz-cov/%,$(FUZZ_SRCS))
FUZZ_COV_LIB := $(OUTPUT)/fuzz-cov/obj/libpantau.a
FUZZ_SECONDS ?= 60
LLVM_PROFDATA ?= llvm-profdata-14
LLVM_COV ?= llvm-cov-14
# The unit tests again under AddressSanitizer and UBSan (make test runs both).
ASAN_CFLAGS := $(CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all \
	       -fno-omit-frame-pointer
ASAN_OBJS := $(patsubst %.c,$(OUTPUT)/asan/%.o,$(CORE_SRCS))
ASAN_UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/asan/tests/%,$(UNIT_SRCS))
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(OUTPUT)/tests/tools/%,$(TOOL_SRCS))

# Loads and helpers of the benchmarks (they link libbpf where they load BPF).
BENCH_TOOL_SRCS := $(filter-out %.bpf.c,$(wildcard bench/tools/*.c))
BENCH_TOOL_BINS := $(patsubst bench/tools/%.c,$(OUTPUT)/bench/tools/%,$(BENCH_TOOL_SRCS)) \
		   $(patsubst bench/tools/%.bpf.c,$(OUTPUT)/bench/tools/%.bpf.o,$(wildcard bench/tools/*.bpf.c))

DEPS_STAMP = $(OUTPUT)/.deps-$(1)
# The status page's CSS and script, embedded in the binary.
STATUS_ASSETS := exporters/status/page.css exporters/status/page.js
HDRS := $(wildcard include/pantau/*.h user/*.h user/*/*.h exporters/*/*.h)

.PHONY: all deps run test test-kernels unit fuzz bench soak install vmlinux clean docs check-docs
.DELETE_ON_ERROR:
.PRECIOUS: $(OUTPUT)/.deps-%
# Keep the BPF objects and skeletons, and the sanitized core objects: they are
# inputs of later builds.
.SECONDARY: $(BPF_OBJS) $(SKELS) $(ASAN_OBJS)

all: $(OUTPUT)/pantau

$(OUTPUT)/.deps-%: scripts/deps.sh
	$(Q)mkdir -p $(OUTPUT)
	$(Q)scripts/deps.sh $*
	$(Q)touch $@

deps: $(call DEPS_STAMP,all)

# Regenerate the committed vmlinux.h from the running kernel's BTF.
vmlinux:
	$(call msg,GEN,$(VMLINUX))
	$(Q)mkdir -p $(dir $(VMLINUX))
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX)

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.bpf.h include/pantau/*.h) $(VMLINUX) | $(call DEPS_STAMP,build)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/%.o: %.c $(SKELS) $(HDRS) | $(call DEPS_STAMP,build)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/status_assets.h: $(STATUS_ASSETS) scripts/embed.sh | $(call DEPS_STAMP,build)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)scripts/embed.sh $@ status_css exporters/status/page.css status_js exporters/status/page.js

$(OUTPUT)/exporters/status/status_html.o: $(OUTPUT)/status_assets.h

# Elasticsearch index templates and ILM policy, installed by the exporter.
ES_TEMPLATES := dashboards/elasticsearch/ilm-policy.json \
		dashboards/elasticsearch/component-settings.json \
		dashboards/elasticsearch/component-mappings.json \
		dashboards/elasticsearch/index-template.json

$(OUTPUT)/es_templates.h: $(ES_TEMPLATES) scripts/embed.sh | $(call DEPS_STAMP,build)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)scripts/embed.sh $@ es_ilm_policy dashboards/elasticsearch/ilm-policy.json \
		es_component_settings dashboards/elasticsearch/component-settings.json \
		es_component_mappings dashboards/elasticsearch/component-mappings.json \
		es_index_template dashboards/elasticsearch/index-template.json

$(OUTPUT)/exporters/elasticsearch/elasticsearch.o: $(OUTPUT)/es_templates.h

$(OUTPUT)/pantau: $(MAIN_OBJ) $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h) $(CORE_OBJS) | $(call DEPS_STAMP,test)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $< $(CORE_OBJS) $(LDLIBS) -lcmocka -o $@

# The core objects once more for another build: $(1) its directory under
# $(OUTPUT), $(2) the compiler and its flags.
define core_variant
$(OUTPUT)/$(1)/%.o: %.c $(SKELS) $(HDRS) | $(call DEPS_STAMP,test)
	$$(call msg,CC,$$@)
	$(Q)mkdir -p $$(dir $$@)
	$(Q)$(2) -c $$< -o $$@
$(OUTPUT)/$(1)/exporters/status/status_html.o: $(OUTPUT)/status_assets.h
$(OUTPUT)/$(1)/exporters/elasticsearch/elasticsearch.o: $(OUTPUT)/es_templates.h
endef
$(eval $(call core_variant,asan,$(CC) $(ASAN_CFLAGS)))
$(eval $(call core_variant,fuzz/obj,$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link))
$(eval $(call core_variant,fuzz-cov/obj,$(CLANG) $(FUZZ_COV_CFLAGS)))

$(OUTPUT)/asan/tests/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h) $(ASAN_OBJS) | $(call DEPS_STAMP,test)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ASAN_CFLAGS) $< $(ASAN_OBJS) $(LDLIBS) -lcmocka -o $@

$(FUZZ_LIB): $(patsubst %.c,$(OUTPUT)/fuzz/obj/%.o,$(CORE_SRCS))
$(FUZZ_COV_LIB): $(patsubst %.c,$(OUTPUT)/fuzz-cov/obj/%.o,$(CORE_SRCS))
$(FUZZ_LIB) $(FUZZ_COV_LIB):
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB) $(HDRS) | $(call DEPS_STAMP,test)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB) $(LDLIBS) -o $@

$(OUTPUT)/fuzz-cov/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_COV_LIB) $(HDRS) | $(call DEPS_STAMP,test)
	$(call msg,FUZZ-COV,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_COV_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_COV_LIB) $(LDLIBS) -o $@

# Test tools that build pantau's own documents link the core objects.
$(OUTPUT)/tests/tools/emf_sample: tests/tools/emf_sample.c $(CORE_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $< $(CORE_OBJS) $(LDLIBS) -o $@

# The verifier's work per program, through libbpf's syscall wrappers.
$(OUTPUT)/tests/tools/prog_insns: tests/tools/prog_insns.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $< -lbpf -o $@

$(OUTPUT)/tests/tools/%: tests/tools/%.c $(wildcard tests/tools/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(OUTPUT)/bench/tools/%.bpf.o: bench/tools/%.bpf.c $(wildcard bpf/*.bpf.h) $(VMLINUX) | $(call DEPS_STAMP,build)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/bench/tools/%: bench/tools/%.c | $(call DEPS_STAMP,build)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $< $(LDLIBS) -o $@

docs/metrics.md: $(OUTPUT)/pantau
	$(call msg,GEN,$@)
	$(Q)$(OUTPUT)/pantau --list-metrics=markdown > $@

# Fails when docs/metrics.md no longer matches the metric table.
check-docs: $(OUTPUT)/pantau
	$(Q)$(OUTPUT)/pantau --list-metrics=markdown | diff -u docs/metrics.md - \
		|| { echo "docs/metrics.md is stale: run 'make docs/metrics.md'." >&2; exit 1; }
	$(Q)/usr/bin/python3 scripts/check_docs.py $(OUTPUT)/pantau .

run: $(OUTPUT)/pantau
	$(OUTPUT)/pantau $(ARGS)

unit: $(UNIT_BINS) $(ASAN_UNIT_BINS)

# Each target for FUZZ_SECONDS (default 60) from its seeds and what earlier
# runs found (build/fuzz-out), then every parser's line and branch coverage
# over that corpus, on stdout and in build/fuzz-coverage.txt.
fuzz: $(FUZZ_BINS) $(FUZZ_COV_BINS) $(call DEPS_STAMP,test)
	$(Q)/usr/bin/python3 tests/fuzz/campaign.py --build $(OUTPUT) --seconds $(FUZZ_SECONDS) \
		--profdata $(LLVM_PROFDATA) --cov $(LLVM_COV)

test: $(OUTPUT)/pantau $(UNIT_BINS) $(ASAN_UNIT_BINS) $(FUZZ_BINS) $(TOOL_BINS) $(call DEPS_STAMP,test) check-docs
	$(Q)/usr/bin/python3 tests/run.py --build $(OUTPUT)

# The kernel matrix alone (make test runs it too): Debian 12's 6.1 and 6.12
# under qemu, for a BPF change that loads here but may not load there.
test-kernels: $(OUTPUT)/pantau $(TOOL_BINS) $(call DEPS_STAMP,test)
	$(Q)/usr/bin/python3 tests/run.py --build $(OUTPUT) --only kernels/

bench: $(OUTPUT)/pantau $(TOOL_BINS) $(BENCH_TOOL_BINS) $(call DEPS_STAMP,bench)
	$(Q)/usr/bin/python3 bench/run.py --build $(OUTPUT)

# 30 minutes under load with services coming and going (SOAK_SECONDS to
# change it): the slopes of RSS, file descriptors and map fill after warm-up.
soak: $(OUTPUT)/pantau $(TOOL_BINS) $(call DEPS_STAMP,test)
	$(Q)/usr/bin/python3 tests/soak/soak.py

install: $(OUTPUT)/pantau
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/sbin/pantau)
	$(Q)install -D -m 0755 $(OUTPUT)/pantau $(DESTDIR)$(PREFIX)/sbin/pantau
	$(Q)install -D -m 0644 deploy/systemd/pantau.service $(DESTDIR)/lib/systemd/system/pantau.service
	$(Q)install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/pantau/README.md

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)
