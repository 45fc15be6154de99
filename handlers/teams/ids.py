"""Every Action.Execute verb, input id and command id the Teams app uses, in one place."""

# Action.Execute verbs (the data of each says what it acts on)
MARK_DONE = "markDone"  # ref
UNDO = "undo"  # event: the action event id
SHOW_MORE = "showMore"  # q: the question, o: the offset
CONFIRM_REPORTED = "confirmReported"  # group
CONFIRM_IDENTITY = "confirmIdentity"  # member
DENY_IDENTITY = "denyIdentity"  # member
CONFIRM_CLAIM = "confirmClaim"  # member, platform, user: a claim the secretariat confirms
REJECT_CLAIM = "rejectClaim"  # member, platform, user
IMPORT_UPLOAD = "importUpload"  # upload: a report shared with the bot, held for the secretariat
CANCEL_UPLOAD = "cancelUpload"  # upload

# A file sent to the bot in a personal chat
FILE_DOWNLOAD = "application/vnd.microsoft.teams.file.download.info"

# The message action "Mark action done" (manifest command id) and its dialog's inputs
MARK_DONE_COMMAND = "markActionDone"
REFS_INPUT = "refs"
NOTE_INPUT = "note"
