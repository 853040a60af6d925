#!/usr/bin/env bash
# Builds moat-fuzz with libFuzzer and AddressSanitizer and runs one campaign per front end.
#
#   Benchmarks/Fuzz/run.sh [SECONDS_PER_CAMPAIGN] [moat|yaml|both]     (default: 600 seconds, both)
#
# Everything the fuzzer writes (the growing corpus, crash and timeout inputs, logs) goes under
# ${MOAT_FUZZ_WORK:-/tmp/moat-fuzz}, never into the work tree. The committed seeds are
# Benchmarks/Fuzz/corpus/{moat,yaml} and Samples/*.moat. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-600}
which=${2:-both}
work=${MOAT_FUZZ_WORK:-/tmp/moat-fuzz}
mkdir -p "$work/seeds-moat" "$work/corpus-moat" "$work/corpus-yaml" "$work/artifacts"
cp Samples/*.moat "$work/seeds-moat/"

# `--sanitize=fuzzer --sanitize=address` alone is not enough for Swift code: swiftc keeps only the last
# `-sanitize=` flag it is given, so SwiftPM's two flags yield ASan without coverage (or coverage without
# ASan). The extra `-sanitize=fuzzer,address` comes last and gives both.
swift build -c debug --product moat-fuzz --scratch-path .build-fuzz \
    --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address
binary=.build-fuzz/debug/moat-fuzz

run() {  # run NOTATION CORPUS SEEDS...
    local notation=$1 corpus=$2
    shift 2
    local log
    log="$work/$notation-$(date +%Y%m%d-%H%M%S).log"
    echo "== $notation: $seconds s (log: $log)"
    # Swift's own backtracer would run after libFuzzer's handler, trip ASan and can hang holding the pipe.
    # -fork=1 -ignore_crashes=1: a crash is saved and the campaign goes on, so one bug does not end it.
    SWIFT_BACKTRACE=enable=no MOAT_FUZZ_NOTATION=$notation "$binary" "$corpus" "$@" \
        -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -dict=Benchmarks/Fuzz/moat.dict -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
        -max_total_time="$seconds" -artifact_prefix="$work/artifacts/$notation-" \
        > "$log" 2>&1 || true
    grep -E '^#[0-9]+: cov' "$log" | tail -1    # the last status line: executions, coverage, crashes
    grep -hE '^(.*Fatal error.*|==[0-9]+==ERROR.*)' "$log" | sed 's/^.*Fatal error: //' | sort | uniq -c || true
}

case $which in
    moat) run moat "$work/corpus-moat" Benchmarks/Fuzz/corpus/moat "$work/seeds-moat" ;;
    yaml) run yaml "$work/corpus-yaml" Benchmarks/Fuzz/corpus/yaml ;;
    both)
        run moat "$work/corpus-moat" Benchmarks/Fuzz/corpus/moat "$work/seeds-moat"
        run yaml "$work/corpus-yaml" Benchmarks/Fuzz/corpus/yaml ;;
esac
ls -l "$work/artifacts"
