"""The synthetic study behind ``manage.py seed_demo``: a realistic, deterministic cohort written
in bulk with its audit trail (demo databases and benchmarks only).

- ``seed``: the entry point (``seed_demo``), the safety checks and the numbering;
- ``enrolment``, ``course``, ``treatment``, ``labs``, ``safety``, ``efficacy``: what happens to
  each patient, reusing the apps' rules (eligibility, calendar, doses, CTCAE grading, dose
  modification, irAE table, RECIST, follow-up checks) so the records are consistent;
- ``bulk``: the writer (``bulk_create`` with one history row per record).
"""
