"""A request's JSON written from its fields is byte for byte what the general encoder writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.web.open311_format import REQUEST_FIELDS, request_fields, request_values, w3c
from bot.web.open311_json import dumps, request_json, values_json
from bot.web.textsafe import xml_safe_data
from tests.support.db import SHANGHAI, T0

TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["路灯坏了", "", 'a"b', "back\\slash", "ctl\x01", "\ud800", "\ufffe", "\n"]),
)
VALUE = st.one_of(
    TEXT,
    st.none(),
    st.integers(),
    st.booleans(),
    st.floats(),
    st.lists(st.integers(), max_size=2),
)
USUAL = {
    "service_request_id": st.one_of(st.integers(min_value=1), VALUE),
    "lat": st.one_of(st.floats(), st.none()),
    "long": st.one_of(st.floats(), st.none()),
    "address_id": st.one_of(st.none(), VALUE),
    "zipcode": st.none(),
    "media_url": st.none(),
}


def _general(data: dict[str, Any]) -> bytes:
    return json.dumps(xml_safe_data(data), ensure_ascii=False, separators=(",", ":")).encode()


@settings(max_examples=3000)
@given(st.fixed_dictionaries({name: USUAL.get(name, TEXT) for name in REQUEST_FIELDS}))
def test_a_request_is_written_as_the_encoder_writes_it(data: dict[str, Any]) -> None:
    try:
        expected = _general(data)
    except (UnicodeEncodeError, ValueError) as error:
        with pytest.raises(type(error)):
            request_json(data)
        return
    assert request_json(data) == expected == dumps(data)


@settings(max_examples=500)
@given(st.fixed_dictionaries({name: VALUE for name in REQUEST_FIELDS}))
def test_values_of_any_type_fall_back_to_the_encoder(data: dict[str, Any]) -> None:
    try:
        expected = _general(data)
    except (UnicodeEncodeError, ValueError):
        return
    assert request_json(data) == expected


def test_other_keys_or_another_order_are_encoded_as_they_are() -> None:
    data = {name: None for name in reversed(REQUEST_FIELDS)}
    assert request_json(data) == _general(data)
    assert request_json({"service_request_id": 1}) == b'{"service_request_id":1}'


def test_the_fields_are_request_fields_in_its_order() -> None:
    row = {
        "id": 7, "community_code": "c1", "grid": "1网格", "reporter_name": "王阿姨",
        "text": "路灯坏了", "category": "facility", "route": "online", "location": "5栋",
        "responsible": "committee", "state": "reported", "created_at": T0, "updated_at": T0,
        "due_at": None, "merged_into": None, "resolution": "", "lat": 30.5, "lon": None,
    }  # fmt: skip
    fields = request_fields(row, "幸福里社区", SHANGHAI)
    assert tuple(fields) == REQUEST_FIELDS
    assert tuple(fields.values()) == request_values(row, "幸福里社区", SHANGHAI)
    assert request_json(fields) == values_json(tuple(fields.values())) == _general(fields)


ZONES = [
    ZoneInfo("Asia/Shanghai"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Pacific/Chatham"),
    timezone(timedelta(hours=-3, minutes=-30, seconds=-7)),
    timezone(timedelta(microseconds=5)),
    UTC,
]


@settings(max_examples=2000)
@given(
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 30)),
    st.sampled_from(ZONES),
)
def test_w3c_is_isoformat_to_the_second(moment: datetime, tz: Any) -> None:
    aware = moment.replace(tzinfo=UTC)
    assert w3c(aware, tz) == aware.astimezone(tz).isoformat(timespec="seconds")
    assert w3c(None, tz) is None
