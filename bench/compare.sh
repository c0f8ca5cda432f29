#!/usr/bin/env bash
# Times napkin beside the tools people would otherwise use, and prints each as a ratio to napkin:
# 1. issue 17's sweeps, compute only: napkin (napkin-bench --sweeps, which also times compiled
#    Swift) against numpy and pint+numpy on the same formula, vectorised (bench/sweeps.py);
# 2. start-up on the same question, with hyperfine, against GNU units, qalc and Python + pint.
# numpy and pint go into a local virtual environment (bench/.venv) when missing; other missing
# tools are skipped with a note (apt-get install hyperfine qalc units).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product napkin >/dev/null 2>&1
swift build -c release --product napkin-bench >/dev/null 2>&1
napkin=.build/release/napkin

venv=bench/.venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv --system-site-packages "$venv"; fi
for pkg in numpy pint; do
  "$venv/bin/python" -c "import $pkg" 2>/dev/null || "$venv/bin/pip" install --quiet "$pkg" || echo "could not install $pkg"
done
python="$venv/bin/python"

# 1. Sweeps.
.build/release/napkin-bench --sweeps "$@" | "$python" bench/sweeps.py
echo

# 2. Start-up.
command -v hyperfine >/dev/null || { echo "skipping start-up: hyperfine is not installed (apt-get install hyperfine)"; exit 0; }
out=$(mktemp -d)
cmds=(--command-name napkin "$napkin -e '1 TB / 10 Gbit/s'")
if command -v units >/dev/null; then cmds+=(--command-name "GNU units" "units -t '1 TB / (10 Gbit/s)' min"); else echo "skipping GNU units (apt-get install units)"; fi
if command -v qalc >/dev/null; then cmds+=(--command-name qalc "qalc -t '1 TB / (10 Gbit/s)'"); else echo "skipping qalc (apt-get install qalc)"; fi
if "$python" -c 'import pint' 2>/dev/null; then
  cmds+=(--command-name "python+pint" "$python -c \"import pint; u = pint.UnitRegistry(); print((1 * u.TB / (10 * u.Gbit / u.s)).to('min'))\"")
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
