from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class ProfileUserAdmin(UserAdmin):
    fieldsets = [*UserAdmin.fieldsets, ("Profile", {"fields": ["display_name", "avatar"]})]
    # Avatars change through the API only, which re-encodes them (users/avatars.py): a file
    # uploaded here would be stored, and served, exactly as uploaded.
    readonly_fields = ["avatar"]
    search_fields = [*UserAdmin.search_fields, "display_name"]
