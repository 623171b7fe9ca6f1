from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from accounts import api

urlpatterns = [
    path("auth/register/", api.RegisterApi.as_view(), name="api-register"),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("account/export/", api.ExportApi.as_view(), name="api-account-export"),
    path("account/import/", api.RestoreApi.as_view(), name="api-account-import"),
]
