from django.contrib import admin

from orgs.admin_base import ScopedAdmin

from .models import Member


@admin.register(Member)
class MemberAdmin(ScopedAdmin):
    list_display = ["person", "org", "category", "joined_on", "full_member_on", "status"]
    list_filter = ["category", "status"]
    search_fields = ["person__name", "org__name"]
    list_select_related = ["person", "org"]
    raw_id_fields = ["person", "org"]
