"""Demo content of the portfolio app: portfolios, programmes and strategic objectives."""

from __future__ import annotations

from typing import Any

from pmo.tenancy.roles import Role
from portfolio.models import Portfolio, Programme, StrategicObjective


def seed_demo(demo: Any) -> None:
    org, users, t = demo.organization, demo.users, demo.text
    portfolios = {}
    for key, name, description in [
        (
            "digital",
            t("Digital Transformation", "数字化转型"),
            t("Systems customers and staff use every day.", "客户与员工每天使用的系统。"),
        ),
        ("product", t("Product Development", "产品研发"), t("New products for the market.", "面向市场的新产品。")),
        (
            "operations",
            t("Operational Excellence", "运营提升"),
            t("Cheaper and safer to run.", "更低成本、更安全地运营。"),
        ),
    ]:
        portfolios[key], _ = Portfolio.objects.get_or_create(
            organization=org, name=name, defaults={"description": description, "owner": users[Role.EXECUTIVE]}
        )
    for name, portfolio_key in [
        (t("Customer Experience Programme", "客户体验项目集"), "digital"),
        (t("Next-Generation Devices Programme", "新一代终端项目集"), "product"),
    ]:
        Programme.objects.get_or_create(
            organization=org,
            name=name,
            defaults={"portfolio": portfolios[portfolio_key], "manager": users[Role.PMO]},
        )
    for code, name, weight in [
        ("OBJ-1", t("Grow revenue from digital channels", "提升数字渠道收入"), 40),
        ("OBJ-2", t("Reduce operating cost by 10%", "运营成本降低 10%"), 30),
        ("OBJ-3", t("Launch two new product lines", "推出两条新产品线"), 30),
    ]:
        StrategicObjective.objects.get_or_create(organization=org, code=code, defaults={"name": name, "weight": weight})
