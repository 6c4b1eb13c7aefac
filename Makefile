# apical — build, test and run. `make V=1` shows the commands.
CC       ?= cc
BUILD    ?= build
OPT      ?= -O3 -march=x86-64-v2
CFLAGS   += -std=c11 -D_GNU_SOURCE $(OPT) -g -fopenmp -Wall -Wextra -Werror -MMD -MP -I.
# FP operations never trap here, so loops with selects vectorise; no rounding changes.
# No fused multiply-adds: every clone of a function (AVX2, AVX-512) and every machine then
# rounds the same way, and results stay bit-identical.
CFLAGS   += -fno-trapping-math -ffp-contract=off
LDLIBS   += -lconfig -lcjson -lz -lm
LDFLAGS  += -fopenmp
# HDF5 (SONATA spike files, io/sonata): Debian's serial libhdf5-dev keeps its headers off the
# default path. pkg-config knows them; without pkg-config, Debian's paths.
HDF5_CFLAGS := $(or $(shell pkg-config --cflags hdf5 2>/dev/null),-I/usr/include/hdf5/serial)
HDF5_LIBS   := $(or $(shell pkg-config --libs hdf5 2>/dev/null),-lhdf5_serial)
CFLAGS   += $(HDF5_CFLAGS)
LDLIBS   += $(HDF5_LIBS)

ifeq ($(SANITIZE),1)
BUILD    := build-san
OPT      := -O1
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
endif

# make MPI=1: build-mpi/apical with mpicc, whose `sweep` shares points between ranks (sweep/mpi.c).
ifeq ($(MPI),1)
CC       := mpicc
BUILD    := $(BUILD)-mpi
CFLAGS   += -DAPICAL_MPI
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRC  := $(wildcard core/*.c engine/*.c neurons/*.c synapses/*.c io/*.c sweep/*.c learning/*.c)
CLI_SRC  := $(wildcard cli/*.c)
TEST_SRC := $(wildcard tests/*.c)
BENCH_SRC:= $(wildcard bench/*.c)

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

ifneq ($(filter 1,$(SANITIZE) $(MPI)),)
PROG     := $(BUILD)/apical
else
PROG     := apical
endif
TESTBIN  := $(BUILD)/run_tests
BENCHBIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all run train test check debug clean format deps bench
all: $(PROG)

$(PROG): $(LIB_OBJ) $(CLI_OBJ)
	@echo "  LD   $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(TESTBIN): $(LIB_OBJ) $(TEST_OBJ)
	@echo "  LD   $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcunit

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB_OBJ)
	@echo "  LD   $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC   $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# Installs the Debian packages apical needs (as root), or says the command to run.
deps:
	$(Q)sh tools/deps.sh

# The README's first command: packages, build, and the CUBA network to out/cuba/.
run: deps
	$(Q)$(MAKE) --no-print-directory all
	./apical run configs/cuba.cfg -o out/cuba

# Trains CONFIG into out/NAME/: packages (and Debian's dataset-fashion-mnist when the config
# reads Fashion-MNIST), build, then apical train.
CONFIG ?= configs/yinyang_apical.cfg
train:
	$(Q)sh tools/deps.sh $(if $(shell grep -l 'set *= *"fashion-mnist"' $(CONFIG) 2>/dev/null),dataset-fashion-mnist)
	$(Q)$(MAKE) --no-print-directory all
	./apical train $(CONFIG) -o out/$(basename $(notdir $(CONFIG)))

# The README's second command: every CUnit suite; the CLI tests use $(PROG).
test: $(PROG) $(TESTBIN)
	APICAL_BIN=$(abspath $(PROG)) APICAL_ROOT=$(CURDIR) ./$(TESTBIN)

check: test

# Tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
debug:
	$(Q)$(MAKE) --no-print-directory test SANITIZE=1

# JSON lines as they come (also in $(BUILD)/bench.jsonl), then the table of them and, with a
# plastic network among them, what plasticity costs (bench/plastic_ratio); then the online
# Yin-Yang circuit beside apical train (bench/online, $(BUILD)/online.jsonl) and its table
bench: $(PROG) $(BENCHBIN)
	$(Q)(sh bench/run.sh; echo $$? > $(BUILD)/bench.rc) | tee $(BUILD)/bench.jsonl
	$(Q)test "$$(cat $(BUILD)/bench.rc)" = 0
	$(Q)python3 bench/benchlib.py table $(BUILD)/bench.jsonl
	$(Q)if grep -q plastic_synapses $(BUILD)/bench.jsonl; then \
		echo; python3 bench/plastic_ratio $(BUILD)/bench.jsonl; fi
	$(Q)(APICAL=$(PROG) python3 bench/online; echo $$? > $(BUILD)/online.rc) \
		| tee $(BUILD)/online.jsonl
	$(Q)test "$$(cat $(BUILD)/online.rc)" = 0
	$(Q)echo; python3 bench/online table $(BUILD)/online.jsonl

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(TEST_SRC) $(wildcard */*.h)

clean:
	rm -rf build build-san build-mpi build-san-mpi apical

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BENCH_SRC:%.c=$(BUILD)/%.d)

# ---- fuzzing (docs/fuzzing.md) ----
# make fuzz: libFuzzer harnesses fuzz/fuzz_NAME.c against the library and cli/ built with clang,
# AddressSanitizer and UBSan in $(FUZZ_BUILD), then each run for FUZZ_SECONDS on its corpus
# (fuzz/run.sh); any crash, leak, timeout or oversized allocation fails. FUZZ_TARGETS=NAME...
# picks some. make fuzz-build only builds; make fuzz-replay reruns the saved crashes.
FUZZ_CC      ?= clang-14
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -O1 -g -fopenmp -Wall -Wextra -Werror -MMD -MP -I. \
                -fno-trapping-math -ffp-contract=off -Wno-pass-failed \
                $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(HDF5_CFLAGS) \
                -DFUZZ_ROOT='"$(CURDIR)"' '-Dtarget_clones(...)='
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o) $(CLI_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_BIN     := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: fuzz fuzz-build fuzz-deps fuzz-replay
fuzz: fuzz-build
	$(Q)FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) sh fuzz/run.sh $(FUZZ_TARGETS)

fuzz-replay: fuzz-build
	$(Q)FUZZ_BUILD=$(FUZZ_BUILD) sh fuzz/run.sh --replay $(FUZZ_TARGETS)

fuzz-build: fuzz-deps
	$(Q)$(MAKE) --no-print-directory $(if $(Q),-s) $(FUZZ_BIN)

fuzz-deps:
	$(Q)sh fuzz/deps.sh

# -Wno-pass-failed and no target_clones (clang 14 refuses them with noinline): the fuzz build
# needs no vector clones. libFuzzer brings its own main(): cli/main.c's becomes apical_main.
$(FUZZ_BUILD)/cli/main.o: FUZZ_CFLAGS += -Dmain=apical_main -DAPICAL_NO_REEXEC

.SECONDARY: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/fuzz_%.o)
$(FUZZ_BUILD)/libapical.a: $(FUZZ_LIB_OBJ)
	@echo "  AR   $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/fuzz/fuzz_%.o $(FUZZ_BUILD)/libapical.a
	@echo "  LD   $@"
	$(Q)$(FUZZ_CC) -fopenmp $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

$(FUZZ_BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC   $<  (fuzz)"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/fuzz_%.d)
