from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "party"
    verbose_name = "基层党组织"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from orgs.models import PERSON_SCOPE_LINKS, Position
        from orgs.scoping import under_paths
        from party import home, media, navigation, tasks  # noqa: F401  (home, files, menu, jobs, audit codes)
        from party import rules as rule_data
        from party.compliance import rules as compliance_rules
        from party.membership.models import Member
        from party.talks.services import position_saved

        # A branch's members are visible wherever the branch is.
        PERSON_SCOPE_LINKS.append(lambda paths: Member.objects.filter(under_paths(paths)).values("person_id"))
        # A post appointed late, ended or corrected: the talks' posts of the day follow it.
        post_save.connect(position_saved, sender=Position, dispatch_uid="party.talks.services.position_saved")
        # Rule data edited in this process is read afresh at once (party.rules keeps a copy).
        from party.rules.models import RuleParameter

        for signal in (post_save, post_delete):
            signal.connect(
                rule_data.forget,
                sender=RuleParameter,
                dispatch_uid=f"party.rules.forget.{signal is post_save}",
            )
        # The compliance rules register themselves (party.compliance.registry).
        compliance_rules.load()
