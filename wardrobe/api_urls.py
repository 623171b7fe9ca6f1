from django.urls import path

from wardrobe import api, board_api, closet_api, organising_api

urlpatterns = [
    path("garments/", api.GarmentListApi.as_view(), name="api-garment-list"),
    path("garments/batch/", api.GarmentBatchApi.as_view(), name="api-garment-batch"),
    path("garments/bulk/", organising_api.GarmentBulkEditApi.as_view(), name="api-garment-bulk-edit"),
    path("garments/import/csv/", organising_api.ClosetCsvImportApi.as_view(), name="api-closet-csv-import"),
    path("garments/<int:pk>/", api.GarmentDetailApi.as_view(), name="api-garment-detail"),
    path("garments/<int:pk>/image/", api.GarmentImageApi.as_view(), name="api-garment-image"),
    path("garments/<int:pk>/thumbnail/", api.GarmentThumbnailApi.as_view(), name="api-garment-thumbnail"),
    path("garments/<int:pk>/cutout/", api.GarmentCutoutApi.as_view(), name="api-garment-cutout"),
    path("outfits/", closet_api.OutfitListApi.as_view(), name="api-outfit-list"),
    path("outfits/<int:pk>/", closet_api.OutfitDetailApi.as_view(), name="api-outfit-detail"),
    path("outfits/<int:pk>/cover/", closet_api.OutfitCoverApi.as_view(), name="api-outfit-cover"),
    path("wears/", closet_api.WearListApi.as_view(), name="api-wear-list"),
    path("wears/<int:pk>/", closet_api.WearDetailApi.as_view(), name="api-wear-detail"),
    path("plans/", closet_api.PlanListApi.as_view(), name="api-plan-list"),
    path("plans/<int:pk>/", closet_api.PlanDetailApi.as_view(), name="api-plan-detail"),
    path("calendar/", closet_api.CalendarApi.as_view(), name="api-calendar"),
    path("insights/", closet_api.InsightsApi.as_view(), name="api-insights"),
    path("boards/", board_api.BoardListApi.as_view(), name="api-board-list"),
    path("boards/<int:pk>/", board_api.BoardDetailApi.as_view(), name="api-board-detail"),
    path("boards/<int:pk>/photos/", board_api.BoardPhotoListApi.as_view(), name="api-board-photo-list"),
    path("board-photos/<int:pk>/", board_api.BoardPhotoDetailApi.as_view(), name="api-board-photo-detail"),
    path("board-photos/<int:pk>/image/", board_api.BoardPhotoImageApi.as_view(), name="api-board-photo-image"),
    path("inspiration/", board_api.InspirationBlendApi.as_view(), name="api-inspiration-blend"),
]
