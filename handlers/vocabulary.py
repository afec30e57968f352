"""The stable codes of the design card and their Chinese labels for the UI."""

from __future__ import annotations

from typing import Final

CLASSES: Final = ("small", "urgent", "difficult", "none")
CLASS_LABELS: Final = {"small": "小事", "urgent": "急事", "difficult": "难事", "none": "非报事"}

ROUTE_BY_CLASS: Final[dict[str, str | None]] = {
    "small": "online",
    "urgent": "onsite",
    "difficult": "hall",
    "none": None,
}
ROUTE_LABELS: Final = {"online": "线上议", "onsite": "现场议", "hall": "会场议"}

CATEGORY_LABELS: Final = {
    "facility": "公共设施",
    "sanitation": "环境卫生",
    "parking": "停车",
    "noise": "噪音",
    "safety": "安全隐患",
    "utilities": "水电气",
    "elevator": "电梯",
    "construction": "违建装修",
    "property": "物业服务",
    "neighbor": "邻里纠纷",
    "greening": "绿化",
    "welfare": "民生服务",
    "other": "其他",
    "none": "无",
}
CATEGORIES: Final = tuple(CATEGORY_LABELS)

# What people type to name a class or a category in a command (改为 急事 水电气 T12): the labels,
# plus the short forms people use for the longer category labels. Never "none".
CLASS_WORDS: Final = {label: code for code, label in CLASS_LABELS.items() if code != "none"}
CATEGORY_WORDS: Final = {
    **{label: code for code, label in CATEGORY_LABELS.items() if code != "none"},
    "设施": "facility",
    "卫生": "sanitation",
    "安全": "safety",
    "水电": "utilities",
    "违建": "construction",
    "装修": "construction",
    "物业": "property",
    "邻里": "neighbor",
    "民生": "welfare",
}

STATES: Final = (
    "reported",
    "accepted",
    "in_progress",
    "resolved",
    "closed",
    "merged",
    "rejected",
    "reopened",
)
STATE_LABELS: Final = {
    "reported": "已登记",
    "accepted": "已受理",
    "in_progress": "处理中",
    "resolved": "已办结",
    "closed": "已结案",
    "merged": "已合并",
    "rejected": "已驳回",
    "reopened": "重新办理",
}
RATING_LABELS: Final = {"satisfied": "满意", "mostly": "基本满意", "unsatisfied": "不满意"}
OPEN_STATES: Final = frozenset({"reported", "accepted", "in_progress", "reopened"})

SIX_PARTIES: Final = ("secretary", "committee", "department", "unit", "property", "owners")
ROLES: Final = (*SIX_PARTIES, "grid_leader", "volunteer", "resident")
ROLE_LABELS: Final = {
    "secretary": "社区书记",
    "committee": "居委",
    "department": "职能部门",
    "unit": "辖区单位",
    "property": "物业",
    "owners": "业委会",
    "grid_leader": "网格长",
    "volunteer": "志愿者",
    "resident": "居民",
}

GROUP_KINDS: Final = ("six_party", "grid")
