"""The turns people take without command words, said as they would say them."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Ticket
from tests.support.harness import TestBot

G1, G2, SIX = "[毛塘路1网格]", "[毛塘路2网格]", "[毛塘路社区六方议事群]"
GH1 = "[桂花巷1网格]"
LAMP = "3栋楼道的路灯坏了好几天了"


def _count(bot: TestBot) -> int:
    with bot.db.session() as s:
        return len(list(s.exec(select(Ticket))))


async def _resolved(bot: TestBot, reporter: str = "刘阿姨", text: str = LAMP) -> int:
    """A ticket reported by ``reporter`` and resolved by the property manager."""
    await bot.say(f"{G1} {reporter}: {text}")
    number = _count(bot)
    await bot.say(f"{SIX} 张经理: 办结 T{number} 已处理")
    return number


# -- status questions --------------------------------------------------------------------------


async def test_status_questions_in_natural_phrasing(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: {LAMP}")
    await bot.say(f"{SIX} 张经理: 认领 T1")
    for line in (
        f"{G1} 刘阿姨: T1怎么样了",
        f"{G1} 刘阿姨: @社区小助手 T1 修好了吗",
        f"{G1} 孙大爷: t1有人管吗？",
        f"{G1} 刘阿姨: #1 到哪一步了",
    ):
        bot.clock.advance(seconds=20)  # people type: four answers at once would be a flood
        [answer] = await bot.say(line)
        assert "T1 3栋楼道的路灯坏了" in answer and "张经理处理中" in answer, line
    [private] = await bot.say("[私聊] 刘阿姨: T1怎么样了")
    assert private.startswith("[私聊→刘阿姨] T1 3栋楼道的路灯坏了")


async def test_status_of_several_and_of_unknown_numbers(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: {LAMP}")
    [answer] = await bot.say(f"{G1} 刘阿姨: T1 T9 怎么样了")
    assert "T1 3栋楼道" in answer and "没有找到工单 T9" in answer


async def test_a_number_without_a_question_is_not_a_status_request(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: {LAMP}")
    assert await bot.say(f"{G1} 李网格长: T1 的师傅刚走，灯已经亮了，谢谢大家") == []


async def test_another_communitys_ticket_answers_as_if_it_did_not_exist(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: {LAMP}")
    [asked] = await bot.say(f"{GH1} 唐网格长: T1怎么样了")
    [queried] = await bot.say(f"{GH1} 唐网格长: 查询 T1")
    [missing] = await bot.say(f"{GH1} 唐网格长: 查询 T99")
    assert "没有找到工单 T1，" in asked and "没有找到工单 T1，" in queried
    assert queried.replace("T1", "T99") == missing  # nothing tells the two apart


# -- bare ratings ------------------------------------------------------------------------------


async def test_bare_rating_rates_the_one_ticket_waiting(bot: TestBot) -> None:
    number = await _resolved(bot)
    [thanks] = await bot.say(f"{G1} 刘阿姨: 基本满意")
    assert f"谢谢您的评价！T{number} 已结案。" in thanks
    t = bot.ticket(number)
    assert (t.state, t.rating) == ("closed", "mostly")
    # Nothing is waiting any more: 满意 is ordinary talk again.
    assert await bot.say(f"{G1} 刘阿姨: 满意") == []
    assert bot.ticket(number).rating == "mostly"


async def test_bare_unsatisfied_with_a_reason_reopens(bot: TestBot) -> None:
    number = await _resolved(bot)
    replies = await bot.say(f"{G1} 刘阿姨: 不满意，灯还是不亮")
    assert any(f"T{number} 已重新办理" in r for r in replies)
    assert any("灯还是不亮" in r for r in replies if r.startswith(SIX))
    assert bot.ticket(number).state == "reopened"


async def test_bare_rating_from_someone_else_changes_nothing(bot: TestBot) -> None:
    number = await _resolved(bot)
    assert await bot.say(f"{G1} 孙大爷: 满意") == []
    assert await bot.say(f"{G1} 刘阿姨: 满意度调查什么时候做") == []
    assert bot.ticket(number).state == "resolved"


async def test_bare_rating_with_two_waiting_asks_which(bot: TestBot) -> None:
    first = await _resolved(bot)
    second = await _resolved(bot, text="8栋门口的垃圾桶满了没人清")
    [asked] = await bot.say(f"{G1} 刘阿姨: 满意")
    assert f"您有 2 件事等您评价：T{first}、T{second}" in asked
    assert f"评价 T{first} 满意" in asked
    assert bot.ticket(first).state == bot.ticket(second).state == "resolved"


# -- 报事 in private ---------------------------------------------------------------------------


async def test_private_report_of_a_grid_leader_is_filed_in_their_grid(bot: TestBot) -> None:
    replies = await bot.say("[私聊] 李网格长: 报事 5栋门口水管漏水")
    receipt, card = replies
    assert receipt.startswith("[私聊→李网格长] 已登记 T1（小事·线上议）")
    assert "依据" not in receipt  # a grid leader is not one of the six parties
    assert card.startswith(f"{SIX} @张经理 【T1 小事·线上议】") and "（1网格）" in card
    t = bot.ticket(1)
    assert (t.grid, t.room_id, t.reporter_id) == ("1网格", "room-maotang-g1", "wx-mt-li")


async def test_private_report_without_a_known_grid_asks_and_keeps_nothing_half(
    bot: TestBot,
) -> None:
    [asked] = await bot.say("[私聊] 孙大爷: 报事 8栋楼顶的热水器要掉下来了")
    assert "请问是哪个网格的事？可选：1网格、2网格、3网格" in asked
    assert "请这样发：报事 1网格 8栋楼顶的热水器要掉下来了" in asked
    assert _count(bot) == 0
    [receipt, *_] = await bot.say("[私聊] 孙大爷: 报事 2网格 8栋楼顶的热水器要掉下来了")
    assert receipt.startswith("[私聊→孙大爷] 已登记 T1")
    assert bot.ticket(1).grid == "2网格" and bot.ticket(1).text == "8栋楼顶的热水器要掉下来了"


async def test_private_report_of_a_stranger_names_the_groups(bot: TestBot) -> None:
    [asked] = await bot.say("[私聊] 路人甲: 报事 8栋楼道堆满杂物")
    assert "桂花巷1网格" in asked and "毛塘路1网格" in asked and _count(bot) == 0
    [receipt, card] = await bot.say("[私聊] 路人甲: 报事 桂花巷1网格 8栋楼道堆满杂物")
    assert receipt.startswith("[私聊→路人甲] 已登记 T1")
    assert card.startswith("[桂花巷社区六方议事群]")
    assert bot.ticket(1).community_code == "guihua"


async def test_private_empty_report_and_other_private_talk(bot: TestBot) -> None:
    [usage] = await bot.say("[私聊] 李网格长: 报事")
    assert "报事请写清问题和位置" in usage
    [hello] = await bot.say("[私聊] 李网格长: 你好")
    assert "或在这里发：报事" in hello
    assert _count(bot) == 0


# -- what residents and the six parties see ----------------------------------------------------


async def test_reasons_are_plain_for_residents_and_coded_for_the_six_parties(
    bot: TestBot,
) -> None:
    receipt, card = await bot.say(f"{G1} 刘阿姨: {LAMP}")
    assert "依据" not in receipt and "小:" not in receipt
    assert "因为提到“坏了”“好几天”“路灯”。" in receipt
    assert "依据：小:坏了" in card
    [in_six, *_] = await bot.say(f"{SIX} 王书记: 8栋门口的垃圾桶满了没人清")
    assert "依据：" in in_six


async def test_names_sit_in_chinese_text_without_spaces(bot: TestBot) -> None:
    await bot.say(f"{G1} 刘阿姨: {LAMP}")
    replies = await bot.say(f"{SIX} 张经理: 认领 T1")
    assert f"{G1} T1 已由张经理认领，正在处理。" in replies
    [again] = await bot.say(f"{SIX} 赵主任: 认领 T1")
    assert again.endswith("T1 已由张经理认领，不用重复认领。")


# -- 帮助 ------------------------------------------------------------------------------------


async def test_help_is_per_role_with_what_each_command_does(bot: TestBot) -> None:
    [resident] = await bot.say(f"{G1} 刘阿姨: 帮助")
    assert resident.startswith(f"{G1} @刘阿姨 您是居民，可以发：")
    assert "「查询 路灯」按关键词或工单号查进度" in resident
    assert "认领" not in resident and "帮助 管理" not in resident
    [manager] = await bot.say(f"{SIX} 张经理: 帮助")
    assert "「认领 T12」接下这件事" in manager and "「绑定" not in manager
    [secretary] = await bot.say(f"{SIX} 王书记: 帮助")
    assert "绑定、角色、议事厅：发「帮助 管理」" in secretary and "召开议事" not in secretary
    assert "服务队、时间账户、兑换：发「帮助 服务队」" in resident and "「接单" not in resident
    for text in (resident, manager, secretary):
        commands = [line for line in text.splitlines() if line.startswith("「")]
        assert commands and all(not line.endswith("」") for line in commands)  # explained
    [more] = await bot.say(f"{SIX} 王书记: 帮助 管理")
    assert "「绑定 毛塘路社区 六方群」把本群接入社区" in more and "「召开议事" in more
    [not_yours] = await bot.say(f"{G1} 刘阿姨: 帮助 管理")
    assert "管理的命令由社区书记和居委使用" in not_yours
    [team] = await bot.say(f"{G1} 刘阿姨: 帮助 服务队")
    assert "「接单 T12」" in team and "「时间账户」" in team
