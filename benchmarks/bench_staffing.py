"""Benchmark: servgap.required_agents vs pyworkforce on a year of half hours.

Run:  .venv/bin/python benchmarks/bench_staffing.py [--quick]

* servgap ``required_agents`` with Erlang C (target < 0.5 s for 100,000 intervals)
  and with Erlang A (target < 5 s), in this process;
* pyworkforce 0.5.1 (what Python 3.11 installs; Erlang C only) on the same
  intervals, in its own virtualenv under ``~/.cache/servgap-bench/pyworkforce``
  (created on first run with ``pip install pyworkforce``), run in a subprocess and
  timed inside it. pyworkforce raises on zero volume, so those intervals are
  skipped for it (servgap answers 0 agents there).

Prints timings, the speed ratio and every kind of disagreement with its cause.
``--quick`` uses 5,000 intervals.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from servgap.core.staffing import required_agents

TARGET_SL = 0.8
TARGET_WAIT_S = 20.0
MAX_OCC = 0.85
INTERVAL_S = 1800.0

PYWF_SCRIPT = r"""
import json, sys, time
from pyworkforce.queuing import ErlangC
data = json.load(open(sys.argv[1]))
out = []
t0 = time.perf_counter()
for calls, aht in zip(data["calls"], data["aht_s"]):
    e = ErlangC(transactions=calls, aht=aht / 60.0, asa=data["target_wait_s"] / 60.0,
                interval=data["interval_s"] / 60.0)
    out.append(e.required_positions(service_level=data["target_sl"],
                                    max_occupancy=data["max_occ"])["raw_positions"])
elapsed = time.perf_counter() - t0
json.dump({"raw_positions": out, "elapsed": elapsed}, open(sys.argv[2], "w"))
"""


def make_intervals(n: int, seed: int = 42) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A year of half hours for several queues: daily and weekly profile, nights closed."""
    rng = np.random.default_rng(seed)
    per_queue = 365 * 48
    n_queues = int(np.ceil(n / per_queue))
    calls, aht, patience = [], [], []
    slot = np.arange(per_queue) % 48
    day = (np.arange(per_queue) // 48) % 7
    hour = slot / 2.0
    profile = np.where(
        (hour >= 8) & (hour < 21),
        np.exp(-0.5 * ((hour - 11) / 2.0) ** 2) + 0.8 * np.exp(-0.5 * ((hour - 16) / 2.5) ** 2),
        0.0,
    )
    weekly = np.where(day >= 5, 0.45, 1.0)
    for _ in range(n_queues):
        peak = rng.uniform(15, 350)
        lam = peak * profile * weekly * rng.lognormal(0, 0.1, per_queue)
        calls.append(rng.poisson(lam).astype(float))
        aht.append(np.full(per_queue, float(rng.integers(150, 421))))
        patience.append(np.full(per_queue, rng.uniform(60, 300)))
    return (np.concatenate(calls)[:n], np.concatenate(aht)[:n], np.concatenate(patience)[:n])


def ensure_pyworkforce() -> Path | None:
    root = Path(os.environ.get("SERVGAP_BENCH_CACHE", Path.home() / ".cache" / "servgap-bench"))
    venv = root / "pyworkforce"
    py = venv / "bin" / "python"
    if not py.exists():
        root.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    ok = subprocess.run([str(py), "-c", "import pyworkforce"], capture_output=True)
    if ok.returncode != 0:
        res = subprocess.run(
            [str(py), "-m", "pip", "install", "-q", "pyworkforce"], capture_output=True, text=True
        )
        if res.returncode != 0:
            print(f"pyworkforce could not be installed ({res.stderr.strip()[-200:]}); skipping it.")
            return None
    return py


def classify(calls: float, aht: float, ours: int, theirs: int) -> str:
    a = calls * aht / INTERVAL_S
    if theirs == int(np.ceil(a / MAX_OCC)) and ours == theirs - 1 and a / MAX_OCC - (ours) < 1e-9:
        return "occupancy cap float rounding (load / cap = integer + 1e-15; pyworkforce ceil)"
    if theirs > ours and ours < round(a + 1):
        return "pyworkforce starts at round(load + 1) and never steps down"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 intervals")
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--skip-peer", action="store_true", help="do not run pyworkforce")
    args = parser.parse_args()
    n = args.n or (5_000 if args.quick else 100_000)
    calls, aht, patience = make_intervals(n)
    print(
        f"{n:,} intervals, {np.mean(calls == 0):.0%} with zero volume, max {calls.max():.0f} calls per half hour"
    )

    required_agents(
        calls[:100], INTERVAL_S, aht[:100], TARGET_SL, TARGET_WAIT_S, max_occupancy=MAX_OCC
    )  # warm
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        res_c = required_agents(
            calls, INTERVAL_S, aht, TARGET_SL, TARGET_WAIT_S, max_occupancy=MAX_OCC
        )
        times.append(time.perf_counter() - t0)
    t_c = min(times)
    print(f"servgap Erlang C required_agents: {t_c:.3f} s (best of 3; target < 0.5 s for 100,000)")
    t0 = time.perf_counter()
    res_a = required_agents(
        calls, INTERVAL_S, aht, TARGET_SL, TARGET_WAIT_S, patience_s=patience, max_occupancy=MAX_OCC
    )
    t_a = time.perf_counter() - t0
    print(f"servgap Erlang A required_agents: {t_a:.3f} s (target < 5 s for 100,000)")
    print(
        f"  agents saved by modelling abandonment: {float(np.sum(res_c.agents - res_a.agents)) / 2:,.0f} "
        "agent-hours over the year"
    )

    if args.skip_peer:
        return
    py = ensure_pyworkforce()
    if py is None:
        return
    nz = calls > 0
    with tempfile.TemporaryDirectory() as tmp:
        inp, out, script = Path(tmp, "in.json"), Path(tmp, "out.json"), Path(tmp, "pywf.py")
        script.write_text(PYWF_SCRIPT)
        inp.write_text(
            json.dumps(
                {
                    "calls": calls[nz].tolist(),
                    "aht_s": aht[nz].tolist(),
                    "target_sl": TARGET_SL,
                    "target_wait_s": TARGET_WAIT_S,
                    "interval_s": INTERVAL_S,
                    "max_occ": MAX_OCC,
                }
            )
        )
        subprocess.run([str(py), str(script), str(inp), str(out)], check=True)
        peer = json.loads(out.read_text())
    theirs = np.asarray(peer["raw_positions"], dtype=float)
    t_peer = float(peer["elapsed"])
    ours = res_c.agents[nz]
    t_ours_nz = t_c * nz.mean()  # fair share: pyworkforce only sees the non-zero intervals
    print(
        f"pyworkforce 0.5.1 on the {int(nz.sum()):,} non-zero intervals: {t_peer:.2f} s "
        f"-> speed ratio {t_peer / t_c:,.0f}x (whole run), {t_peer / t_ours_nz:,.0f}x (per interval); target >= 50x"
    )
    diff = np.flatnonzero(ours != theirs)
    print(
        f"equal answers: {int(nz.sum()) - diff.size:,} / {int(nz.sum()):,}; mismatches: {diff.size}"
    )
    reasons: dict[str, int] = {}
    cn, an = calls[nz], aht[nz]
    for i in diff:
        key = classify(cn[i], an[i], int(ours[i]), int(theirs[i]))
        reasons[key] = reasons.get(key, 0) + 1
    for key, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
        ex = next(i for i in diff if classify(cn[i], an[i], int(ours[i]), int(theirs[i])) == key)
        print(
            f"  {count:6d} x {key}; e.g. {cn[ex]:.0f} calls, AHT {an[ex]:.1f} s: "
            f"servgap {ours[ex]:.0f}, pyworkforce {theirs[ex]:.0f}"
        )


if __name__ == "__main__":
    main()
