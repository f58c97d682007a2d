from django.contrib.auth.views import LogoutView
from django.urls import path

from organizations import views

urlpatterns = [
    path("login", views.LoginView.as_view(), name="login"),
    path("logout", LogoutView.as_view(), name="logout"),
    path("admin/people", views.people, name="people"),
    path("admin/people/new", views.person_new, name="person-new"),
    path("admin/people/remove", views.people_remove, name="people-remove"),
    path("admin/people/<uuid:scim_id>", views.person, name="person"),
    path("admin/people/<uuid:scim_id>/remove", views.person_remove, name="person-remove"),
    path("admin/people/<uuid:scim_id>/restore", views.person_restore, name="person-restore"),
    path("admin/teams", views.teams, name="teams"),
    path("admin/teams/<uuid:scim_id>", views.team, name="team"),
    path("admin/teams/<uuid:scim_id>/rename", views.team_rename, name="team-rename"),
    path("admin/teams/<uuid:scim_id>/members/add", views.team_add_member, name="team-add-member"),
    path("admin/teams/<uuid:scim_id>/members/remove", views.team_remove_member, name="team-remove-member"),
    path("admin/teams/<uuid:scim_id>/retire", views.team_retire, name="team-retire"),
    path("admin/reports", views.headcount_report, name="reports"),
    path("admin/reports.csv", views.headcount_csv, name="reports-csv"),
]
