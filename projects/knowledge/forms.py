from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from projects.knowledge.models import Article
from projects.knowledge.uploads import ACCEPT
from projects.models import Project

# Commas in either script (",", "，", "、") or semicolons separate tags.
_TAG_SEPARATORS = re.compile(r"[,，、;；]")
MAX_TAGS = 20


def split_tags(value: str) -> list[str]:
    return [tag.strip() for tag in _TAG_SEPARATORS.split(value or "") if tag.strip()]


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250)
    kind = forms.ChoiceField(label=_("Kind"))
    project = forms.ModelChoiceField(
        label=_("Project"),
        queryset=Project.dangerously_unscoped.none(),  # replaced per request in __init__
        required=False,
        empty_label=_("No project"),
        help_text=_("Lessons learned name the project they come from."),
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or two sentences shown in search results."),
    )
    category = forms.CharField(label=_("Category"), max_length=80, required=False)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separated by commas, for example: risk, gate review, 周报."),
    )
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "mono"}),
        help_text=_(
            "Markdown: # heading, **bold**, *italic*, - list, 1. list, `code`, > quote, [link](https://…), tables."
        ),
    )
    published = forms.BooleanField(
        label=_("Published"),
        required=False,
        initial=True,
        help_text=_("Drafts are visible only to you and the PMO."),
    )

    def __init__(self, *args: Any, kinds: list[str], projects: QuerySet[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Article.Kind.choices)
        kind_field: Any = self.fields["kind"]
        kind_field.choices = [(kind, labels[kind]) for kind in kinds]
        project_field: Any = self.fields["project"]
        project_field.queryset = projects.order_by("code")
        project_field.label_from_instance = lambda project: f"{project.code} · {project.name}"

    def clean_tags(self) -> list[str]:
        tags = split_tags(self.cleaned_data.get("tags", ""))
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(_("At most %(count)d tags.") % {"count": MAX_TAGS})
        if any(len(tag) > 40 for tag in tags):
            raise forms.ValidationError(_("A tag has at most 40 characters."))
        return tags


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), widget=forms.FileInput(attrs={"accept": ACCEPT}))
