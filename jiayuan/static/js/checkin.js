/* checkin.js: the door's check-in works on a bad connection (the approach of
 * the meetings' rollcall.js). Plain JS, no libraries.
 *
 * - A tap ("Came", or a resident's code typed or scanned) shows at once and
 *   goes into a queue kept in localStorage, per account and session.
 * - The queue is sent in order, one POST a tap (Accept: application/json);
 *   offline it waits and is sent when the connection returns (the `online`
 *   event, a timer, or "Send now").
 * - Resending is harmless: the server treats a second check-in of the same
 *   sign-up as one. A tap the server refuses (a code of another session, a
 *   person on the waiting list) is dropped and its message shown; a lost
 *   login keeps the queue.
 */
(function () {
  "use strict";

  var RETRY_MS = 15000;
  var root = document.getElementById("checkin");
  if (!root) return;
  var KEY = "jy-checkin:" + root.getAttribute("data-store");
  var state = { sending: false, memory: [] };

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function load() {
    var s = storage();
    if (!s) return state.memory;
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
    var box = document.getElementById("checkin-status");
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

  function paint(signup) {
    var row = document.getElementById("su-" + signup);
    if (!row) return;
    if (row.className.indexOf("act-came") < 0) row.className += " act-came";
    var b = row.querySelector("button.act-tap");
    if (b) b.setAttribute("aria-pressed", "true");
  }

  function flush() {
    if (state.sending) return;
    var queue = load();
    if (!queue.length) { show(""); return; }
    state.sending = true;
    show("queued");
    var tap = queue[0];
    var body = new URLSearchParams();
    Object.keys(tap.fields).forEach(function (k) { body.append(k, tap.fields[k]); });
    body.append("csrfmiddlewaretoken", csrf());
    fetch(root.getAttribute("data-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf() }
    }).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0) {
        throw { login: r.redirected || r.status === 403, status: r.status };
      }
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      store(load().filter(function (t) { return t.id !== tap.id; }));
      state.sending = false;
      if (res.ok) {
        paint(res.data.signup);
        var count = document.getElementById("checkin-count");
        if (count) count.textContent = String(res.data.count);
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
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.name !== "csrfmiddlewaretoken" && el.name !== "back" && el.value) {
        fields[el.name] = el.value.trim();
      }
    });
    if (!fields.signup && !fields.code) return;
    var queue = load();
    queue.push({ id: Date.now() + "-" + Math.random().toString(36).slice(2), fields: fields });
    store(queue);
    if (fields.signup) paint(fields.signup);
    if (kind === "code") form.reset();
    flush();
  }

  document.addEventListener("submit", onSubmit, true);
  root.addEventListener("click", function (ev) {
    if (ev.target && ev.target.hasAttribute("data-retry")) flush();
  });
  window.addEventListener("online", flush);
  setInterval(function () { if (load().length) flush(); }, RETRY_MS);
  load().forEach(function (t) { if (t.fields.signup) paint(t.fields.signup); });
  flush();
})();
