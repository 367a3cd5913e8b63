from django.urls import path

from .auth_{{ cookiecutter.auth }} import urlpatterns as auth_mode_urlpatterns
from .views import LogoutEverywhereView, MeView, PasswordView, RegisterView

urlpatterns = [
    path("register/", RegisterView.as_view(), name="register"),
    path("me/", MeView.as_view(), name="me"),
    path("password/", PasswordView.as_view(), name="password"),
    path("logoutall/", LogoutEverywhereView.as_view(), name="logoutall"),
    *auth_mode_urlpatterns,
]
