"""Import of a large response CSV: servgap vs a plain pandas baseline, side by side.

servgap validates every cell (scale, type, ids, sites, importance sums) and writes
one transaction in chunks; the baseline reads the whole file with pandas and writes
it with DataFrame.to_sql without any validation. Each runs in its own subprocess so
peak memory (ru_maxrss) is measured separately.

    python benchmarks/bench_import.py            # ~200 MB file (1.25 million rows)
    python benchmarks/bench_import.py --quick    # ~10 MB file
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
mode, csv_path, db = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
t0 = time.perf_counter()
if mode == "servgap":
    from servgap.services.context import Store, ensure_workspace
    from servgap.services.responses import import_responses
    from servgap.services.surveys import read_template, save_definition
    from servgap.settings import Settings
    from servgap.store.models import Site
    store = Store.open(Settings(database_url=f"sqlite:///{db}", home=Path(db).parent))
    with store.session() as s:
        ws = ensure_workspace(s, "bench", "bench", "bench")
        for i in range(12):
            s.add(Site(workspace_id=ws.id, code=f"S{i:02d}", name_zh="x", name_en="x", kind="outlet"))
        save_definition(s, ws, read_template("servqual22"))
    rep = import_responses(store, csv_path, workspace="bench", survey="servqual22")
    n = rep.inserted
else:
    import sqlite3
    import pandas as pd
    frame = pd.read_csv(csv_path)
    con = sqlite3.connect(db)
    frame.to_sql("responses", con, index=False)
    con.close()
    n = len(frame)
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "rows": n,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_csv(path: Path, rows: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    items = [f"{d}{i}" for d, k in (("tan", 4), ("rel", 5), ("res", 4), ("ass", 4), ("emp", 5))
             for i in range(1, k + 1)]  # fmt: skip
    first = True
    chunk = 50_000
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        cols: dict[str, object] = {
            "response_id": [f"r{start + i}" for i in range(n)],
            "submitted_at": "2026-03-31 14:05",
            "site": rng.choice([f"S{i:02d}" for i in range(12)], n),
        }
        for it in items:
            a = rng.integers(1, 7, n)
            cols[f"{it}_adequate"] = a
            cols[f"{it}_desired"] = np.minimum(a + rng.integers(0, 3, n), 9)
            cols[f"{it}_perceived"] = rng.integers(1, 10, n)
        w = rng.multinomial(100, [0.2] * 5, n)
        for j, d in enumerate(
            ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]
        ):
            cols[f"importance_{d}"] = w[:, j]
        pd.DataFrame(cols).to_csv(path, mode="w" if first else "a", header=first, index=False)
        first = False


def run(mode: str, csv_path: Path, tmp: Path) -> dict[str, float]:
    db = tmp / f"{mode}-{csv_path.stem}.sqlite"
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(csv_path), str(db)],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rows", type=int, default=1_250_000, help="rows of the big file (~200 MB)")
    args = ap.parse_args()
    rows = 25_000 if args.quick else args.rows
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        small, big = tmp / "small.csv", tmp / "big.csv"
        make_csv(small, rows // 4)
        make_csv(big, rows)
        mb = big.stat().st_size / 1e6
        print(f"file: {rows:,} rows, {mb:.0f} MB (and a quarter-size file for the memory check)")
        s_small = run("servgap", small, tmp)
        s_big = run("servgap", big, tmp)
        base = run("pandas", big, tmp)
        print(f"servgap  : {s_big['seconds']:.1f} s, {s_big['rows'] / s_big['seconds']:,.0f} rows/s, "
              f"peak {s_big['peak_mb']:.0f} MB (quarter file: peak {s_small['peak_mb']:.0f} MB)")  # fmt: skip
        print(f"pandas   : {base['seconds']:.1f} s, peak {base['peak_mb']:.0f} MB "
              "(read_csv + to_sql, no validation)")  # fmt: skip
        print(f"ratio    : time {s_big['seconds'] / base['seconds']:.2f}x the baseline, "
              f"memory {s_big['peak_mb'] / base['peak_mb']:.2f}x; servgap memory growth from "
              f"1/4 to full file: {s_big['peak_mb'] / s_small['peak_mb']:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
