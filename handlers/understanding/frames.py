"""Hazard frames: danger composed of who or what is at risk × harm state × immediacy."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from handlers.understanding.textindex import Found, aho_corasick, scan

SHIPPED_FRAMES = Path(__file__).resolve().parent / "data" / "frames.toml"
_SENTENCE_END = frozenset("。！？!?;；\n")
_NEGATORS = ("不是", "不像", "没有", "没", "不", "未", "莫得", "冒得", "并没", "并非", "无")
# A question that hedges (是不是着火, 有没有冒烟) is no denial: the danger may be there.
_HEDGES = ("是不是", "有没有")
_DEFAULT_WINDOW = 10
_DISTANCE_REACH = 12  # how far before a frame a distancing word (怕, 上次, 演练) still reaches
# What a bare cry may carry around it and still be bare: punctuation, spaces, 啊/呀 (救命啊！！).
_BARE_FILLER = re.compile(r"[\W_啊呀哇吖阿]+")
_SIMILE_REACH = 2  # how far after a state word a simile (似的, 一样) still reaches: 着火了似的
_CLAUSE_MARKS = frozenset("，,、 。！？!?;；：:\n")
_FRAME_KEYS = ("name", "emergency", "subjects", "states", "needs", "window")
_WORD_KEYS = ("immediacy", "exposure", "distance", "simile", "objects")
_TOP_KEYS = ("version", *_WORD_KEYS, "subjects", "frames", "emergencies", "notreport")


class FramesError(ValueError):
    """A frames file that cannot be used; ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[str]) -> None:
        """Keep each problem for ``liufang check-config``."""
        super().__init__("\n".join(errors))
        self.errors = list(errors)


@dataclass(frozen=True, slots=True)
class Emergency:
    """What to do first: the number to call and a line of safety advice."""

    kind: str
    number: str
    advice: str

    def line(self) -> str:
        """The short text added to the first urgent reply."""
        return f"请立即拨打 {self.number}。{self.advice}"


@dataclass(frozen=True, slots=True)
class Frame:
    """One hazard frame as declared in TOML."""

    name: str
    emergency: str
    subjects: tuple[str, ...]  # subject group names; empty: the state alone is the danger
    states: tuple[str, ...]
    needs_now: bool = False
    needs_alone: bool = False  # the state counts only as the whole message (a bare 救命)
    window: int = _DEFAULT_WINDOW


class FrameHit(NamedTuple):
    """A frame found in a message; ``decisive`` when it alone makes the message urgent."""

    frame: str
    emergency: str
    subject: str
    state: str
    start: int
    decisive: bool

    def cue(self) -> str:
        """The reason shown to people, e.g. ``老人+叫不应``."""
        return f"{self.subject}+{self.state}" if self.subject else self.state


class Frames:
    """Compiled frames: one Aho-Corasick pass finds subjects, states and context words."""

    def __init__(self, data: dict[str, Any]) -> None:
        """Build from merged TOML data (see ``load``)."""
        self.frames = {f.name: f for f in _frames(data)}
        self.emergencies = {
            kind: Emergency(kind, str(t["number"]), str(t["advice"]))
            for kind, t in data.get("emergencies", {}).items()
        }
        # Frames are tried in file order: the first decisive one names the emergency.
        self._order = {name: i for i, name in enumerate(self.frames)}
        phrases: dict[str, list[tuple[str, float]]] = {}

        def add(word: str, tag: str) -> None:
            entries = phrases.setdefault(word, [])
            if (tag, 1.0) not in entries:
                entries.append((tag, 1.0))

        for tag in _WORD_KEYS:
            for word in data.get(tag, {}).get("words", []):
                add(word, tag)
        for group, words in data.get("subjects", {}).items():
            for word in words:
                add(word, "s:" + group)
        for kind, words in data.get("notreport", {}).items():
            for word in words:
                add(word, "n:" + kind)
        for frame in self.frames.values():
            for word in frame.states:
                add(word, "t:" + frame.name)
        self.phrases = {k: tuple(v) for k, v in phrases.items()}
        self._automaton = aho_corasick(self.phrases)

    @classmethod
    def load(cls, paths: Sequence[Path] = ()) -> Frames:
        """The shipped frames, then ``paths`` in order (a frame of the same name replaces)."""
        merged, errors = _read_all(paths)
        if errors:
            raise FramesError(errors)
        return cls(merged)

    def find(self, text: str) -> list[FrameHit]:
        """Every frame in ``text`` (one hit per frame), decisive ones first."""
        return self.scan(text)[0]

    def scan(self, text: str, found: Found | None = None) -> tuple[list[FrameHit], frozenset[str]]:
        """The frames in ``text`` and its not-a-report signs; ``found``: a shared scan's words."""
        if found is None:
            found = scan(self._automaton, text)  # tag → [(start, end, 1.0)], in text order
        if not found:
            return [], frozenset()
        # One plain loop sorts the tags out (a comprehension builds a function object each time).
        signs: set[str] = set()
        states: list[str] = []
        for tag in found:
            head = tag[:2]
            if head == "n:":
                signs.add(tag[2:])
            elif head == "t:":
                states.append(tag)
        if not states:
            return [], frozenset(signs)
        now = "immediacy" in found or "exposure" in found
        distance = [s for s, _, _ in found["distance"]] if "distance" in found else []
        hits: list[FrameHit] = []
        for tag in states:
            spans = found[tag]
            # A danger word with a negator right before it (不是煤气味, 没冒烟) is a sign.
            live = [span for span in spans if not _negated(text, span[0])]
            if len(live) < len(spans):
                signs.add("denied")
            frame = self.frames[tag[2:]]
            if frame.needs_alone and _BARE_FILLER.sub("", text).lower() not in frame.states:
                continue
            hit = self._place(frame, text, live, found, distance, now or not frame.needs_now)
            if hit is not None:
                hits.append(hit)
        if len(hits) > 1:
            hits.sort(key=lambda h: (not h.decisive, self._order[h.frame]))
        return hits, frozenset(signs)

    def _place(
        self,
        frame: Frame,
        text: str,
        states: list[tuple[int, int, float]],
        found: Found,
        distance: list[int],
        decisive: bool,
    ) -> FrameHit | None:
        """The first state of ``frame`` (not denied) with a subject near it, not distanced."""
        if not states:
            return None
        subjects = [s for g in frame.subjects for s in found.get("s:" + g, ())]
        if subjects and "objects" in found:
            # A subject word inside an object's name is not a subject: 婴儿车 is no 婴儿.
            subjects = [s for s in subjects if not _inside(s, found["objects"])]
        if len(subjects) > 1:
            subjects.sort(key=lambda s: s[0] - s[1])  # the longest subject first: 娃儿, not 娃
        simile = found.get("simile")
        for start, end, _ in states:
            if distance and _distanced(text, start, distance):
                continue
            if simile and _likened(text, end, simile):
                continue  # a figure of speech: 热得跟着火似的, 像着火一样
            if not frame.subjects:
                return FrameHit(frame.name, frame.emergency, "", text[start:end], start, decisive)
            for s_start, s_end, _ in subjects:
                if s_start == start or (s_start < end and start < s_end):
                    continue  # the subject word is part of the state word itself
                lo, hi = (s_end, start) if s_end <= start else (end, s_start)
                if hi - lo <= frame.window and _SENTENCE_END.isdisjoint(text[lo:hi]):
                    subject, state = text[s_start:s_end], text[start:end]
                    return FrameHit(frame.name, frame.emergency, subject, state, start, decisive)
        return None

    def emergency(self, text: str) -> Emergency | None:
        """The emergency advice of the first frame found in ``text``, if any."""
        for hit in self.find(text):
            if hit.decisive and hit.emergency in self.emergencies:
                return self.emergencies[hit.emergency]
        return None


def validate_frame_files(paths: Sequence[Path]) -> list[str]:
    """Problems of the shipped frames with ``paths`` added; nothing is compiled."""
    return _read_all(paths)[1]


def _read_all(paths: Sequence[Path]) -> tuple[dict[str, Any], list[str]]:
    """The shipped frames merged with ``paths``, and every problem found on the way."""
    merged: dict[str, Any] = {}
    errors: list[str] = []
    for path in (SHIPPED_FRAMES, *paths):
        data, problems = _read(Path(path))
        errors += problems
        if not problems:
            _merge(merged, data)
    return merged, errors


def _negated(text: str, start: int) -> bool:
    """A negator right before the state word (没倒, 不冒烟) denies it; a hedge (是不是) not."""
    before = text[max(0, start - 3) : start]
    return before.endswith(_NEGATORS) and not before.endswith(_HEDGES)


def _distanced(text: str, start: int, distance: list[int]) -> bool:
    """A distancing word (怕, 上次, 演练, 新闻) shortly before, in the same sentence."""
    for d in distance:
        if start - _DISTANCE_REACH <= d < start and not _SENTENCE_END.intersection(text[d:start]):
            return True
    return False


def _likened(text: str, end: int, simile: list[tuple[int, int, float]]) -> bool:
    """A simile ending (似的, 一样) right after the state word, in the same clause."""
    for s, _, _ in simile:
        if end <= s <= end + _SIMILE_REACH and _CLAUSE_MARKS.isdisjoint(text[end:s]):
            return True
    return False


def _inside(span: tuple[int, int, float], objects: list[tuple[int, int, float]]) -> bool:
    """The subject ``span`` lies within one of the object words found."""
    return any(o_start <= span[0] and span[1] <= o_end for o_start, o_end, _ in objects)


def _frames(data: dict[str, Any]) -> list[Frame]:
    return [
        Frame(
            name=f["name"],
            emergency=f.get("emergency", ""),
            subjects=tuple(f.get("subjects", ())),
            states=tuple(f["states"]),
            needs_now=f.get("needs") == "now",
            needs_alone=f.get("needs") == "alone",
            window=int(f.get("window", _DEFAULT_WINDOW)),
        )
        for f in data.get("frames", [])
    ]


def _merge(merged: dict[str, Any], data: dict[str, Any]) -> None:
    """Word lists are extended, frames replaced by name, emergencies by kind."""
    for key in _WORD_KEYS:
        words = merged.setdefault(key, {}).setdefault("words", [])
        words += [w for w in data.get(key, {}).get("words", []) if w not in words]
    for section in ("subjects", "notreport"):
        for group, words in data.get(section, {}).items():
            have = merged.setdefault(section, {}).setdefault(group, [])
            have += [w for w in words if w not in have]
    frames = {f["name"]: f for f in merged.get("frames", [])}
    frames.update({f["name"]: f for f in data.get("frames", [])})
    merged["frames"] = list(frames.values())
    merged.setdefault("emergencies", {}).update(data.get("emergencies", {}))


def _read(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The TOML data of one frames file and the problems found in it."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}, [f"{path}: file not found — check the frames path in the config"]
    except OSError as exc:
        return {}, [f"{path}: cannot read ({exc.strerror}) — check the file permissions"]
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"{path}: not valid TOML ({exc}) — fix the syntax at that line"]
    return data, _check(path, data)


def _check(path: Path, data: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    for key in data:
        if key not in _TOP_KEYS:
            errors.append(f"{path}: {key}: unknown key — use one of {', '.join(_TOP_KEYS)}")
    groups = set(data.get("subjects", {})) | _shipped_groups(path)
    for i, frame in enumerate(data.get("frames", [])):
        where = f"{path}: frames[{i}]"
        if not isinstance(frame, dict) or not isinstance(frame.get("name"), str):
            errors.append(f'{where}: needs name = "…" — write [[frames]] then name = "…"')
            continue
        where = f"{path}: frames.{frame['name']}"
        for key in frame:
            if key not in _FRAME_KEYS:
                errors.append(f"{where}.{key}: unknown key — use one of {', '.join(_FRAME_KEYS)}")
        states = frame.get("states")
        if (
            not isinstance(states, list)
            or not states
            or not all(isinstance(s, str) and s.strip() for s in states)
        ):
            errors.append(f'{where}.states: must be a list of words — write states = ["词"]')
        for group in frame.get("subjects", []):
            if group not in groups:
                errors.append(f"{where}.subjects: unknown group {group!r} — add it to [subjects]")
        if frame.get("needs") not in (None, "now", "alone"):
            errors.append(f'{where}.needs: write needs = "now" or needs = "alone"')
    for kind, table in data.get("emergencies", {}).items():
        if not isinstance(table, dict) or not {"number", "advice"} <= set(table):
            errors.append(f"{path}: emergencies.{kind}: needs number and advice")
    return errors


def _shipped_groups(path: Path) -> set[str]:
    """Subject groups of the shipped file, which an extension file may use (read once a file)."""
    if path == SHIPPED_FRAMES:
        return set()
    with SHIPPED_FRAMES.open("rb") as fh:
        return set(tomllib.load(fh).get("subjects", {}))
