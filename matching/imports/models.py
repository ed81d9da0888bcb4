"""An uploaded spreadsheet of pairings under way, kept from its preview to its import."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from participants.models import User
from programmes.models import Project, TenantModel
from programmes.privacy import register

# The file names the people of a whole cohort: it is kept only until it is imported (then its
# content is emptied) and at most IMPORT_KEPT_DAYS (imports_purge, daily).
IMPORT_KEPT_DAYS = 30


class ProgrammeImport(TenantModel):
    """One uploaded file of pairings under way in a project: checked at upload (`preview`),
    imported by a worker once the coordinator confirms, in one transaction."""

    tenant_parents = ("project",)

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Checked, waiting for your confirmation")
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Being imported")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=200)
    format = models.CharField(max_length=4, choices=Format)
    content = models.BinaryField(blank=True, default=b"")
    # What the check found: counts and the bad rows' cells and reasons (never a name or an
    # address: the page shows it to whoever may see the import).
    preview = models.JSONField(default=dict, blank=True)
    invite = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PREVIEWED)
    progress = models.PositiveSmallIntegerField(default=0)  # per cent
    error = models.CharField(max_length=300, blank=True)
    created = models.JSONField(default=dict, blank=True)  # what the import made: counts

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


# -- What these models hold about people (programmes/privacy/register.py) ---------------------
IMPORT_FILE = register.Use(
    _("Bring the pairings of a programme already under way into the platform"),
    register.Basis.PUBLIC_TASK, _("The coordinator who uploads the file"),
    register.Retention.IMPORT)
register.declare(
    ProgrammeImport, subject=["requested_by"],
    personal={"requested_by": register.ACCOUNTABILITY, "content": IMPORT_FILE,
              "filename": IMPORT_FILE},
    not_personal=["format", "status", "error", "preview", "created"],
    # The upload of a file of people is in the trail like any change (who, which file, when);
    # the file itself is not copied there.
    erase=register.Erase.DELETE, history_exclude=["content", "preview", "created", "progress"])
