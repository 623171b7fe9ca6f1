from django.urls import path, re_path

from wardrobe import live, organising_views, views

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
]
