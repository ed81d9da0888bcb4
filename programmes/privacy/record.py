"""The record of processing (GDPR art. 30; Regulation 2018/1725, art. 31), printed from the
register with the organisation's own periods: the admin's page and its PDF read it."""

from dataclasses import dataclass

from programmes.models import Organisation
from programmes.privacy import register


@dataclass(frozen=True)
class RecordLine:
    field: str
    purpose: str
    basis: str
    recipients: str
    retention: str


@dataclass(frozen=True)
class RecordSection:
    label: str
    lines: list[RecordLine]


def retention_text(retention: register.Retention, organisation: Organisation) -> str:
    return str(register.RETENTION_TEXT[retention]).format(
        declined_months=organisation.retain_declined_months,
        pairing_years=organisation.retain_pairing_years)


def processing_record(*, organisation: Organisation) -> list[RecordSection]:
    """Each model that holds personal data (its name), each personal field with its purpose,
    legal basis, recipients and how long it is kept, in the register's order."""
    sections = []
    for entry in register.entries():
        if not entry.personal:
            continue
        meta = entry.model._meta
        sections.append(RecordSection(label=str(meta.verbose_name), lines=[
            RecordLine(field=str(getattr(meta.get_field(name), "verbose_name", name)),
                       purpose=str(use.purpose), basis=str(register.BASIS_TEXT[use.basis]),
                       recipients=str(use.recipients),
                       retention=retention_text(use.retention, organisation))
            for name, use in entry.personal.items()]))
    return sections
