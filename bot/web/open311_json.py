"""One service request's JSON: the bytes ``json.dumps`` gives, written straight from its fields.

An answer by id renders most of its requests afresh, and the general encoder spent more on one
request's seventeen fields (each key encoded again, every value's type dispatched, the pieces
accumulated and joined) than on masking its text. The fields of a request are known: their
order, which are text, which are numbers. :func:`request_json` writes them into one template,
each text escaped by the encoder's own string function, and falls back to :func:`dumps` for
anything else (a value of an unexpected type, a character XML does not allow).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the encoder's escaping with ensure_ascii=False
from math import isfinite
from typing import Any

from bot.web.open311_format import REQUEST_FIELDS
from bot.web.textsafe import NOT_XML, xml_safe, xml_safe_data

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # json.dumps's, kept
_NESTED = (list, tuple, dict)
_NOT_IN_XML = ("\ufffe", "\uffff")  # the only ones JSON writes as they are, beside surrogates
_TEXT = frozenset((str,))
_TEXT_OR_NONE = frozenset((str, type(None)))


def dumps(data: dict[str, Any]) -> bytes:
    """Any flat object's JSON as ``json.dumps`` writes it (UTF-8, no spaces), its text made
    XML-safe (see :func:`bot.web.textsafe.xml_safe_data`)."""
    # A request is flat and its keys are the spec's names: when its strings together lose
    # nothing, neither would each one, so the one check stands for seventeen (the usual case).
    texts: list[str] = []
    flat = True
    for value in data.values():  # one pass, not a generator each for the texts and the check
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, _NESTED):
            flat = False
            break
    joined = "".join(texts)
    if not flat or len(xml_safe(joined)) != len(joined):
        data = xml_safe_data(data)
    return _ENCODER.encode(data).encode()


def _number(value: Any) -> str | None:
    """A lat or long as the encoder writes it; None for a value it writes otherwise."""
    if value is None:
        return "null"
    if type(value) is float and isfinite(value):
        return float.__repr__(value)
    return None


def request_json(data: dict[str, Any]) -> bytes:
    """The request ``data`` (:func:`bot.web.open311_format.request_fields`) as :func:`dumps`
    writes it."""
    if tuple(data) != REQUEST_FIELDS:
        return dumps(data)
    return values_json(tuple(data.values()))


def values_json(values: tuple[Any, ...]) -> bytes:
    """The request of these values (:func:`bot.web.open311_format.request_values`, in the
    order of ``REQUEST_FIELDS``) as :func:`dumps` writes it."""
    body = _templated(values)
    return dumps(dict(zip(REQUEST_FIELDS, values, strict=True))) if body is None else body


def _templated(values: tuple[Any, ...]) -> bytes | None:
    """:func:`values_json`'s bytes from the template, or None when only :func:`dumps` can
    write them (a value of another type, or text XML does not allow)."""
    (
        ident,
        status,
        notes,
        name,
        code,
        description,
        agency,
        notice,
        created,
        updated,
        due,
        address,
        address_id,
        zipcode,
        lat_value,
        long_value,
        media_url,
    ) = values
    texts = (status, notes, name, code, description, agency, notice, address)
    dates = (created, updated, due)
    lat, long = _number(lat_value), _number(long_value)
    if (
        type(ident) is not int
        or set(map(type, texts)) != _TEXT
        or not _TEXT_OR_NONE.issuperset(map(type, dates))
        or lat is None
        or long is None
        or address_id is not None
        or zipcode is not None
        or media_url is not None
    ):
        return None
    status, notes, name, code, description, agency, notice, address = map(encode_basestring, texts)
    body = (
        f'{{"service_request_id":{int.__repr__(ident)},"status":{status},'
        f'"status_notes":{notes},"service_name":{name},"service_code":{code},'
        f'"description":{description},"agency_responsible":{agency},"service_notice":{notice},'
        f'"requested_datetime":{"null" if created is None else encode_basestring(created)},'
        f'"updated_datetime":{"null" if updated is None else encode_basestring(updated)},'
        f'"expected_datetime":{"null" if due is None else encode_basestring(due)},'
        f'"address":{address},"address_id":null,"zipcode":null,'
        f'"lat":{lat},"long":{long},"media_url":null}}'
    )
    # What XML does not allow: a C0 control JSON escapes (so a backslash is there), U+FFFE or
    # U+FFFF, or a lone surrogate (UTF-8 refuses it). Most bodies have none of them.
    if "\\" in body:
        raw = "".join(value for value in values if type(value) is str)
        if NOT_XML.search(raw) is not None:
            return None
    if _NOT_IN_XML[0] in body or _NOT_IN_XML[1] in body:
        return None
    try:
        return body.encode()
    except UnicodeEncodeError:
        return None
