"""The study roles and what each may do: declared once here, applied by data migrations
(``sync_role_permissions``), checked by the role/URL matrix test.

Deny by default: a user without one of these groups can log in but reaches nothing; a role has
exactly the permissions listed here. A migration that adds a permission to a role calls
``sync_role_permissions`` again.
"""

from django.utils.translation import gettext_noop

# The roles' names are the names of their groups (stored in English); pages translate them when
# they show a group (``{% translate group.name %}``).
COORDINATOR = gettext_noop("Study coordinator")
INVESTIGATOR = gettext_noop("Investigator")
DATA_MANAGER = gettext_noop("Data manager")
MONITOR = gettext_noop("Monitor")

ROLES = (COORDINATOR, INVESTIGATOR, DATA_MANAGER, MONITOR)

_READ = (
    "enrollment.view_participant",
    "enrollment.view_participantstatuschange",
    "enrollment.view_audit_trail",
    "enrollment.view_screening",
    "enrollment.view_consent",
    "enrollment.view_eligibilitysignature",
    "enrollment.view_screening_log",
    "dosing.view_anthropometrics",
    "dosing.view_doseadministration",
    "dosing.view_dosedelay",
    "dosing.view_dosemodification",
    "dosing.view_radiotherapycourse",
    "dosing.view_brachytherapyfraction",
    "toxicity.view_ctcaeterm",
    "toxicity.view_labpanel",
    "toxicity.view_labresult",
    "toxicity.view_adverseevent",
    "toxicity.view_adverseeventsignature",
    "toxicity.view_iraedosedecision",
    "enrollment.view_visit",
    "enrollment.view_visitform",
    "enrollment.view_visitflag",
    "efficacy.view_tumourassessment",
    "efficacy.view_lesion",
    "efficacy.view_lesionmeasurement",
    "efficacy.view_responseconfirmation",
    "efficacy.view_progression",
    "efficacy.view_followupstatus",
    "core.view_dataquery",
    "core.view_querymessage",
    "core.view_sourceverification",
    "core.view_datalock",
)

# Recording treatment: height and weight, doses, delays, toxicity reviews, radiotherapy.
_TREATMENT_ENTRY = (
    "dosing.add_anthropometrics",
    "dosing.change_anthropometrics",
    "dosing.add_doseadministration",
    "dosing.change_doseadministration",
    "dosing.add_dosedelay",
    "dosing.change_dosedelay",
    "dosing.add_dosemodification",
    "dosing.add_radiotherapycourse",
    "dosing.change_radiotherapycourse",
    "dosing.add_brachytherapyfraction",
    "dosing.change_brachytherapyfraction",
)

# Recording safety data: lab panels (and the AE each abnormal value proposes), adverse events.
_SAFETY_ENTRY = (
    "toxicity.add_labpanel",
    "toxicity.change_labpanel",
    "toxicity.add_labresult",
    "toxicity.change_labresult",
    "toxicity.add_adverseevent",
    "toxicity.change_adverseevent",
)

# Recording visits: done or missed, unscheduled visits, and each expected form entered or not done.
_VISIT_ENTRY = (
    "enrollment.add_visit",
    "enrollment.change_visit",
    "enrollment.add_visitform",
    "enrollment.change_visitform",
)

# Recording efficacy data: tumour assessments (RECIST 1.1), progressions, follow-up status.
_EFFICACY_ENTRY = (
    "efficacy.add_tumourassessment",
    "efficacy.change_tumourassessment",
    "efficacy.add_lesion",
    "efficacy.change_lesion",
    "efficacy.add_lesionmeasurement",
    "efficacy.change_lesionmeasurement",
    "efficacy.add_progression",
    "efficacy.change_progression",
    "efficacy.add_followupstatus",
    "efficacy.change_followupstatus",
)

# The interim efficacy reports (Simon monitor, survival report) are for investigators, data
# managers (statisticians) and monitors, not for the coordinators who enter the data.
_EFFICACY_REPORTS = ("efficacy.view_efficacy_report", "efficacy.view_simondecisionnotice")

# Data management: monitors and data managers raise and close queries; the site answers them.
_QUERY_ANSWER = ("core.answer_query",)
_QUERY_RAISE = ("core.raise_query",)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    COORDINATOR: _READ
    + (
        "enrollment.add_participant",
        "enrollment.change_participant",
        "enrollment.add_participantstatuschange",
        "enrollment.add_screening",
        "enrollment.change_screening",
        "enrollment.add_consent",
        "enrollment.change_consent",
        "enrollment.enrol_participant",
    )
    + _TREATMENT_ENTRY
    + _SAFETY_ENTRY
    + _VISIT_ENTRY
    + _EFFICACY_ENTRY
    + _QUERY_ANSWER,
    # Investigators may record treatment and safety data too; only they decide dose modifications,
    # authorise a dose above the calculated one, sign adverse events and decide irAE dose holds.
    INVESTIGATOR: _READ
    + ("enrollment.add_participantstatuschange", "enrollment.sign_eligibility")
    + _TREATMENT_ENTRY
    + _SAFETY_ENTRY
    + _VISIT_ENTRY
    + (
        "dosing.decide_dose_modification",
        "dosing.override_dose_limit",
        "toxicity.sign_adverseevent",
        "toxicity.decide_irae_dose",
        "efficacy.confirm_response",
    )
    + _EFFICACY_ENTRY
    + _EFFICACY_REPORTS
    + _QUERY_ANSWER,
    # Data managers also watch the background jobs (the health page of the periodic tasks).
    # Data managers lock data and export the study (pseudonymised; an identified export needs
    # core.export_identified, given to a named user in the admin, never to a role).
    DATA_MANAGER: _READ
    + ("core.view_taskrun",)
    + _EFFICACY_REPORTS
    + _QUERY_RAISE
    + ("core.lock_data", "core.export_study", "core.view_exportjob"),
    # Monitors verify source data and raise queries; they write nothing else.
    MONITOR: _READ + _EFFICACY_REPORTS + _QUERY_RAISE + ("core.verify_source",),
}


def sync_role_permissions(apps) -> None:
    """Create the role groups and give each exactly its permissions. Called from data migrations
    with the migration's ``apps`` (permissions are created first, as they normally appear only
    after ``migrate`` finishes)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            # A permission of a model a later migration creates does not exist yet at this point of the
            # migration history; the roles migration that follows that model gives it (and the role
            # test checks every group ends with exactly its declared permissions).
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)
