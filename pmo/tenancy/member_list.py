"""The members page as a list: its filters (role, text) and sort, applied to ``organization_members``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pmo.core.listing import SortKey, sort_choices, sort_ordering
from pmo.tenancy.models import Membership
from pmo.tenancy.roles import Role


def _role_rank() -> Case:
    """Roles in the order of ``Role`` (administrator first), not alphabetically."""
    return Case(
        *[When(role=role, then=Value(rank)) for rank, role in enumerate(Role.values)],
        default=Value(len(Role.values)),
        output_field=IntegerField(),
    )


MEMBER_SORTS: dict[str, SortKey] = {
    "name": SortKey(pgettext_lazy("person", "Name"), ("user__full_name", "user__email")),
    "email": SortKey(_("E-mail"), ("user__email",)),
    "role": SortKey(_("Role"), (_role_rank(), "user__full_name", "user__email")),
    "joined": SortKey(_("Joined"), ("created_at", "user__email")),
}
MEMBER_DEFAULT_SORT = "name"


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All")), *Role.choices])
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sort = self.fields["sort"]
        assert isinstance(sort, forms.ChoiceField)
        sort.choices = sort_choices(MEMBER_SORTS)


def members_filtered(
    members: QuerySet[Membership], *, role: str = "", search: str = "", sort: str = MEMBER_DEFAULT_SORT
) -> QuerySet[Membership]:
    """``members`` (already the organisation's) narrowed by role and name/e-mail text, sorted."""
    if role:
        members = members.filter(role=role)
    if search:
        members = members.filter(Q(user__full_name__icontains=search) | Q(user__email__icontains=search))
    return members.order_by(*sort_ordering(sort, MEMBER_SORTS, default=MEMBER_DEFAULT_SORT))
