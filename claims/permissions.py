"""Who may do what through the API: public reads, writes by role permission."""

from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions


class PublicReadRoleWrite(DjangoModelPermissions):
    """Anyone may read; a write needs the model permission its role grants (add, change, delete).

    What an anonymous reader sees is narrowed by the view's queryset (published data only).
    """

    authenticated_users_only = False

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().has_permission(request, view)


class CanReviewClaims(BasePermission):
    """Publishing and rejecting claims is for editors."""

    message = "Only editors may publish or reject claims."

    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("claims.review_claim"))
