"""Sources use the same rule as the rest of the API: public reads, writes by role."""

from claims.permissions import PublicReadRoleWrite

__all__ = ["PublicReadRoleWrite"]
