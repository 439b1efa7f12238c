"""``/api/v1/orgs/<org>/knowledge/``: articles (search, read with sanitised HTML, write) and their attachments.

Reads follow ``projects.knowledge.permissions``: a draft of someone else is 404 like a missing article; an article
the caller may read but not change answers 403 to writes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import SortKeysMixin
from pmo.tenancy.api_base import OrganizationViewSet
from projects.knowledge import filters, permissions, selectors, services
from projects.knowledge.downloads import attachment_response
from projects.knowledge.forms import MAX_TAGS
from projects.knowledge.models import Article, Attachment
from projects.knowledge.rendering import render_markdown
from projects.knowledge.uploads import FILE_TYPES
from projects.selectors import projects_visible_to

TAGS = ["knowledge"]

# --- Output


class ArticleProjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ArticlePersonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")


class ArticleAttachmentOutput(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    uploaded_by = ArticlePersonOutput()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "content_type", "uploaded_by", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, attachment: Attachment) -> str:
        return reverse(
            "api-knowledge-attachment-download",
            kwargs={"org_slug": self.context["org_slug"], "article_pk": attachment.article_id, "pk": attachment.pk},
        )


class ArticleOutput(serializers.ModelSerializer):
    """``project`` is given only when the caller may open that project, otherwise it is null."""

    author = ArticlePersonOutput()
    project = serializers.SerializerMethodField()
    attachment_count = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "kind",
            "title",
            "summary",
            "category",
            "tags",
            "project",
            "author",
            "published",
            "attachment_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_attachment_count(self, article: Article) -> int:
        """Counted in the list query; a single article passes its attachments in the context."""
        if "attachments" in self.context:
            return len(self.context["attachments"])
        return int(getattr(article, "attachment_count", 0))

    @extend_schema_field(ArticleProjectOutput(allow_null=True))
    def get_project(self, article: Article) -> dict[str, Any] | None:
        if not article.project_id or article.project_id not in self.context["visible_projects"]:
            return None
        return dict(ArticleProjectOutput(article.project).data)


class ArticleDetailOutput(ArticleOutput):
    body_html = serializers.SerializerMethodField(help_text="The body rendered from Markdown and sanitised.")
    attachments = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()

    class Meta(ArticleOutput.Meta):
        fields = [*ArticleOutput.Meta.fields, "body", "body_html", "attachments", "can_edit"]
        read_only_fields = fields

    def get_body_html(self, article: Article) -> str:
        return str(render_markdown(article.body))

    @extend_schema_field(ArticleAttachmentOutput(many=True))
    def get_attachments(self, article: Article) -> list[Any]:
        return list(ArticleAttachmentOutput(self.context["attachments"], many=True, context=self.context).data)

    def get_can_edit(self, article: Article) -> bool:
        return permissions.can_change(self.context["access"], article)


# --- Input


class ArticleInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Article.Kind.choices, required=False)
    title = serializers.CharField(max_length=250)
    summary = serializers.CharField(max_length=500, required=False, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    category = serializers.CharField(max_length=80, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), max_length=MAX_TAGS, required=False)
    project = serializers.IntegerField(required=False, allow_null=True, help_text="A project you may read")
    published = serializers.BooleanField(required=False)

    def validate_project(self, value: int | None) -> Any:
        if value is None:
            return None
        project = projects_visible_to(access=self.context["access"]).filter(pk=value).first()
        if project is None:
            raise serializers.ValidationError(_("Choose a valid project."))
        return project


class ArticleAttachmentInput(serializers.Serializer):
    file = serializers.FileField(help_text="pdf, docx, xlsx, pptx, png, jpg, txt, md or csv; at most 10 MB")


def _check_kind(access: Any, kind: str | None) -> None:
    if kind is not None and not permissions.can_write_kind(access, kind):
        raise exceptions.PermissionDenied(_("You may not write articles of this kind."))


# --- Views

ARTICLE_ID = OpenApiParameter("article_pk", OpenApiTypes.INT, OpenApiParameter.PATH)
# A download answers the file with the content type it was stored with: one of the accepted upload types.
DOWNLOAD_RESPONSES: dict[Any, Any] = {
    (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file")
    for media_type in sorted({file_type.content_type.split(";")[0] for file_type in FILE_TYPES.values()})
}


@extend_schema_view(
    list=extend_schema(tags=TAGS, responses=ArticleOutput(many=True)),
    retrieve=extend_schema(tags=TAGS, responses=ArticleDetailOutput),
    create=extend_schema(tags=TAGS, request=ArticleInput, responses={201: ArticleDetailOutput}),
    partial_update=extend_schema(tags=TAGS, request=ArticleInput, responses=ArticleDetailOutput),
    destroy=extend_schema(tags=TAGS, responses={204: None}),
)
class ArticleViewSet(SortKeysMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Articles of the knowledge base. ``?q=`` searches titles, summaries, text, categories and tags (Chinese and
    English; best match first); ``?kind=``, ``?tag=``, ``?category=``, ``?project=`` filter; newest first unless
    ``ordering`` is given."""

    model = Article
    serializer_class = ArticleOutput
    filterset_class = filters.ArticleFilterSet
    sort_keys = selectors.ARTICLE_SORTS
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    capabilities = {
        "list": permissions.VIEW,
        "retrieve": permissions.VIEW,
        "create": permissions.WRITE,
        "partial_update": permissions.WRITE,
        "destroy": permissions.WRITE,
    }

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        articles = selectors.articles_visible_to(access=self.access, queryset=queryset)
        if self.action == "list":
            return articles.order_by("-updated_at", "-pk")
        return articles.select_related("author", "project")

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context.update(org_slug=self.kwargs.get("org_slug", ""), access=getattr(self, "access", None))
        return context

    def _detail(self, article: Article, *, status_code: int = status.HTTP_200_OK) -> Response:
        context = {
            **self.get_serializer_context(),
            "visible_projects": selectors.visible_project_ids(access=self.access, articles=[article]),
            "attachments": list(selectors.article_attachments(article=article)),
        }
        return Response(ArticleDetailOutput(article, context=context).data, status=status_code)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        articles = selectors.with_list_details(self.filter_queryset(self.get_queryset()))
        rows = list(self.paginate_queryset(articles) or [])
        context = {
            **self.get_serializer_context(),
            "visible_projects": selectors.visible_project_ids(access=self.access, articles=rows),
        }
        return self.get_paginated_response(ArticleOutput(rows, many=True, context=context).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ArticleInput(data=request.data, context={"access": self.access})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.setdefault("kind", Article.Kind.GUIDE)
        _check_kind(self.access, fields["kind"])
        article = services.article_create(organization=self.organization, actor=request.user, **fields)
        return self._detail(article, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        article = self.get_object()
        if not permissions.can_change(self.access, article):
            raise exceptions.PermissionDenied()
        data = ArticleInput(data=request.data, partial=True, context={"access": self.access})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        _check_kind(self.access, fields.get("kind"))
        updated = services.article_update(organization=self.organization, actor=request.user, article=article, **fields)
        updated.author = article.author
        return self._detail(updated)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        article = self.get_object()
        if not permissions.can_change(self.access, article):
            raise exceptions.PermissionDenied()
        services.article_delete(organization=self.organization, actor=request.user, article=article)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(tags=TAGS, parameters=[ARTICLE_ID]),
    retrieve=extend_schema(tags=TAGS, parameters=[ARTICLE_ID]),
    create=extend_schema(tags=TAGS, parameters=[ARTICLE_ID], request={"multipart/form-data": ArticleAttachmentInput},
                         responses={201: ArticleAttachmentOutput}),
    destroy=extend_schema(tags=TAGS, parameters=[ARTICLE_ID], responses={204: None}),
    download=extend_schema(tags=TAGS, parameters=[ARTICLE_ID], responses=DOWNLOAD_RESPONSES),
)  # fmt: skip
class ArticleAttachmentViewSet(SortKeysMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Files of an article: anyone who may read the article lists and downloads them; its author (lessons and
    guides) and knowledge managers upload and delete."""

    model = Attachment
    serializer_class = ArticleAttachmentOutput
    sort_keys = filters.ATTACHMENT_SORTS
    ordering = ["uploaded"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "delete", "head", "options"]
    capabilities = {
        "list": permissions.VIEW,
        "retrieve": permissions.VIEW,
        "download": permissions.VIEW,
        "create": permissions.WRITE,
        "destroy": permissions.WRITE,
    }
    article: Article

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.article = selectors.article_get_for_actor(access=self.access, pk=kwargs["article_pk"])

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(article=self.article).select_related("uploaded_by")

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["org_slug"] = self.kwargs.get("org_slug", "")
        return context

    def _require_change(self) -> None:
        if not permissions.can_change(self.access, self.article):
            raise exceptions.PermissionDenied()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._require_change()
        data = ArticleAttachmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = services.attachment_create(
            organization=self.organization, actor=request.user, article=self.article, upload=data.validated_data["file"]
        )
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._require_change()
        services.attachment_delete(organization=self.organization, actor=request.user, attachment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["get"], url_path="download")
    def download(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return attachment_response(self.get_object())
