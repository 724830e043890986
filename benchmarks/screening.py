"""Name-screening quality and speed against a peer and a baseline (prints figures; not a test).

    .venv/bin/python benchmarks/screening.py [--data ../shared/data/name-matching] [--fp-limit 50000]
        [--peer-ja-sample 20] [--peer-fp-sample 200] [--no-peer]

Figures, each for smartcustoms, nomenklatura logic-v2 (the peer, run in a separate benchmark-only venv
benchmarks/.peer-venv built from benchmarks/peer/requirements.txt) and a plain cutlet + rapidfuzz baseline:

1. precision / recall / F1 at the operating threshold on labelled-name-pairs-dev.csv;
2. Japanese -> English top-1 recall on mof-ja-en-name-pairs-dev.csv: each Japanese name searched among all the
   English names of the set (identical English names, case aside, count as one);
3. false-positive rate of the synthetic names (which match nothing) against all lists of the shipped default set;
4. latency per query against all those names (p50 / p99 wall clock, and thread CPU time, which a busy shared
   machine disturbs less), index build time and memory;
5. search recall: the labelled matching pairs that score at or above the threshold as pairs, searched through the
   index (name1 against all list names plus every name2): how many the candidate stage and prefilter let through.

Each quality figure is also printed for the two halves of the dev files split by a hash of the row (--halves), so
that a change tuned on one half can be checked on the other.

The peer has no index: for (2) it scores a sample of the Japanese names against every English name, for (3) it
scores a sample of synthetic names against the 20 candidates our index proposes (which can only flatter it).
Its threshold is 0.7 (yente's default for logic-v2). The baseline romanises with cutlet, applies rapidfuzz's
default_process (lower case, punctuation out) and compares with fuzz.ratio, at 0.85.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "name-matching"
PEER_DIR = ROOT / "benchmarks" / "peer"
PEER_VENV = ROOT / "benchmarks" / ".peer-venv"
PEER_THRESHOLD = 0.7
BASELINE_THRESHOLD = 0.85


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def prf(pred: Iterable[bool], truth: Iterable[bool]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for p, t in zip(pred, truth, strict=True):
        tp += p and t
        fp += p and not t
        fn += t and not p
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def line(who: str, threshold: float, figures: tuple[float, float, float]) -> str:
    p, r, f = figures
    return f"   {who:<13}@{threshold:.2f}   {p:.3f} / {r:.3f} / {f:.3f}"


def half(text: str) -> int:
    """0 or 1: the half of the dev data a row falls in (a stable hash of its names)."""
    return hashlib.sha1(text.encode("utf-8")).digest()[-1] & 1


def key(name: str) -> str:
    return " ".join(name.casefold().split())


# ---- peer ------------------------------------------------------------------------------------------------

def peer_ready() -> str | None:
    """None when the peer venv is usable, else why not."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print("setting up the peer venv (benchmark-only) ...", file=sys.stderr)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(PEER_DIR / "requirements.txt")],
                           check=True, timeout=1200)
        except (subprocess.SubprocessError, OSError) as exc:
            return f"could not install nomenklatura: {exc}"
    probe = subprocess.run([str(python), "-c", "import icu, nomenklatura.matching"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"nomenklatura does not import (PyICU?): {probe.stderr.strip()[-300:]}"
    return None


def peer_scores(pairs: list[tuple[str, str, str]]) -> list[float]:
    """logic-v2 scores for (schema, a, b) pairs, run in the peer venv."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp, "in.jsonl"), Path(tmp, "out.jsonl")
        with src.open("w", encoding="utf-8") as fh:
            for i, (schema, a, b) in enumerate(pairs):
                fh.write(json.dumps({"id": i, "schema": schema, "a": a, "b": b}, ensure_ascii=False) + "\n")
        subprocess.run([str(PEER_VENV / "bin" / "python"), str(PEER_DIR / "logic_v2_scores.py"), str(src), str(dst)],
                       check=True, stderr=subprocess.DEVNULL)
        out = {d["id"]: d["score"] for d in map(json.loads, dst.read_text("utf-8").splitlines())}
    return [out[i] for i in range(len(pairs))]


# ---- baseline: plain cutlet + rapidfuzz ------------------------------------------------------------------

def baseline() -> tuple[Callable[[str], str], Callable[[str, str], float]]:
    import cutlet
    from rapidfuzz import fuzz, utils

    katsu = cutlet.Cutlet()

    def prep(name: str) -> str:
        return str(utils.default_process(katsu.romaji(name) if any(ord(c) > 0x2FFF for c in name) else name))

    def score(a: str, b: str) -> float:
        return fuzz.ratio(prep(a), prep(b)) / 100

    return prep, score


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--fp-limit", type=int, default=50_000, help="synthetic names to screen (all: 50000)")
    ap.add_argument("--peer-ja-sample", type=int, default=20,
                    help="Japanese names the slow peer scores against every English name (2)")
    ap.add_argument("--peer-fp-sample", type=int, default=200, help="synthetic names the peer scores (3)")
    ap.add_argument("--baseline-fp-sample", type=int, default=1000)
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--show", type=int, default=10, help="flagged synthetic names to print with the entry and reason")
    args = ap.parse_args()
    random.seed(5)

    from rapidfuzz import fuzz, process

    from smartcustoms.screening.defaults import read_defaults
    from smartcustoms.screening.index import IndexedName, NameIndex
    from smartcustoms.screening.matcher import THRESHOLD, score_names
    from smartcustoms.screening.normalize import normalise

    peer_problem = "skipped (--no-peer)" if args.no_peer else peer_ready()
    prep, base_score = baseline()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (timings are noisy on a shared machine)")

    # 1. labelled pairs
    pairs = rows(args.data / "labelled-name-pairs-dev.csv")
    truth = [r["is_match"] == "True" for r in pairs]
    ours = [score_names(r["name1"], r["name2"]).score for r in pairs]
    base = [base_score(r["name1"], r["name2"]) for r in pairs]
    print(f"\n1. labelled pairs ({len(pairs)}, {sum(truth)} matches): precision / recall / F1")
    print(line("smartcustoms", THRESHOLD, prf([s >= THRESHOLD for s in ours], truth)))
    halves = [half(r["name1"] + "|" + r["name2"]) for r in pairs]
    for h in (0, 1):
        sel = [k for k, x in enumerate(halves) if x == h]
        print(line(f"  half {h} ({len(sel)})", THRESHOLD,
                   prf([ours[k] >= THRESHOLD for k in sel], [truth[k] for k in sel])))
    print(line("baseline", BASELINE_THRESHOLD, prf([s >= BASELINE_THRESHOLD for s in base], truth)))
    if peer_problem is None:
        peer = peer_scores([(r["schema"], r["name1"], r["name2"]) for r in pairs])
        print(line("logic-v2", PEER_THRESHOLD, prf([s >= PEER_THRESHOLD for s in peer], truth)))
    else:
        print(f"   logic-v2     not run: {peer_problem}")

    # 2. Japanese -> English top-1
    mof = rows(args.data / "mof-ja-en-name-pairs-dev.csv")
    english = sorted({r["name_en"] for r in mof})
    index = NameIndex.build(IndexedName(i, n) for i, n in enumerate(english))
    t0 = time.perf_counter()
    hit = 0
    by_half = [[0, 0], [0, 0]]
    for r in mof:
        top = index.search(r["name_ja"], limit=1)
        ok = bool(top) and key(english[top[0].key]) == key(r["name_en"])
        hit += ok
        h = half(r["name_ja"] + "|" + r["name_en"])
        by_half[h][0] += ok
        by_half[h][1] += 1
    ja_time = (time.perf_counter() - t0) / len(mof) * 1000
    prepared = [prep(n) for n in english]
    base_hit = 0
    for r in mof:
        best = process.extractOne(prep(r["name_ja"]), prepared, scorer=fuzz.ratio)
        base_hit += best is not None and key(english[best[2]]) == key(r["name_en"])
    print(f"\n2. Japanese -> English top-1 ({len(mof)} names among {len(english)} English names)")
    print(f"   smartcustoms  {hit / len(mof):.1%}  ({ja_time:.1f} ms per query); halves "
          + " / ".join(f"{a / max(n, 1):.1%} of {n}" for a, n in by_half))
    print(f"   baseline      {base_hit / len(mof):.1%}")
    if peer_problem is None:
        sample = random.sample(mof, min(args.peer_ja_sample, len(mof)))
        scored = peer_scores([("LegalEntity", r["name_ja"], en) for r in sample for en in english])
        peer_hit = 0
        for k, r in enumerate(sample):
            block = scored[k * len(english):(k + 1) * len(english)]
            top_i = max(range(len(english)), key=block.__getitem__)
            peer_hit += key(english[top_i]) == key(r["name_en"])
        print(f"   logic-v2      {peer_hit / len(sample):.1%}  (sample of {len(sample)}; ties go to the first name)")

    # 3 and 4. synthetic names against every shipped list
    names = [n.name for _, _, entries in read_defaults() for e in entries for n in e.names]
    tracemalloc.start()
    t0 = time.perf_counter()
    full = NameIndex.build(IndexedName(i, n) for i, n in enumerate(names))
    build_s = time.perf_counter() - t0
    mem = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    synthetic = rows(args.data / "synthetic-non-matches-global.csv")[: args.fp_limit]
    for r in synthetic[:50]:
        full.search(r["full_name"])       # warm the caches once, as a running server is
    latencies: list[float] = []
    cpu: list[float] = []
    flagged: list[tuple[str, str, float, str]] = []
    fp_half = [[0, 0], [0, 0]]
    for r in synthetic:
        t = time.perf_counter()
        c = time.thread_time()
        found = full.search(r["full_name"], limit=1, min_score=THRESHOLD)
        cpu.append(time.thread_time() - c)
        latencies.append(time.perf_counter() - t)
        h = half(r["full_name"])
        fp_half[h][1] += 1
        if found:
            fp_half[h][0] += 1
            flagged.append((r["full_name"], found[0].name, found[0].score, found[0].reason))
    latencies.sort()
    cpu.sort()
    print(f"\n3. false positives: {len(synthetic)} synthetic names against {len(names)} list names "
          f"({len(full)} indexed forms)")
    print(f"   smartcustoms  {len(flagged) / len(synthetic):.3%}  ({len(flagged)} flagged); halves "
          + " / ".join(f"{a / max(n, 1):.3%} of {n}" for a, n in fp_half))
    for q, n, s, why in flagged[: args.show]:
        print(f"      {q!r} -> {n!r} {s:.3f} ({why})")
    base_sample = synthetic[: args.baseline_fp_sample]
    prepared_all = [prep(n) for n in names]
    base_fp = sum(1 for r in base_sample if process.extractOne(
        prep(r["full_name"]), prepared_all, scorer=fuzz.ratio, score_cutoff=BASELINE_THRESHOLD * 100))
    print(f"   baseline      {base_fp / max(len(base_sample), 1):.3%}  (first {len(base_sample)} names)")
    if peer_problem is None:
        sample = synthetic[: args.peer_fp_sample]
        cand_pairs = [("Person", r["full_name"], full.names[nid].name)
                      for r in sample for nid in full.candidates(normalise(r["full_name"]), cap=20)]
        peer = peer_scores(cand_pairs)
        flagged_q = {cand_pairs[i][1] for i, s in enumerate(peer) if s >= PEER_THRESHOLD}
        print(f"   logic-v2      {len(flagged_q) / len(sample):.3%}  (first {len(sample)} names, 20 candidates each)")
    print("\n4. speed (smartcustoms, this process, one core)")
    print(f"   index build {build_s:.1f} s for {len(full)} forms; memory of the index ~{mem:.0f} MiB (tracemalloc)")
    print(f"   per query against all lists: p50 {latencies[len(latencies) // 2] * 1000:.2f} ms, "
          f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.2f} ms (wall clock); "
          f"CPU time p50 {cpu[len(cpu) // 2] * 1000:.2f} ms, p99 {cpu[int(len(cpu) * 0.99)] * 1000:.2f} ms; "
          f"load average {os.getloadavg()[0]:.2f}")
    matching = [r for k, r in enumerate(pairs) if truth[k] and ours[k] >= THRESHOLD]
    base_key = len(names)
    both = NameIndex.build([IndexedName(i, n) for i, n in enumerate(names)]
                           + [IndexedName(base_key + k, r["name2"]) for k, r in enumerate(matching)])
    searched = [any(m.key == base_key + k for m in both.search(r["name1"], limit=0, min_score=THRESHOLD))
                for k, r in enumerate(matching)]
    print(f"\n5. search recall: {sum(searched)} of {len(matching)} labelled matching pairs found by an index search "
          f"among all list names ({sum(searched) / max(len(matching), 1):.1%})")


if __name__ == "__main__":
    main()
