"""Every action id, callback id and block id the app uses, in one place, and which of the core's button
verbs (bot/conversation/layout.py) each action id carries."""

from bot.conversation import layout

COMMAND = "/tmag"

# Buttons: each core verb has its action id (kept from the first releases, so buttons on messages
# already posted still work).
MARK_DONE = "mark_done"  # {"ref", "view"?} (or, on older messages, the ref)
UNDO = "undo_change"  # {"event", "view"?} (or the event id)
SHOW_MORE = "show_more"  # {"view"}: another page of the same answer
IMPORT_REPORT = "import_report"  # {"upload"}
CANCEL_IMPORT = "cancel_import"  # {"upload"}
PREVIEW_REPORT = "preview_report"  # {"upload"}
CONFIRM_IDENTITY = "confirm_identity"  # {"member"}
DENY_IDENTITY = "deny_identity"  # {"member"}
CONFIRM_REPORTED = "confirm_reported"  # {"group", "view"?} (or the group code)
CONFIRM_CLAIM = "confirm_claim"  # {"member", "platform", "user"}
REJECT_CLAIM = "reject_claim"  # as CONFIRM_CLAIM

ACTION_IDS = {
    layout.MARK_DONE: MARK_DONE,
    layout.UNDO: UNDO,
    layout.PAGE_TO: SHOW_MORE,
    layout.IMPORT_UPLOAD: IMPORT_REPORT,
    layout.CANCEL_UPLOAD: CANCEL_IMPORT,
    layout.PREVIEW_UPLOAD: PREVIEW_REPORT,
    layout.CONFIRM_IDENTITY: CONFIRM_IDENTITY,
    layout.DENY_IDENTITY: DENY_IDENTITY,
    layout.CONFIRM_REPORTED: CONFIRM_REPORTED,
    layout.CONFIRM_CLAIM: CONFIRM_CLAIM,
    layout.REJECT_CLAIM: REJECT_CLAIM,
}
VERBS = {action_id: verb for verb, action_id in ACTION_IDS.items()}

# The message shortcut and its modal
MARK_DONE_SHORTCUT = "mark_action_done"
MARK_DONE_MODAL = "mark_done_modal"
REFS_BLOCK = "refs_block"
REFS_INPUT = "refs"
NOTE_BLOCK = "note_block"
NOTE_INPUT = "note"

DONE_REACTIONS = frozenset({"white_check_mark", "heavy_check_mark", "ballot_box_with_check"})
