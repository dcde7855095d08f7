"""The menus of both hosts, in one place: each item names the page's URL and the operation the
role table must allow for the item to show (the page itself checks the same operation)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from backend.accounts.policy import ConsoleAccess, Op, UnitAccess


@dataclass(frozen=True)
class Item:
    label: str
    url_name: str
    op: Op
    icon: str  # a Bootstrap Icons name

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:  # an area not built yet
            return None


WORKSPACE_MENU = (
    Item("工作台", "ws:home", Op.UNIT_VIEW, "speedometer2"),
    Item("项目", "ws:projects", Op.UNIT_VIEW, "folder2-open"),
    Item("绩效目标", "ws:goals", Op.UNIT_VIEW, "bullseye"),
    Item("审核", "ws:review", Op.GOAL_APPROVE, "clipboard-check"),
    Item("市院审核", "ws:review-city", Op.GOAL_CITY_REVIEW, "clipboard-check"),
    Item("运行监控", "ws:monitoring", Op.UNIT_VIEW, "activity"),
    Item("绩效自评", "ws:evaluations", Op.UNIT_VIEW, "calculator"),
    Item("结果应用", "ws:results", Op.UNIT_VIEW, "arrow-repeat"),
    Item("对标", "ws:benchmark", Op.UNIT_VIEW, "bar-chart-line"),
)

CONSOLE_MENU = (
    Item("首页", "console:home", Op.CONSOLE_VIEW, "speedometer2"),
    Item("单位与用户", "console:units", Op.UNIT_MANAGE, "diagram-3"),
    Item("指标库与模板", "console:templates", Op.TEMPLATE_MANAGE, "journal-text"),
    Item("审核", "console:review", Op.REVIEW, "clipboard-check"),
    Item("对标", "console:benchmark", Op.BENCHMARK_VIEW, "bar-chart-line"),
    Item("反馈与整改", "console:feedback", Op.FEEDBACK_SEND, "send"),
    Item("重点评价", "console:key-evaluations", Op.KEY_EVALUATION_MANAGE, "search"),
    Item("我的评价任务", "console:my-assignments", Op.KEY_EVALUATION_SCORE, "pencil-square"),
    Item("预算挂钩", "console:linkage", Op.LINKAGE_DECIDE, "cash-coin"),
)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    icon: str
    active: bool


def menu(items: tuple[Item, ...], access: UnitAccess | ConsoleAccess, path: str) -> list[Link]:
    shown = [
        (item, url) for item in items if (url := item.url()) is not None and access.allows(item.op)
    ]
    # The longest URL the path lies under is the active item (the console's 首页 is /console/,
    # under which every other console page lies too).
    matches = [url for _item, url in shown if (path == url if url == "/" else path.startswith(url))]
    current = max(matches, key=len, default=None)
    return [Link(item.label, url, item.icon, url == current) for item, url in shown]
