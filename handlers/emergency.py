"""Life-threatening urgent reports: which emergency number to call and one line of advice."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Emergency:
    """What to do first: the number to call and a line of safety advice."""

    kind: str
    number: str
    advice: str

    def line(self) -> str:
        """The short text added to the first urgent reply."""
        return f"请立即拨打 {self.number}。{self.advice}"


# Checked in order: a fire with people trapped is a fire first.
_RULES: tuple[tuple[re.Pattern[str], Emergency], ...] = (
    (
        re.compile(r"(煤气|燃气|天然气|液化气).{0,6}(味|泄漏|泄露|漏气|漏了)|漏气"),
        Emergency("gas", "119", "不要开关电器、不要点火，开窗通风，人先到室外。"),
    ),
    (
        re.compile(r"着火|起火|失火|火灾|烧起来|冒烟|浓烟|火苗|火花|明火"),
        Emergency("fire", "119", "不要坐电梯，用湿毛巾捂住口鼻，弯腰从楼梯撤离。"),
    ),
    (
        re.compile(r"(电梯).{0,12}(困|关在|卡住|卡在|出不来|打不开)|被困|困在|困了"),
        Emergency("trapped", "96333（电梯应急）或 119", "被困的人不要扒门，按警铃，等待救援。"),
    ),
    (
        re.compile(r"摔倒|跌倒|晕倒|昏迷|不省人事|流血|受伤|喘不上气|没开门|没有动静|敲门没人应"),
        Emergency("fallen", "120", "不要随意搬动伤者，保持呼吸通畅，等医生来。"),
    ),
    (
        re.compile(r"走失|失踪|没回来|没回家|找不到人|不见了|联系不上"),
        Emergency("missing", "110", "准备好照片和衣着特征，请大家帮忙留意。"),
    ),
    (
        re.compile(r"打架|斗殴|持刀|拿着刀|拿刀|砍人|砸东西|家暴|抢劫|打人|行凶"),
        Emergency("violence", "110", "远离现场，不要上前劝阻，注意自身安全。"),
    ),
)


def emergency_for(text: str) -> Emergency | None:
    """The emergency that an urgent report describes, when it threatens life."""
    for pattern, emergency in _RULES:
        if pattern.search(text):
            return emergency
    return None


_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)|(?<!\d)(0\d{2,3}-?)\d{4}(\d{3,4})(?!\d)")


def mask_phones(text: str) -> str:
    """Hide the middle digits of mobile and landline numbers: 138****5678."""

    def hide(m: re.Match[str]) -> str:
        if m[1]:
            return f"{m[1]}****{m[2]}"
        return f"{m[3]}****{m[4]}"

    return _PHONE.sub(hide, text)
