"""The people of bench/load.py, for locust: staff at the desk, grid workers, residents.

Run by bench/load.py (`locust -f bench/locustfile.py --headless …`), which
passes the plan (bench/load_db.py setup) in JY_LOAD_PLAN and takes every
request's timing from the file named by JY_LOAD_OUT (one JSON line each), so
that it computes exact percentiles over the steady part of the run itself.

Everything goes through the pages as a browser would: the login form, forms
read from the HTML with their CSRF token and hidden fields, htmx requests with
HX-Request and X-CSRFToken, redirects followed as their own requests. The
client speaks to gunicorn as nginx would (X-Forwarded-Proto: https, X-Real-IP:
one address per simulated person; gunicorn runs with BEHIND_PROXY=1).

  Desk    (head, caseworker)     dashboard after login; queue → case page →
                                 a move of the state machine (acknowledge,
                                 start, wait on the resident, resume) and a
                                 note; search as you type → household file
  Grid    (gridworker, …2)       duty list → the visit form for a duty (or a
                                 household picked by name in the form's htmx
                                 picker) → visit saved → visit page; visit
                                 diary; search → household
  Resident (portal, no login)    landing → request form → waits ≥ 3 s (the
                                 form's timing stamp) → sends it (a proof of
                                 work solved when the portal asks for one) →
                                 thanks → status page; status lookups by
                                 reference and code
  Probe   (one, fixed)           GET /login/ without a session: the baseline

A simulated person's case moves are made only on the cases whose id falls in
its share (id modulo the number of people), so two of them never race for one
case's version (a conflict would be a real 409, not the load's).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import re
import time
from html.parser import HTMLParser
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, events, task

PLAN = json.loads(open(os.environ.get("JY_LOAD_PLAN", "/dev/null")).read() or "{}")  # noqa: SIM115
OUT = os.environ.get("JY_LOAD_OUT", "")
SAMPLES: list[list] = []
NUMBERS = itertools.count()
PROOFS = {"solved": 0}
# POSTs sent, by name: a write still in flight when the step ends may be in the
# database without the client having seen its answer.
SENT: dict[str, int] = {}
# The step: once spawning is complete and every staff member has logged in
# ("ready"), it runs JY_LOAD_DURATION seconds more and stops.
DURATION = float(os.environ.get("JY_LOAD_DURATION", "30"))
STATE: dict = {"starting": 0, "ready": None}


@events.spawning_complete.add_listener
def _spawned(user_count: int, **_kw) -> None:  # noqa: ANN003
    gevent.spawn(_stop_after_duration)


def _stop_after_duration() -> None:
    while STATE["starting"] > 0:
        gevent.sleep(0.1)
    STATE["ready"] = time.time()
    gevent.sleep(DURATION)
    RUNNER["env"].runner.quit()


RUNNER: dict = {}


@events.init.add_listener
def _init(environment, **_kw) -> None:  # noqa: ANN001, ANN003
    RUNNER["env"] = environment


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None,
            start_time=None, **_kw):  # noqa: ANN001
    SAMPLES.append([name, start_time or time.time(), response_time,
                    "" if exception is None else str(exception)[:200]])


@events.test_stop.add_listener
def _dump(**_kw):  # noqa: ANN003
    if OUT:
        with open(OUT, "w") as f:
            for row in SAMPLES:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
            f.write(json.dumps(["#proofs", 0, PROOFS["solved"], ""]) + "\n")
            f.write(json.dumps(["#sent", 0, 0, SENT], ensure_ascii=False) + "\n")
            f.write(json.dumps(["#ready", STATE["ready"] or 0, 0, ""]) + "\n")


class Forms(HTMLParser):
    """The forms of a page: action, method, attributes and the fields a browser
    would send (checked boxes only; a select's selected or first option)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get"),
                               "attrs": a, "fields": []})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self.forms:
            chosen = [v for v, sel in self._options if sel] or [v for v, _ in self._options[:1]]
            self.forms[-1]["fields"].extend((self._select, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self.forms:
            self.forms[-1]["fields"].append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None


def form_where(html: str, pred) -> dict | None:  # noqa: ANN001
    return next((f for f in Forms(html).forms if pred(f)), None)


def filled(form: dict, **values: str) -> list[tuple[str, str]]:
    """The form's fields with `values` put in place of (or added to) their own."""
    fields = [(k, v) for k, v in form["fields"] if k not in values]
    return fields + list(values.items())


def form_errors(html: str) -> str:
    """A refused form's error messages, for the report."""
    found = re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)</', html, re.S)
    return " | ".join(dict.fromkeys(re.sub(r"<[^>]+>|\s+", " ", e).strip()
                                    for e in found if e.strip()))[:160]


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return m.group(1) if m else ""


def solve(prefix: str, bits: int) -> str:
    """The portal's proof of work (static/js/portal-pow.js), as a browser solves it."""
    target = 1 << (256 - bits)
    for n in itertools.count():
        digest = hashlib.sha256(f"{prefix}:{n}".encode()).digest()
        if int.from_bytes(digest, "big") < target:
            PROOFS["solved"] += 1
            return str(n)
    return ""


class Browser(FastHttpUser):
    abstract = True
    host = "http://127.0.0.1:8000"

    def on_start(self) -> None:
        self.number = next(NUMBERS)
        self.share = max(1, self.environment.parsed_options.num_users or 1)
        self.rng = random.Random(self.number)
        self.new_address()

    def new_address(self) -> None:
        self.address = f"10.{self.rng.randrange(256)}.{self.rng.randrange(256)}." \
                       f"{self.rng.randrange(1, 255)}"

    def headers(self, page: str = "/", **extra: str) -> dict[str, str]:
        origin = "https://" + self.host.split("://", 1)[1]
        return {"X-Forwarded-Proto": "https", "X-Real-IP": self.address,
                "Accept-Language": "zh-hans", "Origin": origin, "Referer": origin + page,
                **extra}

    def page(self, path: str, name: str, *, ok: tuple[int, ...] = (200,)) -> str:
        with self.client.get(path, name=name, headers=self.headers(path), allow_redirects=False,
                             catch_response=True) as r:
            if r.status_code not in ok:
                r.failure(f"HTTP {r.status_code}")
            return r.text or ""

    def post(self, path: str, name: str, fields: list[tuple[str, str]], *, page: str = "",
             ok: tuple[int, ...] = (302, 303), htmx: str = "") -> tuple[int, str, str]:
        """POST a form (urlencoded); returns (status, Location, body). Not followed."""
        SENT[name] = SENT.get(name, 0) + 1
        extra = {"Content-Type": "application/x-www-form-urlencoded"}
        if htmx:
            extra.update({"HX-Request": "true", "X-CSRFToken": htmx})
        with self.client.post(path, name=name, data=urlencode(fields),
                              headers=self.headers(page or path, **extra),
                              allow_redirects=False, catch_response=True) as r:
            if r.status_code not in ok:
                r.failure(f"HTTP {r.status_code} {form_errors(r.text or '')}".strip())
            return r.status_code, r.headers.get("Location", "") or "", r.text or ""

    def follow(self, location: str, name: str) -> str:
        return self.page(location.split("#", 1)[0], name) if location else ""


class Staff(Browser):
    abstract = True
    accounts: tuple[str, ...] = ()
    wait_time = between(2, 6)

    def on_start(self) -> None:
        STATE["starting"] += 1
        try:
            self.log_in()
        finally:
            STATE["starting"] -= 1

    def log_in(self) -> None:
        super().on_start()
        self.username = self.accounts[self.number % len(self.accounts)]
        html = self.page("/login/", "GET /login/")
        status, location, _ = self.post("/login/", "POST /login/", [
            ("csrfmiddlewaretoken", csrf_of(html)), ("username", self.username),
            ("password", PLAN["password"]), ("next", "")])
        self.home = self.follow(location, "GET / (dashboard)") if status == 302 else ""

    def csrf(self) -> str:
        return csrf_of(self.home)

    def search_households(self) -> list[str]:
        """Types a name as a person does (one request a character, htmx), and
        returns the household links of the last results."""
        name = self.rng.choice(PLAN["names"]).replace("·", "")
        body = ""
        for n in range(1, min(len(name), 3) + 1):
            _s, _l, body = self.post("/search/", "POST /search/ (htmx, as you type)", [
                ("csrfmiddlewaretoken", self.csrf()), ("q", name[:n])],
                ok=(200,), htmx=self.csrf())
            time.sleep(0.3)
        return re.findall(r'href="(/households/\d+/)"', body)

    @task(3)
    def search_and_open(self) -> None:
        links = self.search_households()
        if links:
            self.page(self.rng.choice(links), "GET /households/<id>/")


class Desk(Staff):
    """Station head and caseworker at the service desk."""

    accounts = tuple(PLAN.get("desk", ("head",)))
    weight = 4
    MOVES = {"new": ("acknowledge", "start"), "acknowledged": ("start",),
             "in_progress": ("wait_resident",), "waiting_resident": ("resume",),
             "waiting_department": ("resume",)}

    @task(4)
    def case_work(self) -> None:
        queue = self.rng.choice(("open", "mine", "open", "due_today"))
        html = self.page(f"/desk/queue/{queue}/", "GET /desk/queue/<q>/")
        ids = sorted({int(i) for i in re.findall(r'href="/desk/cases/(\d+)/"', html)})
        mine = [i for i in ids if i % self.share == self.number % self.share]
        pick = self.rng.choice(mine or ids) if ids else None
        if pick is None:
            return
        url = f"/desk/cases/{pick}/"
        page = self.page(url, "GET /desk/cases/<id>/")
        time.sleep(self.rng.uniform(1, 3))
        if mine:
            actions = {dict(f["fields"]).get("action"): f for f in Forms(page).forms
                       if f["action"].endswith("/action/")}
            wanted = [a for moves in self.MOVES.values() for a in moves if a in actions]
            if wanted:
                form = actions[wanted[0]]
                status, location, _ = self.post(form["action"], "POST /desk/cases/<id>/action/",
                                                filled(form, note="负载测试：等待居民补充材料"),
                                                page=url)
                page = self.follow(location, "GET /desk/cases/<id>/") if status == 302 else page
        note = form_where(page, lambda f: f["action"].endswith("/note/"))
        if note:
            status, location, _ = self.post(note["action"], "POST /desk/cases/<id>/note/",
                                            filled(note, text="电话联系居民，已说明办理进度。"),
                                            page=url)
            if status == 302:
                self.follow(location, "GET /desk/cases/<id>/")

    @task(1)
    def dashboard(self) -> None:
        self.home = self.page("/", "GET / (dashboard)") or self.home


class Grid(Staff):
    """Grid workers: duty list, visits logged, the visit diary."""

    accounts = tuple(PLAN.get("grid", ("gridworker",)))
    weight = 4

    @task(4)
    def log_visit(self) -> None:
        html = self.page("/care/duties/", "GET /care/duties/")
        links = [u.replace("&amp;", "&") for u in
                 re.findall(r'href="(/care/visits/new/\?duty=\d+[^"]*)"', html)]
        mine = [u for u in links
                if int(re.search(r"duty=(\d+)", u).group(1)) % self.share
                == self.number % self.share]
        url = self.rng.choice(mine) if mine else "/care/visits/new/"
        form_page = self.page(url, "GET /care/visits/new/")
        form = form_where(form_page, lambda f: f["attrs"].get("id") == "visit-form")
        if form is None:
            return
        picked: list[tuple[str, str]] = []
        if not mine:  # no duty of its own left: a routine visit, household picked by name
            pick = self.pick_household(url, csrf_of(form_page))
            if pick is None:
                return
            picked = [("households", pick)]
        time.sleep(self.rng.uniform(2, 5))  # writes what was found
        status, location, _ = self.post(url, "POST /care/visits/new/", filled(
            form, found="入户走访，家中情况稳定，老人身体尚可。", q="") + picked, page=url)
        if status == 302:
            self.follow(location, "GET /care/visits/<id>/")

    def pick_household(self, page: str, csrf: str) -> str | None:
        """The visit form's household picker (htmx): a name typed, a household picked."""
        name = self.rng.choice(PLAN["names"]).replace("·", "")
        body = ""
        for n in range(1, min(len(name), 3) + 1):
            _s, _l, body = self.post("/care/visits/new/households/",
                                     "POST /care/visits/new/households/ (htmx)",
                                     [("q", name[:n])], page=page, ok=(200,), htmx=csrf)
            time.sleep(0.3)
        picks = re.findall(r"\?pick=(\d+)", body)
        if not picks:
            return None
        self.page(f"/care/visits/new/households/?pick={picks[0]}",
                  "GET /care/visits/new/households/?pick")
        return picks[0]

    @task(1)
    def diary(self) -> None:
        self.page("/care/visits/", "GET /care/visits/ (diary)")


class Resident(Browser):
    """A resident on the portal: a new request, or a look at one's status."""

    weight = 2
    wait_time = between(3, 8)

    @task(1)
    def new_request(self) -> None:
        self.new_address()  # another resident, from another address
        self.page("/portal/", "GET /portal/")
        html = self.page("/portal/request/", "GET /portal/request/")
        form = form_where(html, lambda f: f["action"] == "/portal/request/")
        if form is None:
            return
        time.sleep(self.rng.uniform(3.2, 6))  # typing: the form refuses a send under 3 s
        values = {"service": "policy-consultation", "summary": "想咨询居住证积分入学的政策",
                  "name": "测试居民", "phone": f"139{self.rng.randrange(10**8):08d}",
                  "consent": "on", "website": ""}
        pow_match = re.search(r'data-pow-prefix="([0-9a-f]+)" data-pow-bits="(\d+)"', html)
        if pow_match:
            values["pow_nonce"] = solve(pow_match.group(1), int(pow_match.group(2)))
        status, location, _ = self.post("/portal/request/", "POST /portal/request/",
                                        filled(form, **values), page="/portal/request/")
        if status != 302:
            return
        thanks = self.follow(location, "GET /portal/request/thanks/")
        m = re.search(r'href="(/portal/status/[^/"]+/[^/"]+/)"', thanks)
        if m is None:
            self.environment.events.request.fire(  # not a request: a page without its link
                request_type="CHECK", name="thanks page shows the status link",
                response_time=0, response_length=0, exception=Exception("no status link"),
                context={}, start_time=time.time(), url="")
            return
        time.sleep(self.rng.uniform(1, 3))
        self.page(m.group(1), "GET /portal/status/<ref>/<code>/")

    @task(2)
    def look_up(self) -> None:
        ref, code = self.rng.choice(PLAN["lookups"])
        self.page("/portal/status/", "GET /portal/status/ (lookup form)")
        time.sleep(self.rng.uniform(1, 3))
        query = urlencode({"ref": ref, "code": code})
        with self.client.get(f"/portal/status/?{query}", name="GET /portal/status/?ref&code",
                             headers=self.headers("/portal/status/"), allow_redirects=False,
                             catch_response=True) as r:
            location = r.headers.get("Location", "") or ""
            if r.status_code != 302:
                r.failure(f"HTTP {r.status_code}")
        self.follow(location, "GET /portal/status/<ref>/<code>/")


class Probe(Browser):
    """The baseline: the login page for someone without a session, twice a second."""

    fixed_count = 1
    wait_time = between(0.4, 0.6)

    @task
    def login_page(self) -> None:
        self.client.cookiejar.clear()
        self.page("/login/", "baseline: GET /login/ (no session)")
