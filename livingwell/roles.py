"""The permissions each role's group carries. Data migrations call ``sync_role_groups``.

Model permissions say what a role may do at all; which rows it may do it to is decided by the
scoped selectors and guardian's object permissions.
"""

from __future__ import annotations

from .enums import Role

VIEW = "view"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.VOLUNTEER: [
        "escalations.view_service",
        "escalations.add_observation",
        "escalations.view_observation",
        "escalations.add_questionmessage",
        "escalations.add_outcomeresponse",
        "escalations.view_story",
        # peersupport: see the locality's meetings, sign up, raise topics
        "peersupport.view_volunteermeeting",
        "peersupport.add_meetingsignup",
        "peersupport.delete_meetingsignup",
        "peersupport.add_meetingtopic",
        # mdt: the published meetings where they attend for a client (their own items only)
        "mdt.view_meeting",
    ],
    Role.COORDINATOR: [
        "volunteers.view_volunteer",
        "volunteers.add_volunteer",
        "volunteers.change_volunteer",
        "volunteers.add_trainingrecord",
        "volunteers.view_trainingrecord",
        "volunteers.add_agreementsignature",
        "volunteers.view_agreementsignature",
        "clients.view_client",
        "clients.add_client",
        "clients.change_client",
        "clients.export_client",
        "clients.add_consentrecord",
        "clients.view_consentrecord",
        "clients.add_assignment",
        "clients.change_assignment",
        "clients.view_assignment",
        "escalations.view_service",
        "escalations.add_service",
        "escalations.change_service",
        "escalations.add_observation",
        "escalations.view_observation",
        "escalations.view_escalation",
        "escalations.change_escalation",
        "escalations.add_referral",
        "escalations.add_outcome",
        "escalations.add_questionmessage",
        "escalations.add_outcomeresponse",
        "escalations.view_oncallshift",
        "escalations.add_oncallshift",
        "escalations.delete_oncallshift",
        "escalations.view_story",
        "escalations.add_story",
        "escalations.change_story",
        # peersupport: coordinators run the locality's volunteer meetings
        "peersupport.view_volunteermeeting",
        "peersupport.add_volunteermeeting",
        "peersupport.change_volunteermeeting",
        "peersupport.add_meetinginvitation",
        "peersupport.add_meetingtopic",
        "peersupport.add_meetingattendance",
        "peersupport.view_meetingattendance",
        "peersupport.add_followupaction",
        "peersupport.change_followupaction",
        # mdt: run the MDTs of their practices (chairs) or locality (coordinators)
        "mdt.view_meeting",
        "mdt.add_meeting",
        "mdt.change_meeting",
        "mdt.view_agendaitem",
        "mdt.add_agendaitem",
        "mdt.change_agendaitem",
        "mdt.delete_agendaitem",
        "mdt.add_meetingmember",
        "mdt.delete_meetingmember",
        "mdt.view_standingmember",
        "mdt.add_standingmember",
        "mdt.delete_standingmember",
        "mdt.add_planaction",
        "mdt.change_planaction",
    ],
    Role.TEAM_LEADER: [
        "volunteers.view_volunteer",
        "clients.view_client",
        "clients.view_consentrecord",
        "clients.view_assignment",
        "escalations.view_service",
        "escalations.add_observation",
        "escalations.view_observation",
        "escalations.view_escalation",
        "escalations.change_escalation",
        "escalations.add_referral",
        "escalations.add_outcome",
        "escalations.add_questionmessage",
        "escalations.add_outcomeresponse",
        "escalations.view_oncallshift",
        "escalations.view_story",
        # peersupport: see the locality's meetings and raise topics
        "peersupport.view_volunteermeeting",
        "peersupport.add_meetingtopic",
    ],
    Role.MDT_CHAIR: [
        "escalations.view_service",
        # mdt: run the MDTs of their practices (chairs) or locality (coordinators)
        "mdt.view_meeting",
        "mdt.add_meeting",
        "mdt.change_meeting",
        "mdt.view_agendaitem",
        "mdt.add_agendaitem",
        "mdt.change_agendaitem",
        "mdt.delete_agendaitem",
        "mdt.add_meetingmember",
        "mdt.delete_meetingmember",
        "mdt.view_standingmember",
        "mdt.add_standingmember",
        "mdt.delete_standingmember",
        "mdt.add_planaction",
        "mdt.change_planaction",
        # peersupport: the volunteer meetings they are invited to (recommendation 4)
        "peersupport.view_volunteermeeting",
        "peersupport.add_meetingtopic",
    ],
    Role.PRACTITIONER: [
        "escalations.view_service",
        # mdt: read the agendas of their practices' MDTs and mark their actions done
        "mdt.view_meeting",
        "mdt.view_agendaitem",
        "mdt.change_planaction",
        # peersupport: the volunteer meetings they are invited to (recommendation 4)
        "peersupport.view_volunteermeeting",
        "peersupport.add_meetingtopic",
    ],
    Role.ADMIN: [],  # admins are superusers-in-role: every permission, see sync_role_groups
}


def sync_role_groups(apps=None) -> None:
    """Create one group per role and set exactly its permissions (idempotent)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps
    # Permissions are normally made after migrate; make them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        saved = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = saved
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        if role == Role.ADMIN:
            perms = list(Permission.objects.all())
        else:
            perms = []
            for code in codes:
                app_label, codename = code.split(".")
                if not _model_exists(apps, app_label, codename):
                    # The app or model arrives in a later migration, whose own
                    # role-permission migration syncs again.
                    continue
                perms.append(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
        group.permissions.set(perms)


def _model_exists(apps, app_label: str, codename: str) -> bool:
    """Whether the model a permission codename (``<action>_<model>``) names exists in ``apps``
    (a migration's historical state may be older than ROLE_PERMISSIONS)."""
    if "_" not in codename:
        return True
    model_name = codename.split("_", 1)[1]
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return False
    return True
