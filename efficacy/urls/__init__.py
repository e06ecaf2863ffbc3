"""Efficacy URLs: tumour assessments, progression and follow-up, the Simon monitor, the survival report."""

from . import assessments, follow_up, simon, survival

app_name = "efficacy"

urlpatterns = assessments.urlpatterns + follow_up.urlpatterns + simon.urlpatterns + survival.urlpatterns
