"""The privacy policy's table: what is hidden, what stays, and that masking is idempotent."""

from __future__ import annotations

import pytest

from handlers.privacy import mask

# (text, masked): positive cases hide something, negative cases come back unchanged.
CASES: list[tuple[str, str]] = [
    # mobiles in every common form
    ("电话13800138000", "电话138****8000"),
    ("电话 138 0013 8000", "电话 138****8000"),
    ("138-0013-8000找我", "138****8000找我"),
    ("+86 138 0013 8000", "138****8000"),
    ("+8613800138000", "138****8000"),
    ("0086 13800138000", "138****8000"),
    ("(+86)13800138000", "138****8000"),
    ("手机:19912345678。", "手机:199****5678。"),
    ("１３８００１３８０００", "138****8000"),
    ("138\u200b0013\u200b8000", "138****8000"),
    # landlines with area code, and a bare one given as a phone
    ("座机010-62345678", "座机010-****5678"),
    ("0571-8888 6666", "0571-****6666"),
    ("(021) 6234 5678", "021-****5678"),
    ("0755 12345678", "0755 12345678"),  # no local number starts with 1: not a landline
    ("0755 22345678", "0755-****5678"),
    ("+86 10 6234 5678", "10-****5678"),
    ("电话62345678", "电话6234****"),
    ("联系方式：6234-5678", "联系方式：6234****"),
    # ID numbers, bank cards, long digit runs
    ("身份证110101199003071234", "身份证[身份证号]"),
    ("身份证号 11010119900307123X", "身份证号 [身份证号]"),
    ("证件11010119900307123x丢了", "证件[身份证号]丢了"),
    ("老证件110101900307123", "老证件[身份证号]"),
    ("身份证号：110101********1234", "身份证号：[身份证号]"),
    ("卡号6222021234567890123", "卡号[银行卡号]"),
    ("卡号 6222 0212 3456 7890", "卡号 [银行卡号]"),
    ("账号12345678901234567890", "账号[长号码]"),
    # e-mail, WeChat and QQ
    ("邮箱liu.ayi@example.com", "邮箱[邮箱]"),
    ("微信liu_ayi_88", "微信[已隐藏]"),
    ("加我微信号：Wang-Xiao_1990", "加我微信号：[已隐藏]"),
    ("vx: zhangsan123", "vx: [已隐藏]"),
    ("wxid_abc12345def 发的", "[已隐藏] 发的"),
    ("QQ 12345678", "QQ [已隐藏]"),
    ("扣扣号是876543210", "扣扣号是[已隐藏]"),
    # flat numbers in every common form; the building stays
    ("12栋1单元302漏水", "12栋1单元**漏水"),
    ("12幢302室", "12幢**室"),
    ("12号楼1单元302", "12号楼1单元**"),
    ("12-1-302楼上漏水", "12-1-**楼上漏水"),
    ("9-2-601", "9-2-**"),
    ("12#1-302", "12#1-**"),
    ("302室的住户", "**室的住户"),
    ("1502号房", "**号房"),
    ("3楼302门口", "3楼**门口"),
    ("2单元1101", "2单元**"),
    ("5栋 2单元 1203 室", "5栋 2单元 ** 室"),
    # names introduced by role words or before an honorific
    ("业主王小明反映", "业主王某反映"),
    ("住户张三说", "住户张某说"),
    ("联系人：欧阳明", "联系人：欧阳某"),
    ("租客李四家漏水", "租客李某家漏水"),
    ("王秀英阿姨摔倒了", "王阿姨摔倒了"),
    ("找刘建国师傅修", "找刘师傅修"),
    ("陈晓东先生", "陈先生"),
    # known names: the reporter and the directory's members
    # (checked separately below with their names)
    # kept as typed: hotlines, buildings alone, dates, times, money, counts
    ("打12345投诉", "打12345投诉"),
    ("电梯困人打96333", "电梯困人打96333"),
    ("报警110，火警119，急救120", "报警110，火警119，急救120"),
    ("12栋电梯坏了", "12栋电梯坏了"),
    ("3单元5楼楼道灯不亮", "3单元5楼楼道灯不亮"),
    ("2026-11-26 09:30", "2026-11-26 09:30"),
    ("2026年11月26日", "2026年11月26日"),
    ("维修费1200元", "维修费1200元"),
    ("5楼1200元", "5楼1200元"),
    ("12栋2026年修过", "12栋2026年修过"),
    ("王阿姨家的猫", "王阿姨家的猫"),
    ("业主张贴了通知", "业主张贴了通知"),
    ("业主大会投票", "业主大会投票"),
    ("住户反映噪音", "住户反映噪音"),
    ("302路公交", "302路公交"),
    ("门牌号50号", "门牌号50号"),
    ("2号线地铁", "2号线地铁"),
    ("面积120平米", "面积120平米"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "masked"), CASES)
def test_the_table(text: str, masked: str) -> None:
    assert mask(text) == masked
    assert mask(masked) == masked  # idempotent: masking masked text changes nothing


def test_the_table_is_large_and_has_both_kinds() -> None:
    positives = [c for c in CASES if c[0] != c[1]]
    negatives = [c for c in CASES if c[0] == c[1]]
    assert len(CASES) >= 60
    assert len(positives) >= 40 and len(negatives) >= 15


def test_known_names_the_reporter_becomes_bao_shi_ren_members_are_hidden() -> None:
    text = "绿叶说刘阿姨家和网格长李梅都停水了，找李"
    shown = mask(text, reporter=["绿叶"], members=["网格长李梅", "刘阿姨", "李"])
    assert shown == "报事人说[姓名]家和[姓名]都停水了，找李"  # one-character names stay


def test_everything_at_once() -> None:
    assert mask("业主王小明 13800138000 12栋302室") == "业主王某 138****8000 12栋**室"
