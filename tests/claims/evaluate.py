"""Score the claim check on an annotated set: recognition recall and precision, verdict accuracy.

Usage: ``python -m tests.claims.evaluate [FILE] [--db PATH] [--show-misses]`` (default: annotated.toml on
data/faers.duckdb, the demo database). The annotation format and its conventions are in CONVENTIONS.md.

A finding matches an annotated claim when it is in the same sentence, names the same exposure (the named
exposure, the ingredient, or the class, with the route the text binds), its event includes the annotated PT, and
its claim type is the annotated one. Verdict accuracy counts the annotated claims whose matching finding has the
annotated verdict; precision counts the findings that match an annotated claim.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Score:
    """Counts over a set."""

    expected: int = 0
    recognised: int = 0
    correct: int = 0
    predicted: int = 0
    predicted_matching: int = 0
    none_items: int = 0
    none_correct: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.recognised / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.predicted_matching / self.predicted if self.predicted else 1.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.expected if self.expected else 1.0

    def summary(self) -> str:
        return (f"{self.expected} annotated claims: recognition recall {self.recall:.3f}, precision "
                f"{self.precision:.3f} ({self.predicted_matching}/{self.predicted} findings), verdict accuracy "
                f"{self.accuracy:.3f} ({self.correct}/{self.expected}); texts with no claim left alone: "
                f"{self.none_correct}/{self.none_items}")


def exposure_key(name: str) -> tuple[str, str]:
    """('esi', '') / ('fentanyl', 'epidural') / ('local_anaesthetic', '') from a finding's exposure name."""
    base, _, route = name.partition("@")
    for prefix in ("ingredient:", "class:", "ingredients:"):
        if base.startswith(prefix):
            base = base[len(prefix):]
    return base.lower(), route.lower()


def _expected_key(claim: dict) -> tuple[str, str]:
    route = str(claim.get("route", "") or "").lower()
    return str(claim["exposure"]).lower(), route.split(" ")[0]


def matches(finding: dict, claim: dict) -> bool:
    """Whether a finding is the annotated claim (verdict aside)."""
    if finding["sentence"] != claim["sentence"] or finding["claim_type"] != claim["claim_type"]:
        return False
    if exposure_key(finding["exposure"]) != _expected_key(claim):
        return False
    return claim["event_pt"].lower() in {p.lower() for p in finding["pts"]}


def score(items: list[dict], run) -> Score:
    """Score ``run(text) -> report`` on annotated items."""
    out = Score()
    for item in items:
        report = run(item["text"])
        findings = report["findings"]
        claims = item.get("claim", [])
        out.predicted += len(findings)
        if item.get("expect_none") or not claims:
            out.none_items += 1
            if not findings:
                out.none_correct += 1
            else:
                out.misses.append(f"[{item['id']}] expected no claim, got " + "; ".join(
                    f"s{f['sentence']} {f['exposure']}×{f['event_title']} {f['claim_type']}" for f in findings))
            continue
        used = set()
        for claim in claims:
            out.expected += 1
            hit = next((i for i, f in enumerate(findings) if matches(f, claim)), None)
            if hit is None:
                out.misses.append(f"[{item['id']}] missed s{claim['sentence']} {claim['exposure']}"
                                  f"{'@' + claim['route'] if claim.get('route') else ''} × {claim['event_pt']} "
                                  f"{claim['claim_type']} ({claim['verdict']})")
                continue
            used.add(hit)
            out.recognised += 1
            if findings[hit]["verdict"] == claim["verdict"]:
                out.correct += 1
            else:
                out.misses.append(f"[{item['id']}] verdict {findings[hit]['verdict']} != {claim['verdict']} for "
                                  f"{claim['exposure']} × {claim['event_pt']} {claim['claim_type']}")
        extra = [f for i, f in enumerate(findings) if i not in used and not any(matches(f, c) for c in claims)]
        out.predicted_matching += len(findings) - len(extra)
        for f in extra:
            out.misses.append(f"[{item['id']}] extra s{f['sentence']} {f['exposure']} × {f['event_title']} "
                              f"{f['claim_type']} {f['verdict']}")
    return out


def load_items(path: Path) -> list[dict]:
    """The items of an annotated file."""
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))["item"]


def main(argv: list[str] | None = None) -> int:
    from explorer import claims
    from explorer.store.reader import Store

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("file", nargs="?", default=str(HERE / "annotated.toml"))
    p.add_argument("--db", default="data/faers.duckdb")
    p.add_argument("--show-misses", action="store_true")
    args = p.parse_args(argv)
    store = Store.open(args.db)
    try:
        result = score(load_items(Path(args.file)), lambda text: claims.check(store, text))
    finally:
        store.close()
    print(result.summary())
    if args.show_misses:
        print("\n".join(result.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
