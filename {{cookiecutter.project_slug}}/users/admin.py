from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import ngettext

from accounts.deletion import delete_account

from .credentials import end_every_credential
from .models import User


@admin.register(User)
class ProfileUserAdmin(UserAdmin):
    fieldsets = [*UserAdmin.fieldsets, ("Profile", {"fields": ["display_name", "avatar"]})]
    # Avatars change through the API only, which re-encodes them (users/avatars.py): a file
    # uploaded here would be stored, and served, exactly as uploaded.
    readonly_fields = ["avatar"]
    search_fields = [*UserAdmin.search_fields, "display_name"]
    actions = ["sign_out_everywhere"]

    def get_deleted_objects(self, objs, request):
        # The service ends the memberships as leaving does: the admin's own refusal to delete a
        # 1-to-1's membership (chat/admin.py) must not forbid deleting the account.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request, obj):
        # As the user deleting their account: a group they own passes on, and the people who
        # shared a room with them hear of it at once (a plain delete left groups ownerless).
        delete_account(obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            delete_account(user)

    @admin.action(
        description="Sign the selected users out everywhere (a stolen login, a lost phone)",
        permissions=["change"],
    )
    def sign_out_everywhere(self, request, queryset):
        # As the user's own POST /api/auth/logoutall/ does, one user at a time.
        users = list(queryset)
        for user in users:
            end_every_credential(user)
        signed_out = ngettext("%d user is", "%d users are", len(users)) % len(users)
        self.message_user(request, f"{signed_out} signed out everywhere.")
