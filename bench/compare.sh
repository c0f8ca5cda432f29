#!/usr/bin/env bash
# Times napkin beside the tools people would otherwise use, on the same question, with hyperfine,
# and prints each as a ratio to napkin. Tools that are missing are skipped with a note; install
# them with: apt-get install hyperfine qalc units && pip install pint
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product napkin >/dev/null 2>&1
napkin=.build/release/napkin
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (apt-get install hyperfine)"; exit 1; }

out=$(mktemp -d)
cmds=(--command-name napkin "$napkin -e '1 TB / 10 Gbit/s'")
if command -v units >/dev/null; then cmds+=(--command-name "GNU units" "units -t '1 TB / (10 Gbit/s)' min"); else echo "skipping GNU units (apt-get install units)"; fi
if command -v qalc >/dev/null; then cmds+=(--command-name qalc "qalc -t '1 TB / (10 Gbit/s)'"); else echo "skipping qalc (apt-get install qalc)"; fi
if python3 -c 'import pint' 2>/dev/null; then
  cmds+=(--command-name "python+pint" "python3 -c \"import pint; u = pint.UnitRegistry(); print((1 * u.TB / (10 * u.Gbit / u.s)).to('min'))\"")
else echo "skipping Python+pint (pip install pint)"; fi
# The textbook's own engine: importing it is where its time goes.
if python3 -c 'import mlsysim' 2>/dev/null; then
  cmds+=(--command-name "import mlsysim" "python3 -c 'import mlsysim'")
else echo "skipping mlsysim (pip install mlsysim)"; fi
hyperfine -N --warmup 3 --min-runs 10 --export-json "$out/startup.json" "${cmds[@]}" >/dev/null
python3 - "$out/startup.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
base = next(r for r in results if r["command"] == "napkin")["median"]
print(f"{'tool':<16}{'median':>12}{'vs napkin':>12}")
for r in results:
    print(f"{r['command']:<16}{r['median'] * 1000:>10.1f} ms{r['median'] / base:>11.1f}×")
PY
rm -rf "$out"
