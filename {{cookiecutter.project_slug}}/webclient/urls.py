from django.urls import path

from .views import ChatClientView, favicon

urlpatterns = [
    path("", ChatClientView.as_view(), name="webclient"),
    path("favicon.ico", favicon, name="favicon"),
]
