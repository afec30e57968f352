"""Personal data in replies: phone numbers masked.

The emergency numbers and safety lines live with the hazard frames
(``handlers/understanding/data/frames.toml``): every way of describing a danger brings its own.
"""

from __future__ import annotations

import re

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)|(?<!\d)(0\d{2,3}-?)\d{4}(\d{3,4})(?!\d)")


def mask_phones(text: str) -> str:
    """Hide the middle digits of mobile and landline numbers: 138****5678."""

    def hide(m: re.Match[str]) -> str:
        if m[1]:
            return f"{m[1]}****{m[2]}"
        return f"{m[3]}****{m[4]}"

    return _PHONE.sub(hide, text)
