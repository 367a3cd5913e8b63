from django.urls import path, re_path

from core.text import ID_PATTERN

from .api import AvatarView, UserDirectoryView

urlpatterns = [
    path("", UserDirectoryView.as_view(), name="user-directory"),
    # A regex rather than the "id" converter, which chat/urls.py registers: a user id as
    # long as a BIGINT's, the file name as users/avatars.py writes it.
    re_path(
        "^(?P<user_id>" + ID_PATTERN + r")/avatar/(?P<name>[\w-]+\.(?:jpg|png))$",
        AvatarView.as_view(),
        name="user-avatar",
    ),
]
