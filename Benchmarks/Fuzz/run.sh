#!/usr/bin/env bash
# Builds moat-fuzz with libFuzzer and AddressSanitizer and runs one campaign per front end.
#
#   Benchmarks/Fuzz/run.sh [SECONDS_PER_CAMPAIGN] [moat|yaml|import|both|all]   (default: 600 seconds, both)
#   Benchmarks/Fuzz/run.sh minimise [moat|yaml|import|both|all]                  (fold a campaign into Tests/Fuzz/corpus)
#
# `both` is moat and yaml; `all` adds `import` (MOAT_FUZZ_NOTATION=import: every importer of MoatInterop).
#
# Everything the fuzzer writes (the growing corpus, crash and timeout inputs, logs) goes under
# ${MOAT_FUZZ_WORK:-/tmp/moat-fuzz}, never into the work tree. The committed seeds are
# Tests/Fuzz/corpus/{moat,yaml,import} and Samples/*.moat. See docs/fuzzing.md.
#
# `minimise` is the one mode that writes to the work tree: it adds to Tests/Fuzz/corpus/NOTATION the
# campaign inputs (files of at most 4 KB) that reach code the committed corpus does not, at most 150 files
# (import: 50 files and 150 KB, its seeds being larger)
# and 300 KB per notation in all; committed files are kept.
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=fuzz
if [ "${1:-}" = minimise ]; then mode=minimise; shift; set -- 0 "${1:-both}"; fi
seconds=${1:-600}
which=${2:-both}
work=${MOAT_FUZZ_WORK:-/tmp/moat-fuzz}
mkdir -p "$work/seeds-moat" "$work/corpus-moat" "$work/corpus-yaml" "$work/corpus-import" "$work/artifacts"
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
    local log dict=Benchmarks/Fuzz/moat.dict
    [ "$notation" = import ] && dict=Benchmarks/Fuzz/import.dict   # the keys of the four foreign formats
    log="$work/$notation-$(date +%Y%m%d-%H%M%S).log"
    echo "== $notation: $seconds s (log: $log)"
    # Swift's own backtracer would run after libFuzzer's handler, trip ASan and can hang holding the pipe.
    # -fork=1 -ignore_crashes=1: a crash is saved and the campaign goes on, so one bug does not end it.
    SWIFT_BACKTRACE=enable=no MOAT_FUZZ_NOTATION=$notation "$binary" "$corpus" "$@" \
        -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -dict="$dict" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
        -max_total_time="$seconds" -artifact_prefix="$work/artifacts/$notation-" \
        > "$log" 2>&1 || true
    grep -E '^#[0-9]+: cov' "$log" | tail -1    # the last status line: executions, coverage, crashes
    grep -hE '^(.*Fatal error.*|==[0-9]+==ERROR.*)' "$log" | sed 's/^.*Fatal error: //' | sort | uniq -c || true
}

# minimise NOTATION: libFuzzer's -merge=1 into a fresh folder holding the committed corpus, counting edges
# only (-use_counters=0; with hit counts nearly every campaign file is "new"). When more than 150 files or
# 300 KB come out, a second pass (-set_cover_merge=1, which lists every feature of every file in its control
# file) feeds a greedy cover: committed files first, then the file adding most edges, smaller first on ties.
minimise() {
    local notation=$1 max_files=150 max_bytes=307200
    [ "$notation" = import ] && { max_files=50; max_bytes=153600; }
    local fresh="$work/min-$notation" cover="$work/min-$notation-cover" small="$work/min-$notation-input"
    rm -rf "$fresh" "$cover" "$small" "$work/min-$notation.control"
    mkdir -p "$fresh" "$cover" "$small"
    cp Tests/Fuzz/corpus/"$notation"/* "$fresh/"
    find "$work/corpus-$notation" -type f -size -4097c -exec cp {} "$small/" \;    # files of at most 4 KB
    local env=(env SWIFT_BACKTRACE=enable=no MOAT_FUZZ_NOTATION="$notation")
    "${env[@]}" "$binary" -merge=1 -use_counters=0 -timeout=10 -rss_limit_mb=4096 \
        "$fresh" "$small" > "$work/min-$notation.log" 2>&1
    tail -1 "$work/min-$notation.log"
    local chosen="$work/min-$notation.chosen"
    if [ "$(ls "$fresh" | wc -l)" -le "$max_files" ] && [ "$(cat "$fresh"/* | wc -c)" -le "$max_bytes" ]; then
        ls "$fresh" > "$chosen"
    else
        "${env[@]}" "$binary" -set_cover_merge=1 -use_counters=0 -timeout=10 -rss_limit_mb=4096 \
            -merge_control_file="$work/min-$notation.control" "$cover" "$fresh" >> "$work/min-$notation.log" 2>&1
        ls Tests/Fuzz/corpus/"$notation" > "$work/min-$notation.committed"
        awk -v files="$max_files" -v bytes="$max_bytes" '
            FILENAME == ARGV[1] { committed[$0] = 1; next }   # names already in Tests/Fuzz/corpus
            FNR == 1 { n = $1; next }
            FNR == 2 { next }
            FNR <= n + 2 { i = FNR - 3; path[i] = $0; sub(/.*\//, "", $0); name[i] = $0; next }
            $1 == "STARTED" { size[$2] = $3; next }
            $1 == "FT" { line = ""; for (j = 3; j <= NF; j++) line = line " " $j; ft[$2] = line; next }
            END {
                count = 0; total = 0
                for (i = 0; i < n; i++) if (name[i] in committed) take(i)
                while (count < files) {
                    best = -1; gain = 0
                    for (i = 0; i < n; i++) {
                        if (i in taken || total + size[i] > bytes) continue
                        g = 0; m = split(ft[i], f, " ")
                        for (j = 1; j <= m; j++) if (!(f[j] in have)) g++
                        if (g > gain || (g == gain && g > 0 && size[i] < size[best])) { best = i; gain = g }
                    }
                    if (best < 0) break
                    take(best)
                }
                for (i in taken) print name[i]
            }
            function take(i,   m, j, f) {
                taken[i] = 1; count++; total += size[i]
                m = split(ft[i], f, " "); for (j = 1; j <= m; j++) have[f[j]] = 1
            }' "$work/min-$notation.committed" "$work/min-$notation.control" > "$chosen"
    fi
    local added=0 name
    while read -r name; do
        if [ ! -e "Tests/Fuzz/corpus/$notation/$name" ]; then cp "$fresh/$name" "Tests/Fuzz/corpus/$notation/"; added=$((added + 1)); fi
    done < "$chosen"
    echo "== $notation: $added files added; Tests/Fuzz/corpus/$notation has $(ls Tests/Fuzz/corpus/"$notation" | wc -l) files," \
        "$(cat Tests/Fuzz/corpus/"$notation"/* | wc -c) bytes"
}

if [ "$mode" = minimise ]; then
    case $which in
        moat|yaml|import) minimise "$which" ;;
        both) minimise moat; minimise yaml ;;
        all) minimise moat; minimise yaml; minimise import ;;
    esac
    exit 0
fi

case $which in
    moat) run moat "$work/corpus-moat" Tests/Fuzz/corpus/moat "$work/seeds-moat" ;;
    yaml) run yaml "$work/corpus-yaml" Tests/Fuzz/corpus/yaml ;;
    import) run import "$work/corpus-import" Tests/Fuzz/corpus/import ;;
    both)
        run moat "$work/corpus-moat" Tests/Fuzz/corpus/moat "$work/seeds-moat"
        run yaml "$work/corpus-yaml" Tests/Fuzz/corpus/yaml ;;
    all)
        run moat "$work/corpus-moat" Tests/Fuzz/corpus/moat "$work/seeds-moat"
        run yaml "$work/corpus-yaml" Tests/Fuzz/corpus/yaml
        run import "$work/corpus-import" Tests/Fuzz/corpus/import ;;
    *) echo "usage: run.sh [SECONDS] [moat|yaml|import|both|all]" >&2; exit 2 ;;
esac
ls -l "$work/artifacts"
