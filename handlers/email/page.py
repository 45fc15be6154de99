"""The page a link in an email opens, on the bot's own HTTP port: GET /a/TOKEN shows the action (and
changes nothing: mail scanners and link previews open links); POST /a/TOKEN is one of the page's forms
(Mark done, Add an update, Not mine, Undo), each carrying a token made for this link and this browser (a
signed one-time nonce, and the same value in a SameSite cookie), then shows the page again (303, so a
reload sends nothing twice). /u/TOKEN stops a member's emails: a page with a button, and the one-click
POST that mail clients send (RFC 8058). Server-rendered with Jinja2; no JavaScript.

What the page shows and what each form does are the core's (bot/conversation/action_page.py); the
changes are made on the answering loop, as every platform's are.
"""

from __future__ import annotations

import logging
import re
import secrets

from aiohttp import web

from bot.conversation import action_page
from bot.conversation.action_page import REFUSED, Opened
from bot.people.email_links import EmailLinks, LinkRefused
from handlers.email.messages import TEMPLATES
from handlers.services import Services
from storage.queries import requests as request_queries

log = logging.getLogger("tmag-bot.email")
COOKIE = "tmag_form"
COOKIE_VALUE = re.compile(r"[A-Za-z0-9_-]{16,64}")
STATUS = {"forged": 403, "expired": 410, "stale": 410, "gone": 404}
HEADERS = {
    # The token is in the address: keep it out of caches, other sites' logs and frames.
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
}


def email_routes(services: Services, answers=None) -> list[web.RouteDef]:
    """The page's routes. `answers`: the answering loop (handlers/answer_loop.py) changes are made on."""
    settings = services.settings
    links = EmailLinks(settings.email_link_key, services.clock, settings.email_link_days)
    secure = (settings.public_url or "").startswith("https://")

    async def on_answers(make):
        """Run a change on the answering loop (with its services), or here when there is none."""
        if answers is None:
            return await make(services)
        return await answers.run(make(answers.services))

    def render(name: str, status: int = 200, cookie: str | None = None, **values) -> web.Response:
        response = web.Response(
            text=TEMPLATES.get_template(name).render(values),
            status=status,
            content_type="text/html",
            charset="utf-8",
            headers=HEADERS,
        )
        if cookie:
            response.set_cookie(COOKIE, cookie, httponly=True, samesite="Lax", secure=secure, path="/a/")
        return response

    def refused(why: str) -> web.Response:
        title, said = REFUSED[why]
        return render("page.html", STATUS[why], title=title, refused=(title, said), page=None)

    async def show(
        request: web.Request,
        opened: Opened,
        *,
        status: int = 200,
        said: str | None = None,
        said_ok: bool = True,
        changed: int | None = None,
        what: str = "",
        note: str = "",
    ) -> web.Response:
        page = await action_page.page_of(services, opened, changed=changed)
        cookie = request.cookies.get(COOKIE, "")
        cookie = cookie if COOKIE_VALUE.fullmatch(cookie) else secrets.token_urlsafe(24)
        return render(
            "page.html",
            status,
            cookie,
            title=f"{page.ref}: {page.text[:80]}",
            refused=None,
            page=page,
            said=said or page.said,
            said_ok=said_ok if said else True,
            action=f"/a/{opened.token}",
            form_token=links.form_token(opened.token, cookie),
            what=what,
            note=note,
        )

    async def get_action(request: web.Request) -> web.Response:
        try:
            opened = await action_page.open_link(services, links, request.match_info["token"])
        except LinkRefused as exc:
            return refused(exc.why)
        done = request.query.get("done", "")
        return await show(request, opened, changed=int(done) if done.isdigit() and len(done) <= 12 else None)

    async def post_action(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            opened = await action_page.open_link(services, links, token)
        except LinkRefused as exc:
            return refused(exc.why)
        form = await request.post()
        what, note = str(form.get("what", "")), str(form.get("note", ""))[:10_000]
        try:
            nonce = links.read_form(str(form.get("form", "")), token, request.cookies.get(COOKIE, ""))
        except LinkRefused:
            return await show(
                request,
                opened,
                status=403,
                said="That form is out of date, or did not come from this page: nothing was changed. "
                "Here is the action as it is now; send it again if you still want to.",
                said_ok=False,
                what=what,
                note=note,
            )
        async with services.db.write() as session:
            first = await request_queries.claim_request(
                session, f"email-form:{nonce}", services.clock.utcnow()
            )
        if not first:
            return await show(
                request,
                opened,
                status=409,
                said="That form was already sent: nothing more was changed. Here is the action as it is now.",
                said_ok=False,
            )
        outcome = await on_answers(
            lambda answering: action_page.act(answering, opened, what, note, str(form.get("event", "")))
        )
        made = [change for change in outcome.changes if change.ok]
        if made:
            changed = await action_page.latest_change(services, opened)
            raise web.HTTPSeeOther(f"/a/{token}?done={changed}", headers=HEADERS)
        return await show(request, opened, status=409, said=outcome.text, said_ok=False, what=what, note=note)

    async def get_unsubscribe(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            links.read_unsubscribe(token)
        except LinkRefused as exc:
            return refused(exc.why)
        return render(
            "unsubscribe.html",
            title="Stop emails from tmag-bot?",
            lines=[
                "You will no longer be sent digests or reminders by email. The secretariat can still "
                "reach you in Slack or Teams, if you use them.",
            ],
            ask=True,
            done=False,
            action=f"/u/{token}",
        )

    async def post_unsubscribe(request: web.Request) -> web.Response:
        # RFC 8058: a mail client POSTs List-Unsubscribe=One-Click, without cookies or a form token; the
        # link itself is the secret, and the change is the same as the page's button.
        try:
            name = await on_answers(
                lambda answering: action_page.unsubscribe(answering, links, request.match_info["token"])
            )
        except LinkRefused as exc:
            return refused(exc.why)
        return render(
            "unsubscribe.html",
            title="You will get no more emails",
            lines=[
                f"Done: no more digests or reminders by email for {name}.",
                "To have them again, write “email me” to the bot in Slack or Teams, or ask the secretariat.",
            ],
            ask=False,
            done=True,
            action="",
        )

    return [
        web.get(r"/a/{token:[A-Za-z0-9_.-]{1,400}}", get_action),
        web.post(r"/a/{token:[A-Za-z0-9_.-]{1,400}}", post_action),
        web.get(r"/u/{token:[A-Za-z0-9_.-]{1,400}}", get_unsubscribe),
        web.post(r"/u/{token:[A-Za-z0-9_.-]{1,400}}", post_unsubscribe),
    ]
