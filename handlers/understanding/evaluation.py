"""Scoring understanding against labelled messages: the figures ``liufang eval`` prints."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from handlers.understanding.types import Classification
from handlers.vocabulary import CATEGORIES

CLASSES = ("urgent", "difficult", "small", "none")


@dataclass(frozen=True, slots=True)
class Labelled:
    """One labelled message: its text, the expected class and category, where it came from."""

    text: str
    klass: str
    category: str
    origin: str = ""  # "file:line", for the list of misses


class LabelError(ValueError):
    """A labelled file that cannot be read; ``problems`` says which lines and why."""

    def __init__(self, problems: Sequence[str]) -> None:
        """Keep every problem so all can be fixed in one go."""
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def read_labelled(path: Path) -> list[Labelled]:
    """The labelled lines of a JSONL file (``text``, ``class``, ``category``), checked."""
    rows: list[Labelled] = []
    problems: list[str] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise LabelError([f"{path}: cannot read ({exc.strerror or exc})"]) from exc
    except UnicodeDecodeError as exc:
        raise LabelError([f"{path}: not UTF-8 text ({exc.reason})"]) from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        row = parse_labelled(line, where)
        if isinstance(row, str):
            problems.append(row)
        else:
            rows.append(row)
    if problems:
        raise LabelError(problems)
    return rows


def parse_labelled(line: str, where: str) -> Labelled | str:
    """One JSONL line as a ``Labelled``, or a sentence saying what is wrong with it."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"{where}: invalid JSON ({exc.msg}, column {exc.colno})"
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return f'{where}: needs a JSON object with a string "text"'
    klass, category = data.get("class"), data.get("category")
    if klass not in CLASSES:
        return f"{where}: class {klass!r} is not one of {', '.join(CLASSES)}"
    if category not in CATEGORIES:
        return f"{where}: category {category!r} is not one of {', '.join(CATEGORIES)}"
    if (klass == "none") != (category == "none"):
        return f'{where}: category "none" goes with class "none" and only with it'
    return Labelled(data["text"], klass, category, where)


@dataclass
class Scores:
    """Figures for one labelled set; ``misses`` holds every line not fully right."""

    total: int = 0
    class_right: int = 0
    category_right: int = 0
    urgent: int = 0
    urgent_caught: int = 0
    urgent_flagged: int = 0  # urgent called 「可能是急事」: flagged but not counted as caught
    nonreports: int = 0
    nonreport_tickets: int = 0
    flagged: int = 0  # every 「可能是急事」, whatever the label
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[tuple[Labelled, Classification]] = field(default_factory=list)

    def add(self, row: Labelled, got: Classification) -> None:
        """Count one classified message."""
        self.total += 1
        self.confusion[(row.klass, got.klass)] += 1
        self.class_right += got.klass == row.klass
        self.category_right += got.category == row.category
        self.flagged += got.maybe_urgent
        if row.klass == "urgent":
            self.urgent += 1
            self.urgent_caught += got.klass == "urgent"
            self.urgent_flagged += got.klass != "urgent" and got.maybe_urgent
        if row.klass == "none":
            self.nonreports += 1
            self.nonreport_tickets += got.is_report
        if got.klass != row.klass or got.category != row.category:
            self.misses.append((row, got))

    @property
    def class_accuracy(self) -> float:
        """Share of messages whose class is right."""
        return _share(self.class_right, self.total)

    @property
    def urgent_recall(self) -> float:
        """Share of urgent messages called urgent (「可能是急事」 does not count)."""
        return _share(self.urgent_caught, self.urgent)

    @property
    def chatter_to_ticket(self) -> float:
        """Share of non-reports that would have opened a ticket."""
        return _share(self.nonreport_tickets, self.nonreports)

    @property
    def category_accuracy(self) -> float:
        """Share of messages whose category is right (``none`` included)."""
        return _share(self.category_right, self.total)

    def figures(self) -> dict[str, float]:
        """The four headline figures, for tests and JSON output."""
        return {
            "class_accuracy": self.class_accuracy,
            "urgent_recall": self.urgent_recall,
            "chatter_to_ticket": self.chatter_to_ticket,
            "category_accuracy": self.category_accuracy,
        }


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def evaluate(classify: Callable[[str], Classification], rows: Iterable[Labelled]) -> Scores:
    """Classify every row and count what came out right."""
    scores = Scores()
    for row in rows:
        scores.add(row, classify(row.text))
    return scores


def format_scores(scores: Scores, *, misses: int | None = 50) -> str:
    """The report ``liufang eval`` prints: figures, confusion matrix, misclassified lines."""
    lines = [
        f"messages            {scores.total}",
        f"class accuracy      {scores.class_accuracy:.3f}",
        f"urgent recall       {scores.urgent_recall:.3f}"
        f"   ({scores.urgent_caught} of {scores.urgent} urgent)",
        f"chatter -> ticket   {scores.chatter_to_ticket:.3f}"
        f"   ({scores.nonreport_tickets} of {scores.nonreports} non-reports)",
        f"category accuracy   {scores.category_accuracy:.3f}",
        f"可能是急事 flagged   {scores.flagged}"
        f"   (of them truly urgent but not called urgent: {scores.urgent_flagged})",
        "",
        "confusion (rows: label, columns: decided)",
        "            " + "".join(f"{c:>10}" for c in CLASSES),
    ]
    for gold in CLASSES:
        cells = "".join(f"{scores.confusion[(gold, got)]:>10}" for got in CLASSES)
        lines.append(f"{gold:>10}  {cells}")
    shown = scores.misses if misses is None else scores.misses[:misses]
    if shown:
        lines += ["", f"misclassified ({len(scores.misses)}; label -> decided, 依据):"]
    for row, got in shown:
        flag = " 可能是急事" if got.maybe_urgent else ""
        lines.append(
            f"{row.origin}  {row.klass}/{row.category} -> {got.klass}/{got.category}{flag}"
            f"  [{' '.join(got.cues)}]  {row.text[:80]}"
        )
    if len(shown) < len(scores.misses):
        lines.append(f"… {len(scores.misses) - len(shown)} more (use --all to see every one)")
    return "\n".join(lines)
