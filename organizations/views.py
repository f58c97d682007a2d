"""The admin portal's pages for an organization's admins."""

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from organizations.access import admin_required, portal_admin
from organizations.forms import LoginForm
from organizations.models import Member


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        if portal_admin(form.get_user()) is None:
            form.add_error(None, "This login is not an admin of an active Preciate organization.")
            return self.form_invalid(form)
        return super().form_valid(form)


@admin_required
def home(request: HttpRequest, *, admin: Member) -> HttpResponse:
    organization = admin.organization
    people_count = Member.objects.filter(organization=organization).present().count()
    return render(
        request,
        "organizations/home.html",
        {"organization": organization, "people_count": people_count, "nav": "home"},
    )
