"""`liufang hash-password`: a hash for [[web.users]] that the log-in accepts, never a short one."""

from __future__ import annotations

import getpass
import io

import pytest

from bot.cli import main
from bot.web.passwords import verify_password


def _run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], typed: str
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))  # a pipe: read one line
    code = main(["hash-password"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_printed_hash_verifies_the_password_and_only_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(monkeypatch, capsys, "correct horse\n")
    assert code == 0 and err == ""
    [stored] = out.splitlines()
    assert verify_password("correct horse", stored)  # the newline is not part of it
    assert not verify_password("correct horse\n", stored)
    assert not verify_password("correct hors", stored)
    # A salt each time: the same password never gives the same line twice.
    _, again, _ = _run(monkeypatch, capsys, "correct horse\n")
    assert again.strip() != stored and verify_password("correct horse", again.strip())


def test_a_short_password_is_refused_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(monkeypatch, capsys, "1234567\n")
    assert code == 1 and out == ""
    assert err.strip() == "密码至少 8 位 / at least 8 characters"


def test_at_a_terminal_the_password_is_asked_without_echo(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    asked: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return "typed at the tty"

    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    assert main(["hash-password"]) == 0
    assert asked == ["密码 / password: "]
    assert verify_password("typed at the tty", capsys.readouterr().out.strip())
