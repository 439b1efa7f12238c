"""Demo content of the knowledge base."""

from __future__ import annotations

from typing import Any

from pmo.tenancy.roles import Role
from projects.knowledge.models import Article
from projects.knowledge.services import article_create


def seed_demo(demo: Any) -> None:
    org, users, t = demo.organization, demo.users, demo.text
    if Article.objects.filter(organization=org).exists():
        return
    article_create(
        organization=org,
        actor=users[Role.PMO],
        kind=Article.Kind.STANDARD,
        title=t("Project status reporting standard", "项目周报规范"),
        summary=t("What a weekly status report contains and when it is due.", "项目周报的内容与提交时间。"),
        body=t(
            "## Weekly status\n\nEvery active project reports by **Friday 18:00**: RAG per dimension, "
            "percent complete, actual cost, forecast and escalations.",
            "## 项目周报\n\n所有进行中的项目须在**每周五 18:00** 前提交周报：各维度红黄绿状态、完成百分比、"
            "实际成本、预测及升级事项。",
        ),
        category=t("Standards", "规范"),
        tags=[t("status", "周报"), t("reporting", "报告")],
    )
