from django.urls import path

from wardrobe import api, organising_api

urlpatterns = [
    path("garments/", api.GarmentListApi.as_view(), name="api-garment-list"),
    path("garments/batch/", api.GarmentBatchApi.as_view(), name="api-garment-batch"),
    path("garments/bulk/", organising_api.GarmentBulkEditApi.as_view(), name="api-garment-bulk-edit"),
    path("garments/import/csv/", organising_api.ClosetCsvImportApi.as_view(), name="api-closet-csv-import"),
    path("garments/<int:pk>/", api.GarmentDetailApi.as_view(), name="api-garment-detail"),
    path("garments/<int:pk>/image/", api.GarmentImageApi.as_view(), name="api-garment-image"),
    path("garments/<int:pk>/thumbnail/", api.GarmentThumbnailApi.as_view(), name="api-garment-thumbnail"),
]
