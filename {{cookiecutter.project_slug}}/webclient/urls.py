from django.urls import path

from .views import ChatClientView

urlpatterns = [path("", ChatClientView.as_view(), name="webclient")]
