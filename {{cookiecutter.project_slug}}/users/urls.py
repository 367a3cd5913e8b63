from django.urls import path, re_path

from core.text import ID_PATTERN

from .api import AvatarView, UserDirectoryView

urlpatterns = [
    path("", UserDirectoryView.as_view(), name="user-directory"),
    # A regex rather than the "id" converter, which chat/urls.py registers: a user id as
    # long as a BIGINT's, the file name as users/avatars.py writes it.
    re_path(
        rf"^(?P<user_id>{ID_PATTERN})/avatar/(?P<name>[0-9a-f]{{16}}\.(?:jpg|png))$",
        AvatarView.as_view(),
        name="user-avatar",
    ),
]
