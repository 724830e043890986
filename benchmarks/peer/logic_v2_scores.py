"""Score name pairs with nomenklatura's logic-v2 matcher (runs in the benchmark-only venv, not the product).

Input: JSON lines {"id": ..., "schema": "Person"|"Company"|"LegalEntity"|..., "a": name, "b": name}
Output: JSON lines {"id": ..., "score": float}
"""

from __future__ import annotations

import json
import sys

from followthemoney import model
from nomenklatura.matching import get_algorithm
from nomenklatura.matching.types import ScoringConfig

SCHEMAS = {"Person", "Company", "Organization", "LegalEntity", "Vessel", "Airplane"}


def entity(eid: str, schema: str, name: str):  # type: ignore[no-untyped-def]
    e = model.make_entity(schema if schema in SCHEMAS else "LegalEntity")
    e.id = eid
    e.add("name", name)
    return e


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    matcher = get_algorithm("logic-v2")
    if matcher is None:
        raise SystemExit("logic-v2 not available in this nomenklatura")
    config = ScoringConfig.defaults()
    with open(src, encoding="utf-8") as fin, open(dst, "w", encoding="utf-8") as fout:
        for line in fin:
            doc = json.loads(line)
            try:
                # Unique ids per pair: nomenklatura caches name comparisons by entity id.
                res = matcher.compare(entity(f"q{doc['id']}", doc["schema"], doc["a"]),
                                      entity(f"r{doc['id']}", doc["schema"], doc["b"]), config)
                score = float(res.score)
            except Exception as exc:  # a pair the peer cannot score counts as no match
                print(f"peer error on {doc['id']}: {exc}", file=sys.stderr)
                score = 0.0
            fout.write(json.dumps({"id": doc["id"], "score": score}) + "\n")


if __name__ == "__main__":
    main()
