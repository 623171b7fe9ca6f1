from django.urls import path

from recommender import api, api_feedback, api_search

urlpatterns = [
    path("recommendations/", api.RecommendationsApi.as_view(), name="api-recommendations"),
    path("recommend/", api.RecommendApi.as_view(), name="api-recommend"),
    path("similar/", api.SimilarApi.as_view(), name="api-similar"),
    path("garments/<int:pk>/pairings/", api.PairingsApi.as_view(), name="api-garment-pairings"),
    path("garments/<int:pk>/suggestions/", api.GarmentSuggestionsApi.as_view(), name="api-garment-suggestions"),
    path("search/region/", api_search.RegionSearchApi.as_view(), name="api-search-region"),
    path("boards/pin-item/", api_search.PinItemApi.as_view(), name="api-board-pin-item"),
    path("feedback/", api_feedback.FeedbackApi.as_view(), name="api-feedback"),
    path("feedback/<int:item_id>/", api_feedback.FeedbackDetailApi.as_view(), name="api-feedback-detail"),
]
