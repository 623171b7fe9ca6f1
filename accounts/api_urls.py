from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/register/", api.RegisterApi.as_view(), name="api-register"),
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("account/preferences/", api.PreferencesApi.as_view(), name="api-account-preferences"),
    path("account/export/", api.ExportApi.as_view(), name="api-account-export"),
    path("account/import/", api.RestoreApi.as_view(), name="api-account-import"),
]
