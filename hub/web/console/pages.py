"""The console's pages: sign-in, audit search, record detail, person timeline (with exports), integrity,
agreements. Read pages are plain GET forms and links, usable without JavaScript; every POST carries the
session's CSRF token."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from audit import sanitise
from connectors.registry import SCHEMES
from hub.core.errors import HubError
from hub.core.settings import Settings
from hub.services.audit_review import READER_ROLE
from hub.services.cursors import valid_person_id
from hub.web.auth import issue_dev_token
from hub.web.console import agreements, candidates, queries
from hub.web.console.exports import sar_csv, sar_pdf
from hub.web.console.graph import Answer, ask
from hub.web.console.session import COOKIE, PRE_COOKIE, PRE_SECONDS, Session, seal, session_key, unseal
from policies.diff import diff
from policies.loader import PolicyInvalid, load_policy
from schema.graph.names import enum_name

HERE = Path(__file__).resolve().parent
PREFIX = "/console"
#: The pages load the console's own stylesheet and nothing else; no script runs; forms post to the hub.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
SECURITY = {"content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
            "cache-control": "no-store"}
PAGE_SIZE = 25
#: subjects of one record whose own disclosures the detail page lists (each is an alias in one request)
SUBJECTS_SHOWN = 20
MAX_JUSTIFICATION = sanitise.MAX_JUSTIFICATION  # as the audit record keeps it
OUTCOMES = ["ok", "partial", "refused", "unauthenticated", "malformed", "error"]
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


class Console:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = session_key(self.settings.keys_dir)
        return self._key

    # -- responses ---------------------------------------------------------------------------------
    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("session", None)
        context.setdefault("development", self.settings.development)
        response = self.templates.TemplateResponse(request, name, context, status_code=status)
        response.headers.update(SECURITY)
        return response

    def problem(self, request: Request, message: str, status: int, session: Session | None = None) -> Response:
        return self.render(request, "problem.html", status=status, message=message, session=session)

    def refused(self, request: Request, answer: Answer, session: Session) -> Response:
        """The API's refusal as a page; a token it no longer accepts (expired, revoked) ends the sign-in."""
        if answer.status == 401 or any((e.get("extensions") or {}).get("code") == "INVALID_TOKEN"
                                       for e in answer.errors):
            response = _see(f"{PREFIX}/sign-in")
            response.delete_cookie(COOKIE, path=PREFIX)
            return response
        return self.problem(request, answer.problem() or "", _status(answer), session)

    def _cookie(self, response: Response, name: str, value: str, seconds: int) -> None:
        response.set_cookie(name, value, max_age=seconds, path=PREFIX, httponly=True, samesite="strict",
                            secure=self.settings.environment == "production")

    def session(self, request: Request) -> Session | None:
        found = unseal(request.cookies.get(COOKIE), self.key)
        return found if found is not None and found.token else None

    async def ask(self, request: Request, session: Session, query: str,
                  variables: dict[str, Any] | None = None) -> Answer:
        return await ask(request, session, query, variables)

    # -- sign-in -----------------------------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        return _see(f"{PREFIX}/search" if self.session(request) else f"{PREFIX}/sign-in")

    async def sign_in_page(self, request: Request, error: str | None = None, status: int = 200) -> Response:
        pre = Session.start("", "", PRE_SECONDS)
        proxied = _bearer(request) is not None
        response = self.render(request, "sign_in.html", status=status, csrf=pre.csrf, error=error, proxied=proxied,
                               minutes=self.settings.console_session_minutes)
        self._cookie(response, PRE_COOKIE, seal(pre, self.key), PRE_SECONDS)
        return response

    async def sign_in(self, request: Request) -> Response:
        form = await request.form()
        pre = unseal(request.cookies.get(PRE_COOKIE), self.key)
        if pre is None or not pre.csrf_matches(_text(form.get("csrf"))):
            return self.problem(request, "The sign-in form had expired or did not come from this console: "
                                         "open it again.", 403)
        justification = (_text(form.get("justification")) or "").strip()
        if not justification or len(justification) > MAX_JUSTIFICATION:
            return await self.sign_in_page(request, f"Give a justification (up to {MAX_JUSTIFICATION} characters): "
                                                    "it is recorded with every page you view.", 400)
        token = (_text(form.get("token")) or "").strip() or _bearer(request)
        if form.get("mint") is not None:
            if not self.settings.development:
                return self.problem(request, "Development tokens are minted only when HUB_ENV=development.", 403)
            token = issue_dev_token(self.settings, user="ig-dev", agency="partnership", roles=[READER_ROLE],
                                    ttl=self.settings.console_session_minutes * 60)
        if not token:
            return await self.sign_in_page(request, "Paste a token (or sign in through the partnership's proxy).", 400)
        governance = request.app.state.governance
        try:
            principal = governance.authenticator.authenticate(f"Bearer {token}")
        except HubError as exc:
            return await self.sign_in_page(request, f"That token was refused: {exc}", 403)
        if READER_ROLE not in principal.roles:
            return await self.sign_in_page(request, f"The console is for the {READER_ROLE} role; this token's roles "
                                                    f"are {', '.join(principal.roles)}.", 403)
        seconds = self.settings.console_session_minutes * 60
        response = _see(f"{PREFIX}/search")
        self._cookie(response, COOKIE, seal(Session.start(token, justification, seconds), self.key), seconds)
        response.delete_cookie(PRE_COOKIE, path=PREFIX)
        return response

    async def sign_out(self, request: Request) -> Response:
        session = self.session(request)
        form = await request.form()
        if session is not None and not session.csrf_matches(_text(form.get("csrf"))):
            return self.problem(request, "That form did not come from this console.", 403, session)
        response = _see(f"{PREFIX}/sign-in")
        response.delete_cookie(COOKIE, path=PREFIX)
        return response

    def _signed_in(self, request: Request) -> Session | Response:
        session = self.session(request)
        return session if session is not None else _see(f"{PREFIX}/sign-in")

    async def _checked(self, request: Request) -> Session | Response:
        """The session of a POST whose form carries its CSRF token; otherwise the refusal."""
        session = self._signed_in(request)
        if isinstance(session, Response):
            return session
        form = await request.form()
        if not session.csrf_matches(_text(form.get("csrf"))):
            return self.problem(request, "That form did not come from this console (or your sign-in changed): "
                                         "reload the page and try again.", 403, session)
        return session

    # -- pages ---------------------------------------------------------------------------------------
    async def search(self, request: Request) -> Response:
        session = self._signed_in(request)
        if isinstance(session, Response):
            return session
        q = {k: (request.query_params.get(k) or "").strip() for k in
             ("actor", "agency", "role", "purpose", "outcome", "since", "until", "scheme", "subject", "after")}
        flt: dict[str, Any] = {"actor": q["actor"]} if q["actor"] else {}
        # The API takes these closed sets as enums: `continuity-of-care` is CONTINUITY_OF_CARE.
        flt.update({k: q[k].upper().replace("-", "_") for k in ("agency", "role", "purpose", "outcome") if q[k]})
        for name in ("since", "until"):
            if q[name]:
                if not _DATETIME.match(q[name]):
                    return self.problem(request, f"{name} must be a date and time (YYYY-MM-DDTHH:MM, UTC).", 400,
                                        session)
                flt[name] = (q[name] if q[name].count(":") == 2 else q[name] + ":00") + "+00:00"
        if q["subject"]:
            # An agency identifier never travels in a URL (browser history, access logs): it is looked up
            # by the POST form below, which redirects here with the hub person id alone.
            if (q["scheme"] or "hub") != "hub" or not valid_person_id(q["subject"]):
                return self.problem(request, "Search by a hub person id here (H and eight digits); look an agency "
                                             "identifier up with the identifier form.", 400, session)
            flt["subject"] = q["subject"]
        note = f"Records about hub person {q['subject']}." if q["subject"] else None
        return await self._search_page(request, session, q, flt, note)

    async def _search_page(self, request: Request, session: Session, q: dict[str, str], flt: dict[str, Any],
                           note: str | None = None, read_trail: bool = True) -> Response:
        rows: list[dict[str, Any]] = []
        more, end = False, None
        if read_trail:
            answer = await self.ask(request, session, queries.SEARCH,
                                    {"filter": flt, "first": PAGE_SIZE, "after": q["after"] or None})
            if answer.problem():
                return self.refused(request, answer, session)
            events = (answer.data or {})["auditEvents"]
            rows = [e["node"] for e in events["edges"]]
            more, end = events["pageInfo"]["hasNextPage"], events["pageInfo"]["endCursor"]
        person = flt.get("subject") if valid_person_id(str(flt.get("subject", ""))) else None
        following = urlencode({**{k: v for k, v in q.items() if v and k != "after"}, "after": end}) if more else None
        return self.render(request, "search.html", session=session, q=q, rows=rows,
                           next_query=following, note=note, outcomes=OUTCOMES, schemes=SCHEMES, person=person)

    async def look_up(self, request: Request) -> Response:
        """An agency identifier, posted (never in a URL), resolved once through the governed ``auditSubject``:
        on to the search by the hub person id it belongs to, or this page saying no one holds it."""
        session = await self._checked(request)
        if isinstance(session, Response):
            return session
        form = await request.form()
        scheme, value = (_text(form.get("scheme")) or "").strip(), (_text(form.get("identifier")) or "").strip()
        q = dict.fromkeys(("actor", "agency", "role", "purpose", "outcome", "since", "until", "scheme", "subject",
                           "after"), "")
        if scheme not in SCHEMES or not value:
            return self.problem(request, "Choose an identifier scheme from the list and give its value.", 400, session)
        found = await self.ask(request, session, queries.SUBJECT, {"scheme": enum_name(scheme), "value": value})
        if found.problem():
            return self.refused(request, found, session)
        person = (found.data or {}).get("auditSubject")
        if person is None:
            # Said in this page's body, not in a URL; nothing more is asked of the trail.
            return await self._search_page(request, session, q, {}, note=f"No one the hub links holds {scheme} "
                                           f"{value}.", read_trail=False)
        return _see(f"{PREFIX}/search?{urlencode({'subject': person})}")

    async def record(self, request: Request) -> Response:
        session = self._signed_in(request)
        if isinstance(session, Response):
            return session
        seq = int(request.path_params["seq"])
        # One call: the record and each shown subject's own entry for it (not a report per subject).
        answer = await self.ask(request, session, queries.RECORD, {"seq": seq, "subjects": SUBJECTS_SHOWN})
        if answer.problem():
            return self.refused(request, answer, session)
        detail = (answer.data or {})["auditRecord"]
        if detail is None:
            return self.problem(request, f"There is no audit record {seq}.", 404, session)
        record = detail["record"]
        parts = {s["personId"]: s["disclosure"] for s in detail["subjects"]}
        return self.render(request, "record.html", session=session, r=record, parts=parts,
                           more_subjects=detail["moreSubjects"], trace_url=self._trace_url(record["traceId"]))

    def _trace_url(self, trace_id: str) -> str | None:
        template = self.settings.trace_ui_url
        if not template or not trace_id:
            return None
        return template.replace("{trace_id}", trace_id) if "{trace_id}" in template else f"{template}{trace_id}"

    async def _report(self, request: Request) -> tuple[Session, str, list[dict[str, Any]]] | Response:
        session = self._signed_in(request)
        if isinstance(session, Response):
            return session
        person_id = request.path_params["person_id"]
        if not valid_person_id(person_id):
            return self.problem(request, "A hub person id is H followed by eight digits.", 400, session)
        answer = await self.ask(request, session, queries.REPORT, {"personId": person_id})
        if answer.problem():
            return self.refused(request, answer, session)
        return session, person_id, (answer.data or {})["subjectAccessReport"]["disclosures"]

    async def person(self, request: Request) -> Response:
        found = await self._report(request)
        if isinstance(found, Response):
            return found
        session, person_id, disclosures = found
        return self.render(request, "person.html", session=session, person_id=person_id, disclosures=disclosures)

    async def person_csv(self, request: Request) -> Response:
        found = await self._report(request)
        if isinstance(found, Response):
            return found
        _session, person_id, disclosures = found
        return Response(sar_csv(disclosures), media_type="text/csv; charset=utf-8", headers={
            **SECURITY, "content-disposition": f'attachment; filename="subject-access-{person_id}.csv"'})

    async def person_pdf(self, request: Request) -> Response:
        found = await self._report(request)
        if isinstance(found, Response):
            return found
        _session, person_id, disclosures = found
        produced = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return Response(sar_pdf(person_id, disclosures, produced), media_type="application/pdf", headers={
            **SECURITY, "content-disposition": f'attachment; filename="subject-access-{person_id}.pdf"'})

    async def integrity(self, request: Request) -> Response:
        session = await self._checked(request) if request.method == "POST" else self._signed_in(request)
        if isinstance(session, Response):
            return session
        answer = await self.ask(request, session, queries.INTEGRITY)
        if answer.problem():
            return self.refused(request, answer, session)
        report = (answer.data or {})["auditIntegrity"]
        return self.render(request, "integrity.html", session=session, report=report,
                           checkpoint=report["lastCheckpoint"],
                           checked_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
                           verified=request.method == "POST")

    async def agreements(self, request: Request) -> Response:
        session = await self._checked(request) if request.method == "POST" else self._signed_in(request)
        if isinstance(session, Response):
            return session
        live = request.app.state.governance.policies.current()
        asked = request.query_params.get("role") or None
        roles = sorted({r for entry in live.agreements.purposes.values() for r in entry.roles})
        role = asked if asked in roles else None
        # The matrix comes through the governed API like every page's data, so the view is audited.
        viewed = await self.ask(request, session, queries.AGREEMENTS,
                                {"role": role.upper().replace("-", "_") if role else None})
        if viewed.problem():
            return self.refused(request, viewed, session)
        context: dict[str, Any] = {"session": session, "version": live.version, "roles": roles,
                                   "role": role, "candidate": "", "changes": None}
        context["cells"] = [_Cell(c) for c in (viewed.data or {})["agreementMatrix"]]
        if request.method == "POST":
            form = await request.form()
            candidate = (_text(form.get("candidate")) or "").strip()
            uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
            context["candidate"] = candidate
            try:
                if uploads:
                    new = await candidates.uploaded(live.directory, uploads)
                elif candidate:
                    new = load_policy(candidates.named(self.settings.data_dir, candidate))
                else:
                    raise candidates.NotACandidate("Upload the changed policy files or name a candidate directory.")
            except (PolicyInvalid, OSError, candidates.NotACandidate) as exc:
                context["diff_error"] = f"The candidate could not be read as a policy version: {exc}"
            else:
                changes = diff(live, new)
                # People per owner through the governed API too: counted for IG only, and audited.
                held = await self.ask(request, session, queries.HOLDINGS,
                                      {"owners": sorted({c.owner for c in changes})})
                if held.problem():
                    return self.refused(request, held, session)
                context.update(changes=changes, candidate_version=new.version,
                               kinds=agreements.counts_by_kind(changes),
                               people={h["owner"]: h["people"] for h in (held.data or {})["peopleHoldingRecords"]})
        return self.render(request, "agreements.html", **context)


class _Cell:
    """A matrix cell from the API, read by the template as attributes (``legal_basis`` and so on)."""

    def __init__(self, cell: dict[str, str]) -> None:
        self.role, self.purpose, self.group, self.owner = cell["role"], cell["purpose"], cell["group"], cell["owner"]
        self.effect, self.condition, self.clause = cell["effect"], cell["condition"], cell["clause"]
        self.agreement, self.legal_basis = cell["agreement"], cell["legalBasis"]


def _see(url: str) -> Response:
    return RedirectResponse(url, status_code=303, headers=SECURITY)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _bearer(request: Request) -> str | None:
    """The token an OIDC proxy in front of the hub forwards (oauth2-proxy: --pass-authorization-header)."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _status(answer: Answer) -> int:
    return answer.status if answer.status >= 400 else 502 if answer.data is None else 400


def routes(settings: Settings) -> list[BaseRoute]:
    console = Console(settings)
    return [
        Route(PREFIX, console.home, methods=["GET"]),
        Route(f"{PREFIX}/sign-in", console.sign_in_page, methods=["GET"]),
        Route(f"{PREFIX}/sign-in", console.sign_in, methods=["POST"]),
        Route(f"{PREFIX}/sign-out", console.sign_out, methods=["POST"]),
        Route(f"{PREFIX}/search", console.search, methods=["GET"]),
        Route(f"{PREFIX}/subject", console.look_up, methods=["POST"]),
        Route(f"{PREFIX}/records/{{seq:int}}", console.record, methods=["GET"]),
        Route(f"{PREFIX}/people/{{person_id}}.csv", console.person_csv, methods=["GET"]),
        Route(f"{PREFIX}/people/{{person_id}}.pdf", console.person_pdf, methods=["GET"]),
        Route(f"{PREFIX}/people/{{person_id}}", console.person, methods=["GET"]),
        Route(f"{PREFIX}/integrity", console.integrity, methods=["GET", "POST"]),
        Route(f"{PREFIX}/agreements", console.agreements, methods=["GET", "POST"]),
        Mount(f"{PREFIX}/static", StaticFiles(directory=str(HERE / "static")), name="console-static"),
    ]
