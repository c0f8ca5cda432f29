#!/usr/bin/env bash
# Runs the same programs through two napkin binaries and reports every difference in what they
# print, what they write to stderr and how they exit. Used when the evaluator changes: build the
# old commit's binary, then
#
#   bench/compare-engines.sh OLD_NAPKIN NEW_NAPKIN [GENERATED_DIR]
#
# It runs every conformance case (Tests/Conformance), every sample lab and session with
# `napkin run`, both seed labs through `napkin check --all-tracks --answers`, and, when
# GENERATED_DIR is given, the programs the grammar-driven generator wrote there
# (NAPKIN_GENERATED_DIR=DIR swift test --filter GeneratedProgramTests).
# Exit status: 0 when every output is identical, 1 otherwise.
set -u
old=${1:?usage: compare-engines.sh OLD_NAPKIN NEW_NAPKIN [GENERATED_DIR]}
new=${2:?usage: compare-engines.sh OLD_NAPKIN NEW_NAPKIN [GENERATED_DIR]}
generated=${3:-}
cd "$(dirname "$0")/.."
old=$(realpath "$old") new=$(realpath "$new")

same=0 differ=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One run in an empty folder of its own (a mission writes its ledger there): stdout, stderr and
# the exit code.
run() {
    local bin=$1; shift
    rm -rf "$work/cwd" && mkdir "$work/cwd"
    (cd "$work/cwd" && "$bin" "$@" >"$work/out" 2>"$work/err" </dev/null; echo "exit $?" >>"$work/out")
    cat "$work/out" "$work/err"
}

compare() {
    local a b
    a=$(run "$old" "$@")
    b=$(run "$new" "$@")
    if [ "$a" == "$b" ]; then
        same=$((same + 1))
    else
        differ=$((differ + 1))
        echo "=== differs: napkin $*"
        diff <(echo "$a") <(echo "$b") | head -20
    fi
}

while IFS= read -r f; do compare run --no-color "$f"; done < <(find "$PWD/Tests/Conformance" "$PWD/Samples" -name '*.lab' | sort)
for lab in 04_data_engr 15_sustainable_ai; do
    compare check --all-tracks --answers "$PWD/Samples/answers/$lab.answers" "$PWD/Samples/$lab.lab"
done
if [ -n "$generated" ]; then
    while IFS= read -r f; do compare run --no-color "$f"; done < <(find "$(realpath "$generated")" -name '*.lab' | sort)
fi

echo "compare-engines: $same identical, $differ different"
[ "$differ" -eq 0 ]
