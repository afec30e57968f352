"""Text that every serializer can carry: only the characters XML 1.0 allows.

XML 1.0 allows tab, line feed, carriage return, U+0020–U+D7FF, U+E000–U+FFFD and
U+10000–U+10FFFF. Anything else (C0 controls, lone surrogates, U+FFFE/U+FFFF) makes a feed
not well-formed for every client, and a lone surrogate cannot even be encoded as UTF-8 JSON;
so published text loses those characters, once, where it is serialized.
"""

from __future__ import annotations

import re
from typing import Any

# One character XML 1.0 does not allow.
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 does not allow."""
    return NOT_XML.sub("", text)


def xml_safe_data(data: Any) -> Any:
    """``data`` (lists, dicts, strings, numbers) with every string made :func:`xml_safe`."""
    if isinstance(data, str):
        return xml_safe(data)
    if isinstance(data, list | tuple):
        return [xml_safe_data(v) for v in data]
    if isinstance(data, dict):
        return {xml_safe(str(k)): xml_safe_data(v) for k, v in data.items()}
    return data
