"""服务单 in chat: offered to the right team, taken, served, confirmed, banked — as said."""

from __future__ import annotations

from sqlmodel import select

from storage.volunteers.ledger import ledger_sum
from storage.volunteers.models import ServiceOrder, TimeAccount
from tests.support.harness import TestBot

G1, SIX = "[毛塘路1网格]", "[毛塘路社区六方议事群]"
GROCERIES = "15栋2单元王奶奶独居，腿脚不便，想请人帮忙买菜"


def _balance(bot: TestBot, contact_id: str) -> int | None:
    with bot.db.session() as s:
        acct = s.exec(select(TimeAccount).where(TimeAccount.contact_id == contact_id)).first()
        if acct is None:
            return None
        assert acct.id is not None and ledger_sum(s, acct.id) == acct.balance
        return acct.balance


async def test_welfare_request_offered_taken_served_confirmed_banks_the_hours(
    bot: TestBot,
) -> None:
    filed = await bot.say(f"{G1} 孙大爷: {GROCERIES}")
    offers = [m for m in filed if "【服务单】T1（民生救助服务队）" in m]
    # The relief team's leader and members hear of it privately; the six parties still do.
    assert sorted(m.split("]")[0] for m in offers) == [
        "[私聊→党员吴姐",
        "[私聊→党员老周",
        "[私聊→志愿者小杨",
    ]
    assert any(m.startswith(SIX) and "T1" in m for m in filed)
    assert any("T1 也派给了民生救助服务队" in m for m in filed)

    [took, told] = await bot.say("[私聊] 志愿者小杨: 接单 T1")
    assert took.startswith("[私聊→志愿者小杨] 接单成功：T1")
    assert told.startswith("[私聊→孙大爷] 民生救助服务队的志愿者小杨接了您的事 T1")
    [again] = await bot.say("[私聊] 党员吴姐: 接单 T1")
    assert "T1 已由志愿者小杨接单了" in again

    [noted, ask] = await bot.say("[私聊] 志愿者小杨: 服务 T1 1.5小时 帮王奶奶买了一周的菜")
    assert "已记下 T1 服务 1.5小时：帮王奶奶买了一周的菜" in noted
    assert ask.startswith("[私聊→孙大爷] 志愿者小杨说已为您服务 1.5小时") and "确认 T1" in ask
    assert _balance(bot, "wx-mt-xiaoyang") is None  # reported, not confirmed: nothing banked

    [mine] = await bot.say("[私聊] 志愿者小杨: 确认 T1")
    assert "自己的服务不能自己确认" in mine
    [done, banked] = await bot.say(f"{G1} 孙大爷: 确认 T1")
    assert "已确认 T1：志愿者小杨服务 1.5小时，已存入时间账户" in done
    assert banked.startswith("[私聊→志愿者小杨] T1 的服务已确认，1.5小时 存入")
    assert _balance(bot, "wx-mt-xiaoyang") == 3

    [account] = await bot.say("[私聊] 志愿者小杨: 时间账户")
    assert "余额 1.5小时，累计服务 1.5小时" in account
    assert "服务 +1.5小时 T1 帮王奶奶买了一周的菜" in account
    [twice] = await bot.say(f"{SIX} 王书记: 确认 T1")
    assert "已经确认过了" in twice
    assert _balance(bot, "wx-mt-xiaoyang") == 3


async def test_unconfirmed_service_banks_nothing(bot: TestBot) -> None:
    await bot.say(f"{G1} 孙大爷: {GROCERIES}")
    await bot.say("[私聊] 志愿者小杨: 接单 T1")
    await bot.say("[私聊] 志愿者小杨: 服务 T1 2小时 买菜")
    [account] = await bot.say("[私聊] 志愿者小杨: 时间账户")
    assert "0 小时" in account or "余额 0小时" in account
    assert _balance(bot, "wx-mt-xiaoyang") is None
    [stranger] = await bot.say(f"{G1} 刘阿姨: 确认 T1")
    assert "由报事的居民或六方成员确认" in stranger
    assert _balance(bot, "wx-mt-xiaoyang") is None


async def test_only_team_members_take_and_only_the_taker_reports(bot: TestBot) -> None:
    await bot.say(f"{G1} 孙大爷: {GROCERIES}")
    [outsider] = await bot.say("[私聊] 李网格长: 接单 T1")
    assert "您还不是这个队的队员" in outsider and "服务队" in outsider
    [early] = await bot.say("[私聊] 志愿者小杨: 服务 T1 1小时 买菜")
    assert "还没人接单" in early
    await bot.say("[私聊] 志愿者小杨: 接单 T1")
    [other] = await bot.say("[私聊] 党员吴姐: 服务 T1 1小时 买菜")
    assert "由接单的人报服务时长" in other


async def test_hours_must_be_half_hour_steps_and_say_what_was_done(bot: TestBot) -> None:
    await bot.say(f"{G1} 孙大爷: {GROCERIES}")
    await bot.say("[私聊] 志愿者小杨: 接单 T1")
    [odd] = await bot.say("[私聊] 志愿者小杨: 服务 T1 1.3小时 买菜")
    assert "0.5 的倍数" in odd
    [none] = await bot.say("[私聊] 志愿者小杨: 服务 T1 买菜")
    assert "请写上服务了多少小时" in none
    [what] = await bot.say("[私聊] 志愿者小杨: 服务 T1 1小时")
    assert "请写上做了什么" in what
    [half, _ask] = await bot.say("[私聊] 志愿者小杨: 服务 T1 半小时 代买药")
    assert "0.5小时" in half
    with bot.db.session() as s:
        order = s.exec(select(ServiceOrder)).one()
        assert (order.state, order.halves) == ("served", 1)


async def test_other_fields_go_to_their_teams_and_plain_repairs_to_none(bot: TestBot) -> None:
    card = await bot.say(f"{G1} 刘阿姨: 我妈想办老年卡，不会在手机上填表，谁能帮忙")
    assert any("【服务单】T1（政务办理服务队）" in m for m in card)
    patrol = await bot.say(f"{G1} 刘阿姨: 小区后面那条小路晚上太黑了，想请人巡逻一下")
    assert any("【服务单】T2（平安建设服务队）" in m for m in patrol)
    lamp = await bot.say(f"{G1} 刘阿姨: 1栋门口的路灯坏了")
    assert not any("服务单" in m for m in lamp)
    [nope] = await bot.say("[私聊] 志愿者小杨: 接单 T3")
    assert "T3 不是服务单" in nope


async def test_building_report_tells_the_party_member_who_looks_after_it(bot: TestBot) -> None:
    sent = await bot.say(f"{G1} 刘阿姨: 16号楼楼道灯坏了")
    assert any(m.startswith("[私聊→党员吴姐] 【包保楼栋】您包保的16栋有报事 T1") for m in sent)
    quiet = await bot.say(f"{G1} 刘阿姨: 7栋楼道灯坏了")
    assert not any("包保楼栋" in m for m in quiet)


async def test_offer_is_masked_and_the_taker_gets_the_details(bot: TestBot) -> None:
    filed = await bot.say(f"{G1} 孙大爷: 15栋302室王奶奶独居想请人帮忙买菜，电话13812345678")
    [offer] = [m for m in filed if m.startswith("[私聊→志愿者小杨] 【服务单】T1")]
    assert "13812345678" not in offer and "302" not in offer and "15栋" in offer
    [took, _told] = await bot.say("[私聊] 志愿者小杨: 接单 T1")
    assert "13812345678" in took and "报事人：孙大爷" in took
