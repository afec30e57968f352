"""A seeded generator of realistic grid-group messages, so benchmarks need no sample file."""

from __future__ import annotations

import random

_PLACES = (
    "{b}栋{u}单元门口",
    "{b}号楼楼道",
    "{b}栋后面",
    "小区东门",
    "地下车库",
    "{b}幢{u}单元{f}楼",
    "篮球场旁边",
    "{b}栋楼下",
    "南门岗亭边上",
    "{b}栋{u}单元{f}0{r}室",
    "",
    "",
)
_PROBLEMS = (
    "的路灯坏了好几天了",
    "的声控灯不亮了，晚上上楼看不见",
    "垃圾桶满了没人清，味道很大",
    "有辆车停了一个星期挡住通道",
    "井盖松了踩上去咣当响",
    "电梯按钮失灵，按了没反应",
    "有一股很浓的煤气味，大家快来看看",
    "水管爆了，水哗哗往外冒",
    "电动车在充电冒烟了",
    "装修电钻声中午都不停",
    "树枝太长挡住窗户了",
    "墙皮一直往下掉，差点砸到人",
    "违章搭建的棚子投诉多次一直没解决",
    "停车位太少了，希望开会研究一下规划",
    "门禁坏了，门一直开着",
    "有人堆放杂物占了消防通道",
)
_CHATTER = (
    "大家早上好",
    "收到，谢谢",
    "好的好的，辛苦了",
    "👍👍",
    "[呲牙][呲牙]",
    "明天下午三点社区有免费量血压活动，欢迎参加",
    "请问社区几点下班",
    "哈哈哈哈",
    "有没有人一起去爬山",
    "转发：关于开展垃圾分类宣传周活动的通知",
)


def generate(n: int, seed: int = 7) -> list[str]:
    """``n`` messages: about three reports to one piece of chatter."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.25:
            out.append(rng.choice(_CHATTER))
            continue
        place = rng.choice(_PLACES).format(
            b=rng.randint(1, 30), u=rng.randint(1, 6), f=rng.randint(1, 18), r=rng.randint(1, 4)
        )
        out.append(place + rng.choice(_PROBLEMS))
    return out
