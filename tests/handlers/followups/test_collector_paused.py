"""The sweep's batches run with the cyclic garbage collector paused, and leave it as found."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from handlers.followups.engine import _collector_paused


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_paused_inside_and_enabled_again_after_even_on_error() -> None:
    gc.enable()
    with _collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), _collector_paused():
        raise RuntimeError("a handler failed")
    assert gc.isenabled()


def test_a_pause_already_in_force_is_left_to_whoever_made_it() -> None:
    gc.disable()
    with _collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
