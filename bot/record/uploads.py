"""A report shared in a chat (Slack or Teams), the same rules on every platform: shared by the
secretariat, it is previewed and held until they press Import; shared by anyone else, it is not read
at all (a report can be made to cost a reader dearly) but offered to the secretariat, who may preview,
import or decline it. Nothing is stored in the record until someone from the secretariat imports it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.calendar.clock import Clock
from bot.calendar.meetings import notify_calendar_changed
from bot.people.identity import Person
from bot.record.importer import ImportSummary, import_report, preview_report
from bot.record.reports.loader import ReportError
from storage.db import Database
from storage.models import PendingUpload
from storage.queries import uploads as upload_queries

NOTHING_STORED = "Nothing is stored until someone from the secretariat presses Import."
MAX_OFFERED = 3  # files one person may have waiting for the secretariat at once
PENDING, OFFERED = "pending", "offered"  # previewed and held; held unread for the secretariat
REPORT_SUFFIXES = {".docx", ".pdf", ".txt", ".md", ".markdown", ".html", ".htm"}  # what a shared file may be


@dataclass
class HeldUpload:
    upload_id: int | None  # None: already imported, nothing to hold
    summary: ImportSummary


async def hold_upload(
    db: Database, *, name: str, data: bytes, file_id: str, uploaded_by: str, channel: str, clock: Clock
) -> HeldUpload:
    """Preview a shared report (ReportError if it cannot be read) and hold it for the secretariat."""
    summary = await preview_report(db, name=name, data=data, clock=clock)
    if summary.status == "unchanged":
        return HeldUpload(None, summary)
    pending = PendingUpload(
        file_id=file_id[:100],
        file_name=name,
        data=data,
        uploaded_by=uploaded_by,
        channel=channel,
        created_at=clock.utcnow(),
    )
    return HeldUpload(
        await db.transaction(lambda session: upload_queries.add_upload(session, pending)), summary
    )


async def offer_upload(
    db: Database, *, name: str, data: bytes, file_id: str, uploaded_by: str, channel: str, clock: Clock
) -> int | None:
    """Hold a report, unread, for the secretariat: its id, or None when its sharer already has
    MAX_OFFERED waiting (each one is kept whole in the database until someone decides)."""

    async def hold(session) -> int | None:
        if await upload_queries.waiting_from(session, uploaded_by, OFFERED) >= MAX_OFFERED:
            return None
        pending = PendingUpload(
            file_id=file_id[:100],
            file_name=name,
            data=data,
            uploaded_by=uploaded_by,
            channel=channel,
            status=OFFERED,
            created_at=clock.utcnow(),
        )
        return await upload_queries.add_upload(session, pending)

    return await db.transaction(hold)


async def preview_held(db: Database, upload_id: int, person: Person, clock: Clock) -> tuple[str, object]:
    """An offered report read for the secretariat (within the reading budget): ("preview", (name,
    summary)), ("nothing", message) when importing it would change nothing, or ("refused", message)."""
    if not person.is_secretariat:
        return "refused", "Only the secretariat can preview a shared report."
    async with db.read() as session:
        upload = await upload_queries.upload(session, upload_id)
        held = (upload.file_name, upload.data, upload.status) if upload is not None else None
    if held is None or held[2] not in (PENDING, OFFERED):
        return "refused", "That report was already imported or declined."
    name, data, _ = held
    try:
        summary = await preview_report(db, name=name, data=data, clock=clock)
    except ReportError as exc:
        return "refused", f"I couldn't read {exc}"
    if summary.status == "unchanged":
        return "nothing", nothing_to_do(name, summary)
    return "preview", (name, summary)


def nothing_to_do(name: str, summary: ImportSummary) -> str:
    """Why a shared report needs no import."""
    return summary.line() if summary.note else f"{name} is already imported; nothing to do."


def preview_lines(file_name: str, summary: ImportSummary) -> list[str]:
    """What importing would do, in a few lines."""
    number = f" {summary.meeting_number}" if summary.meeting_number else ""
    kind = " (extraordinary)" if summary.extraordinary else ""
    lines = [
        f"Report: {file_name}",
        f"Meeting: {summary.group}{number}{kind} held {summary.meeting_date:%d %B %Y}",
        f"Actions: {len(summary.actions_new)} new, {len(summary.actions_updated)} changed, "
        f"{len(summary.actions_closed)} closed · Decisions: {len(summary.decisions_new)} new",
    ]
    if summary.actions_new:
        lines.append("New: " + ", ".join(summary.actions_new[:30]))
    if summary.actions_updated:
        lines.append("Changed: " + ", ".join(summary.actions_updated[:30]))
    if summary.next_meetings:
        lines.append(
            "Next meetings: "
            + ", ".join(
                f"{g} {d:%d %b %Y}" + (" (extraordinary)" if e else "") for g, d, e in summary.next_meetings
            )
        )
    for warning in summary.warnings[:5]:
        lines.append(f"Note: {warning}")
    return lines


async def import_held(
    db: Database, upload_id: int, person: Person, decided_by: str, clock: Clock
) -> tuple[bool, str]:
    """Import a held report (secretariat only): (imported, what to say). Taken in one transaction
    first, so two presses import it once; left pending again if the import fails."""

    if not person.is_secretariat:
        return False, "Only the secretariat can import reports."

    async def take(session):
        upload = await upload_queries.upload(session, upload_id)
        if upload is None or upload.status not in (PENDING, OFFERED):
            return None
        was, upload.status, upload.decided_by = upload.status, "importing", decided_by
        return upload.file_name, upload.data, was

    async def settle(status: str) -> None:
        async def mark(session):
            held = await upload_queries.upload(session, upload_id)
            held.status = status
            if status == "imported":
                held.data = b""  # the record holds what it said now

        await db.transaction(mark)

    taken = await db.transaction(take)
    if taken is None:
        return False, "That report was already imported or cancelled."
    name, data, was = taken
    try:
        summary = await import_report(db, name=name, data=data, clock=clock, by=person.display)
    except ReportError as exc:
        await settle(was)
        return False, f"Not imported by {person.display}: Import failed: {exc}"
    except BaseException:
        await settle(was)  # so it can be imported once the trouble has passed
        raise
    await settle("imported")
    await notify_calendar_changed()
    return True, f"Imported by {person.display}: {summary.line()}"


async def cancel_held(db: Database, upload_id: int, person: Person, decided_by: str) -> tuple[bool, str]:
    """Cancel a held report (whoever shared it, or the secretariat)."""

    async def cancel(session):
        upload = await upload_queries.upload(session, upload_id)
        allowed = upload is not None and (upload.uploaded_by == decided_by or person.is_secretariat)
        if allowed and upload.status in (PENDING, OFFERED):
            upload.status, upload.decided_by, upload.data = "cancelled", decided_by, b""
        return allowed, upload.file_name if upload else None

    allowed, name = await db.transaction(cancel)
    if not allowed:
        return False, "Only the person who shared it or the secretariat can cancel this."
    return True, f"Cancelled: {name} was not imported."
