"""Scale benchmark: the full expectation report on 1M, 10M, 50M respondents per engine.

Generates N respondents as Parquet (never all in memory: written in chunks of one
million rows, row groups of 250,000) with 22 three-column SERVQUAL items on a 1–9
scale (PZB 1994 layout: 4 tangibles, 5 reliability, 4 responsiveness, 4 assurance,
5 empathy), 100 importance points over the five dimensions, 10 Kano pairs, NPS, an
overall satisfaction item, and the segment columns site (20), customer_type (2) and
age_group (5). Then runs the full expectation report — SERVQUAL with importance weights,
Kano, NPS, the 15 one-way ANOVAs (MSA of each dimension × the three segment columns)
and driver analysis (LMG of the five perceived dimension scores on overall
satisfaction) — through :mod:`servgap.services.analysis` on each engine:

* ``memory`` — the Parquet read into a pandas DataFrame (``pd.read_parquet``), then the
  in-memory engine (the sizes where pandas fits);
* ``duckdb`` — the Parquet file read by DuckDB (``engine="duckdb"``);
* ``spark`` — the Parquet file read by a local Spark session (``engine="spark"``,
  ``SERVGAP_SPARK_MASTER``, default ``local[2]``).

Each engine runs in its own subprocess; wall time is measured inside, peak memory
from outside as the largest sum of the resident set sizes of the subprocess and its
children (Spark's JVM), sampled every 0.2 s from /proc (Linux), and ``ru_maxrss`` of
the Python process. Results of every engine are checked against the first engine's
to 1e-9. Data go to ``/tmp/servgap_scale`` (not the repository).

Usage::

    .venv/bin/python benchmarks/bench_scale.py --rows 1000000,10000000 --engines memory,duckdb,spark
    .venv/bin/python benchmarks/bench_scale.py --rows 100000 --engines memory,duckdb   # quick
    .venv/bin/python benchmarks/bench_scale.py generate --rows 50000000   # the file only
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(os.environ.get("SERVGAP_SCALE_DIR", "/tmp/servgap_scale"))
DIMS = {"tangibles": 4, "reliability": 5, "responsiveness": 4, "assurance": 4, "empathy": 5}
PREFIX = {"tangibles": "tan", "reliability": "rel", "responsiveness": "res",
          "assurance": "ass", "empathy": "emp"}  # fmt: skip
KANO = [f"f{k}" for k in range(10)]
SITES = [f"s{k:02d}" for k in range(20)]
AGES = ["18-24", "25-34", "35-44", "45-54", "55+"]
CHUNK = 1_000_000
#: Address-space cap of the memory engine's process (GB): beyond it pandas "does not fit".
MEMORY_CAP_GB = os.environ.get("SERVGAP_BENCH_MEMORY_CAP_GB", "16")
SPARK_DRIVER_MEMORY = os.environ.get("SERVGAP_BENCH_SPARK_DRIVER_MEMORY", "6g")
ROW_GROUP = 250_000


def spec_yaml() -> str:
    """The survey definition of the generated file."""
    lines = ["code: scale", "version: 1", "title: {zh: 规模测试, en: Scale test}",
             "scale: {min: 1, max: 9}", "questions:"]  # fmt: skip
    for dim, k in DIMS.items():
        for i in range(1, k + 1):
            code = f"{PREFIX[dim]}{i}"
            lines.append(f"  - {{code: {code}, type: servqual3, dimension: {dim}, "
                         f"text: {{zh: {code}, en: {code}}}}}")  # fmt: skip
    lines += ["  - code: importance", "    type: importance",
              f"    options: [{', '.join(DIMS)}]", "    text: {zh: 重要性, en: Importance}"]  # fmt: skip
    for f in KANO:
        lines += [f"  - code: {f}", "    type: kano", f"    text: {{zh: {f}, en: {f}}}",
                  "    functional: {zh: 有, en: With}", "    dysfunctional: {zh: 无, en: Without}"]  # fmt: skip
    lines += ["  - {code: nps, type: nps, text: {zh: 推荐, en: Recommend}}",
              "  - {code: overall, type: likert, scale: {min: 1, max: 7}, "
              "text: {zh: 总体, en: Overall}}",
              "  - {code: customer_type, type: profile, options: [individual, business], "
              "text: {zh: 客户, en: Customer}}",
              f"  - {{code: age_group, type: profile, options: [{', '.join(AGES)}], "
              "text: {zh: 年龄, en: Age}}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def _chunk(n: int, seed: int) -> Any:
    """``n`` respondents as a pyarrow Table (int8 answers, 2 % perceived left empty)."""
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    for dim, k in DIMS.items():
        for i in range(1, k + 1):
            code = f"{PREFIX[dim]}{i}"
            a = rng.integers(1, 8, n, dtype=np.int8)
            d = np.minimum(a + rng.integers(-1, 3, n, dtype=np.int8), 9).astype(np.int8)
            p = np.clip(a + rng.integers(-2, 4, n, dtype=np.int8), 1, 9).astype(np.int8)
            cols[f"{code}_adequate"] = pa.array(a)
            cols[f"{code}_desired"] = pa.array(d)
            cols[f"{code}_perceived"] = pa.array(p, mask=rng.random(n) < 0.02)
    w = np.floor(rng.dirichlet(np.ones(5), n) * 100)
    w[:, 4] = 100 - w[:, :4].sum(axis=1)
    for j, dim in enumerate(DIMS):
        cols[f"importance_{dim}"] = pa.array(w[:, j].astype(np.int8))
    for f in KANO:
        cols[f"{f}_functional"] = pa.array(rng.integers(1, 6, n, dtype=np.int8))
        cols[f"{f}_dysfunctional"] = pa.array(rng.integers(1, 6, n, dtype=np.int8))
    cols["nps"] = pa.array(rng.integers(0, 11, n, dtype=np.int8), mask=rng.random(n) < 0.03)
    cols["overall"] = pa.array(np.clip(np.round(rng.normal(4.5, 1.4, n)), 1, 7).astype(np.int8))
    cols["site"] = pa.DictionaryArray.from_arrays(rng.integers(0, 20, n, dtype=np.int8), SITES)
    cols["customer_type"] = pa.DictionaryArray.from_arrays(
        rng.integers(0, 2, n, dtype=np.int8), ["individual", "business"]
    )
    cols["age_group"] = pa.DictionaryArray.from_arrays(rng.integers(0, 5, n, dtype=np.int8), AGES)
    return pa.table(cols)


def generate(rows: int) -> tuple[Path, Path]:
    """Write (or reuse) ``answers_<rows>.parquet`` and its ``survey.yaml`` under DATA."""
    import pyarrow.parquet as pq

    DATA.mkdir(parents=True, exist_ok=True)
    spec = DATA / "survey.yaml"
    spec.write_text(spec_yaml(), encoding="utf-8")
    path = DATA / f"answers_{rows}.parquet"
    if path.exists():
        return path, spec
    part = path.with_suffix(".partial")
    t0 = time.perf_counter()
    writer = None
    try:
        for i, start in enumerate(range(0, rows, CHUNK)):
            table = _chunk(min(CHUNK, rows - start), seed=i)
            if writer is None:
                writer = pq.ParquetWriter(part, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=ROW_GROUP)
    finally:
        if writer is not None:
            writer.close()
    part.rename(path)
    mb = path.stat().st_size / 2**20
    print(f"generated {rows:,} respondents: {path} ({mb:,.0f} MB) in "
          f"{time.perf_counter() - t0:,.1f} s", flush=True)  # fmt: skip
    return path, spec


# ------------------------------------------------------------------ one engine (subprocess)


def report(engine: str, path: Path, spec: Path) -> dict[str, Any]:
    """The full expectation report on ``engine``; returns timings and a digest."""
    import pandas as pd

    from servgap.core.survey import parse_survey
    from servgap.services import analysis as an
    from servgap.services import analysis_engines as ae
    from servgap.services.surveys import read_definition_file

    t0 = time.perf_counter()
    d = parse_survey(read_definition_file(spec), source=str(spec))
    if engine == "memory":
        data: Any = pd.read_parquet(path)
        for c in data.columns:  # the memory engine's numbers: float64, strings as objects
            data[c] = data[c].astype(np.float64 if data[c].dtype.kind in "iuf" else object)
    else:
        data = ae.parquet_source(engine, path)
    times = {"load": time.perf_counter() - t0}
    out: dict[str, Any] = {}

    def step(name: str, fn: Any) -> Any:
        t = time.perf_counter()
        res = fn()
        times[name] = time.perf_counter() - t
        return res

    sq = step("servqual", lambda: an.run_servqual(d, data, engine=engine))
    out["servqual"] = sq.dimensions[["dimension", "n", "gap", "msa", "mss"]].to_dict("list")
    out["servqual_weighted"] = sq.overall.to_dict("list")
    kano = step("kano", lambda: an.run_kano(d, data, engine=engine))
    out["kano"] = kano.features[["feature", "n", "better", "worse"]].to_dict("list")
    out["nps"] = step("nps", lambda: an.run_nps(d, data, engine=engine)).to_dict("list")
    specs = [f"msa:{x}" for x in DIMS]
    table = step("anova x15", lambda: an.run_anova_table(
        d, data, values=specs, groups=["site", "customer_type", "age_group"], engine=engine
    )).table  # fmt: skip
    out["anova"] = table[["value", "group", "n", "f", "p", "kruskal_h", "levene_w"]].to_dict("list")
    drv = step("drivers", lambda: an.run_drivers(d, data, target="overall", engine=engine))
    out["drivers"] = drv.table.to_dict("list")
    times["total"] = time.perf_counter() - t0
    return {"engine": engine, "times": times, "digest": out}


def _child(engine: str, path: str, spec: str, result: str) -> None:
    import resource

    if engine == "memory":  # fail with MemoryError rather than push a shared machine to swap
        cap = int(float(MEMORY_CAP_GB) * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    if engine == "spark":  # servgap's local session, with the driver memory of this run
        from pyspark.sql import SparkSession

        from servgap.engines.spark import DEFAULT_MASTER, LOCAL_CONF

        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        b = SparkSession.builder.master(os.environ.get("SERVGAP_SPARK_MASTER", DEFAULT_MASTER))
        for key, value in {**LOCAL_CONF, "spark.driver.memory": SPARK_DRIVER_MEMORY}.items():
            b = b.config(key, value)
        b.appName("servgap-bench").getOrCreate().sparkContext.setLogLevel("ERROR")
    res = report(engine, Path(path), Path(spec))
    res["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(result).write_text(json.dumps(res, default=float), encoding="utf-8")
    if engine == "spark":
        from servgap.engines.spark import session

        session().stop()


# ------------------------------------------------------------------ the driver


def _tree_rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` and all its descendants (Linux /proc)."""
    parents: dict[int, list[int]] = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(p))
    total, todo = 0, [pid]
    while todo:
        q = todo.pop()
        todo.extend(parents.get(q, []))
        try:
            for line in Path(f"/proc/{q}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def run_engine(engine: str, path: Path, spec: Path, timeout_s: float) -> dict[str, Any]:
    result = DATA / f"result_{engine}_{path.stem}.json"
    result.unlink(missing_ok=True)
    cmd = [sys.executable, __file__, "child", engine, str(path), str(spec), str(result)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))
            done.wait(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    try:
        rc = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = -9
    done.set()
    th.join()
    wall = time.perf_counter() - t0
    if rc != 0 or not result.exists():
        return {"engine": engine, "error": f"exit {rc}", "wall_s": wall, "peak_mb": peak[0]}
    res: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    res.update(wall_s=wall, peak_mb=peak[0])
    return res


def _close(a: Any, b: Any, where: str = "") -> list[str]:
    if isinstance(a, dict):
        return [m for k in a for m in _close(a[k], b.get(k), f"{where}.{k}")]
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return [f"{where}: length"]
        return [m for i, (x, y) in enumerate(zip(a, b, strict=True))
                for m in _close(x, y, f"{where}[{i}]")]  # fmt: skip
    if isinstance(a, float) and isinstance(b, float):
        if np.isnan(a) and np.isnan(b):
            return []
        return [] if np.isclose(a, b, rtol=1e-9, atol=1e-9) else [f"{where}: {a} vs {b}"]
    return [] if a == b else [f"{where}: {a!r} vs {b!r}"]


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        _child(*sys.argv[2:6])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", nargs="?", default="bench", choices=["bench", "generate"])
    ap.add_argument("--rows", default="1000000")
    ap.add_argument("--engines", default="memory,duckdb,spark")
    ap.add_argument("--timeout", type=float, default=3600.0, help="Seconds per engine run.")
    args = ap.parse_args()
    sizes = [int(float(x)) for x in args.rows.split(",")]
    for rows in sizes:
        path, spec = generate(rows)
        if args.what == "generate":
            continue
        mb = path.stat().st_size / 2**20
        print(f"\n{rows:,} respondents, {mb:,.0f} MB Parquet (zstd)", flush=True)
        first: dict[str, Any] | None = None
        for engine in args.engines.split(","):
            r = run_engine(engine, path, spec, args.timeout)
            if "error" in r:
                print(f"  {engine:7s} FAILED ({r['error']}) after {r['wall_s']:.1f} s, "
                      f"peak {r['peak_mb']:,.0f} MB", flush=True)  # fmt: skip
                continue
            t = r["times"]
            steps = ", ".join(f"{k} {v:.1f}" for k, v in t.items() if k != "total")
            same = "reference" if first is None else (
                "equal to 1e-9" if not _close(first["digest"], r["digest"]) else
                f"DIFFERS: {_close(first['digest'], r['digest'])[:3]}"
            )  # fmt: skip
            first = first or r
            print(f"  {engine:7s} report {t['total']:8.1f} s (process {r['wall_s']:.1f} s), "
                  f"peak RSS {r['peak_mb']:,.0f} MB (python {r['ru_maxrss_mb']:,.0f} MB); "
                  f"{steps}; {same}", flush=True)  # fmt: skip
            out = DATA / f"timing_{engine}_{rows}.json"
            out.write_text(json.dumps({k: v for k, v in r.items() if k != "digest"}, default=float))


if __name__ == "__main__":
    main()
