"""Data-management URLs (namespace ``dm``): queries, source data verification and locks, exports."""

from .exports import urls as exports
from .monitoring import urls as monitoring
from .queries import urls as queries

app_name = "dm"

urlpatterns = queries.urlpatterns + monitoring.urlpatterns + exports.urlpatterns
