"""Group events, media and sending failures through the real Wechaty classes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from storage import directory
from storage.directory_edit import set_member
from storage.evidence import evidence_of
from storage.models import Group, OutboxMessage, TicketEvent
from tests.conftest import BACKENDS
from tests.support.puppet import BOT_ID
from tests.support.wechat import WeChatBot, running_bot, until

G1, SIX = "毛塘路1网格", "毛塘路社区六方议事群"


@pytest.fixture(params=BACKENDS)
async def wechat(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[WeChatBot]:
    async with running_bot(tmp_path, request.param) as bot:
        yield bot


async def test_login_prints_the_qr_link_and_who_logged_in(wechat: WeChatBot) -> None:
    out = wechat.out.getvalue()
    assert "https://wechaty.js.org/qrcode/https%3A%2F%2Flogin.weixin.qq.com" in out
    assert f"微信已登录 / logged in: 社区小助手 ({BOT_ID})" in out


async def test_bot_added_to_an_unbound_group_says_how_to_bind(wechat: WeChatBot) -> None:
    room = wechat.add_group("阳光花园业主群", ["刘阿姨"])
    wechat.puppet.rooms[room].member_ids.remove(BOT_ID)
    inviter = wechat.person("刘阿姨")
    [intro] = await wechat.after(lambda: wechat.puppet.join(room, [BOT_ID], inviter))
    assert "大家好，我是社区小助手" in intro and "绑定 社区名 六方群" in intro


async def test_bot_added_to_a_bound_group_says_what_it_is_bound_to(wechat: WeChatBot) -> None:
    room = wechat.rooms[G1]
    [intro] = await wechat.after(lambda: wechat.puppet.join(room, [BOT_ID], "wx-mt-wang"))
    assert "本群已绑定为毛塘路社区的网格群（1网格）" in intro


async def test_new_members_are_welcomed_in_bound_groups_only(wechat: WeChatBot) -> None:
    newcomer = wechat.person("新来的小王")
    room = wechat.rooms[G1]
    [welcome] = await wechat.after(lambda: wechat.puppet.join(room, [newcomer], "wx-mt-li"))
    assert welcome.startswith(f"[{G1}] @新来的小王 欢迎！") and "查询 路灯" in welcome
    assert wechat.puppet.sent[-1].mention_ids == (newcomer,)
    other = wechat.add_group("楼下闲聊群")
    assert await wechat.after(lambda: wechat.puppet.join(other, [newcomer], "wx-mt-li")) == []


async def test_a_renamed_group_keeps_its_binding(wechat: WeChatBot) -> None:
    room = wechat.rooms[G1]
    assert await wechat.after(lambda: wechat.puppet.rename(room, "毛塘路一网格", "wx-mt-li")) == []
    with wechat.app.db.session() as s:
        group = s.get(Group, room)
        assert group is not None and group.topic == "毛塘路一网格"
    wechat.rooms["毛塘路一网格"] = room
    replies = await wechat.say("毛塘路一网格", "刘阿姨", "8栋楼道灯坏了")
    assert any("已登记 T1" in r for r in replies) and len(replies) == 2
    with wechat.app.db.session() as s:
        group = s.get(Group, room)
        assert group is not None and group.topic == "毛塘路一网格"  # not set back by the cache


async def test_invitations_are_accepted_from_a_secretary_only(wechat: WeChatBot) -> None:
    refused = wechat.puppet.invite("9@chatroom", "陌生群", wechat.person("刘阿姨"))
    accepted = wechat.puppet.invite("8@chatroom", "桂花巷议事群", "wx-gh-lin")
    stats = wechat.channel.stats
    await until(lambda: stats["invite_accepted"] + stats["invite_refused"] == 2)
    assert wechat.puppet.accepted == [accepted] and refused not in wechat.puppet.accepted


async def test_a_secretary_set_in_the_database_may_invite_and_one_removed_may_not(
    wechat: WeChatBot,
) -> None:
    # The database owns the directory after the first start: the config's list is not asked.
    with wechat.app.db.session() as s:
        set_member(s, "maotang", "wx-new-sec", "新书记", "secretary")
        old = directory.member_in(s, "wx-gh-lin", "guihua")
        assert old is not None
        old.role = "committee"
        s.add(old)
        s.commit()
    refused = wechat.puppet.invite("8@chatroom", "桂花巷议事群", "wx-gh-lin")
    accepted = wechat.puppet.invite("7@chatroom", "毛塘路新群", "wx-new-sec")
    stats = wechat.channel.stats
    await until(lambda: stats["invite_accepted"] + stats["invite_refused"] == 2)
    assert wechat.puppet.accepted == [accepted] and refused not in wechat.puppet.accepted


async def test_a_photo_after_a_report_is_attached_to_the_ticket(wechat: WeChatBot) -> None:
    await wechat.say(G1, "李网格长", "3栋2单元门口的路灯坏了")
    room, who = wechat.rooms[G1], wechat.person("李网格长")
    [attached] = await wechat.after(lambda: wechat.puppet.photo(room, who, b"\xff\xd8photo"))
    assert attached == f"[{G1}] @李网格长 已把照片附到 T1"
    with wechat.app.db.session() as s:
        [evidence] = evidence_of(s, 1)
        kinds = [e.kind for e in s.exec(select(TicketEvent).where(TicketEvent.ticket_id == 1))]
    assert Path(evidence.ref).read_bytes() == b"\xff\xd8photo" and evidence.kind == "image"
    assert kinds == ["reported", "evidence"]


async def test_a_photo_long_after_or_from_someone_else_gets_a_hint(wechat: WeChatBot) -> None:
    await wechat.say(G1, "李网格长", "3栋2单元门口的路灯坏了")
    room = wechat.rooms[G1]
    other = wechat.person("刘阿姨")
    [hint] = await wechat.after(lambda: wechat.puppet.photo(room, other))
    assert "请先用文字写清问题和位置" in hint
    wechat.clock.advance(minutes=30)
    who = wechat.person("李网格长")
    [late] = await wechat.after(lambda: wechat.puppet.photo(room, who))
    assert "照片要跟着报事发" in late
    with wechat.app.db.session() as s:
        assert evidence_of(s, 1) == []


async def test_voice_gets_a_hint_and_stickers_are_ignored(wechat: WeChatBot) -> None:
    from wechaty_puppet import MessageType

    room, who = wechat.rooms[G1], wechat.person("孙大爷")
    voice = MessageType.MESSAGE_TYPE_AUDIO
    [hint] = await wechat.after(lambda: wechat.puppet.say(room, who, "", kind=voice))
    assert "我听不了语音" in hint
    sticker = MessageType.MESSAGE_TYPE_EMOTICON
    assert await wechat.after(lambda: wechat.puppet.say(room, who, "", kind=sticker)) == []


async def test_private_chat_answers_privately(wechat: WeChatBot) -> None:
    [hello] = await wechat.say(None, "刘阿姨", "你好")
    assert hello.startswith("[私聊→刘阿姨] 您好，我是社区小助手")


async def test_a_failed_send_stays_in_the_outbox_and_goes_once_later(wechat: WeChatBot) -> None:
    wechat.puppet.fail_sends = True
    assert await wechat.say(G1, "李网格长", "3栋2单元门口的路灯坏了") == []
    with wechat.app.db.session() as s:
        pending = s.exec(select(OutboxMessage).where(OutboxMessage.delivered_at == None))  # noqa: E711
        assert [row.attempts for row in pending] == [1, 1]  # receipt and card, each tried once
    wechat.puppet.fail_sends = False
    wechat.clock.advance(seconds=5)
    await wechat.app.sender.flush()
    texts = [s.text for s in wechat.puppet.sent]
    assert len(texts) == 2 and "已登记 T1" in texts[0] and "【T1" in texts[1]


async def test_an_unknown_mention_id_does_not_block_the_message(wechat: WeChatBot) -> None:
    async def broken(contact_id: str) -> object:
        raise OSError(f"no such contact {contact_id}")

    original = wechat.puppet.contact_payload
    wechat.puppet.contact_payload = broken  # type: ignore[method-assign]
    try:
        await wechat.channel.say(wechat.rooms[SIX], "请注意", ["wx-gone"])
    finally:
        wechat.puppet.contact_payload = original  # type: ignore[method-assign]
    assert wechat.puppet.sent[-1].text == "请注意" and wechat.puppet.sent[-1].mention_ids == ()


def test_window_is_a_few_minutes() -> None:
    from handlers.evidence import WINDOW

    assert timedelta(minutes=3) <= WINDOW <= timedelta(minutes=15)


async def test_ids_missing_from_the_config_are_printed_once(wechat: WeChatBot) -> None:
    wechat.add_group("阳光花园业主群", ["刘阿姨"])
    await wechat.say("阳光花园业主群", "新来的小王", "大家好")
    await wechat.say("阳光花园业主群", "新来的小王", "@社区小助手\u2005你好", mentions=["bot"])
    await wechat.say("阳光花园业主群", "新来的小王", "@社区小助手\u2005在吗", mentions=["bot"])
    out = wechat.out.getvalue()
    room_id, who = wechat.rooms["阳光花园业主群"], wechat.person("新来的小王")
    assert out.count(f"not in config: 阳光花园业主群 = {room_id}") == 1
    assert out.count(f"not in config: 新来的小王 = {who}") == 1
    assert "李网格长" not in out  # configured people are not listed


async def test_a_text_that_went_out_is_not_resent_if_loading_it_back_fails(
    wechat: WeChatBot,
) -> None:
    original = wechat.puppet.message_payload

    async def payload(message_id: str) -> object:
        if wechat.puppet.messages[message_id].from_id == BOT_ID:
            raise KeyError(message_id)  # some gateways cannot return what the bot just sent
        return await original(message_id)

    wechat.puppet.message_payload = payload  # type: ignore[method-assign]
    assert len(await wechat.say(G1, "李网格长", "3栋2单元门口的路灯坏了")) == 2
    wechat.clock.advance(minutes=15)
    await wechat.app.sender.flush()
    assert len(wechat.puppet.sent) == 2


async def test_a_message_the_channel_cannot_read_is_kept_and_retried(
    wechat: WeChatBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.channels.wechaty_events as events
    from storage.models import FailedInbound, Ticket

    def unreadable(*args: object, **kwargs: object) -> None:
        raise RuntimeError("gateway sent garbage")

    with monkeypatch.context() as m:
        m.setattr(events, "strip_bot_mention", unreadable)
        assert await wechat.say(G1, "李网格长", "3栋2单元门口的路灯坏了") == []
    assert wechat.channel.stats["unreadable"] == 1
    with wechat.app.db.session() as s:
        [kept] = s.exec(select(FailedInbound)).all()
        assert s.exec(select(Ticket)).all() == []
    assert (kept.stage, kept.room_id, kept.sender_id) == ("channel", wechat.rooms[G1], "wx-mt-li")
    assert kept.text == "3栋2单元门口的路灯坏了" and "gateway sent garbage" in kept.error

    outcome = await asyncio.to_thread(wechat.app.dispatcher.retry)
    await wechat.app.sender.flush()
    assert (outcome.handled, outcome.failing) == (1, 0)
    assert any("已登记 T1" in s.text for s in wechat.sent_to(G1))
    with wechat.app.db.session() as s:
        assert s.exec(select(Ticket)).one().reporter_name == "李网格长"


async def test_a_message_whose_handling_crashes_the_channel_is_kept(
    wechat: WeChatBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.models import FailedInbound

    async def crash(event: object) -> None:
        raise RuntimeError("sender crashed")

    monkeypatch.setattr(wechat.channel, "_on_inbound", crash)
    await wechat.say(G1, "李网格长", "5栋路灯坏了")
    with wechat.app.db.session() as s:
        [kept] = s.exec(select(FailedInbound)).all()
    assert kept.stage == "channel" and kept.text == "5栋路灯坏了"
    assert kept.error == "RuntimeError: sender crashed"


async def test_a_group_the_bot_was_removed_from_is_given_up_on_with_one_alert(
    wechat: WeChatBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.delivery.deadletter import Strikes

    gone = wechat.rooms[G1]
    send = wechat.puppet.message_send_text

    async def refuse_g1(
        conversation_id: str, message: str, mention_ids: list[str] | None = None
    ) -> str:
        if conversation_id == gone:
            raise ConnectionError("not a member of this group")
        return await send(conversation_id, message, mention_ids)

    monkeypatch.setattr(wechat.puppet, "message_send_text", refuse_g1)
    wechat.app.sender.strikes = Strikes(2)
    await wechat.say(G1, "李网格长", "3栋2单元门口的路灯坏了")
    for _ in range(3):
        wechat.clock.advance(minutes=11)
        await wechat.app.sender.flush()

    assert any("T1" in s.text for s in wechat.sent_to(SIX))  # the card went on
    with wechat.app.db.session() as s:
        dead = s.exec(select(OutboxMessage).where(OutboxMessage.dead_at != None)).all()  # noqa: E711
    assert dead and all(row.room_id == gone for row in dead)
    [alert] = [a for a in wechat.app.alerts.sent if a.kind == "dead_letter"]
    assert f"群「{G1}」" in alert.text and "连续 2 次" in alert.text
