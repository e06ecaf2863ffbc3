"""URL configuration. Every view needs a login (LoginRequiredMiddleware) and a permission; the few
public ones (login, health, the language switch and the JavaScript catalog) are marked
@login_not_required. The role/URL matrix test lists them all."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

admin.site.site_header = _("eCRF administration")
admin.site.site_title = _("eCRF administration")

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # The translations of the apps' JavaScript (their djangojs catalogs) in the active language:
    # `gettext()`, `ngettext()`, `interpolate()` for the scripts. Loaded by base.html on every page,
    # the login page included.
    path("jsi18n/", login_not_required(JavaScriptCatalog.as_view()), name="javascript_catalog"),
    path("admin/", admin.site.urls),
    path("participants/", include("enrollment.urls")),
    path("", include("dosing.urls")),
    path("", include("toxicity.urls")),
    path("", include("efficacy.urls")),
    path("data/", include("core.data_management.urls")),
    path("", include("core.urls")),
]
