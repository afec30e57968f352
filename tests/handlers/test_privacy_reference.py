"""The fast masking gives exactly what the plain loop gave, on generated, table and real text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.privacy import RULES_FILE, mask, policy
from tests.handlers import privacy_reference
from tests.handlers.test_privacy import CASES
from tests.support.fuzz import CHAT_TEXT, HOSTILE_TEXT

# Pieces that each rule looks for (keywords, number shapes, separators, units) and the
# characters normalising touches (full-width, invisible), mixed with plain chat and emoji.
PIECES = st.sampled_from(
    [
        "电话", "座机", "手机", "联系方式", "打", "拨", "致电", "身份证", "身份证号码", "证件号",
        "微信号", "威信", "薇信", "v信", "VX", "wx", "WeChat", "wechat", "wxid_", "qq", "QQ号码",
        "扣扣", "@", ".", "com", "abc_de", "X", "x", "栋", "幢", "座", "号楼", "楼", "单元", "门",
        "层", "室", "号房", "房间", "房", "户", "元", "年", "月", "号线", "%", "平", "米", "业主",
        "住户", "联系人", "王小明", "欧阳娜娜", "李", "阿姨", "先生", "师傅", "张贴", "说", "某",
        "138", "0013", "8000", "13800138000", "110101", "19900307", "123X", "6222", "0212",
        "010", "0571", "62345678", "12345", "86", "+86", "0086", "(", ")", "-", " ", "#", ":",
        "：", "是", "*", "１３８", "０", "＋", "－", "（", "）", "\u200b", "\u202e", "\ufeff",
        "٣٤٥", "😀", "，", "。", "\n",
    ]
)  # fmt: skip
DIGIT_RUN = st.text(st.sampled_from("0123456789"), min_size=1, max_size=19)
CHARS = st.text(
    st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
        st.sampled_from("0123456789０１２３４５６７８９٠١٢ -#:：*xX@._栋单元室号楼"),
    ),
    max_size=4,
)
RULE_TEXT = st.lists(st.one_of(PIECES, DIGIT_RUN, CHARS), max_size=25).map("".join)
ANY_TEXT = st.one_of(RULE_TEXT, CHAT_TEXT, HOSTILE_TEXT)
NAMES = st.lists(
    st.sampled_from(
        [
            "王小明",
            "王小",
            "李四",
            "欧阳娜娜",
            "张",
            " 赵六 ",
            "",
            "刘阿姨",
            "报事人",
            "a.b*",
            "业主",
        ]
    ),
    max_size=3,
)


def _shared_texts() -> list[str]:
    """Message texts of the shared sample beside the repository and of the test data."""
    here = Path(__file__).resolve()
    paths = [*(here.parents[3] / "shared" / "data").glob("*.jsonl")]
    paths += (here.parent / "data").glob("*.jsonl")
    return [json.loads(line)["text"] for p in paths for line in p.read_text("utf-8").splitlines()]


@settings(max_examples=2000)
@given(ANY_TEXT, NAMES, NAMES)
def test_generated_text_is_masked_as_before(
    text: str, reporter: list[str], members: list[str]
) -> None:
    expected = privacy_reference.mask(text, reporter=reporter, members=members)
    assert mask(text, reporter=reporter, members=members) == expected


@settings(max_examples=1000)
@given(RULE_TEXT)
def test_every_match_of_a_rule_holds_what_it_needs(text: str) -> None:
    for rule in policy().rules:
        if rule.needs is not None:
            for m in rule.pattern.finditer(text):
                assert rule.needs.search(m[0]), (rule.name, m[0])


@pytest.mark.parametrize(("text", "_"), CASES)
def test_table_cases_are_masked_as_before(text: str, _: str) -> None:
    assert mask(text, reporter=("王小明",)) == privacy_reference.mask(text, reporter=("王小明",))


def test_real_messages_are_masked_as_before() -> None:
    texts = _shared_texts()
    assert len(texts) >= 600  # the repository's own data is always there
    for text in texts:
        for doubled in (text, text + text):  # longer text, where fast paths could differ
            assert mask(doubled) == privacy_reference.mask(doubled), doubled


def test_a_rule_without_needs_always_runs(tmp_path: Path) -> None:
    rules = tmp_path / "privacy.toml"
    live = policy().rules
    text = RULES_FILE.read_text("utf-8")
    # The same rules, plus one without `needs` that a gate on the others' needs would skip.
    rules.write_text(
        text.replace(
            "[lists]", "[[rule]]\nname = \"pet\"\npattern = '旺财'\nreplace = '某狗'\n\n[lists]"
        ),
        encoding="utf-8",
    )
    pol = policy(rules)
    assert pol.any_needs is None and len(pol.rules) == len(live) + 1
    assert mask("旺财走丢了", pol=pol) == "某狗走丢了"
    assert mask("旺财走丢了，电话13800138000", pol=pol) == "某狗走丢了，电话138****8000"
