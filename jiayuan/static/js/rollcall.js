/* rollcall.js: the roll-call at the door works on a bad connection.
 * Plain JS, no libraries.
 *
 * - A tap (present / absent / excused, or someone added at the door) shows at
 *   once and goes into a queue kept in localStorage, per account and meeting.
 * - The queue is sent in order, one POST a tap (Accept: application/json).
 *   With no connection it waits, the page says so, and it is sent when the
 *   connection returns (the `online` event, a timer, or "Send now").
 * - Resending is harmless: the server treats the same mark twice as one, and a
 *   walk-in already on the list is marked, not added again. So a tap whose
 *   answer was lost is simply sent again.
 * - A tap the server refuses (out of scope, a cancelled meeting) is dropped
 *   from the queue and its message shown; a lost login keeps the queue.
 */
(function () {
  "use strict";

  var RETRY_MS = 15000;
  var root = document.getElementById("rollcall");
  if (!root) return;
  var KEY = "jy-roll:" + root.getAttribute("data-store");
  var state = { sending: false, reload: false };

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function load() {
    var s = storage();
    if (!s) return state.memory || [];
    try { return JSON.parse(s.getItem(KEY) || "[]"); } catch (e) { return []; }
  }

  function store(queue) {
    var s = storage();
    state.memory = queue;
    if (!s) return;
    try {
      if (queue.length) s.setItem(KEY, JSON.stringify(queue)); else s.removeItem(KEY);
    } catch (e) { /* storage full: the queue lives in memory only */ }
  }

  function show(which, extra) {
    var box = document.getElementById("roll-status");
    if (!box) return;
    var count = load().length;
    Array.prototype.forEach.call(box.querySelectorAll("[data-msg]"), function (p) {
      p.hidden = p.getAttribute("data-msg") !== which;
    });
    Array.prototype.forEach.call(box.querySelectorAll("[data-count]"), function (el) {
      el.textContent = String(count);
    });
    var err = box.querySelector("[data-error]");
    if (err) err.textContent = extra || "";
    var retry = box.querySelector("[data-retry]");
    if (retry) retry.hidden = !(which === "offline" || which === "login");
    box.className = "msg" + (which === "offline" || which === "login" || which === "refused"
      ? " msg-error" : "");
    box.hidden = !which;
  }

  function csrf() {
    var el = root.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }

  function paint(participant, attendance) {
    var row = document.getElementById("p-" + participant);
    if (!row) return false;
    row.className = row.className.replace(/\batt-\w+/g, "") + " att-" + attendance;
    Array.prototype.forEach.call(row.querySelectorAll("button.mark"), function (b) {
      b.setAttribute("aria-pressed", b.className.indexOf("mark-" + attendance) >= 0 ?
        "true" : "false");
    });
    return true;
  }

  function quorum(q) {
    var box = document.getElementById("quorum");
    if (!box || !q) return;
    var tag = document.createElement("span");
    var text;
    if (q.needed === null) {
      tag.className = "tag";
      text = root.getAttribute("data-msg-present");
    } else {
      tag.className = "tag " + (q.reached ? "ok" : "warn");
      text = root.getAttribute(q.reached ? "data-msg-reached" : "data-msg-not-reached");
    }
    tag.textContent = text.replace("__P__", q.present).replace("__N__", q.needed);
    box.innerHTML = "";
    box.appendChild(tag);
  }

  function fieldsOf(form) {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.name !== "csrfmiddlewaretoken" && el.name !== "q" && el.value) {
        fields[el.name] = el.value;
      }
    });
    return fields;
  }

  function flush() {
    if (state.sending) return;
    var queue = load();
    if (!queue.length) {
      show(state.reload ? "reload" : "");
      return;
    }
    state.sending = true;
    show("queued");
    var tap = queue[0];
    var body = new URLSearchParams();
    Object.keys(tap.fields).forEach(function (k) { body.append(k, tap.fields[k]); });
    body.append("at", String(tap.at));
    body.append("csrfmiddlewaretoken", csrf());
    fetch(tap.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf() }
    }).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0) {
        // A login page or an error page: keep the tap.
        throw { login: r.redirected || r.status === 403, status: r.status };
      }
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      var rest = load().filter(function (t) { return t.id !== tap.id; });
      store(rest);
      state.sending = false;
      if (res.ok) {
        quorum(res.data.quorum);
        if (!paint(res.data.participant, res.data.attendance)) state.reload = true;
        flush();
      } else {
        show("refused", res.data.error || "");
      }
    }).catch(function (err) {
      state.sending = false;
      show(err && err.login ? "login" : "offline");
    });
  }

  function onSubmit(ev) {
    var form = ev.target;
    var kind = form.getAttribute && form.getAttribute("data-tap");
    if (!kind) return;
    ev.preventDefault();
    var fields = fieldsOf(form);
    if (kind === "walkin" && !fields.person && !fields.name) return;
    var queue = load();
    queue.push({ id: Date.now() + "-" + Math.random().toString(36).slice(2),
                 url: form.action, fields: fields, at: Date.now() });
    store(queue);
    if (kind === "mark") paint(fields.participant, fields.attendance);
    if (kind === "walkin") {
      form.reset();
      var chosen = document.getElementById("meeting-person");
      if (chosen) chosen.innerHTML = "";
    }
    flush();
  }

  document.addEventListener("submit", onSubmit, true);
  root.addEventListener("click", function (ev) {
    if (ev.target && ev.target.getAttribute("data-action") === "retry") flush();
  });
  window.addEventListener("online", flush);
  setInterval(function () { if (load().length) flush(); }, RETRY_MS);
  // Taps still queued from before a reload: show them, then send them.
  load().forEach(function (t) {
    if (t.fields.participant) paint(t.fields.participant, t.fields.attendance);
  });
  flush();
})();
