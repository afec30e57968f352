"""Binding groups and setting roles in chat; only the secretary may."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import select

from storage.models import Group, Member, Ticket
from tests.support.harness import TestBot

SIX = "[毛塘路社区六方议事群]"


async def test_unbound_group_is_quiet_until_bound(bot: TestBot) -> None:
    assert await bot.say("[新建的4网格群] 刘阿姨: 4栋门禁坏了") == []
    assert await bot.say("[新建的4网格群] 刘阿姨: 认领 T1") == []
    [hint] = await bot.say("[新建的4网格群] 刘阿姨: @社区小助手 你好")
    assert "绑定 社区名 网格 网格名" in hint
    [refusal] = await bot.say("[新建的4网格群] 刘阿姨: 绑定 毛塘路社区 网格 4网格")
    assert "只有毛塘路社区的社区书记可以绑定" in refusal
    [done] = await bot.say("[新建的4网格群] 王书记: 绑定 毛塘路 网格 4网格")
    assert "已绑定为毛塘路社区4网格网格群" in done
    replies = await bot.say("[新建的4网格群] 刘阿姨: 4栋门禁坏了")
    assert "已登记 T1" in replies[0] and replies[1].startswith(SIX)
    with bot.db.session() as s:
        t = s.get(Ticket, 1)
        assert t is not None and (t.community_code, t.grid) == ("maotang", "4网格")


async def test_bind_errors(bot: TestBot) -> None:
    [no_community] = await bot.say("[新群] 王书记: 绑定 火星社区 六方群")
    assert "没认出是哪个社区" in no_community
    [taken] = await bot.say("[新群] 王书记: 绑定 毛塘路社区 六方群")
    assert "已有六方群「毛塘路社区六方议事群」" in taken
    [bound] = await bot.say("[毛塘路1网格] 王书记: 绑定 毛塘路社区 网格 9网格")
    assert "请先发「解绑」" in bound
    [usage] = await bot.say("[新群] 王书记: 绑定 毛塘路社区")
    assert "绑定 毛塘路社区 六方群" in usage


async def test_renamed_group_stays_bound(bot: TestBot) -> None:
    ev = bot.event("[毛塘路1网格] 李网格长: 3栋2单元门口的路灯坏了")
    renamed = replace(ev, room_topic="毛塘路一网格（新名字）")
    replies = await bot.send(renamed)
    assert "已登记 T1" in replies[0]
    with bot.db.session() as s:
        g = s.get(Group, "room-maotang-g1")
        assert g is not None and g.topic == "毛塘路一网格（新名字）"


async def test_unbind(bot: TestBot) -> None:
    [refusal] = await bot.say("[毛塘路2网格] 黄网格长: 解绑")
    assert "只有本社区的社区书记" in refusal
    [done] = await bot.say("[毛塘路2网格] 王书记: 解绑")
    assert "已解绑" in done
    assert await bot.say("[毛塘路2网格] 刘阿姨: 4栋门禁坏了") == []


async def test_set_role_and_list(bot: TestBot) -> None:
    [refusal] = await bot.say(f"{SIX} 张经理: 设置角色 @新保安 物业")
    assert "只有社区书记可以用「设置角色」" in refusal
    [done] = await bot.say(f"{SIX} 王书记: 设置角色 @新保安 物业")
    assert "新保安现在是物业" in done
    [listing] = await bot.say(f"{SIX} 王书记: 角色")
    assert "物业：张经理、新保安" in listing and "网格长：李网格长（1网格）" in listing
    [leader] = await bot.say(f"{SIX} 王书记: 设置角色 @刘阿姨 网格长")
    assert "要写网格" in leader
    [bad] = await bot.say(f"{SIX} 王书记: 设置角色 @刘阿姨 老板")
    assert "没有“老板”这个角色" in bad
    with bot.db.session() as s:
        m = s.exec(select(Member).where(Member.name == "新保安")).one()
        assert m.role == "property" and m.contact_id == "console-user:新保安"
    # The new member can act on tickets now.
    await bot.say("[毛塘路1网格] 刘阿姨: 3栋2单元门禁坏了")
    [ok, *_] = await bot.say(f"{SIX} 新保安: 认领 T1")
    assert "T1 由您负责" in ok
