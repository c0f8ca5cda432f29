# Reads `napkin-bench --sweeps` on stdin (napkin's compute-only times for issue 17's sweeps, and
# compiled Swift's) and times numpy and pint+numpy on the same formulas in this process, so every
# ratio comes from one invocation. Run by bench/compare.sh.
import statistics
import sys
import timeit

lines = [l.split() for l in sys.stdin if l.strip()]
for l in lines:
    if l[0] not in ("sweep", "constants"):
        print(" ".join(l))
fields = lambda words: {k: float(v) for k, v in (w.split("=") for w in words)}
c = fields(next(l for l in lines if l[0] == "constants")[1:])
sweeps = {l[1]: fields(l[2:]) for l in lines if l[0] == "sweep"}
n = int(next(iter(sweeps.values()))["points"])


def median_time(f):
    f()
    return statistics.median(timeit.repeat(f, number=1, repeat=9))


refs = {}  # (sweep, tool) -> seconds
try:
    import numpy as np

    # Built once: only the array expression is timed (napkin's time includes making its points).
    x = np.arange(1, n + 1, dtype=np.float64)
    power_w = c["util"] * c["power"] + (1 - c["util"]) * c["idle"]
    refs["fleet_energy", "numpy"] = median_time(
        lambda: np.sum(c["fleet"] * c["growth"] * power_w * c["time"] * np.power(x, c["jevons"] - 1)))
    refs["x*3J/2s", "numpy"] = median_time(lambda: np.sum(x * 3.0 / 2.0))
    try:
        import pint

        u = pint.UnitRegistry()
        power, idle, time = c["power"] * u.W, c["idle"] * u.W, c["time"] * u.s
        refs["fleet_energy", "pint+numpy"] = median_time(
            lambda: (c["fleet"] * c["growth"] * (c["util"] * power + (1 - c["util"]) * idle) * time
                     * x ** (c["jevons"] - 1)).sum().to(u.J))
        three, two = 3 * u.J, 2 * u.s
        refs["x*3J/2s", "pint+numpy"] = median_time(lambda: (x * three / two).sum())
    except ImportError:
        print("skipping pint+numpy (pint is not installed)")
except ImportError:
    print("skipping numpy and pint+numpy (numpy is not installed)")

print(f"{n:,}-point sums, compute only (median seconds); ratios: napkin's time (blocks, on 1 core")
print("and on all cores) over the tool's (numpy, pint and Swift run on one core)")
print(f"{'sweep':<14}{'tool':<26}{'time':>11}{'1 core / it':>13}{'all / it':>10}")
for name, t in sweeps.items():
    rows = [("napkin, blocks, 1 core", t["napkin1"]), (f"napkin, blocks, {int(t['cores'])} cores", t["napkin"]),
            ("napkin, point by point", t["pointwise"]), ("compiled Swift -O", t["swift"])]
    rows += [(tool, refs[name, tool]) for tool in ("numpy", "pint+numpy") if (name, tool) in refs]
    for tool, secs in rows:
        print(f"{name:<14}{tool:<26}{secs * 1000:>8.2f} ms{t['napkin1'] / secs:>12.2f}×{t['napkin'] / secs:>9.2f}×")
