#!/bin/sh
# The Debian packages `make fuzz` needs besides apical's own: clang 14, its libFuzzer and
# sanitizer runtimes, and LLVM's OpenMP runtime for clang's -fopenmp (tools/deps.sh installs
# them as root, or prints the command).
exec sh "$(dirname "$0")/../tools/deps.sh" clang-14 libclang-rt-14-dev libomp-14-dev
