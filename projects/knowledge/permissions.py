"""Who may do what in the knowledge base: the organisation role first, then authorship.

| action | granted by |
| --- | --- |
| read published articles and download their attachments | ``knowledge.view`` (every role) |
| read an unpublished article | its author, or ``knowledge.manage`` |
| write lessons learned and guides | ``knowledge.write`` |
| write standards, templates and training material | ``knowledge.manage`` |
| change or delete an article, upload or delete its files | ``knowledge.manage``, or its author with |
|  | ``knowledge.write`` while it is a lesson learned or a guide |
"""

from __future__ import annotations

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.roles import Capability
from projects.knowledge.models import Article

VIEW = Capability.KNOWLEDGE_VIEW
WRITE = Capability.KNOWLEDGE_WRITE
MANAGE = Capability.KNOWLEDGE_MANAGE

# What any writer may publish; the other kinds are the PMO's own standards and training material.
WRITER_KINDS = frozenset({Article.Kind.LESSON.value, Article.Kind.GUIDE.value})


def kinds_writable_by(access: OrgAccess) -> list[str]:
    """The article kinds ``access`` may create (or change an article into), in the order of ``Article.Kind``."""
    if access.can(MANAGE):
        return list(Article.Kind.values)
    if access.can(WRITE):
        return [kind for kind in Article.Kind.values if kind in WRITER_KINDS]
    return []


def can_write_kind(access: OrgAccess, kind: str) -> bool:
    return kind in kinds_writable_by(access)


def can_read(access: OrgAccess, article: Article) -> bool:
    if not access.can(VIEW):
        return False
    return article.published or article.author_id == access.membership.user_id or access.can(MANAGE)


def can_change(access: OrgAccess, article: Article) -> bool:
    """Edit and delete the article, and upload or delete its attachments."""
    if access.can(MANAGE):
        return True
    return access.can(WRITE) and article.author_id == access.membership.user_id and article.kind in WRITER_KINDS
