"""The six-party loop through the real Wechaty, Message and Room classes (in-memory puppet)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from storage.models import Ticket, TicketEvent
from tests.conftest import BACKENDS
from tests.support.puppet import BOT_ID
from tests.support.wechat import WeChatBot, running_bot

G1, G2, SIX = "毛塘路1网格", "毛塘路2网格", "毛塘路社区六方议事群"


@pytest.fixture(params=BACKENDS)
async def wechat(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[WeChatBot]:
    async with running_bot(tmp_path, request.param) as bot:
        yield bot


def tickets(bot: WeChatBot) -> list[Ticket]:
    with bot.app.db.session() as s:
        return list(s.exec(select(Ticket).order_by(Ticket.id)))


def events(bot: WeChatBot, number: int) -> list[str]:
    with bot.app.db.session() as s:
        return [e.kind for e in s.exec(select(TicketEvent).where(TicketEvent.ticket_id == number))]


async def test_report_card_claim_resolve_and_rating_in_private(wechat: WeChatBot) -> None:
    replies = await wechat.say(G1, "李网格长", "3栋2单元门口的路灯坏了好几天了，电话13812345678")
    receipt, card = wechat.puppet.sent
    assert receipt.conversation_id == "room-maotang-g1" and receipt.mention_ids == ("wx-mt-li",)
    assert replies[0].startswith(f"[{G1}] @李网格长 已登记 T1")
    # The card goes to the six-party group with real WeChat mention ids of the property firm.
    assert card.conversation_id == "room-maotang-6p" and card.mention_ids == ("wx-mt-zhang",)
    assert card.text.startswith("@张经理 【T1") and "138****5678" in card.text

    [ok, told] = await wechat.say(SIX, "张经理", "认领 T1")
    assert "T1 由您负责" in ok and told == f"[{G1}] T1 已由张经理认领，正在处理。"

    [ok, told] = await wechat.say(SIX, "张经理", "办结 T1 已更换灯泡")
    assert told.startswith(f"[{G1}] @李网格长 您反映的 T1 已办结：已更换灯泡")
    assert wechat.puppet.sent[-1].mention_ids == ("wx-mt-li",)

    [thanks] = await wechat.say(None, "李网格长", "评价 T1 满意")
    assert thanks.startswith("[私聊→李网格长]") and "已结案" in thanks
    assert wechat.puppet.sent[-1].conversation_id == "wx-mt-li"
    assert tickets(wechat)[0].state == "closed"
    assert events(wechat, 1) == ["reported", "claim", "resolve", "rate"]


async def test_urgent_report_is_escalated_until_someone_arrives(wechat: WeChatBot) -> None:
    replies = await wechat.say(G2, "黄网格长", "5栋电梯卡在5楼和6楼中间，里面困了一个老人")
    assert any("96333" in r for r in replies)
    wechat.puppet.sent.clear()
    # Nobody answers 到场: the follow-up scheduler re-alerts through the same channel.
    wechat.clock.advance(minutes=16)
    await wechat.app.scheduler.run_due()
    await wechat.settle()
    assert wechat.puppet.sent, "no re-alert was sent"
    assert any("T1" in s.text and s.mention_ids for s in wechat.puppet.sent)
    replies = await wechat.say(SIX, "张经理", "到场 T1")
    assert any(r.startswith(f"[{G2}] @黄网格长 T1：张经理已回复到场") for r in replies)


async def test_duplicate_report_joins_the_open_ticket(wechat: WeChatBot) -> None:
    await wechat.say(G2, "黄网格长", "5栋楼下自来水管爆了，水哗哗往外冒，一楼快淹了")
    [joined] = await wechat.say(G2, "孙大爷", "5栋水管爆了，到处是水，快来人")
    assert "T1" in joined and "共 2 人反映" in joined
    assert len(tickets(wechat)) == 1 and tickets(wechat)[0].plus_ones == 1


async def test_unbound_group_stays_silent_unless_asked(wechat: WeChatBot) -> None:
    wechat.add_group("楼下闲聊群", ["刘阿姨"])
    assert await wechat.say("楼下闲聊群", "刘阿姨", "3栋2单元门口的路灯坏了") == []
    [hint] = await wechat.say(
        "楼下闲聊群", "刘阿姨", "@社区小助手\u2005路灯坏了", mentions=["bot"]
    )
    assert "还没有绑定社区" in hint and tickets(wechat) == []


async def test_the_bots_own_messages_are_ignored(wechat: WeChatBot) -> None:
    room = wechat.rooms[G1]
    sent = await wechat.after(lambda: wechat.puppet.say(room, BOT_ID, "3栋2单元门口的路灯坏了"))
    assert sent == [] and tickets(wechat) == []
    assert wechat.channel.stats["own"] == 1


async def test_same_message_id_twice_makes_one_ticket(wechat: WeChatBot) -> None:
    msg_id = wechat.puppet.new_id()
    text = "3栋2单元门口的路灯坏了"
    room, who = wechat.rooms[G1], wechat.person("李网格长")
    first = await wechat.after(lambda: wechat.puppet.say(room, who, text, msg_id=msg_id))
    assert len(first) == 2
    # wechaty drops a repeat it has seen in this process...
    wechat.puppet.deliver(msg_id)
    await wechat.settle()
    # ...and after a restart (its memory of ids gone) the database refuses the repeat.
    from wechaty.utils.async_helper import SingleIdContainer

    SingleIdContainer._instance = None
    again = await wechat.after(lambda: wechat.puppet.deliver(msg_id))
    assert again == [] and len(tickets(wechat)) == 1


async def test_mentions_name_the_people_and_reach_the_bot(wechat: WeChatBot) -> None:
    await wechat.say(G1, "李网格长", "3栋楼顶有人违章搭建彩钢棚")
    [moved, *_] = await wechat.say(SIX, "王书记", "转交 T1 @城管刘队\u2005", mentions=["城管刘队"])
    assert moved.startswith(f"[{SIX}] @城管刘队 T1 已转交给城管刘队")
    assert tickets(wechat)[0].assignee_id == "wx-mt-chengguan"
    [help_text] = await wechat.say(G1, "刘阿姨", "@社区小助手\u2005帮助", mentions=["bot"])
    assert "查询 路灯" in help_text
