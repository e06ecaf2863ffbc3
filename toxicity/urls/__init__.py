"""URLs of the toxicity app, one module per part: lab panels, adverse events, irAE dose decisions
and the investigator's toxicity dashboard."""

from . import adverse_events, dashboard, irae, labs

app_name = "toxicity"

urlpatterns = [*labs.urlpatterns, *adverse_events.urlpatterns, *irae.urlpatterns, *dashboard.urlpatterns]
