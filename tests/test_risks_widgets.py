"""``QuickSelect`` writes the same markup as Django's template-rendered ``Select`` (groups, a selected value,
attributes, text that needs escaping), and the register's filter bar renders through it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.test import Client

from risks.widgets import QuickSelect
from tests.conftest import OrgWorld

CHOICES: list[Any] = [
    ("", "All"),
    ("1", 'A & B <"quoted">'),
    (2, "Two"),
    ("Group <1>", [("g1", "In a group"), ("g2", "Also ' there")]),
    ("3", "Three"),
]


@pytest.mark.parametrize(
    ("value", "attrs"),
    [
        (None, None),
        ("1", {"id": "id_project", "class": "wide"}),
        (2, {"required": True, "disabled": False, "data-x": 'a"b'}),
        ("g2", {"id": "x"}),
        (["1", "g1"], None),
    ],
)
def test_the_markup_is_django_s(value: Any, attrs: dict[str, Any] | None) -> None:
    multiple = isinstance(value, list)
    django_widget = (forms.SelectMultiple if multiple else forms.Select)(choices=CHOICES)
    quick = QuickSelect(choices=CHOICES)
    quick.allow_multiple_selected = multiple

    assert quick.render("project", value, attrs) == django_widget.render("project", value, attrs)


def test_the_register_s_filter_bar_offers_every_visible_project(org_a: OrgWorld) -> None:
    client = Client()
    client.force_login(org_a.users["pmo"])

    content = client.get(f"/o/{org_a.slug}/risks/?project={org_a.projects[1].pk}").content.decode()

    select = re.search(r'<select name="project"[^>]*>(.*?)</select>', content, re.S)
    assert select is not None
    options = re.findall(r'<option value="(\d*)"( selected)?>([^<]*)</option>', select.group(1))
    assert options == [
        ("", "", "All"),
        *((str(p.pk), " selected" if p == org_a.projects[1] else "", f"{p.code} {p.name}") for p in org_a.projects),
    ]
