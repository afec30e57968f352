"""Every output of classify over all labelled data, the bench messages and odd inputs, as JSONL.

A speed-up of classification must leave this file byte-identical.  Run it on main and on the
branch and compare::

    python -m tests.handlers.classify_snapshot before.jsonl   # on main
    python -m tests.handlers.classify_snapshot after.jsonl    # on the branch
    cmp before.jsonl after.jsonl

Each line holds a text and what the full understanding (rules, frames, model) and the rules
alone made of it: class, category, route, place, party, reasons, 可能是急事, tokens and the
model's probabilities (as repr, so a change in the last bit shows).  Not a pytest module: the
snapshot changes whenever the lexicon or the model does, on purpose.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from bench.messages import generate
from handlers.understanding import Understanding, normalize_text

REPO = Path(__file__).resolve().parents[2]
LABELLED = ("handlers/understanding/data/train", "../shared/data", "tests")
_ODD = " \t\n\x00\u200b\u202e[]@#Tt0123456789!?，。"


def texts() -> list[str]:
    """The labelled texts, 8,000 bench messages, and odd inputs made from their characters."""
    out: list[str] = []
    for folder in LABELLED:
        for path in sorted((REPO / folder).glob("**/*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    out.append(json.loads(line)["text"])
                except (ValueError, KeyError, TypeError):
                    continue
    out += generate(5000) + generate(3000, seed=11)
    rng = random.Random(3)
    pool = "".join(sorted(set("".join(out)))) + _ODD
    out += ["".join(rng.choice(pool) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    for text in out[:2000]:  # negated and run-on variants of real messages
        cut = rng.randint(0, len(text))
        out += [text[:cut] + "不是" + text[cut:], text.replace("，", "").replace("。", "")]
    return out


def main(path: str) -> int:
    """Write the snapshot to ``path``."""
    nlp = Understanding.load()
    rules = nlp.with_model(None)
    with open(path, "w", encoding="utf-8") as out:
        for text in texts():
            result = nlp.classify(text)
            record = result.to_json() | {"tokens": list(result.tokens)}
            record["rules"] = rules.classify(text).to_json()
            norm = normalize_text(text)
            if norm and nlp.model is not None:
                opinion = nlp.model.opinion(nlp.analyse(norm)[2])
                probabilities = [*opinion.classes.values(), *opinion.categories.values()]
                record["model"] = [repr(p) for p in probabilities]
            out.write(json.dumps([text, record], ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
