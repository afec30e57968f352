"""Hazard frames: who or what is at risk × harm state × immediacy, and their emergency advice."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.understanding.frames import Frames, FramesError


@pytest.fixture(scope="module")
def frames() -> Frames:
    """The shipped frames."""
    return Frames.load()


@pytest.mark.parametrize(
    ("text", "frame", "cue"),
    [
        ("楼下有个老头倒在地上喊他不答应", "person_down", "老头+倒在地"),
        ("有个小孩坐在窗台上，家里没大人", "fall_risk", "小孩+坐在窗台"),
        ("几个娃儿在河中间的冰上耍", "water_danger", "娃儿+河中间"),
        ("一辆货车溜车了往下滑，没人在车上", "vehicle_runaway", "货车+溜车"),
        ("救护车进不来，门口全是车", "access_blocked", "救护车+进不来"),
        ("电梯门开了里面没轿厢", "lift_void", "电梯门+没轿厢"),
        ("马蜂蜇了小孩，现在还在追人", "animal_attack", "马蜂+蜇"),
        ("外墙在往下掉砖头，下面就是小孩在玩", "structure_failure", "外墙+往下掉"),
        ("𨋢困咗人，入面个婆婆好晕", "lift_void", "𨋢+困咗"),  # Cantonese 𨋢 = lift
        ("楼顶有个女娃儿站在边边上", "fall_risk", "娃儿+边边上"),
        ("我爸的呼吸机停了，备用电池只能撑半小时", "life_support", "呼吸机+停了"),
        ("我女儿刚吞了一颗纽扣电池", "swallowed", "纽扣电池+吞了"),
        ("老人把降压药当糖豆吃了", "overdose", "当糖豆"),
        ("白车入唔到，后门塞死咗", "access_blocked", "白车+入唔到"),  # Cantonese 白车 = ambulance
        ("一辆外地牌的面包车自己往下溜，车上没人", "vehicle_runaway", "面包车+往下溜"),
        ("kid standing on the window sill, no adult", "fall_risk", "kid+standing on the window"),
        ("自来水一股怪味，两个孩子喝了都在吐", "water_sick", "喝了+都在吐"),
        ("快来人", "distress", "快来人"),  # a bare cry for help
        ("我家煤气漏了", "gas_leak", "煤气+漏了"),  # the leak as a verb, not a noun of smell
        ("燃气表那里咝咝的在漏", "gas_leak", "燃气表+在漏"),
        ("地下室淹了", "flooding_in", "地下室+淹了"),  # water coming in, said plainly
        ("救命啊！！", "bare_cry", "救命"),  # a cry and nothing else
        ("SOS", "bare_cry", "SOS"),
        ("门口有个人，零下十几度，怎么叫都叫不醒", "distress", "叫都叫不醒"),  # far from 人
        ("老太太在公园里转，不记得家在哪", "distress", "不记得家在哪"),
        ("燃气报警器响了，现在还在响", "gas", "燃气报警器响"),
        ("there is an old man lying on the ground", "person_down", "old man+lying on the ground"),
        ("my roommate is not waking up", "distress", "not waking up"),
        ("燃气泄露 好臭", "gas", "气泄露"),  # 泄露 for 泄漏
        ("樓下有位阿伯倒在路邊，叫他都沒有反應", "person_down", "阿伯+沒有反應"),  # traditional
        ("两个小孩跑到湖中间去了，冰已经在响", "water_danger", "小孩+湖中间"),
        ("单元门口盘着一条蛇，小孩就在旁边玩", "animal_attack", "蛇+就在旁边"),  # children exposed
    ],
)
def test_described_dangers_are_found(frames: Frames, text: str, frame: str, cue: str) -> None:
    """Danger described by what is seen, with the words that composed it."""
    hits = frames.find(text)
    assert hits and hits[0].frame == frame and hits[0].decisive, hits
    assert hits[0].cue() == cue


@pytest.mark.parametrize(
    "text",
    [
        "怕以后小孩爬到窗台外面",  # a worry, not an event
        "消防演练，明天楼道里会有浓烟",  # a drill
        "新闻说外地有老人倒在地上没人扶",  # elsewhere
        "朋友圈都在传江边那边着火了",  # a rumour
        "老人没有倒，只是坐着休息",  # denied
        "刚才闻了一下，不是煤气味，是邻居家在炖肉",  # denied with 不是
        "3栋门口的路灯坏了",  # no danger at all
        "小心孩子误食洗衣凝珠",  # advice
        "刚才听到消防车往东边去了，哪里着火了？",  # asking about an event elsewhere
        "上周那个喝了农药的大爷已经出院了",  # past
        "我妈每天吃了降压药才睡得着",  # ordinary medicine
        "刚才说的煤气味找到了，是楼下在熬中药",  # about an earlier message, resolved
        "昨晚做梦梦到咱们楼着火了，吓醒了",  # a dream
        "分享个冷知识 被困电梯千万别扒门",  # shared knowledge
        "电梯里有人在抽烟，烟味好大",  # someone in the lift is no trapped state
        "绿化带里有人倒了一堆碎砖",  # 倒 = dumped, not fell
        "老人防跌倒讲座这周五在社区二楼",  # a lecture
        "温馨提示：电动车不要推进楼道充电，一旦起火后果不堪设想",  # 一旦: hypothetical
        "燃气安全提示：发现漏气不要开关电器，立即开窗",  # a tip of what to do if
        "转需：油锅起火千万不能用水浇",  # a tip
        "今天热得跟着火了一样",  # fire as a figure of speech
        "救命 这群消息也太多了",  # a cry with words around it is weighed with them
        "楼道里的水表井盖打开了，里面的阀门一直在漏",  # water, not gas
        "绿化带里有好多烟头和塑料袋",  # cigarette ends, not smoke
        "说好的烟感报警器还没给装",  # a smoke alarm not yet fitted
        "地下室昨天淹了，现在好了",  # past
        "上次燃气报警器响是因为炖汤",  # past
    ],
)
def test_distanced_denied_or_harmless_text_has_no_frame(frames: Frames, text: str) -> None:
    """Hypothetical, elsewhere, drills and denials do not count."""
    assert [h for h in frames.find(text) if h.decisive] == []


def test_a_failure_without_immediacy_is_only_a_hint(frames: Frames) -> None:
    """A wall that is cracked is not urgent until it is happening now or people are below."""
    (hit,) = frames.find("5栋外墙开裂了")
    assert not hit.decisive
    (hit,) = frames.find("5栋外墙开裂了，现在还在掉渣")
    assert hit.decisive


@pytest.mark.parametrize(
    "text",
    ["电梯困人了", "有人困在电梯里了", "3栋电体困人", "电梯卡在两层中间，里面有人在喊救命"],
)
def test_every_way_of_saying_trapped_in_a_lift_gets_96333(frames: Frames, text: str) -> None:
    """The advice follows the frame, whatever the words."""
    emergency = frames.emergency(text)
    assert emergency is not None and "96333" in emergency.number, (text, emergency)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("楼道里一股煤气味", "119"),
        ("配电箱在冒烟还噼啪响", "95598"),
        ("老人倒在楼梯口叫不应", "120"),
        ("有人拿着刀在小区门口", "110"),
        ("一个小孩站在窗台上", "110"),
        ("孙子喝了半瓶洗洁精，一直在吐", "120"),
    ],
)
def test_each_kind_of_danger_brings_its_number(frames: Frames, text: str, number: str) -> None:
    """Gas, electric, medical, violence, falls: each its own number and line."""
    emergency = frames.emergency(text)
    assert emergency is not None and number in emergency.number, (text, emergency)
    assert emergency.line().startswith("请立即拨打")


def test_not_a_report_signs(frames: Frames) -> None:
    """Relayed news, resolved, lost-and-found, a denied danger are seen as signs."""
    assert "denied" in frames.scan("不是煤气味，是炖肉的味道")[1]
    assert "relayed" in frames.scan("抖音刷到外地一个小区电梯掉下来了")[1]
    assert "lostfound" in frames.scan("谁丢了一串钥匙，放在门卫室了")[1]
    assert "resolved" in frames.scan("电梯修好了，谢谢物业")[1]
    assert "relayed" not in frames.scan("楼下停了辆外地牌的车")[1]  # an out-of-town plate
    assert "asking" in frames.scan("北门外面围起那么多人，出啥子事了")[1]


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("电视上说南方又发大水了，好多人被困", "relayed"),
        ("刚才闻到的煤气味查过了，是楼下在熏腊肉，不是漏气", "resolved"),
        ("紧急通知：3栋楼道起火，请住户立即从北侧楼梯撤离", "notice"),
    ],
)
def test_a_decisive_frame_and_a_sign_are_both_reported(
    frames: Frames, text: str, sign: str
) -> None:
    """The scan keeps the signs beside a decisive frame, for the decision to weigh them."""
    found, signs = frames.scan(text)
    assert any(h.decisive for h in found) and sign in signs, (found, signs)


def test_an_ambulance_already_called_is_no_sign(frames: Frames) -> None:
    """已经打了120 is immediacy, not resolution: a decisive frame and no sign."""
    found, signs = frames.scan("3栋有个老人倒在楼道里叫不应，已经打了120了，快来人帮忙")
    assert any(h.decisive for h in found) and not signs


@pytest.mark.parametrize(
    "text",
    [
        "家里热得着火似的，空调也不管用",  # 似的 right after the state word
        "他急得像着火一样，到处找孩子的作业本",  # 像 … 一样
        "楼上两口子吵得跟打架一样，天天这样",  # a quarrel likened to a fight
        "这烟味大得跟着火了似的，谁家在熏腊肉",  # 了 between the state and 似的
    ],
)
def test_a_simile_after_the_state_word_is_no_hazard(frames: Frames, text: str) -> None:
    """着火似的, 像着火一样: the state is a figure of speech, the frame does not count."""
    assert [h for h in frames.find(text) if h.decisive] == [], text


@pytest.mark.parametrize(
    ("text", "frame"),
    [
        ("好像着火了，快来人", "fire"),  # 好像 before: a real report of what is seen
        ("3栋又着火了，跟上次一样，快打119", "fire"),  # 一样 in another clause
        ("楼下又着火了跟上次一样冒黑烟", "fire"),  # 一样 too far from the state word
    ],
)
def test_a_likeness_elsewhere_does_not_hide_a_hazard(
    frames: Frames, text: str, frame: str
) -> None:
    """Only a simile ending right after the state word, in its clause, makes it figurative."""
    hits = frames.find(text)
    assert hits and hits[0].frame == frame and hits[0].decisive, (text, hits)


@pytest.mark.parametrize(
    "text",
    [
        "婴儿车倒在地上了，谁家的",
        "楼道里那辆婴儿推车被压在自行车下面",
        "娃娃车翻了倒在地上，谁家的赶紧收一下",
    ],
)
def test_a_pram_is_not_a_baby(frames: Frames, text: str) -> None:
    """婴儿 inside 婴儿车 is no child at risk: the object's name is not a subject."""
    assert not [h for h in frames.find(text) if h.frame in ("person_down", "buried_trapped")]


def test_a_baby_in_a_pram_is_still_a_baby(frames: Frames) -> None:
    """The baby in the pram is still a subject: only the word inside the object's name goes."""
    hits = frames.find("婴儿车里的婴儿没反应了，快来人")
    assert hits and hits[0].cue() == "婴儿+没反应", hits


def test_an_extension_file_adds_objects_and_similes(tmp_path: Path) -> None:
    """Objects and similes are data: a community's file adds its own, no code change."""
    extra = tmp_path / "frames.toml"
    extra.write_text(
        'version = 1\n[objects]\nwords = ["娃娃菜"]\n[simile]\nwords = ["嘅样"]\n',
        encoding="utf-8",
    )
    shipped, extended = Frames.load(), Frames.load([extra])
    assert shipped.find("一筐娃娃菜倒在地上")  # 娃娃 + 倒在地 before the extension
    assert not extended.find("一筐娃娃菜倒在地上")
    assert shipped.find("热到着火嘅样") and not extended.find("热到着火嘅样")


def test_an_extension_file_replaces_a_frame_by_name(tmp_path: Path) -> None:
    """A community's file can add words and replace a shipped frame."""
    extra = tmp_path / "frames.toml"
    extra.write_text(
        'version = 1\n[subjects]\nperson = ["老革命"]\n'
        '[[frames]]\nname = "person_down"\nemergency = "medical"\n'
        'subjects = ["person"]\nstates = ["歇菜了"]\n',
        encoding="utf-8",
    )
    frames = Frames.load([extra])
    assert frames.find("楼下老革命歇菜了")[0].frame == "person_down"
    assert not any(h.frame == "person_down" for h in frames.find("老人倒在地上叫不应"))


def test_a_broken_frames_file_says_what_to_fix(tmp_path: Path) -> None:
    """Unknown keys, missing states and unknown groups are reported together."""
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[frames]]\nname = "x"\nsubjects = ["martians"]\nneeds = "later"\ncolour = 1\n',
        encoding="utf-8",
    )
    with pytest.raises(FramesError) as exc:
        Frames.load([bad])
    text = "\n".join(exc.value.errors)
    assert "states" in text and "martians" in text and "needs" in text and "colour" in text


@pytest.mark.parametrize(
    "text",
    [
        "车库卷帘门卡在一半了，人都是弯着腰钻过去的",
        "道闸杆卡在半空，人和车都得绕着走",
        "卷帘门卡住了，进出的人只能低头钻",
        "老年卡在哪儿办，我家老人七十了",
    ],
)
def test_a_stuck_door_is_not_a_trapped_person(frames: Frames, text: str) -> None:
    """卡在/卡住 pairs only with the body or person right before it, not one clause away."""
    assert not [h for h in frames.find(text) if h.decisive], frames.find(text)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("有个人被卡在卷帘门下面了", "人被卡在"),
        ("孩子的头卡在栏杆缝里拔不出来", "的头卡"),
        ("老人的腿卡在床和墙中间了，起不来", "腿卡在"),
        ("小孩刚才把头卡在阳台栏杆中间了", "把头卡"),
        ("工人卡在车底下了", "人卡在"),
    ],
)
def test_a_trapped_body_is_still_urgent(frames: Frames, text: str, cue: str) -> None:
    """The trapped cases keep a decisive frame with the trapped-person advice."""
    hits = frames.find(text)
    assert hits and hits[0].decisive and hits[0].emergency == "trapped", hits
    assert any(h.cue() == cue for h in hits), hits


@pytest.mark.parametrize(
    ("text", "live"),
    [
        ("地库有辆新能源车在冒烟，不知道是不是着火了", True),
        ("车棚里那个电瓶有没有冒烟，我看着像有烟", True),
        ("不是着火，是有人在烧纸", False),
        ("但是不冒烟了，应该没事", False),
    ],
)
def test_a_hedge_is_not_a_denial(frames: Frames, text: str, live: bool) -> None:
    """是不是/有没有 before a danger word asks about it: the frame stays; 不是/不 still denies."""
    states = {h.state for h in frames.find(text) if h.decisive}
    assert bool(states & {"着火", "冒烟"}) == live, frames.find(text)


@pytest.mark.parametrize(
    ("text", "decisive"),
    [
        ("车库有辆车在冒烟，好像是新能源的", True),
        ("停车场那辆电动车冒白烟了，不知道是不是电池", True),
        ("看新闻说外地有个地库新能源车自燃了", False),
        ("上个月隔壁小区电动车起火的事大家还记得吧", False),
        ("有辆黑色的车挡着了单元门，轮椅推不出去", False),
    ],
)
def test_a_vehicle_smoking_here_is_a_fire(frames: Frames, text: str, decisive: bool) -> None:
    """A car or e-bike smoking where it stands is a fire, hedged or not; one elsewhere is not."""
    hits = [h for h in frames.find(text) if h.frame == "vehicle_fire" and h.decisive]
    assert bool(hits) == decisive, frames.find(text)
    if decisive:
        assert frames.emergency(text) is not None
