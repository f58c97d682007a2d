"""The SCIM secret key of an organization: one row each, holding only digests."""

from django.conf import settings
from django.db import models

from organizations.models import Organization


class ScimKey(models.Model):
    """The organization's SCIM key, stored as a SHA-256 digest and never in plaintext.

    ``digest`` is the key that authenticates (null once revoked). ``previous_digest`` is
    the key it replaced, kept only so that requests still carrying it can be attributed
    to the organization on the activity page; it never authenticates.
    """

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="scim_key")
    digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    previous_digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    hint = models.CharField("last four characters", max_length=4)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_by_label = models.CharField("issued by", max_length=200, blank=True, default="")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The HTTP status answered to the last SCIM request made with (or after) this key.
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "SCIM key"

    def __str__(self) -> str:
        return f"…{self.hint}"

    @property
    def is_active(self) -> bool:
        return self.digest is not None

    @property
    def last_outcome(self) -> str:
        """Describe the last SCIM request's status in an admin's words."""
        status = self.last_status
        if status is None:
            return ""
        if status < 400:
            return f"Succeeded ({status})"
        if status == 401:
            return "Rejected: wrong or replaced key (401)"
        if status < 500:
            return f"Refused ({status})"
        return f"Failed on Preciate's side ({status})"

    @property
    def last_failed(self) -> bool:
        return self.last_status is not None and self.last_status >= 400
