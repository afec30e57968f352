"""Decisions and their reasons: urgency judged by content, negation, resolution, routing."""

from __future__ import annotations

import pytest

from handlers.understanding import Classification, Understanding
from handlers.vocabulary import CATEGORIES, ROUTE_BY_CLASS, SIX_PARTIES


@pytest.fixture(scope="module")
def nlp() -> Understanding:
    """One loaded understanding for the module."""
    return Understanding.load()


def test_gas_smell_is_urgent_with_reasons(nlp: Understanding) -> None:
    """A present danger: urgent, on site, safety, with the cue that decided it."""
    got = nlp.classify("紧急！4栋3单元楼道里一股很浓的煤气味，大家快来看看")
    assert (got.klass, got.category, got.route) == ("urgent", "safety", "onsite")
    assert "急:煤气味" in got.cues and "类:煤气味" in got.cues
    assert got.location.label() == "4栋3单元楼道"
    assert got.responsible == "property"  # on site first: closes the valve, calls the gas company


def test_urgent_words_on_a_trivial_matter(nlp: Understanding) -> None:
    """紧急 and !!! do not make a broken bike-shed lamp urgent; the reason says so."""
    got = nlp.classify("紧急！！！自行车棚的灯不亮了")
    assert (got.klass, got.category, got.route) == ("small", "facility", "online")
    assert any(c.startswith("降:") for c in got.cues)


@pytest.mark.parametrize(
    "text",
    [
        "刚才闻了一下，不是煤气味，是邻居家在炖肉",
        "没有着火，是楼下在烧烤冒的烟，大家放心",
        "已经修好了，谢谢物业师傅",
        "电梯困人的事已经处理好了，人都出来了，谢谢",
        "收到，谢谢社区的通知",
        "通知：明天上午9点到11点停水检修，请大家提前储水",
        "大家早上好！",
        "请问社区几点下班",
    ],
)
def test_not_reports(nlp: Understanding, text: str) -> None:
    """Denied dangers, fixed problems, thanks, notices, greetings and questions open nothing."""
    got = nlp.classify(text)
    assert (got.klass, got.category, got.route, got.responsible) == ("none", "none", None, None)
    assert not got.is_report


def test_negation_is_shown(nlp: Understanding) -> None:
    """A denied danger is listed as the reason it is not urgent."""
    got = nlp.classify("不是煤气味，是炖肉的味道")
    assert "否:不是煤气味" in got.cues


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("顶楼违章加盖了一层，投诉多次城管来了也没拆", "难:投诉多次"),
        ("小区门口的KTV每天开到凌晨，投诉了一年多还是老样子", "难:投诉了一年"),
        ("电梯老是坏，物业说要用维修基金大修，需要业主投票", "难:维修基金"),
        ("这片老小区水管老化，能不能整体改造", "难:整体改造"),
        ("小区空地建车位还是做花园，想开会表决", "难:表决"),
    ],
)
def test_difficult(nlp: Understanding, text: str, cue: str) -> None:
    """Money, votes, several parties and recurrence go to the deliberation hall."""
    got = nlp.classify(text)
    assert (got.klass, got.route) == ("difficult", "hall")
    assert cue in got.cues


def test_small_with_category_and_party(nlp: Understanding) -> None:
    """An ordinary fault: small, online, with its category and the party to fix it."""
    got = nlp.classify("7栋电梯按钮有几个不灵了，按了没反应")
    assert (got.klass, got.category, got.route, got.responsible) == (
        "small",
        "elevator",
        "online",
        "property",
    )
    assert "类:电梯" in got.cues


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("旁边工地天天夜里施工，吵得睡不着", "department"),
        ("楼上装修电钻声中午都不停", "property"),
        ("楼下有人在打架，拿着刀", "department"),
        ("独居的陈阿姨腿脚不方便，想请志愿者帮忙买菜", "committee"),
    ],
)
def test_responsible_depends_on_cue(nlp: Understanding, text: str, role: str) -> None:
    """Noise from a building site is for a department, from renovation for the property."""
    assert nlp.classify(text).responsible == role


def test_results_use_the_vocabulary(nlp: Understanding) -> None:
    """Every field holds a code of the design card."""
    for text in ("楼道灯坏了", "着火了快来人", "要不要换物业大家投票", "哈哈", "快递柜满了"):
        got: Classification = nlp.classify(text)
        assert got.category in CATEGORIES
        assert got.route == ROUTE_BY_CLASS[got.klass]
        assert got.responsible is None or got.responsible in SIX_PARTIES
        assert all(":" in c for c in got.cues)


def test_deterministic(nlp: Understanding) -> None:
    """The same text always gives the same answer, reasons included."""
    text = "10栋电梯卡在5楼和6楼中间，里面困了一个老人，打物业电话没人接"
    assert len({nlp.classify(text) for _ in range(5)}) == 1


def test_hotline_digits_inside_a_phone_number_are_not_the_hotline() -> None:
    nlp = Understanding.load()
    assert nlp.classify("3栋路灯坏了，联系电话13812345678").klass == "small"
    assert nlp.classify("工地夜里施工，打了很多次12345，一直没解决").klass == "difficult"


@pytest.mark.parametrize(
    "text",
    [
        "着火了",
        "电梯困人了",
        "天然气漏了",
        "我家煤气漏了",
        "水管爆了",
        "有人晕倒了",
        "老人摔倒了起不来",
        "小孩掉水里了",
        "有人要跳楼",
        "配电箱冒烟了",
        "有人打架动刀了",
        "有小偷在撬门",
        "老人走丢了",
        "墙要倒了",
        "有人触电了",
        "地下室淹了",
        "一楼进水了",
        "烟雾报警器响了好多烟",
        "救命",
        "救救我",
        "孩子发高烧抽搐了",
        "狗咬人了",
    ],
)
def test_short_plain_emergencies_are_urgent(nlp: Understanding, text: str) -> None:
    """The shortest way of saying each kind of danger is not outvoted by the model."""
    assert nlp.classify(text).klass == "urgent"
