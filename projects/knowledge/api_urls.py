from rest_framework.routers import SimpleRouter

from projects.knowledge.api import ArticleAttachmentViewSet, ArticleViewSet

router = SimpleRouter(trailing_slash=True)
router.register("knowledge", ArticleViewSet, basename="api-knowledge")
router.register(
    r"knowledge/(?P<article_pk>[0-9]+)/attachments", ArticleAttachmentViewSet, basename="api-knowledge-attachment"
)

urlpatterns = router.urls
