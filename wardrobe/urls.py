from django.urls import path, re_path

from wardrobe import live, log_views, organising_views, outfit_views, views

app_name = "wardrobe"
urlpatterns = [
    path("", views.home, name="home"),
    path("closet/", views.closet, name="closet"),
    path("closet/upload/", views.garment_upload, name="garment-upload"),
    path("closet/live/", live.garment_states, name="live-states"),
    path("closet/bulk/", organising_views.garment_bulk_edit, name="garment-bulk-edit"),
    path("closet/import/", organising_views.closet_csv_import, name="closet-import"),
    path("closet/<int:pk>/archive/", organising_views.garment_archive, name="garment-archive"),
    path("closet/<int:pk>/unarchive/", organising_views.garment_unarchive, name="garment-unarchive"),
    path("closet/<int:pk>/retry/", live.garment_retry, name="garment-retry"),
    path("closet/<int:pk>/", views.garment_detail, name="garment-detail"),
    path("closet/<int:pk>/edit/", views.garment_edit, name="garment-edit"),
    path("closet/<int:pk>/delete/", views.garment_delete, name="garment-delete"),
    re_path(r"^closet/(?P<pk>[0-9]+)/photo/(?P<variant>full|thumb)\.jpg$", views.garment_image, name="garment-image"),
    path("outfits/", outfit_views.outfit_list, name="outfit-list"),
    path("outfits/new/", outfit_views.outfit_create, name="outfit-create"),
    path("outfits/suggest/", outfit_views.outfit_suggest, name="outfit-suggest"),
    path("outfits/<int:pk>/", outfit_views.outfit_detail, name="outfit-detail"),
    path("outfits/<int:pk>/edit/", outfit_views.outfit_edit, name="outfit-edit"),
    path("outfits/<int:pk>/delete/", outfit_views.outfit_delete, name="outfit-delete"),
    path("outfits/<int:pk>/cover.jpg", outfit_views.outfit_cover, name="outfit-cover"),
    path("wears/log/", log_views.wear_log, name="wear-log"),
    path("wears/<int:pk>/delete/", log_views.wear_delete, name="wear-delete"),
    path("plans/new/", log_views.plan_create, name="plan-create"),
    path("plans/<int:pk>/delete/", log_views.plan_delete, name="plan-delete"),
    path("plans/<int:pk>/worn/", log_views.plan_worn, name="plan-worn"),
    path("calendar/", log_views.calendar_month, name="calendar"),
    path("calendar/<str:day>/", log_views.calendar_day, name="calendar-day"),
    path("insights/", log_views.insights_page, name="insights"),
]
