from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView



class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI's bundle sets inline styles on its elements, so the docs page alone allows inline styles
    (settings.API_DOCS_CONTENT_SECURITY_POLICY); its scripts are still files only."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = settings.API_DOCS_CONTENT_SECURITY_POLICY
        return response


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script as a file of its own, so the page passes the CSP (no inline code).
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("accounts.api_urls")),
    path("api/", include("wardrobe.api_urls")),
    path("api/", include("recommender.api_urls")),
    path("", include("recommender.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("wardrobe.urls")),
]
# Media files are never served from MEDIA_URL: closet photos go through owner-checked views and inventory photos
# through recommender:item-image, in development and production alike.
