"""The search shortcut changes no result (prints figures; not a test).

    .venv/bin/python benchmarks/screening_shortcut.py [--data ../shared/data/name-matching] [--synthetic 2000]
        [--list-names 1000]

Builds the index over every name of the shipped lists and searches names with the shortcut (`index._screen`: the
bound that skips candidates which cannot reach the minimum score, and the word pairs that need no comparison) and
without it (every prefiltered candidate scored in full by `matcher.compare`), at the operating threshold and at
0.7, top 10: synthetic names, both names of every labelled pair, the Japanese names of the MOF pairs and list names
of every script. Prints the number of queries whose results differ (must be 0), how many candidates the bound
skipped, and the thread CPU time of both searches.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "name-matching"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--synthetic", type=int, default=2000)
    ap.add_argument("--list-names", type=int, default=1000)
    args = ap.parse_args()
    random.seed(5)

    from smartcustoms.screening import index as ix
    from smartcustoms.screening.defaults import read_defaults
    from smartcustoms.screening.index import IndexedName, NameIndex
    from smartcustoms.screening.matcher import THRESHOLD

    names = [n.name for _, _, entries in read_defaults() for e in entries for n in e.names]
    full = NameIndex.build(IndexedName(i, n) for i, n in enumerate(names))
    pairs = rows(args.data / "labelled-name-pairs-dev.csv")
    mof = rows(args.data / "mof-ja-en-name-pairs-dev.csv")
    synthetic = [r["full_name"] for r in rows(args.data / "synthetic-non-matches-global.csv")]
    queries = (random.sample(synthetic, min(args.synthetic, len(synthetic)))
               + [r["name1"] for r in pairs] + [r["name2"] for r in pairs] + [r["name_ja"] for r in mof]
               + random.sample(names, min(args.list_names, len(names))))
    screen = ix._screen
    skipped = total = 0

    def counting(q: Any, cands: Any, min_score: float, words: Any = None) -> Any:
        nonlocal skipped, total
        out = screen(q, cands, min_score, words)
        skipped += sum(out[0])
        total += len(cands)
        return out

    def nothing(q: Any, cands: Any, min_score: float, words: Any = None) -> Any:
        return [False] * len(cands), None

    print(f"load average {os.getloadavg()[0]:.2f}; {len(queries)} queries against {len(full)} indexed forms")
    for min_score in (THRESHOLD, 0.7):
        differ = 0
        cpu = {"with": 0.0, "without": 0.0}
        examples: list[str] = []
        for k, query in enumerate(queries):
            got = {}
            runs = (("with", counting), ("without", nothing))
            for label, fn in runs if k % 2 else runs[::-1]:   # each first half of the time (caches)
                ix._screen = fn
                t = time.thread_time()
                found = full.search(query, limit=10, min_score=min_score)
                cpu[label] += time.thread_time() - t
                got[label] = [(m.key, m.name, m.score, m.reason) for m in found]
            ix._screen = screen
            if got["with"] != got["without"]:
                differ += 1
                examples.append(query)
        print(f"min_score {min_score:.2f}: {differ} of {len(queries)} queries with different results"
              + (f" (e.g. {examples[:3]})" if examples else "")
              + f"; thread CPU {cpu['with'] / len(queries) * 1000:.2f} ms per query with the shortcut, "
              f"{cpu['without'] / len(queries) * 1000:.2f} ms without")
    print(f"candidates skipped by the bound: {skipped} of {total} ({skipped / max(total, 1):.1%})")


if __name__ == "__main__":
    main()
