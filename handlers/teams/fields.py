"""The five fields of the 五彩先锋服务队 and the matters each one takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class TeamField:
    """A field of service: its colour, the team's name and brand, and what it takes."""

    code: str
    colour: str
    name: str
    brand: str
    categories: tuple[str, ...]  # ticket categories it takes without a word of its own
    words: tuple[str, ...]  # words in a report that call for it


FIELDS: Final = {
    f.code: f
    for f in (
        TeamField(
            "education",
            "红",
            "红色教育服务队",
            "理论宣讲「微课堂」",
            (),
            ("宣讲", "微课堂", "党课", "讲座", "政策解读", "讲讲政策"),
        ),
        TeamField(
            "culture",
            "橙",
            "文化引领服务队",
            "传统活动「庆佳节」",
            (),
            ("庆佳节", "过节", "联欢", "包饺子", "写春联", "文艺", "重阳", "中秋活动"),
        ),
        TeamField(
            "relief",
            "黄",
            "民生救助服务队",
            "扶危济困「邻里帮」",
            ("welfare",),
            (
                "独居",
                "孤寡",
                "空巢",
                "买菜",
                "送餐",
                "送药",
                "陪诊",
                "行动不便",
                "腿脚不便",
                "邻里帮",
                "生活困难",
                "没人照顾",
                "残疾",
            ),
        ),
        TeamField(
            "affairs",
            "蓝",
            "政务办理服务队",
            "政务服务「一站通」",
            (),
            (
                "老年卡",
                "医保",
                "社保",
                "开证明",
                "证明",
                "代办",
                "办证",
                "填表",
                "居住证",
                "低保",
                "补贴申请",
                "养老金",
                "认证",
            ),
        ),
        TeamField(
            "safety",
            "绿",
            "平安建设服务队",
            "治安巡逻「义务员」",
            (),
            ("巡逻", "太黑", "不安全", "陌生人", "可疑", "小偷", "盯着点", "看着点", "守一守"),
        ),
    )
}
FIELD_WORDS: Final = {f.name.removesuffix("服务队"): f.code for f in FIELDS.values()}
