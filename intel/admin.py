from django.contrib import admin

from .models import KeywordRule, ModelVersion, SuggestionFeedback


@admin.register(KeywordRule)
class KeywordRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "words", "active", "updated_at")
    list_filter = ("active",)
    search_fields = ("words", "category__name")

    def has_delete_permission(self, request, obj=None):
        return False  # configuration: switch a rule off instead


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "n_train", "n_test", "n_classes", "macro_f1", "accuracy", "active")
    readonly_fields = [f.name for f in ModelVersion._meta.fields if f.name != "active"]

    def has_add_permission(self, request):
        return False  # versions come from training (luoshi intel train / the daily job)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SuggestionFeedback)
class SuggestionFeedbackAdmin(admin.ModelAdmin):
    list_display = ("created_at", "case", "kind", "model_version", "source", "final_name", "accepted")
    list_filter = ("kind", "accepted", "source")
    readonly_fields = [f.name for f in SuggestionFeedback._meta.fields]

    def has_add_permission(self, request):
        return False  # recorded by registration / dispatch

    def has_delete_permission(self, request, obj=None):
        return False
