#!/usr/bin/env bash
# Builds moat-watch-fuzz with libFuzzer and AddressSanitizer and runs one campaign over the watch server's
# request handling (the request-head reader and the request policy; see WatchFuzzTarget.swift).
#
#   Benchmarks/Fuzz/Watch/run.sh [SECONDS]        (default: 1800)
#
# Everything the fuzzer writes (the growing corpus, crash inputs, the log) goes under
# ${MOAT_FUZZ_WORK:-/tmp/moat-fuzz}/watch, never into the work tree. The committed seeds are
# Tests/Fuzz/corpus/watch. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/../../.."

seconds=${1:-1800}
work=${MOAT_FUZZ_WORK:-/tmp/moat-fuzz}/watch
mkdir -p "$work/corpus" "$work/artifacts"

# As for moat-fuzz: the extra `-sanitize=fuzzer,address` gives coverage and ASan together.
swift build -c debug --product moat-watch-fuzz --scratch-path .build-fuzz-watch \
    --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address
binary=.build-fuzz-watch/debug/moat-watch-fuzz

log="$work/watch-$(date +%Y%m%d-%H%M%S).log"
echo "== watch: $seconds s (log: $log)"
# -max_len=20000: long enough to pass the 8 KB request-line and header limits (inputs whose first byte
# has bit 7 set use 64/128-byte limits instead, reached by short inputs).
SWIFT_BACKTRACE=enable=no "$binary" "$work/corpus" Tests/Fuzz/corpus/watch \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -dict=Benchmarks/Fuzz/Watch/watch.dict -max_len=20000 -timeout=10 -rss_limit_mb=2048 \
    -max_total_time="$seconds" -artifact_prefix="$work/artifacts/watch-" \
    > "$log" 2>&1 || true
grep -E '^#[0-9]+: cov' "$log" | tail -1    # the last status line: executions, coverage, crashes
grep -hE '^(.*Fatal error.*|==[0-9]+==ERROR.*)' "$log" | sed 's/^.*Fatal error: //' | sort | uniq -c || true
ls -l "$work/artifacts"
