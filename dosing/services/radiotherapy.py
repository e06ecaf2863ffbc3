"""Radiotherapy writes: the external-beam course and the brachytherapy fractions (PROTOCOL §2).

What is refused here is what cannot be right (a prescription that does not add up, a date in the
future, an implausible fraction dose, a fraction number recorded twice). What the protocol does not
plan but an investigator may decide (a prescription outside 45.0-50.4 Gy, fewer fractions, an OAR
total above its limit) is saved and reported as a deviation by ``dosing.selectors.radiotherapy``.
"""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.services import clinical_record_save
from enrollment.models import Participant
from trialsite.protocol.treatment import RADIOTHERAPY

from ..models import BrachytherapyFraction, RadiotherapyCourse
from .common import check_treatment_date, mark_on_treatment, require_treatment_open

# Entry plausibility (not protocol limits; the protocol's own numbers are in RADIOTHERAPY).
DOSE_CONSISTENCY_TOLERANCE_GY = Decimal("0.01")  # total vs fractions x dose per fraction
MAX_FRACTIONS_DELIVERED = 40
MAX_BRACHY_FRACTION_DOSE_GY = Decimal("20")  # one HDR fraction above this is a typing error

COURSE_FIELDS = (
    "technique",
    "prescription_dose_gy",
    "prescribed_fractions",
    "dose_per_fraction_gy",
    "sib_dose_gy",
    "sib_dose_per_fraction_gy",
    "start_date",
    "end_date",
    "fractions_delivered",
    "interruption_days",
    "interruption_reason",
    "bladder_d2cc_ebrt_gy",
    "rectum_d2cc_ebrt_gy",
    "sigmoid_d2cc_ebrt_gy",
    "femoral_head_left_v50_pct",
    "femoral_head_right_v50_pct",
    "completed",
)

BRACHY_FIELDS = (
    "number",
    "given_on",
    "hrctv_d90_gy",
    "bladder_d2cc_gy",
    "rectum_d2cc_gy",
    "sigmoid_d2cc_gy",
    "applicator",
    "interstitial_needles",
)

BRACHY_DOSE_FIELDS = ("hrctv_d90_gy", "bladder_d2cc_gy", "rectum_d2cc_gy", "sigmoid_d2cc_gy")

COURSE_REQUIRED = {
    "technique": gettext_lazy("Choose the EBRT technique."),
    "prescription_dose_gy": gettext_lazy("Enter the prescription dose."),
    "prescribed_fractions": gettext_lazy("Enter the number of prescribed fractions."),
    "dose_per_fraction_gy": gettext_lazy("Enter the dose per fraction."),
    "start_date": gettext_lazy("Enter the date of the first EBRT fraction."),
}
COURSE_NON_NEGATIVE = (
    "prescription_dose_gy",
    "dose_per_fraction_gy",
    "sib_dose_gy",
    "sib_dose_per_fraction_gy",
    "bladder_d2cc_ebrt_gy",
    "rectum_d2cc_ebrt_gy",
    "sigmoid_d2cc_ebrt_gy",
    "fractions_delivered",
    "interruption_days",
)
BRACHY_REQUIRED = {
    "number": gettext_lazy("Enter the fraction number."),
    "given_on": gettext_lazy("Enter the date of the fraction."),
    "hrctv_d90_gy": gettext_lazy("Enter the HR-CTV D90 of this fraction."),
    "applicator": gettext_lazy("Choose the applicator."),
}


def _apply(instance, values: Mapping[str, object], names: tuple[str, ...]) -> None:
    for name in names:
        if name in values:
            setattr(instance, name, values[name])


def _field_errors(instance, *, required: Mapping[str, str], non_negative: tuple[str, ...]) -> dict[str, list[str]]:
    """The model's own field checks (types, choices, ranges), with clear messages for a missing
    value and a negative dose; cleaned values are set on the instance. The clinical checks run
    only on the fields that passed these."""
    errors: dict[str, list[str]] = {}
    missing = [name for name in required if getattr(instance, name) in (None, "")]
    for name in missing:
        _add(errors, name, str(required[name]))
    try:
        instance.clean_fields(exclude=[*missing, "participant", "recorded_by"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            raw = _as_decimal(getattr(instance, name)) if name in non_negative else None
            if raw is not None and raw < 0:
                messages = [_("A dose cannot be negative.") if name.endswith("_gy") else _("The value cannot be negative.")]
            errors.setdefault(name, []).extend(messages)
    return errors


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _gy(value: Decimal) -> str:
    return f"{value:.2f} Gy"


def _as_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


# --- the EBRT course --------------------------------------------------------------------------------


def _course_errors(course: RadiotherapyCourse, participant: Participant) -> dict[str, list[str]]:
    errors = _field_errors(course, required=COURSE_REQUIRED, non_negative=COURSE_NON_NEGATIVE)

    def ok(name: str) -> bool:
        return name not in errors and getattr(course, name) not in (None, "")

    if course.technique not in (None, "") and course.technique not in RADIOTHERAPY.ebrt_techniques:
        errors["technique"] = [
            _("%(technique)s is not an EBRT technique of the protocol: choose one of %(techniques)s (PROTOCOL §2).")
            % {"technique": course.technique, "techniques": ", ".join(RADIOTHERAPY.ebrt_techniques)}
        ]

    for name, message in (
        ("prescription_dose_gy", _("The prescription dose must be above 0 Gy.")),
        ("dose_per_fraction_gy", _("The dose per fraction must be above 0 Gy.")),
    ):
        if ok(name) and getattr(course, name) <= 0:
            _add(errors, name, message)
    if all(ok(n) for n in ("prescription_dose_gy", "prescribed_fractions", "dose_per_fraction_gy")):
        expected = course.prescribed_fractions * course.dose_per_fraction_gy
        if abs(course.prescription_dose_gy - expected) > DOSE_CONSISTENCY_TOLERANCE_GY:
            _add(
                errors,
                "prescription_dose_gy",
                _(
                    "%(fractions)s fractions of %(per_fraction)s make %(expected)s, not %(total)s: correct the "
                    "prescription dose, the number of fractions or the dose per fraction."
                )
                % {
                    "fractions": course.prescribed_fractions,
                    "per_fraction": _gy(course.dose_per_fraction_gy),
                    "expected": _gy(expected),
                    "total": _gy(course.prescription_dose_gy),
                },
            )

    sib_total, sib_per_fraction = course.sib_dose_gy, course.sib_dose_per_fraction_gy
    if "sib_dose_gy" not in errors and "sib_dose_per_fraction_gy" not in errors:
        if sib_total is not None and sib_per_fraction is None:
            _add(
                errors,
                "sib_dose_per_fraction_gy",
                _("Enter the SIB dose per fraction too, or leave both SIB doses blank."),
            )
        elif sib_total is None and sib_per_fraction is not None:
            _add(errors, "sib_dose_gy", _("Enter the SIB total dose too, or leave both SIB doses blank."))
        elif sib_total is not None and sib_per_fraction is not None:
            if sib_total <= 0 or sib_per_fraction <= 0:
                _add(errors, "sib_dose_gy", _("SIB doses must be above 0 Gy (leave both blank without a boost)."))
            elif ok("prescribed_fractions"):
                # A simultaneous boost is given in the same fractions as the course.
                expected = course.prescribed_fractions * sib_per_fraction
                if abs(sib_total - expected) > DOSE_CONSISTENCY_TOLERANCE_GY:
                    _add(
                        errors,
                        "sib_dose_gy",
                        _(
                            "A simultaneous boost is given in the course's %(fractions)s fractions: "
                            "%(fractions)s x %(per_fraction)s = %(expected)s, not %(total)s."
                        )
                        % {
                            "fractions": course.prescribed_fractions,
                            "per_fraction": _gy(sib_per_fraction),
                            "expected": _gy(expected),
                            "total": _gy(sib_total),
                        },
                    )

    for name in ("start_date", "end_date"):
        if ok(name):
            for field, message in check_treatment_date(getattr(course, name), name, participant).items():
                _add(errors, field, message)
    if ok("start_date") and ok("end_date") and course.end_date < course.start_date:
        _add(
            errors,
            "end_date",
            _("The last EBRT fraction (%(last)s) cannot be before the first (%(first)s).")
            % {"last": f"{course.end_date:%Y-%m-%d}", "first": f"{course.start_date:%Y-%m-%d}"},
        )
    if ok("start_date") and "start_date" not in errors:
        first_brachy = (
            BrachytherapyFraction.objects.filter(participant=participant).order_by("given_on", "number").first()
        )
        if first_brachy is not None and first_brachy.given_on < course.start_date:
            _add(
                errors,
                "start_date",
                _("Brachytherapy fraction %(number)s was given on %(date)s, before this first EBRT fraction.")
                % {"number": first_brachy.number, "date": f"{first_brachy.given_on:%Y-%m-%d}"},
            )

    if "fractions_delivered" not in errors and course.fractions_delivered is not None:
        if course.fractions_delivered > MAX_FRACTIONS_DELIVERED:
            _add(
                errors,
                "fractions_delivered",
                _("%(fractions)s fractions is implausible (at most %(maximum)s).")
                % {"fractions": course.fractions_delivered, "maximum": MAX_FRACTIONS_DELIVERED},
            )
        elif course.end_date is not None and course.fractions_delivered < 1:
            _add(
                errors, "fractions_delivered", _("With a last EBRT fraction date, at least 1 fraction was delivered.")
            )

    if course.interruption_days and not (course.interruption_reason or "").strip():
        _add(errors, "interruption_reason", _("Give the reason for the interruption."))

    if course.completed and course.end_date is None and "end_date" not in errors:
        _add(errors, "end_date", _("Enter the date of the last EBRT fraction before marking radiotherapy complete."))
    return errors


@transaction.atomic
def radiotherapy_course_save(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    values: Mapping[str, object],
    expected_version: int | None = None,
    reason: str = "",
) -> RadiotherapyCourse:
    """Create the participant's EBRT course, or edit it (a reason and the loaded version needed).

    Keys of ``values`` are the names in ``COURSE_FIELDS``; on an edit, a key left out keeps its
    stored value. Refuses (``ValidationError`` keyed by field, nothing saved) what cannot be right;
    doses outside the PROTOCOL §2 ranges are saved and reported as deviations by the selectors.
    The first radiotherapy record moves an enrolled participant to "on treatment".
    """
    locked = require_treatment_open(participant)
    course = RadiotherapyCourse.objects.filter(participant=locked).first()
    if course is None:
        course = RadiotherapyCourse(participant=locked, recorded_by=user)
    _apply(course, values, COURSE_FIELDS)
    course.interruption_reason = (course.interruption_reason or "").strip()
    errors = _course_errors(course, locked)
    if errors:
        raise ValidationError(errors)
    clinical_record_save(instance=course, user=user, reason=reason, expected_version=expected_version)
    mark_on_treatment(participant=locked, user=user, started_on=course.start_date, what="first EBRT fraction")
    return course


# --- brachytherapy fractions -----------------------------------------------------------------------


def _brachy_errors(fraction: BrachytherapyFraction, participant: Participant) -> dict[str, list[str]]:
    errors = _field_errors(fraction, required=BRACHY_REQUIRED, non_negative=BRACHY_DOSE_FIELDS)

    if "number" not in errors and fraction.number is not None:
        taken = (
            BrachytherapyFraction.objects.filter(participant=participant, number=fraction.number)
            .exclude(pk=fraction.pk)
            .first()
        )
        if taken is not None:
            _add(
                errors,
                "number",
                _(
                    "Fraction %(number)s is already recorded (given on %(date)s): correct that record instead, "
                    "or enter the right fraction number."
                )
                % {"number": fraction.number, "date": f"{taken.given_on:%Y-%m-%d}"},
            )

    for name in BRACHY_DOSE_FIELDS:
        if name in errors:
            continue
        dose = getattr(fraction, name)
        if dose is not None and dose > MAX_BRACHY_FRACTION_DOSE_GY:
            _add(
                errors,
                name,
                _(
                    "%(dose)s in one brachytherapy fraction is implausible (above %(maximum)s Gy; the protocol "
                    "plans %(planned)s Gy): check the value and its unit."
                )
                % {
                    "dose": _gy(dose),
                    "maximum": MAX_BRACHY_FRACTION_DOSE_GY,
                    "planned": f"{RADIOTHERAPY.brachy_dose_per_fraction_gy:g}",
                },
            )

    if "given_on" not in errors and fraction.given_on is not None:
        for field, message in check_treatment_date(fraction.given_on, "given_on", participant).items():
            _add(errors, field, message)
        course = RadiotherapyCourse.objects.filter(participant=participant).first()
        if "given_on" not in errors and course is not None and fraction.given_on < course.start_date:
            _add(
                errors,
                "given_on",
                _("%(date)s is before the first EBRT fraction (%(first)s).")
                % {"date": f"{fraction.given_on:%Y-%m-%d}", "first": f"{course.start_date:%Y-%m-%d}"},
            )
        if "given_on" not in errors and "number" not in errors and fraction.number is not None:
            _order_errors(errors, fraction, participant)
    return errors


def _order_errors(errors: dict[str, list[str]], fraction: BrachytherapyFraction, participant: Participant) -> None:
    """Fractions are numbered in the order given (two on one day are allowed)."""
    others = BrachytherapyFraction.objects.filter(participant=participant).exclude(pk=fraction.pk)
    earlier = others.filter(number__lt=fraction.number, given_on__gt=fraction.given_on).order_by("-number").first()
    if earlier is not None:
        _add(
            errors,
            "given_on",
            _("Fraction %(other)s was given on %(date)s, after this date; fraction %(number)s cannot be earlier.")
            % {"other": earlier.number, "date": f"{earlier.given_on:%Y-%m-%d}", "number": fraction.number},
        )
        return
    later = others.filter(number__gt=fraction.number, given_on__lt=fraction.given_on).order_by("number").first()
    if later is not None:
        _add(
            errors,
            "given_on",
            _("Fraction %(other)s was given on %(date)s, before this date; fraction %(number)s cannot be later.")
            % {"other": later.number, "date": f"{later.given_on:%Y-%m-%d}", "number": fraction.number},
        )


@transaction.atomic
def brachytherapy_fraction_save(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    values: Mapping[str, object],
    instance: BrachytherapyFraction | None = None,
    expected_version: int | None = None,
    reason: str = "",
) -> BrachytherapyFraction:
    """Record one HDR brachytherapy fraction, or correct ``instance`` (a reason and the loaded
    version needed). Keys of ``values`` are the names in ``BRACHY_FIELDS``. Refuses (``ValidationError``
    keyed by field, nothing saved) a fraction number recorded twice, a date in the future, before
    enrolment or before the first EBRT fraction, and a dose below 0 or above 20 Gy.
    """
    locked = require_treatment_open(participant)
    if instance is None:
        fraction = BrachytherapyFraction(participant=locked, recorded_by=user)
    else:
        fraction = BrachytherapyFraction.objects.filter(pk=instance.pk, participant=locked).first()
        if fraction is None:
            raise ValidationError(_("This brachytherapy fraction does not belong to this participant."))
    _apply(fraction, values, BRACHY_FIELDS)
    errors = _brachy_errors(fraction, locked)
    if errors:
        raise ValidationError(errors)
    clinical_record_save(instance=fraction, user=user, reason=reason, expected_version=expected_version)
    mark_on_treatment(  # the audit trail's reason is English
        participant=locked, user=user, started_on=fraction.given_on, what=f"brachytherapy fraction {fraction.number}"
    )
    return fraction
