"""The admin (/admin/) for users and their roles: staff (``createuser --staff``, the demo
registrar) manage accounts there; each role is a Django group of that name."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "role_list", "is_active", "is_staff")
    list_filter = ("groups", "is_active", "is_staff")
    # Roles are what matter here; the individual permissions of an account are the exception.
    filter_horizontal = ("groups",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="roles")
    def role_list(self, user: User) -> str:
        return ", ".join(sorted(user.roles)) or "-"


admin.site.site_header = "Course enrollment administration"
admin.site.site_title = "Course enrollment admin"
admin.site.index_title = "Users and roles"
