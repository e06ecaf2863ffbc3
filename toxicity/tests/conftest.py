"""Shared fixtures of the toxicity tests: the enrolled participants of the dosing tests (treatment
started 70 days ago; ``measured`` has 160 cm / 64 kg on day 1)."""

from dosing.tests.conftest import enrolled, measured, study_day, treatment_start  # noqa: F401
