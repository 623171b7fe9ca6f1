from django.urls import path, re_path

from recommender import views

app_name = "recommender"
urlpatterns = [
    path("for-you/", views.for_you, name="for-you"),
    path("for-you/liked/", views.liked, name="liked"),
    path("for-you/feedback/", views.feedback, name="feedback"),
    path("for-you/shop-for/", views.shop_for, name="shop-for"),
    path("similar/", views.similar, name="similar"),
    path("similar/item/<int:pk>/", views.similar_item, name="similar-item"),
    path("closet/<int:pk>/similar/", views.similar_garment, name="similar-garment"),
    path("closet/<int:pk>/style/", views.style_this, name="style-this"),
    path("search/board-photo/<int:pk>/", views.search_board_photo, name="search-board-photo"),
    path("search/closet-photo/<int:pk>/", views.search_garment_photo, name="search-garment-photo"),
    path("shop/items/<int:pk>/pin/", views.pin_item, name="pin-item"),
    re_path(r"^shop/items/(?P<pk>[0-9]+)/(?P<variant>full|thumb)\.jpg$", views.item_image, name="item-image"),
]
