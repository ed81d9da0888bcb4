"""The writes a coordinator makes: the upload (checked at once, nothing else written) and the
confirmation (queued for a worker: matching/imports/importer.py imports the file)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from matching.imports.check import MAX_BYTES, FileUnreadable
from matching.imports.importer import checked_file
from matching.imports.models import ProgrammeImport
from matching.tasks import programme_import_run
from programmes import access
from programmes.actor import Actor
from programmes.models import Project
from programmes.validators import CONTROL_CHARACTERS_MESSAGE, has_control_characters

S = ProgrammeImport.Status
FORMATS = {"csv": ProgrammeImport.Format.CSV, "xlsx": ProgrammeImport.Format.XLSX}


@transaction.atomic
def import_upload(*, actor: Actor, project: Project, filename: str, content: bytes
                  ) -> ProgrammeImport:
    """Keeps the uploaded file (in the database, in the organisation) and checks it: the
    preview. Nothing else is written. A file that cannot be read at all is refused."""
    if not access.may(actor=actor, action="manage", obj=project):
        raise PermissionDenied
    format = FORMATS.get(filename.rsplit(".", 1)[-1].lower() if "." in filename else "")
    if format is None:
        raise ValidationError({"file": _("Upload the template filled in, as XLSX or CSV.")})
    if has_control_characters(filename):
        raise ValidationError({"file": CONTROL_CHARACTERS_MESSAGE})
    if len(content) > MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than %(size)s MB.")
                               % {"size": MAX_BYTES // (1024 * 1024)}})
    made = ProgrammeImport(organisation=actor.organisation, project=project,
                           requested_by=actor.user, filename=filename[-200:], format=format,
                           content=content)
    try:
        _checked_rows, made.preview = checked_file(made, project)
    except FileUnreadable as error:
        raise ValidationError({"file": str(error)}) from None
    made.save()
    return made


@transaction.atomic
def import_confirm(*, actor: Actor, programme_import: ProgrammeImport, invite: bool
                   ) -> ProgrammeImport:
    """Queues the import of a checked file with no bad row (after the commit, so that the
    worker finds it)."""
    found = (ProgrammeImport.objects.for_org(actor.organisation).select_for_update()
             .select_related("project").get(pk=programme_import.pk))
    if not access.may(actor=actor, action="manage", obj=found.project):
        raise PermissionDenied
    if found.status != S.PREVIEWED:
        raise ValidationError(_("This file is already imported, or being imported."))
    if found.preview.get("bad"):
        raise ValidationError(_("Correct the bad rows in the file, then upload it again: "
                                "nothing is imported while a row is refused."))
    if not found.preview.get("new") and not found.preview.get("meetings_new"):
        raise ValidationError(_("Every pairing and meeting of this file is already in the "
                                "project: there is nothing to import."))
    found.status, found.invite, found.requested_by = S.QUEUED, invite, actor.user
    found.save(update_fields=["status", "invite", "requested_by", "updated_at"])
    programme_import_run.delay_on_commit(found.organisation_id, found.pk)  # type: ignore[attr-defined]  # Celery's Django fixup makes tasks DjangoTasks
    return found
