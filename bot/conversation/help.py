"""What the bot can do, as it tells people who ask for help (or ask something it cannot answer)."""

HELP = (
    "I can answer:\n"
    "• what is open for me / for NAME / for the DNO rep — and what is on my plate\n"
    "• what is overdue (for me) · what is due before the next meeting · what is reported done\n"
    "• who owns TMAG22-01 · show TMAG22-01 (its history and why it exists)\n"
    "• what did we decide about TOPIC · decisions at TMAG 22 · actions about TOPIC\n"
    "• when is the next TMAG / next extraordinary TMAG / next PSG\n"
    "• who is the DNO rep · who attended TMAG 7 · who chairs TMAG\n"
    "and take: done REF [REF...] [note] · update REF TEXT · reopen REF · undo\n"
    "· email me (digests and reminders by email) · email me too (chat and email) · email off\n"
    "for the secretariat: confirm reported [GROUP] · action add · decision add · meeting add|move|cancel\n"
    "· report draft [GROUP] [next|NUMBER|DATE] (the next headline report in Word, sent to you)"
)
