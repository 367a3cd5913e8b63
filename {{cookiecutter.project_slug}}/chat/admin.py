from django.contrib import admin

from .models import Membership, Message, Room


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user", "last_read_message"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "name", "created_by", "created"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["created_by"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["id", "room", "user", "role", "joined"]
    list_filter = ["role"]
    raw_id_fields = ["room", "user", "last_read_message"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "room", "sender", "created", "edited", "deleted"]
    list_select_related = ["room", "sender"]
    search_fields = ["body"]
    raw_id_fields = ["room", "sender"]
