"""Every Action.Execute verb, input id and command id the Teams app uses, in one place, and which of the
core's button verbs (bot/conversation/layout.py) each Teams verb carries."""

from bot.conversation import layout

# Action.Execute verbs: each core verb has its Teams verb (kept from the first releases, so cards
# already posted still work); the data of each says what it acts on.
TEAMS_VERBS = {
    layout.MARK_DONE: "markDone",  # ref, view?
    layout.UNDO: "undo",  # event, view?
    layout.PAGE_TO: "showMore",  # view (older cards: q, o)
    layout.CONFIRM_REPORTED: "confirmReported",  # group, view?
    layout.CONFIRM_IDENTITY: "confirmIdentity",  # member
    layout.DENY_IDENTITY: "denyIdentity",  # member
    layout.CONFIRM_CLAIM: "confirmClaim",  # member, platform, user
    layout.REJECT_CLAIM: "rejectClaim",  # member, platform, user
    layout.IMPORT_UPLOAD: "importUpload",  # upload: a report shared with the bot, held for the secretariat
    layout.CANCEL_UPLOAD: "cancelUpload",  # upload
    layout.PREVIEW_UPLOAD: "previewUpload",  # upload
}
CORE_VERBS = {teams: core for core, teams in TEAMS_VERBS.items()}
MARK_DONE = TEAMS_VERBS[layout.MARK_DONE]
UNDO = TEAMS_VERBS[layout.UNDO]
SHOW_MORE = TEAMS_VERBS[layout.PAGE_TO]
CONFIRM_REPORTED = TEAMS_VERBS[layout.CONFIRM_REPORTED]
CONFIRM_IDENTITY = TEAMS_VERBS[layout.CONFIRM_IDENTITY]
DENY_IDENTITY = TEAMS_VERBS[layout.DENY_IDENTITY]
CONFIRM_CLAIM = TEAMS_VERBS[layout.CONFIRM_CLAIM]
REJECT_CLAIM = TEAMS_VERBS[layout.REJECT_CLAIM]
IMPORT_UPLOAD = TEAMS_VERBS[layout.IMPORT_UPLOAD]
CANCEL_UPLOAD = TEAMS_VERBS[layout.CANCEL_UPLOAD]

# A file sent to the bot in a personal chat
FILE_DOWNLOAD = "application/vnd.microsoft.teams.file.download.info"

# The message action "Mark action done" (manifest command id) and its dialog's inputs; its Undo is a
# dialog button too (a dialog's card submits, it cannot Action.Execute).
MARK_DONE_COMMAND = "markActionDone"
REFS_INPUT = "refs"
NOTE_INPUT = "note"
DIALOG_UNDO = "undoChosen"  # the dialog's Undo: event
