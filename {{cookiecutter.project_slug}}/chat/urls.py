from django.urls import path
from rest_framework.routers import SimpleRouter
{% if cookiecutter.room_model != "group" %}
from .api.direct_views import (
    BlocksView,
    BlockView,
    DirectConversationView,
    HideConversationView,
)
{%- endif %}
{%- if cookiecutter.room_model != "direct" %}
from .api.group_views import GroupRoomViewSet, InvitationViewSet
{%- endif %}
from .api.profile_changes import ProfileChangesView
from .api.views import (
    MessageReactionsView,
    MessageReportsView,
    MessageSearchView,
    MessageView,
    RoomMessagesView,
{%- if cookiecutter.room_model == "direct" %}
    RoomViewSet,
{%- endif %}
)

router = SimpleRouter()
router.register("rooms", {{ "RoomViewSet" if cookiecutter.room_model == "direct" else "GroupRoomViewSet" }}, basename="room")
{%- if cookiecutter.room_model != "direct" %}
router.register("invitations", InvitationViewSet, basename="invitation")
{%- endif %}

urlpatterns = [
    *router.urls,
    path("rooms/<id:room_id>/messages/", RoomMessagesView.as_view(), name="room-messages"),
    path("messages/search/", MessageSearchView.as_view(), name="message-search"),
    path("messages/<id:message_id>/", MessageView.as_view(), name="message"),
    path(
        "messages/<id:message_id>/reactions/",
        MessageReactionsView.as_view(),
        name="message-reactions",
    ),
    path("messages/<id:message_id>/reports/", MessageReportsView.as_view(), name="message-reports"),
    # Under users/, as what it lists; here, as who is listed is who shares a room with you.
    path("users/changed/", ProfileChangesView.as_view(), name="user-changes"),
{%- if cookiecutter.room_model != "group" %}
    path("direct/", DirectConversationView.as_view(), name="direct"),
    path("rooms/<id:room_id>/hide/", HideConversationView.as_view(), name="room-hide"),
    path("blocks/", BlocksView.as_view(), name="blocks"),
    path("blocks/<id:user_id>/", BlockView.as_view(), name="block"),
{%- endif %}
]
