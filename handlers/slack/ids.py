"""Every action id, callback id and block id the app uses, in one place."""

COMMAND = "/tmag"

# Buttons
MARK_DONE = "mark_done"  # value: the action ref
UNDO = "undo_change"  # value: the action event id
SHOW_MORE = "show_more"  # value: {"q": question, "o": offset}
IMPORT_REPORT = "import_report"  # value: the pending upload id
CANCEL_IMPORT = "cancel_import"  # value: the pending upload id
CONFIRM_IDENTITY = "confirm_identity"  # value: the member id
DENY_IDENTITY = "deny_identity"  # value: the member id
CONFIRM_REPORTED = "confirm_reported"  # value: the group code
CONFIRM_CLAIM = "confirm_claim"  # value: {"m": member id, "p": platform, "u": chat user id}
REJECT_CLAIM = "reject_claim"  # value: as CONFIRM_CLAIM

# The message shortcut and its modal
MARK_DONE_SHORTCUT = "mark_action_done"
MARK_DONE_MODAL = "mark_done_modal"
REFS_BLOCK = "refs_block"
REFS_INPUT = "refs"
NOTE_BLOCK = "note_block"
NOTE_INPUT = "note"

DONE_REACTIONS = frozenset({"white_check_mark", "heavy_check_mark", "ballot_box_with_check"})
