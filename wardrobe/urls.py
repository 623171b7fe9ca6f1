app_name = "wardrobe"
urlpatterns: list = []
