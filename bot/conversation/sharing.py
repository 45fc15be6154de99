"""A file shared with the bot, whatever the platform: the rules of bot/record/uploads.py as a turn.

From the secretariat, a report is downloaded, read within the reading budget and previewed, with
Import and Cancel. From anyone else it is downloaded but never read: it is offered to the secretariat
(Preview, Import, Decline) and the sharer is told so. Any file that is not a report is ignored in a
channel (people share pictures there) and explained in a personal chat.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.conversation.layout import CANCEL_UPLOAD, IMPORT_UPLOAD, Button, Piece
from bot.conversation.outcome import Outcome, Shown, note, refusal
from bot.people.identity import Person
from bot.people.links import ChatUser
from bot.people.notices import UploadNotice, tell_secretariat
from bot.record.importer import ImportSummary
from bot.record.reports.loader import ReportError, check_size, max_report_bytes
from bot.record.uploads import (
    MAX_OFFERED,
    NOTHING_STORED,
    REPORT_SUFFIXES,
    cancel_held,
    hold_upload,
    nothing_to_do,
    offer_upload,
    preview_held,
    preview_lines,
)
from bot.services import Services

READ_KINDS = ".docx, .pdf, .html, .md or .txt"


class DownloadFailed(Exception):
    """The platform would not give the file (its message says which platform)."""


@dataclass(frozen=True)
class SharedFile:
    """A file as a platform announced it. `fetch(limit)` downloads it whole: ReportError once it is
    larger than `limit` bytes, DownloadFailed when the platform fails."""

    name: str
    file_id: str
    size: int  # as the platform declared it; 0 when it did not say
    fetch: Callable[[int], Awaitable[bytes]]


async def share_file(
    services: Services,
    person: Person,
    shared: SharedFile,
    *,
    user: ChatUser | None,
    sharer: str,
    where: str,
    in_channel: bool,
) -> Outcome:
    """What sharing `shared` does. `sharer` is the chat user as uploads record them ("U0ADA",
    "teams:<id>"), `where` the channel or conversation it was shared in."""
    name = shared.name[:200] or "report"
    if Path(name).suffix.lower() not in REPORT_SUFFIXES:
        return Outcome() if in_channel else note(f"{name} is not a report I read ({READ_KINDS}).")
    limit = max_report_bytes()
    try:
        check_size(name, shared.size, limit)
        data = await shared.fetch(limit)
        check_size(name, len(data), limit)
    except ReportError as exc:
        return refusal(f"I couldn't read {exc}")
    except DownloadFailed as exc:
        return refusal(str(exc))
    db, clock = services.db, services.clock
    if not person.is_secretariat:
        upload_id = await offer_upload(
            db, name=name, data=data, file_id=shared.file_id, uploaded_by=sharer, channel=where, clock=clock
        )
        if upload_id is None:
            return refusal(
                f"You already have {MAX_OFFERED} files waiting for the secretariat; "
                f"{name} was not passed on. Once they have looked at those, share it again."
            )
        notice = UploadNotice(
            upload_id=upload_id,
            file_name=name,
            size=len(data),
            platform=user.platform if user is not None else "console",
            user_id=user.user_id if user is not None else sharer,
            member_id=person.member.id if person.member is not None else None,
            member_name=person.display if person.member is not None else None,
            in_channel=in_channel,
        )
        if not await tell_secretariat(db, [notice], services.tellers):
            await cancel_held(db, upload_id, person, sharer)
            return refusal(
                f"I have no way to tell the secretariat of {name} here (no secretariat channel is set "
                "and no admin is configured), so it was not kept: please send it to the PMO."
            )
        return note(
            f"Thank you: I have passed {name} to the secretariat to import. Reports shared by members "
            "are read only once someone from the secretariat looks at them, so it is not in the record yet."
        )
    try:
        held = await hold_upload(
            db, name=name, data=data, file_id=shared.file_id, uploaded_by=sharer, channel=where, clock=clock
        )
    except ReportError as exc:
        return refusal(f"I couldn't read {exc}")
    if held.upload_id is None:
        return note(nothing_to_do(name, held.summary))
    return Outcome([Shown("preview", preview_pieces(held.upload_id, name, held.summary))])


def preview_pieces(upload_id: int, name: str, summary: ImportSummary) -> list[Piece]:
    """What importing a shared report would do, with Import and Cancel."""
    data = {"upload": upload_id}
    buttons = (Button("Import", IMPORT_UPLOAD, data, "primary"), Button("Cancel", CANCEL_UPLOAD, data))
    return [
        *(Piece("text", line) for line in preview_lines(name, summary)),
        Piece("context", NOTHING_STORED),
        Piece("pager", "", buttons=buttons),
    ]


async def preview_pressed(services: Services, person: Person, upload_id: int) -> Outcome:
    """Preview pressed on an offered report: read now, for the secretariat, in place of the offer."""
    said, found = await preview_held(services.db, upload_id, person, services.clock)
    if said == "refused":
        return refusal(found)
    if said == "nothing":
        outcome = note(found)
    else:
        name, summary = found
        outcome = Outcome([Shown("preview", preview_pieces(upload_id, name, summary))])
    outcome.replace = True
    return outcome
