"""``liufang learn``: the deployment's corrections join the shipped data; figures before/after."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.assembly import open_database
from bot.cli import main
from bot.config import load_settings
from handlers.understanding.model import LinearModel
from storage.corrections import labelled_examples
from storage.models import LabelledExample
from tests.support.harness import EXAMPLE_CONFIG

CORRECTED = "西区光伏板松了一块"


def deployment(tmp_path: Path) -> Path:
    """The demo config with its database and model file in ``tmp_path``."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('model_file = "data/model.npz"', f'model_file = "{tmp_path}/model.npz"')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_learn_uses_the_corrections_and_writes_the_deployment_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Corrections are read per community, figures printed, the model written where configured."""
    config = deployment(tmp_path)
    monkeypatch.setenv("LIUFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    settings = load_settings(config)
    db = open_database(settings)
    with db.session() as s:
        for community in ("maotang", "guihua"):
            s.add(
                LabelledExample(
                    community_code=community,
                    text=f"{CORRECTED}（{community}）",
                    klass="small",
                    category="utilities",
                    was_klass="none",
                    was_category="none",
                    actor_id="u1",
                    at=datetime(2026, 12, 1, tzinfo=UTC),
                )
            )
        s.commit()
        assert len(labelled_examples(s, "maotang")) == 1 and len(labelled_examples(s)) == 2
    db.dispose()
    status = main(["learn", "--config", str(config), "--community", "maotang", "--folds", "2"])
    assert status == 0
    out = capsys.readouterr().out
    assert "+ 1 corrections" in out and "model after" in out and "on the 1 corrections" in out
    model = LinearModel.load(tmp_path / "model.npz")
    assert model.info["folds"] == 2
    json.dumps(model.info)


def test_learn_needs_a_target(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --config or --out nothing is overwritten; the message says what to give."""
    assert main(["learn"]) == 1
    assert "--config" in capsys.readouterr().err
    assert main(["learn", "--out", "x.npz", "--folds", "1"]) == 1
