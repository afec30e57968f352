"""Emergency rules as a group hears them: the number to call and what to do, in the receipt."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.understanding.frames import Emergency
from handlers.understanding.types import Classification
from tests.support.harness import TestBot, shared_nlp

G1 = "[毛塘路1网格]"
SIX = "[毛塘路社区六方议事群]"


@pytest.mark.parametrize(
    ("who", "text", "line"),
    [
        (
            "刘阿姨",
            "3栋5楼着火了，冒黑烟",
            "请立即拨打 119。不要坐电梯，用湿毛巾捂住口鼻，弯腰从楼梯撤离。",
        ),
        (
            "孙大爷",
            "6栋有个老人摔倒在地上起不来了",
            "请立即拨打 120。不要随意搬动伤者，保持呼吸通畅，等医生来。",
        ),
        (
            "刘阿姨",
            "5栋的王奶奶走丢了，到现在还没回来",
            "请立即拨打 110。准备好照片和衣着特征，请大家帮忙留意。",
        ),
        (
            "孙大爷",
            "3栋门口两个人打起来了，有人动刀",
            "请立即拨打 110。远离现场，不要上前劝阻，注意自身安全。",
        ),
        (  # a leak said as a verb, dictated with a space between every word
            "孙大爷",
            "喂 那个 我家 煤气 好像 漏了 我 一个人 在家 腿脚 不方便 3栋 快 来人",
            "请立即拨打 119。不要开关电器、不要点火，开窗通风，人先到室外。",
        ),
    ],
    ids=["fire-119", "fallen-120", "missing-110", "violence-110", "dictated-gas-119"],
)
async def test_an_emergency_in_a_group_gets_its_number_and_advice(
    bot: TestBot, who: str, text: str, line: str
) -> None:
    receipt, alert = await bot.say(f"{G1} {who}: {text}")
    lines = receipt.splitlines()
    assert lines[0].startswith(f"{G1} @{who} ") and "已登记 T1（急事·现场议）" in lines[0]
    [told] = [i for i, text in enumerate(lines) if text.startswith("已通知")]
    assert lines[told].endswith("马上到场。")
    assert lines[told + 1] == line  # the emergency's own line, right after who was called
    assert sum("请立即拨打" in text for text in lines) == 1
    # The card in the six-party group asks for 到场 and carries the same line.
    assert alert.startswith(f"{SIX} @李网格长 ") and "到场 T1" in alert
    assert line in alert.splitlines()


async def test_a_small_report_gets_no_emergency_line(bot: TestBot) -> None:
    receipt, _card = await bot.say(f"{G1} 刘阿姨: 3栋2单元门口的路灯坏了")
    assert "请立即拨打" not in receipt


class _Counting:
    """The shared understanding, counting the texts its emergency look-up reads."""

    def __init__(self) -> None:
        self.nlp = shared_nlp()
        self.emergencies: list[str] = []

    def classify(self, text: str) -> Classification:
        return self.nlp.classify(text)

    def tokenize(self, text: str) -> list[str]:
        return self.nlp.tokenize(text)

    def emergency(self, text: str) -> Emergency | None:
        self.emergencies.append(text)
        return self.nlp.emergency(text)


async def test_the_receipt_and_the_card_share_one_emergency_look_up(tmp_path: Path) -> None:
    counting = _Counting()
    bot = TestBot.from_example(tmp_path, nlp=counting)
    try:
        receipt, alert = await bot.say(f"{G1} 刘阿姨: 3栋5楼着火了，冒黑烟")
    finally:
        bot.close()
    line = "请立即拨打 119。不要坐电梯，用湿毛巾捂住口鼻，弯腰从楼梯撤离。"
    assert line in receipt.splitlines() and line in alert.splitlines()
    assert counting.emergencies == ["3栋5楼着火了，冒黑烟"]
