from django.urls import path

from pmo.audit.views import AuditLogView, SecurityEventLogView
from pmo.tenancy import views

urlpatterns = [
    path("", views.OrganizationHomeView.as_view(), name="org-home"),
    path("overview/", views.OrganizationOverviewView.as_view(), name="org-overview"),
    path("members/", views.MembersView.as_view(), name="org-members"),
    path("members/<int:pk>/role/", views.MemberRoleView.as_view(), name="org-member-role"),
    path("members/<int:pk>/remove/", views.MemberRemoveView.as_view(), name="org-member-remove"),
    path("invitations/<int:pk>/revoke/", views.InvitationRevokeView.as_view(), name="org-invitation-revoke"),
    path("settings/", views.OrganizationSettingsView.as_view(), name="org-settings"),
    path("settings/delete/", views.OrganizationDeleteView.as_view(), name="org-delete"),
    path("audit/", AuditLogView.as_view(), name="org-audit"),
    path("audit/security/", SecurityEventLogView.as_view(), name="org-audit-security"),
]
