"""The admin: staff see everything, and change it through chat/domain/staff.py, so every open
tab follows an admin's change as it follows a member's (no hard delete behind the sockets)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages

from .domain import staff
from .models import Ban, Membership, Message, Report, Room


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only the service layer creates or changes."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "joined"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "name", "visibility", "created_by", "created"]
    list_filter = ["kind", "visibility", "history_visible"]
    search_fields = ["name", "created_by__username"]
    fields = ["kind", "name", "visibility", "history_visible", "created_by", "created"]
    readonly_fields = ["kind", "created_by", "created"]
    inlines = [MembershipInline]
    actions = ["delete_rooms"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # groups are created over the API, 1-to-1s by their first message

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletes without telling the sockets
        return actions

    def save_model(self, request, obj, form, change) -> None:
        staff.room_changed(obj)

    def delete_model(self, request, obj) -> None:
        staff.delete_rooms([obj])

    @admin.action(description="Delete the selected rooms (their members' tabs leave them)")
    def delete_rooms(self, request, queryset) -> None:
        staff.delete_rooms(queryset)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["room", "user", "role"]

    def clean(self):
        cleaned = super().clean()
        room = cleaned.get("room")
        if self.instance.pk is None and room is not None:
            if room.kind == Room.Kind.DIRECT:
                raise forms.ValidationError("A 1-to-1 conversation has its two members for good.")
            if room.memberships.count() >= settings.CHAT_MAX_ROOM_MEMBERS:
                raise forms.ValidationError("This room is full.")
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ["id", "room", "user", "role", "joined"]
    list_filter = ["role", "room__kind"]
    search_fields = ["user__username", "room__name"]
    raw_id_fields = ["room", "user"]
    actions = ["remove_members"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # A 1-to-1 has its two plain members for good.
        return ["room", "user", "role"] if obj.room.kind == Room.Kind.DIRECT else ["room", "user"]

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.room.kind == Room.Kind.GROUP)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            added = staff.add_membership(obj.room, obj.user, obj.role)
            obj.pk, obj.joined = added.pk, added.joined
        elif "role" in form.changed_data:
            staff.change_membership(obj, obj.role)

    def delete_model(self, request, obj) -> None:
        staff.remove_memberships(Membership.objects.filter(pk=obj.pk))

    @admin.action(description="Remove the selected members (their tabs leave the room)")
    def remove_members(self, request, queryset) -> None:
        staff.remove_memberships(queryset.filter(room__kind=Room.Kind.GROUP))


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "room", "sender", "created", "edited", "deleted"]
    list_select_related = ["room", "sender"]
    list_filter = [("deleted", admin.EmptyFieldListFilter), "room__kind"]
    search_fields = ["body", "sender__username"]
    actions = ["delete_messages"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a hard delete would leave holes in history
        return actions

    def delete_model(self, request, obj) -> None:
        staff.delete_messages(Message.objects.filter(pk=obj.pk))

    @admin.action(description="Delete the selected messages (as their senders would)")
    def delete_messages(self, request, queryset) -> None:
        count = staff.delete_messages(queryset)
        self.message_user(request, f"{count} message(s) deleted.", messages.SUCCESS)


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "message", "reported_body", "reporter", "reason", "created", "resolved"]
    list_select_related = ["message", "reporter"]
    list_filter = [("resolved", admin.EmptyFieldListFilter)]
    search_fields = ["reason", "reported_body", "message__body", "reporter__username"]
    actions = ["resolve", "delete_reported_messages"]

    @admin.action(description="Mark the selected reports resolved")
    def resolve(self, request, queryset) -> None:
        staff.resolve_reports(queryset)

    @admin.action(description="Delete the reported messages, and resolve their reports")
    def delete_reported_messages(self, request, queryset) -> None:
        staff.delete_messages(Message.objects.filter(reports__in=queryset).distinct())
        staff.resolve_reports(queryset)


@admin.register(Ban)
class BanAdmin(ReadOnlyAdmin):
    list_display = ["id", "room", "user", "banned_by", "created"]
    list_select_related = ["room", "user", "banned_by"]
    search_fields = ["user__username", "room__name"]
