/* offline-queue.js: taps at a door that work on a bad connection (the
 * meetings' roll-call, the activities' check-in). Plain JS, no libraries; each
 * page says what it needs in data-attributes, and has no script of its own.
 *
 * - A tap (the submit of a form[data-tap] inside [data-offline-queue]) shows at
 *   once and goes into a queue kept in localStorage under the root's
 *   data-offline-queue key (per account and meeting or session), with the
 *   moment it was made.
 * - The queue is sent in order, one POST a tap to the form's action (Accept:
 *   application/json, the CSRF header, `at`: the tap's own time in ms). With
 *   no connection it waits, the page says so with the count waiting, and it is
 *   sent when the connection returns (the `online` event, a timer, or the
 *   [data-retry] button).
 * - Resending is harmless: the server treats the same tap twice as one. A tap
 *   leaves the queue (by its key) only when the server has answered it, so a
 *   tap whose answer was lost is simply sent again.
 * - A tap the server refuses (out of scope, a cancelled meeting) is dropped
 *   and its message shown; a lost login keeps the queue.
 *
 * The page's attributes:
 *   root  data-offline-queue="jy-roll:7:12"  the storage key
 *         data-states="att-"            the row classes that hold a row's state
 *         data-answer-row="p-{participant}"  the row an answer names ({key}: the
 *         data-answer-state="att-{attendance}"  answer's JSON), and its state
 *         data-url                      where taps queued without an address go
 *                                       (taps from before this script)
 *   form  data-tap                      a tap; its named fields are sent
 *                                       (not search boxes, not the CSRF token)
 *         data-tap-row, data-tap-state  the row it paints at once, the state
 *         data-tap-needs="person name"  sent only if one of these has a value
 *         data-tap-reset="id …"         emptied after the tap, with these elements
 *   inside the root: [data-queue-status] (the box: [data-msg=queued|offline|
 *   login|refused|reload], [data-count], [data-error], [data-retry]), and
 *   [data-answer-text=key] / [data-answer-html=key], filled from each answer.
 */
(function () {
  "use strict";

  var RETRY_MS = 15000;
  var root = document.querySelector("[data-offline-queue]");
  if (!root) return;
  var KEY = root.getAttribute("data-offline-queue");
  var state = { sending: false, reload: false, memory: [] };
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

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
    var box = root.querySelector("[data-queue-status]");
    if (!box) return;
    if (which && !box.querySelector("[data-msg='" + which + "']")) which = ""; // not on this page
    var count = String(load().length);
    var bad = which === "offline" || which === "login" || which === "refused";
    each(box.querySelectorAll("[data-msg]"), function (p) {
      p.hidden = p.getAttribute("data-msg") !== which;
    });
    each(box.querySelectorAll("[data-count]"), function (el) { el.textContent = count; });
    each(box.querySelectorAll("[data-error]"), function (el) { el.textContent = extra || ""; });
    each(box.querySelectorAll("[data-retry]"), function (el) {
      el.hidden = !(which === "offline" || which === "login");
    });
    box.className = "msg" + (bad ? " msg-error" : "");
    box.hidden = !which;
  }

  function csrf() {
    var el = root.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }

  /* The row's state classes give way to `cls`; the buttons of its taps say
   * which one is pressed. False when the row is not on the page. */
  function paint(rowId, cls) {
    var row = rowId && document.getElementById(rowId);
    if (!row || !cls) return false;
    var prefix = root.getAttribute("data-states") || cls;
    row.className = row.className.split(/\s+/).filter(function (c) {
      return c && c.indexOf(prefix) !== 0;
    }).concat([cls]).join(" ");
    each(row.querySelectorAll("form[data-tap-state]"), function (f) {
      var on = f.getAttribute("data-tap-state") === cls ? "true" : "false";
      each(f.querySelectorAll("button"), function (b) { b.setAttribute("aria-pressed", on); });
    });
    return true;
  }

  function fill(template, data) {
    return (template || "").replace(/\{(\w+)\}/g, function (m, k) {
      return data[k] === undefined || data[k] === null ? "" : String(data[k]);
    });
  }

  function answered(data) {
    var row = fill(root.getAttribute("data-answer-row"), data);
    if (row && !paint(row, fill(root.getAttribute("data-answer-state"), data))) {
      state.reload = true; // someone new (a walk-in): the list has no row for them yet
    }
    each(root.querySelectorAll("[data-answer-text]"), function (el) {
      var v = data[el.getAttribute("data-answer-text")];
      if (v !== undefined && v !== null) el.textContent = String(v);
    });
    each(root.querySelectorAll("[data-answer-html]"), function (el) {
      var v = data[el.getAttribute("data-answer-html")];
      if (typeof v === "string") el.innerHTML = v; // our own server's rendered partial
    });
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
    if (tap.at) body.append("at", String(tap.at));
    body.append("csrfmiddlewaretoken", csrf());
    fetch(tap.url || root.getAttribute("data-url"), {
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
      store(load().filter(function (t) { return t.id !== tap.id; }));
      state.sending = false;
      if (res.ok) {
        answered(res.data);
        flush();
      } else {
        show("refused", res.data.error || "");
      }
    }).catch(function (err) {
      state.sending = false;
      show(err && err.login ? "login" : "offline");
    });
  }

  function fieldsOf(form) {
    var fields = {};
    each(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "search") return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      var value = (el.value || "").trim();
      if (value) fields[el.name] = value;
    });
    return fields;
  }

  function onSubmit(ev) {
    var form = ev.target;
    if (!form.hasAttribute || !form.hasAttribute("data-tap") || !root.contains(form)) return;
    ev.preventDefault();
    var fields = fieldsOf(form);
    var needs = (form.getAttribute("data-tap-needs") || "").split(/\s+/).filter(Boolean);
    if (needs.length && !needs.some(function (n) { return fields[n]; })) return;
    var now = Date.now();
    var tap = { id: now + "-" + Math.random().toString(36).slice(2), url: form.action,
                fields: fields, at: now, row: form.getAttribute("data-tap-row"),
                state: form.getAttribute("data-tap-state") };
    var queue = load();
    queue.push(tap);
    store(queue);
    paint(tap.row, tap.state);
    if (form.hasAttribute("data-tap-reset")) {
      form.reset();
      form.getAttribute("data-tap-reset").split(/\s+/).forEach(function (id) {
        var el = id && document.getElementById(id);
        if (el) el.innerHTML = "";
      });
    }
    flush();
  }

  document.addEventListener("submit", onSubmit, true);
  root.addEventListener("click", function (ev) {
    if (ev.target && ev.target.closest && ev.target.closest("[data-retry]")) flush();
  });
  window.addEventListener("online", flush);
  setInterval(function () { if (load().length) flush(); }, RETRY_MS);
  // Taps still queued from before a reload: show them, then send them.
  load().forEach(function (t) { paint(t.row, t.state); });
  flush();
})();
