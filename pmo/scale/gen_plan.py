"""The shape of each tier: which organisations, how many projects each, in which language and PMO type, and the
vocabulary their names are made of. The shape does not depend on ``--seed`` (the benchmark relies on the sizes);
the seed only varies the content.

- **S**: ``scale-001`` … ``scale-003`` with 40, 12 and 8 projects (seconds; tests and quick checks).
- **M**: 50 organisations, 2,000 projects: ``scale-001`` has 400, ``scale-002`` exactly 40, the other 48 share
  1,560 on a Zipf-like curve (about 150 down to about 10).
- **L**: tier M plus ``scale-xl`` with 4,000 projects.

Every fourth organisation (``scale-003``, ``scale-007`` …) works in Chinese (``zh-hans``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pmo.tenancy.models import Organization

TIERS = ("S", "M", "L")
SLUG_PREFIX = "scale-"
XL_SLUG = "scale-xl"
M_TOTAL_PROJECTS = 2000
M_ORGANIZATIONS = 50
XL_PROJECTS = 4000


@dataclass(frozen=True)
class OrgPlan:
    slug: str
    name: str
    projects: int
    language: str
    pmo_type: str
    time_zone: str
    currency: str

    @property
    def chinese(self) -> bool:
        return self.language.startswith("zh")


ENGLISH_ORGS = [
    "Northwind Logistics", "Contoso Energy", "Fabrikam Manufacturing", "Tailspin Airlines", "Litware Software",
    "Adventure Works Retail", "Woodgrove Bank", "Proseware Health", "Wingtip Telecom", "Alpine Ski House",
    "Coho Vineyard Group", "Lucerne Publishing", "Margie's Travel", "Trey Research", "Blue Yonder Insurance",
    "Graphic Design Institute", "Humongous Insurance", "Fourth Coffee", "Wide World Importers", "Relecloud",
    "Southridge Video", "Consolidated Messenger", "City Power & Light", "Datum Corporation", "VanArsdel Foods",
    "Bellows College", "Munson's Pickles", "Nod Publishers", "School of Fine Art", "Tasmanian Traders",
    "First Up Consultants", "Best For You Organics", "Lamna Healthcare", "Liberty's Delightful Sinful Bakery",
    "Olympia Chemicals", "Quadrant Engineering", "Redwood Mining", "Sterling Freight", "Meridian Utilities",
]  # fmt: skip

CHINESE_ORGS = [
    "华东电力集团", "南方智造股份", "长江物流集团", "星辰通信科技", "华夏医药控股", "东方航空服务",
    "远景新能源", "海川银行", "云帆软件", "中原重工", "锦程零售集团", "天成汽车零部件", "北辰建设集团",
]  # fmt: skip

_PMO_TYPES = [
    Organization.PmoType.CONTROLLING,
    Organization.PmoType.DIRECTIVE,
    Organization.PmoType.CONTROLLING,
    Organization.PmoType.SUPPORTIVE,
]
_ENGLISH_ZONES = [("Asia/Shanghai", "CNY"), ("Europe/London", "GBP"), ("America/New_York", "USD")]


def _org_plan(index: int, projects: int, *, slug: str | None = None) -> OrgPlan:
    """The ``index``-th organisation (1-based) of a tier."""
    chinese = index % 4 == 3
    if chinese:
        name = CHINESE_ORGS[(index // 4) % len(CHINESE_ORGS)]
        zone, currency = "Asia/Shanghai", "CNY"
    else:
        name = ENGLISH_ORGS[(index - 1 - index // 4) % len(ENGLISH_ORGS)]
        zone, currency = _ENGLISH_ZONES[0] if index <= 4 else _ENGLISH_ZONES[index % len(_ENGLISH_ZONES)]
    return OrgPlan(
        slug=slug or f"{SLUG_PREFIX}{index:03d}",
        name=name,
        projects=projects,
        language="zh-hans" if chinese else "en",
        pmo_type=_PMO_TYPES[index % len(_PMO_TYPES)],
        time_zone=zone,
        currency=currency,
    )


def _zipf_sizes(count: int, total: int, exponent: float = 0.7, minimum: int = 8) -> list[int]:
    """``count`` sizes summing to ``total``, largest first, falling like 1/rank^exponent."""
    weights = [1 / (rank**exponent) for rank in range(1, count + 1)]
    scale = total / sum(weights)
    sizes = [max(minimum, round(weight * scale)) for weight in weights]
    sizes[0] += total - sum(sizes)
    return sizes


def tier_plans(tier: str) -> list[OrgPlan]:
    """The organisations of ``tier`` (``S``, ``M`` or ``L``), in generation order."""
    if tier == "S":
        return [_org_plan(1, 40), _org_plan(2, 12), _org_plan(3, 8)]
    others = _zipf_sizes(M_ORGANIZATIONS - 2, M_TOTAL_PROJECTS - 400 - 40)
    plans = [_org_plan(1, 400), _org_plan(2, 40)] + [
        _org_plan(index, size) for index, size in enumerate(others, start=3)
    ]
    if tier == "L":
        plans.append(_org_plan(M_ORGANIZATIONS + 1, XL_PROJECTS, slug=XL_SLUG))
    return plans


# --- Vocabulary ----------------------------------------------------------------------------------------------------

PROJECT_AREAS_EN = [
    "Customer", "Supply Chain", "Finance", "HR", "Warehouse", "Retail", "Data", "Cloud", "Mobile", "Payments",
    "Logistics", "Procurement", "Field Service", "Manufacturing", "Quality", "Security", "Analytics", "Partner",
    "Billing", "Marketing", "Treasury", "Sales", "Service Desk", "Product", "Plant", "Fleet", "Compliance",
]  # fmt: skip
PROJECT_THINGS_EN = [
    "Portal", "Platform", "Automation", "Migration", "Upgrade", "Integration", "Modernisation", "Rollout",
    "Consolidation", "Replacement", "Dashboard", "Self-Service", "Data Lake", "API Gateway", "Redesign",
    "Digitisation", "Optimisation", "Onboarding", "Cloud Move", "Harmonisation",
]  # fmt: skip
PROJECT_SUFFIX_EN = ["", "", "", " Phase 2", " (EMEA)", " (APAC)", " Wave 3", " Pilot", " (Americas)"]

PROJECT_AREAS_ZH = ["华东区", "华南区", "集团", "总部", "西南区", "海外", "华北区", "制造基地", "研发中心"]
PROJECT_DOMAINS_ZH = [
    "供应链", "财务", "客户服务", "智能制造", "仓储", "数据", "云平台", "移动办公", "采购", "质量管理", "营销",
    "人力资源", "安全生产", "物流", "渠道", "产品研发",
]  # fmt: skip
PROJECT_KINDS_ZH = ["数字化", "系统升级", "平台建设", "流程优化", "迁移", "一体化", "自动化改造", "智能化"]
PROJECT_SUFFIX_ZH = ["项目", "项目", "一期", "二期", "试点", "项目"]

PORTFOLIOS = [
    ("Digital Transformation", "数字化转型"),
    ("Product Development", "产品研发"),
    ("Operational Excellence", "运营提升"),
    ("Infrastructure", "基础设施"),
    ("Regulatory and Compliance", "合规与监管"),
    ("Growth Markets", "新兴市场"),
    ("Customer Experience", "客户体验"),
    ("Sustainability", "可持续发展"),
]
PROGRAMME_KINDS = [("Programme", "项目集"), ("Transformation Programme", "变革项目集")]

OBJECTIVES = [
    ("Grow revenue from digital channels", "提升数字渠道收入", 30),
    ("Reduce operating cost by 10%", "运营成本降低 10%", 25),
    ("Launch two new product lines", "推出两条新产品线", 20),
    ("Meet the new regulatory requirements", "满足新的监管要求", 15),
    ("Halve the carbon footprint by 2030", "2030 年碳排放减半", 10),
]

TAGS = [
    ("digital", "数字化"), ("customer", "客户"), ("data", "数据"), ("cloud", "云"), ("hardware", "硬件"),
    ("regulatory", "监管"), ("cost", "降本"), ("product", "产品"), ("esg", "ESG"), ("security", "安全"),
]  # fmt: skip

EXTRA_MANAGER_NAMES_EN = [
    "Jordan Blake", "Taylor Reed", "Casey Morgan", "Riley Chen", "Avery Patel", "Quinn Foster", "Drew Hayes",
    "Parker Lee", "Rowan Scott", "Skyler Ward", "Reese Cooper", "Hayden Brooks", "Emerson Gray", "Finley Shaw",
]  # fmt: skip
EXTRA_MANAGER_NAMES_ZH = ["周经理", "吴经理", "郑经理", "孙经理", "钱经理", "冯经理", "陈经理", "褚经理", "卫经理"]
ROLE_NAMES_EN = {
    "admin": "Alex Admin",
    "pmo": "Pat Office",
    "executive": "Erin Executive",
    "manager": "Morgan Manager",
    "member": "Sam Member",
    "viewer": "Vic Viewer",
}
ROLE_NAMES_ZH = {
    "admin": "王管理",
    "pmo": "李项目办",
    "executive": "张总",
    "manager": "刘经理",
    "member": "陈成员",
    "viewer": "赵访客",
}
