"""The install sets: ``pip install .`` is the runtime alone; ``make run`` never adds the tools."""

from __future__ import annotations

import re
import tomllib

from tests.support.harness import REPO

TOOLS = (
    "pytest",
    "pytest-asyncio",
    "pytest-cov",
    "ruff",
    "mypy",
    "playwright",
    "hypothesis",
    "aiosmtpd",
)
TRAINING = ("scikit-learn", "scipy")  # `liufang learn` only: ~200 MB the bot never imports


def _name(requirement: str) -> str:
    return re.split(r"[<>=!\[; ]", requirement, maxsplit=1)[0].lower()


def test_runtime_dependencies_have_no_test_or_lint_tools() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    assert not runtime & set(TOOLS)
    assert not runtime & set(TRAINING)
    assert "prometheus-client" in runtime  # /metrics is part of running the bot
    extras = project["optional-dependencies"]
    assert {_name(r) for r in extras["test"]} >= {"pytest", "playwright", "aiosmtpd"}
    assert {_name(r) for r in extras["lint"]} == {"ruff", "mypy"}
    assert {_name(r) for r in extras["learn"]} == {"scikit-learn"}
    assert "scikit-learn" in {_name(r) for r in extras["test"]}  # the learn tests need it


def _targets() -> dict[str, tuple[list[str], list[str]]]:
    """Makefile target -> (prerequisites, recipe lines)."""
    targets: dict[str, tuple[list[str], list[str]]] = {}
    current = None
    for line in (REPO / "Makefile").read_text(encoding="utf-8").splitlines():
        if line.startswith("\t") and current:
            targets[current][1].append(line.strip())
        elif m := re.match(r"^([\w$().\-/]+):(?!=)\s*(.*)$", line):
            current = m[1]
            targets[current] = (m[2].replace("|", " ").split(), [])
        else:
            current = None if not line.startswith("\t") else current
    return targets


def test_make_run_installs_the_runtime_set_and_make_test_adds_the_tools() -> None:
    targets = _targets()
    assert targets["run"][0] == ["$(RUNTIME)"]
    assert targets["chat"][0] == ["$(RUNTIME)"]
    runtime_recipe = " ".join(targets["$(RUNTIME)"][1])
    assert "install" in runtime_recipe and "-e ." in runtime_recipe and "[" not in runtime_recipe
    assert targets["test"][0] == ["$(DEV)"] and targets["lint"][0] == ["$(DEV)"]
    assert "'.[test,lint]'" in " ".join(targets["$(DEV)"][1])
    assert targets["model"][0] == ["$(LEARN)"]


def test_the_ci_script_runs_lint_and_tests_through_make() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make lint" in ci and "make test" in ci
