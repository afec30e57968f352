"""The ticket page shows photos and videos to its community only, translated values and the
next step per class; the CSV has the 办结 columns and never leaves 是否超期 blank."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlmodel import select

from bot.assembly import build_engine, build_services
from bot.web.ticket_timeline import FOLLOWUP_LABELS
from storage.models import FollowUp, TicketEvidence
from tests.support.harness import shared_nlp
from tests.support.media import attach, png, send_media
from tests.support.web import G1, G2, SIX, DashboardSite, web_user


async def test_photos_and_videos_are_shown_to_their_community_only(tmp_path: Path) -> None:
    district = web_user("jiedao", "jiedao-pass", "*")
    site = await DashboardSite.start(tmp_path, extra_users=[district])
    try:
        wall, (photo, video, lost) = await attach(site, tmp_path)
        await site.login("wangshuji")
        status, page = await site.get(f"/tickets/{wall}")
        assert status == 200
        assert f'<img src="/tickets/{wall}/media/{photo}"' in page
        assert f'<video src="/tickets/{wall}/media/{video}"' in page
        assert "照片未能保存，请在群里查看" in page and f"media/{lost}" not in page
        resp, body = await site.get_response(f"/tickets/{wall}/media/{photo}")
        assert resp.status == 200 and body == png()
        assert resp.headers["Content-Type"] == "image/png"
        assert "no-store" in resp.headers["Cache-Control"]
        lamp = site.tickets["lamp"]  # a ticket of the community that is not this photo's
        assert (await site.get_response(f"/tickets/{lamp}/media/{photo}"))[0].status == 404
        assert (await site.get_response(f"/tickets/{wall}/media/{lost}"))[0].status == 404
        for user, password in (("linshuji", None), ("jiedao", "jiedao-pass")):
            await site.login(user, password)
            resp, _ = await site.get_response(f"/tickets/{wall}/media/{photo}")
            assert resp.status == 404, user
        site.http.cookie_jar.clear()
        resp, _ = await site.get_response(f"/tickets/{wall}/media/{photo}")
        assert resp.status == 302 and resp.headers["Location"].startswith("/login")
    finally:
        await site.close()


async def test_a_file_outside_the_media_folder_is_never_served(tmp_path: Path) -> None:
    site = await DashboardSite.start(tmp_path)
    try:
        await site.seed([("wall", f"{G1} 李网格长: 6栋外墙瓷砖掉下来了")])
        secret = tmp_path / "secret.png"
        secret.write_bytes(png())
        await send_media(site, f"{G1} 李网格长: {secret}", "image")
        await site.login("wangshuji")
        with site.bot.db.session() as s:
            evidence = s.exec(select(TicketEvidence)).one()
        wall = site.tickets["wall"]
        _, page = await site.get(f"/tickets/{wall}")
        assert "/media/" not in page and "照片未能保存" in page
        resp, _ = await site.get_response(f"/tickets/{wall}/media/{evidence.id}")
        assert resp.status == 404
    finally:
        await site.close()


async def test_page_translates_values_and_says_the_next_step_per_class(
    dashboard: DashboardSite,
) -> None:
    t = dashboard.tickets
    await dashboard.bot.say(f"{SIX} 张经理: 办结 T{t['lamp']} 已更换灯泡")
    await dashboard.bot.say(f"{G1} 李网格长: 评价 T{t['lamp']} 满意")
    await dashboard.login("wangshuji")
    _, page = await dashboard.get(f"/tickets/{t['lamp']}")
    assert "<dt>评价</dt><dd>满意</dd>" in page and "satisfied" not in page
    assert "已更换灯泡" in page and "已结案" in page
    _, page = await dashboard.get(f"/tickets/{t['elevator']}")
    assert "到场）" in page and "认领）" not in page  # urgent: waiting for 到场
    await dashboard.bot.say(f"{SIX} 张经理: 到场 T{t['elevator']}")
    _, page = await dashboard.get(f"/tickets/{t['elevator']}")
    assert "处理中）" in page


async def test_csv_has_the_resolution_columns(dashboard: DashboardSite) -> None:
    await dashboard.seed([("pipe", f"{G2} 黄网格长: 4栋水管漏水了")])
    pipe = dashboard.tickets["pipe"]
    dashboard.bot.clock.advance(hours=2, minutes=15)
    await dashboard.bot.say(f"{SIX} 张经理: 认领 T{pipe}")
    dashboard.bot.clock.advance(days=1)
    await dashboard.bot.say(f"{SIX} 张经理: 办结 T{pipe} 已换水管，有事打13812345678")
    await dashboard.bot.say(f"{G2} 黄网格长: 评价 T{pipe} 基本满意")
    await dashboard.login("wangshuji")
    _, body = await dashboard.get_response("/tickets.csv")
    rows = {r["工单号"]: r for r in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))}
    done = rows[f"T{pipe}"]
    assert done["响应用时"] == "2小时15分"
    assert done["办结说明"] == "已换水管，有事打138****5678"
    assert done["评价"] == "基本满意" and done["状态"] == "已结案"
    assert done["办结时间"].startswith("2026-11-27 ")
    assert done["是否超期"] == "否"
    script = rows[f"T{dashboard.tickets['script']}"]
    assert script["响应用时"] == "未响应" and script["办结时间"] == "" and script["评价"] == ""
    assert {r["是否超期"] for r in rows.values()} <= {"是", "否"}
    dashboard.bot.clock.advance(days=30)
    _, body = await dashboard.get_response("/tickets.csv")
    late = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert {r["工单号"]: r["是否超期"] for r in late}[f"T{dashboard.tickets['script']}"] == "是"


async def test_the_timeline_has_the_bots_follow_ups_and_what_comes_next(
    dashboard: DashboardSite,
) -> None:
    elevator = dashboard.tickets["elevator"]
    with dashboard.bot.db.session() as s:
        runs = list(s.exec(select(FollowUp).where(FollowUp.ticket_id == elevator)))
    assert runs, "an urgent ticket has its alarm ladder planned"
    await dashboard.login("wangshuji")
    _, page = await dashboard.get(f"/tickets/{elevator}")
    assert "接下来：" in page and "（自动）" in page
    first = min(runs, key=lambda f: f.due_at)
    services = build_services(dashboard.bot.settings, dashboard.bot.clock, shared_nlp())
    dashboard.bot.clock.now = first.due_at
    assert build_engine(dashboard.bot.db, services).sweep() >= 1
    with dashboard.bot.db.session() as s:
        done = s.get(FollowUp, first.id)
        assert done is not None and done.outcome == "sent"
    _, page = await dashboard.get(f"/tickets/{elevator}")
    history = page[page.index('<ol class="history">') :]
    assert FOLLOWUP_LABELS[first.kind] in history
