"""Hypothesis strategies shared by the fuzz suites: chat-like text and hostile text."""

from __future__ import annotations

from hypothesis import strategies as st

# What people type: CJK, digits, the words of reports and commands, Chinese punctuation.
CHAT_PIECES = st.sampled_from(
    [
        "栋", "单元", "室", "楼", "电梯", "困人", "煤气味", "着火", "路灯", "坏了", "漏水",
        "业主", "住户", "阿姨", "王", "李小明", "电话", "微信", "QQ", "身份证", "T1", "T12",
        "#3", "认领", "办结", "进展", "查询", "评价", "满意", "到场", "改为", "急事", "难事",
        "报事", "帮助", "+86", "0086", "138", "0013", "8000", "12345", "96333", "-", " ",
        "：", "，", "。", "！", "？", "@社区小助手", "@王书记", "[捂脸]", "\n", "\t",
    ]
)  # fmt: skip
CHAT_CHAR = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
    st.characters(min_codepoint=0x30, max_codepoint=0x39),
    st.sampled_from(list("栋单元楼室号#-+ ，。：")),
)
# Anything a client could send: controls, bidi marks, non-characters, astral code points.
HOSTILE_CHAR = st.one_of(
    st.characters(blacklist_categories=("Cs",)),
    st.sampled_from(["\x00", "\x02", "\x1b", "\u202e", "\u2066", "\u2069", "\ufffe", "\uffff"]),
)
CHAT_TEXT = st.lists(st.one_of(CHAT_PIECES, st.text(CHAT_CHAR, max_size=4)), max_size=20).map(
    "".join
)
HOSTILE_TEXT = st.one_of(CHAT_TEXT, st.text(HOSTILE_CHAR, max_size=120))
