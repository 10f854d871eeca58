# groundswell - plain Makefile.
#   make            build/groundswell, build/libgroundswell.{a,so}
#   make test       installs what is missing (make deps), then unit, golden and
#                   integration tests (skips listed, ends "N passed, N failed")
#   make test-asan  the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make demo       installs what is missing (make deps), builds, runs the demo
#   make deps       Debian packages, chromium, node, web/node_modules (npm ci),
#                   the real-data corpus, when missing (scripts/install-deps.sh);
#                   GS_NO_INSTALL=1: nothing installed, what is missing said
#   make install PREFIX=/usr/local
#   make fuzz       libFuzzer targets (clang)
#   make bench      the benchmark in bench/ (large inputs, minutes)

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
WARN     = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread
CPPFLAGS += -Iinclude -Isrc
PKGS     = libutf8proc libzstd zlib libisal libxxhash libsodium libmicrohttpd libwebsockets libcurl rdkafka
LIBS     = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lutf8proc -lzstd -lz -lisal -lxxhash -lsodium -lmicrohttpd -lwebsockets -lcurl -lrdkafka) -lm -pthread

# The layers, in the order a post flows (docs/architecture.md). The core
# library is every layer but serve: it links no HTTP, WebSocket or TLS library.
LAYERS   = base input count detect out gen
LIB_SRC  = $(sort $(foreach d,$(LAYERS),$(wildcard src/$(d)/*.c)))
# serve's sources, pipeline and HTTP answers: groundswell-serve only
SRV_SRC  = $(sort $(wildcard src/serve/*.c))
CORE_PKGS = libutf8proc libzstd zlib libisal libxxhash libsodium
CORE_LIBS = $(shell pkg-config --libs $(CORE_PKGS) 2>/dev/null || echo -lutf8proc -lzstd -lz -lisal -lxxhash -lsodium) -lm -pthread
# groundswell-serve: "groundswell serve" runs it (see src/cli/serve_main.c)
SERVE_SRC = src/cli/cmd_serve.c src/cli/serve_main.c
CLI_SRC  = $(filter-out $(SERVE_SRC),$(sort $(wildcard src/cli/*.c)))
TEST_SRC = $(sort $(wildcard tests/test_*.c))
FUZZ_SRC = $(sort $(wildcard fuzz/fuzz_*.c))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
SRV_OBJ  = $(SRV_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/assets.o
CLI_OBJ  = $(CLI_SRC:%.c=$(BUILD)/%.o)
SERVE_OBJ = $(SERVE_SRC:%.c=$(BUILD)/%.o) $(filter-out $(BUILD)/src/cli/main.o,$(CLI_OBJ))
TESTS    = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
REPLAYS  = $(FUZZ_SRC:fuzz/fuzz_%.c=$(BUILD)/tests/replay_%)
HDRS     = $(wildcard include/*.h src/*/*.h tests/*.h)
# scripts/install-deps.sh ran (make deps): run again only when the lock file
# or the script changes, or web/node_modules goes; one for every BUILD, as
# what it installs is the machine's and the checkout's. GS_NO_INSTALL=1
# installs nothing and leaves no stamp.
DEPS_STAMP = build/.deps-stamp

all: $(BUILD)/groundswell $(BUILD)/groundswell-serve $(BUILD)/libgroundswell.a $(BUILD)/libgroundswell.so

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -fPIC -c $< -o $@

# The dashboard's files (web/src, uPlot from web/node_modules) as a C file;
# regenerated every run, replaced only when it changes.
$(BUILD)/gen/assets.c: FORCE
	@mkdir -p $(dir $@)
	@sh scripts/embed-assets.sh $@.new && { cmp -s $@.new $@ && rm -f $@.new || mv $@.new $@; }

$(BUILD)/gen/assets.o: $(BUILD)/gen/assets.c src/serve/assets.h
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -Isrc/serve -fPIC -c $< -o $@

$(BUILD)/libgroundswell.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libgroundswell.so: $(LIB_OBJ)
	$(CC) -shared $(CFLAGS) -o $@ $^ $(CORE_LIBS)

# not installed: the server's part, for groundswell-serve and its tests
$(BUILD)/libgsserve.a: $(SRV_OBJ)
	@rm -f $@
	ar rcs $@ $^

# --as-needed: the batch binary does not load the server's libraries
$(BUILD)/groundswell: $(CLI_OBJ) $(BUILD)/libgroundswell.a
	$(CC) $(CFLAGS) -Wl,--as-needed -o $@ $(CLI_OBJ) $(BUILD)/libgroundswell.a $(CORE_LIBS)

$(BUILD)/groundswell-serve: $(SERVE_OBJ) $(BUILD)/libgsserve.a $(BUILD)/libgroundswell.a
	$(CC) $(CFLAGS) -o $@ $(SERVE_OBJ) $(BUILD)/libgsserve.a $(BUILD)/libgroundswell.a $(LIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/libgsserve.a $(BUILD)/libgroundswell.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -o $@ $< $(BUILD)/libgsserve.a $(BUILD)/libgroundswell.a $(LIBS)

# A fuzz target's saved inputs (fuzz/corpus/NAME, fuzz/regress/NAME) replayed
# by fuzz/replay.c: built like the tests, so make test-asan sanitizes them.
$(BUILD)/tests/replay_%: fuzz/replay.c fuzz/fuzz_%.c fuzz/fuzz.h $(BUILD)/libgroundswell.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -DGS_FUZZ_NAME='"$*"' -o $@ fuzz/replay.c fuzz/fuzz_$*.c $(BUILD)/libgroundswell.a $(CORE_LIBS)

tests: $(TESTS) $(REPLAYS) $(BUILD)/groundswell $(BUILD)/groundswell-serve $(BUILD)/tests/kafka_mock

# test and demo first install what is missing (scripts/install-deps.sh:
# Debian packages, chromium, node, web/node_modules, the real-data corpus),
# then build: the dashboard embeds web/node_modules' uPlot, so the build
# comes after it.
test: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory tests
	@GS_BIN=$(BUILD)/groundswell GS_TESTS=$(BUILD)/tests sh tests/run.sh

test-asan:
	$(MAKE) BUILD=build-asan OPT=-O1 \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

demo: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory all
	$(BUILD)/groundswell demo
	@echo "the live dashboard: $(BUILD)/groundswell generate --hours 48 --rate 0.5 > stream.jsonl;" \
	  "$(BUILD)/groundswell serve --source stream.jsonl --close-idle 5s; open http://127.0.0.1:8080/"

deps: $(DEPS_STAMP)
$(DEPS_STAMP): web/package-lock.json bench/package-lock.json scripts/install-deps.sh \
  $(if $(wildcard web/node_modules/.package-lock.json),,FORCE) \
  $(if $(wildcard bench/node_modules/.package-lock.json),,FORCE)
	@sh scripts/install-deps.sh
	@if [ -z "$(GS_NO_INSTALL)" ]; then mkdir -p $(dir $@) && touch $@; fi

# libFuzzer targets: the core library compiled once with coverage (fuzzer-no-link),
# ASan and UBSan into build-fuzz/src, each target linked with it.
FUZZ_FLAGS = $(WARN) -g -O1 -fsanitize=address,undefined
FUZZ_OBJ = $(LIB_SRC:%.c=build-fuzz/%.o)
fuzz: $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
build-fuzz/src/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(CPPFLAGS) -c $< -o $@
build-fuzz/%: fuzz/%.c fuzz/fuzz.h $(FUZZ_OBJ) $(HDRS)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer $(CPPFLAGS) -o $@ $< $(FUZZ_OBJ) $(CORE_LIBS)

bench: all
	sh bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/groundswell $(BUILD)/groundswell-serve $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(BUILD)/libgroundswell.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libgroundswell.so $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/groundswell.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 docs/groundswell.1 $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf build build-asan build-fuzz

.PHONY: all tests test test-asan demo deps fuzz bench install clean FORCE
FORCE:
.SECONDARY:
