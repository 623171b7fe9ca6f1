from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script as a file of its own, so the page passes the CSP (no inline code).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("accounts.api_urls")),
    path("api/", include("wardrobe.api_urls")),
    path("api/", include("recommender.api_urls")),
    path("", include("recommender.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("wardrobe.urls")),
]
# Media files are never served from MEDIA_URL: closet photos go through owner-checked views and inventory photos
# through recommender:item-image, in development and production alike.
