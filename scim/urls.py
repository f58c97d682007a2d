"""SCIM routes under /api/v1/scim, with or without a trailing slash and never a redirect."""

from django.urls import re_path

from scim import views

urlpatterns = [
    re_path(r"^scim/Users/?$", views.UserList.as_view(), name="scim-users"),
    re_path(r"^scim/Users/\.search/?$", views.UserSearch.as_view(), name="scim-users-search"),
    re_path(r"^scim/Users/(?P<scim_id>[^/]+)/?$", views.UserDetail.as_view(), name="scim-user"),
    re_path(r"^scim/Groups/?$", views.GroupList.as_view(), name="scim-groups"),
    re_path(r"^scim/Groups/(?P<group_id>[^/]+)/?$", views.GroupDetail.as_view(), name="scim-group"),
    re_path(r"^scim/ServiceProviderConfigs?/?$", views.ServiceProviderConfig.as_view(), name="scim-spc"),
    re_path(r"^scim/ResourceTypes/?$", views.ResourceTypeList.as_view(), name="scim-resource-types"),
    re_path(r"^scim/ResourceTypes/(?P<name>[^/]+)/?$", views.ResourceTypeDetail.as_view(), name="scim-resource-type"),
    re_path(r"^scim/Schemas/?$", views.SchemaList.as_view(), name="scim-schemas"),
    re_path(r"^scim/Schemas/(?P<urn>[^/]+)/?$", views.SchemaDetail.as_view(), name="scim-schema"),
    re_path(r"^scim/\.search/?$", views.RootSearch.as_view(), name="scim-search"),
    re_path(r"^scim(?:/.*)?$", views.NotFound.as_view(), name="scim-not-found"),
]
