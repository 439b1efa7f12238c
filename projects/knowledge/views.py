"""Pages of the knowledge base: search and browse, read, write, attachments."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from pmo.core.exports import Column, ExportableListMixin, attr
from pmo.core.listing import paginate, sort_choices
from pmo.tenancy.views_base import OrganizationViewMixin
from projects.knowledge import permissions, selectors, services
from projects.knowledge.downloads import attachment_response
from projects.knowledge.forms import ArticleForm, AttachmentForm
from projects.knowledge.models import Article, Attachment
from projects.knowledge.rendering import render_markdown
from projects.selectors import projects_visible_to


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _add_errors(form: Any, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class KnowledgeListView(OrganizationViewMixin, ExportableListMixin, TemplateView):
    nav_key = "knowledge"
    capability = permissions.VIEW
    template_name = "knowledge/list.html"
    export_name = "knowledge"

    @cached_property
    def params(self) -> dict[str, Any]:
        params = self.request.GET
        kind = params.get("kind", "")
        sort = params.get("sort", "")
        return {
            "query": params.get("q", "").strip()[:200],
            "kind": kind if kind in Article.Kind.values else "",
            "tag": params.get("tag", "").strip()[:40],
            "category": params.get("category", "").strip()[:80],
            "project_id": _int_or_none(params.get("project")),
            "sort": sort if sort.removeprefix("-") in selectors.ARTICLE_SORTS else "",
        }

    def articles(self) -> Any:
        return selectors.article_list(access=self.access, **self.params)

    def export_errors(self) -> dict[str, list[str]] | None:
        """The page ignores a kind, project or sort it does not know; the file names them instead (400)."""
        params = self.request.GET
        errors: dict[str, list[str]] = {}
        for name, known in (("kind", Article.Kind.values), ("sort", selectors.ARTICLE_SORTS)):
            value = params.get(name, "")
            if value and value.removeprefix("-" if name == "sort" else "") not in known:
                errors[name] = [
                    _("Select a valid choice. %(value)s is not one of the available choices.") % {"value": value}
                ]
        if params.get("project") and self.params["project_id"] is None:
            errors["project"] = [_("Enter a whole number.")]
        return errors or None

    def export_rows(self) -> Any:
        return self.articles()

    def export_title(self) -> str:
        return _("Knowledge base")

    def export_columns(self) -> list[Column]:
        base = self.request.build_absolute_uri("/")[:-1]
        slug = self.organization.slug
        return [
            Column(_("Title"), attr("title"), 40),
            Column(_("Kind"), attr("get_kind_display"), 14),
            Column(_("Category"), attr("category"), 18),
            Column(_("Tags"), attr("tags"), 24),
            Column(_("Summary"), attr("summary"), 50),
            Column(_("Project code"), attr("project.code"), 12),
            Column(_("Project"), attr("project.name"), 28),
            Column(_("Author"), lambda a: a.author.get_full_name() or a.author.email, 20),
            Column(_("Published"), attr("published"), 9),
            Column(_("Created"), attr("created_at"), 17),
            Column(_("Updated"), attr("updated_at"), 17),
            Column(_("Attachments"), attr("attachment_count"), 9),
            Column(_("Link"), lambda a: base + reverse("knowledge-detail", args=[slug, a.pk]), 40),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        params = self.params
        filters = {key: params[key] for key in ("query", "tag", "category", "project_id")}
        page, query_string = paginate(self.request, self.articles())
        rows = list(page.object_list)
        facets = selectors.article_facets(access=self.access, **filters)
        data.update(
            page=page,
            pager_query=query_string,
            articles=rows,
            total=page.paginator.count,
            query=params["query"],
            kind=params["kind"],
            tag=params["tag"],
            category=params["category"],
            sort=params["sort"],
            sort_options=sort_choices(selectors.ARTICLE_SORTS),
            filter_project=selectors.project_for_filter(access=self.access, project_id=params["project_id"]),
            project_id=params["project_id"],
            facets=facets,
            kind_tabs=[(value, label, facets.kinds.get(value, 0)) for value, label in Article.Kind.choices],
            all_kinds_count=sum(facets.kinds.values()),
            visible_projects=selectors.visible_project_ids(access=self.access, articles=rows),
            can_write=bool(permissions.kinds_writable_by(self.access)),
            filtered=any(params[key] for key in ("query", "kind", "tag", "category", "project_id")),
        )
        return data


class KnowledgeDetailView(OrganizationViewMixin, TemplateView):
    nav_key = "knowledge"
    capability = permissions.VIEW
    template_name = "knowledge/detail.html"

    def get_article(self) -> Article:
        return selectors.article_get_for_actor(access=self.access, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        article = kwargs.get("article") or self.get_article()
        project_visible = bool(
            article.project_id and selectors.visible_project_ids(access=self.access, articles=[article])
        )
        data.update(
            article=article,
            body_html=render_markdown(article.body),
            attachments=list(selectors.article_attachments(article=article)),
            can_change=permissions.can_change(self.access, article),
            project_visible=project_visible,
            related=selectors.related_articles(access=self.access, article=article),
            attachment_form=kwargs.get("attachment_form") or AttachmentForm(),
        )
        return data


class ArticleFormView(OrganizationViewMixin, TemplateView):
    """Create (no ``pk``) or edit an article."""

    nav_key = "knowledge"
    capability = permissions.WRITE
    template_name = "knowledge/form.html"
    article: Article | None = None

    def setup_article(self) -> None:
        if "pk" in self.kwargs:
            self.article = selectors.article_get_for_actor(access=self.access, pk=self.kwargs["pk"])
            if not permissions.can_change(self.access, self.article):
                raise PermissionDenied

    def build_form(self, data: Any = None) -> ArticleForm:
        kwargs: dict[str, Any] = {
            "kinds": permissions.kinds_writable_by(self.access),
            "projects": projects_visible_to(access=self.access),
        }
        if self.article is not None:
            a = self.article
            kwargs["initial"] = {
                "title": a.title,
                "kind": a.kind,
                "summary": a.summary,
                "category": a.category,
                "tags": ", ".join(a.tags),
                "project": a.project_id,
                "body": a.body,
                "published": a.published,
            }
        else:
            params = self.request.GET
            kwargs["initial"] = {
                "kind": params.get("kind") or Article.Kind.GUIDE,
                "project": _int_or_none(params.get("project")),
                "published": True,
            }
        return ArticleForm(data, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data.update(
            form=kwargs.get("form") or self.build_form(),
            article=self.article,
            categories=list(
                selectors.articles_visible_to(access=self.access)
                .exclude(category="")
                .order_by("category")
                .values_list("category", flat=True)
                .distinct()
            ),
        )
        return data

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_article()
        return self.render_to_response(self.get_context_data())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_article()
        form = self.build_form(request.POST)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            try:
                if self.article is None:
                    article = services.article_create(organization=self.organization, actor=request.user, **fields)
                    messages.success(request, _("Article created."))
                else:
                    article = services.article_update(
                        organization=self.organization, actor=request.user, article=self.article, **fields
                    )
                    messages.success(request, _("Article saved."))
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect("knowledge-detail", org_slug=self.organization.slug, pk=article.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ArticleDeleteView(OrganizationViewMixin, TemplateView):
    nav_key = "knowledge"
    capability = permissions.WRITE
    template_name = "knowledge/delete.html"

    def get_article(self) -> Article:
        article = selectors.article_get_for_actor(access=self.access, pk=self.kwargs["pk"])
        if not permissions.can_change(self.access, article):
            raise PermissionDenied
        return article

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        article = self.get_article()
        data.update(article=article, attachment_count=selectors.article_attachments(article=article).count())
        return data

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        article = self.get_article()
        services.article_delete(organization=self.organization, actor=request.user, article=article)
        messages.success(request, _("Article “%(title)s” deleted.") % {"title": article.title})
        return redirect("knowledge-list", org_slug=org_slug)


class AttachmentUploadView(KnowledgeDetailView):
    """POST a file to an article; a refused file shows the article again with the error (400)."""

    capability = permissions.WRITE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        article = self.get_article()
        if not permissions.can_change(self.access, article):
            raise PermissionDenied
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                attachment = services.attachment_create(
                    organization=self.organization,
                    actor=request.user,
                    article=article,
                    upload=form.cleaned_data["file"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("“%(name)s” attached.") % {"name": attachment.original_name})
                return redirect("knowledge-detail", org_slug=org_slug, pk=article.pk)
        return self.render_to_response(self.get_context_data(article=article, attachment_form=form), status=400)


def _attachment_of(view: OrganizationViewMixin, pk: Any, attachment_pk: Any) -> tuple[Article, Attachment]:
    article = selectors.article_get_for_actor(access=view.access, pk=pk)
    attachment = selectors.article_attachments(article=article).filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    return article, attachment


class AttachmentDownloadView(OrganizationViewMixin, View):
    capability = permissions.VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int, attachment_pk: int) -> FileResponse:
        _article, attachment = _attachment_of(self, pk, attachment_pk)
        return attachment_response(attachment)


class AttachmentDeleteView(OrganizationViewMixin, View):
    capability = permissions.WRITE

    def post(self, request: HttpRequest, org_slug: str, pk: int, attachment_pk: int) -> HttpResponse:
        article, attachment = _attachment_of(self, pk, attachment_pk)
        if not permissions.can_change(self.access, article):
            raise PermissionDenied
        services.attachment_delete(organization=self.organization, actor=request.user, attachment=attachment)
        messages.success(request, _("“%(name)s” removed.") % {"name": attachment.original_name})
        return redirect("knowledge-detail", org_slug=org_slug, pk=article.pk)
