/* visit-draft.js: the visit form keeps what the worker typed on the phone
 * until the station's server has it. Plain JS, no libraries.
 *
 * - Every change is saved to localStorage under a key per account, page and
 *   idempotency key; opening the page again restores the newest draft, and its
 *   idempotency key with it.
 * - The form is sent with fetch(). With no connection the draft stays, the page
 *   says so, and the visit is sent again when the connection returns (the
 *   `online` event, a timer, or the "Send now" button). The idempotency key
 *   makes a resend after a lost response find the visit already saved instead
 *   of writing a second one.
 * - A redirect to a visit page means saved: the draft is cleared and the page
 *   opened. Form errors come back as the form page: it replaces the form, and
 *   the draft stays.
 */
(function () {
  "use strict";

  var PREFIX = "jy-visit-draft:";
  var MAX_AGE_MS = 30 * 24 * 3600 * 1000; // a month-old draft is abandoned
  var RETRY_MS = 20000;
  var SKIP_TYPES = { submit: 1, button: 1, reset: 1, file: 1, image: 1 };

  var state = { form: null, pending: false, sending: false, csrfRefreshed: false, seq: 0 };

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null; // storage disabled: the form still works, without drafts
    }
  }

  function base() {
    return PREFIX + state.form.getAttribute("data-draft-owner") + ":" +
      location.pathname + location.search + ":";
  }

  function keyInput() {
    return state.form.elements.namedItem("idempotency_key");
  }

  function storageKey() {
    return base() + keyInput().value;
  }

  function drafted(el) {
    return el.name && el.name !== "csrfmiddlewaretoken" && el.name !== "idempotency_key" &&
      !SKIP_TYPES[el.type] && !el.hasAttribute("data-draft-skip");
  }

  function collect() {
    var fields = {};
    var html = {};
    Array.prototype.forEach.call(state.form.elements, function (el) {
      if (!drafted(el)) return;
      var values = fields[el.name] = fields[el.name] || [];
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) values.push(el.value);
      } else if (el.type === "select-multiple") {
        Array.prototype.forEach.call(el.options, function (o) {
          if (o.selected) values.push(o.value);
        });
      } else {
        values.push(el.value);
      }
    });
    Array.prototype.forEach.call(state.form.querySelectorAll("[data-draft-html][id]"),
      function (el) { html[el.id] = el.innerHTML; });
    return { v: 1, key: keyInput().value, saved: Date.now(), pending: state.pending,
             fields: fields, html: html };
  }

  function save() {
    var s = storage();
    if (!s || !state.form) return;
    try {
      s.setItem(storageKey(), JSON.stringify(collect()));
    } catch (e) { /* storage full: nothing more we can do here */ }
  }

  function clear() {
    var s = storage();
    if (s && state.form) s.removeItem(storageKey());
  }

  function newestDraft() {
    var s = storage();
    if (!s) return null;
    var prefix = base();
    var best = null;
    var stale = [];
    for (var i = 0; i < s.length; i++) {
      var k = s.key(i);
      if (!k || k.indexOf(prefix) !== 0) continue;
      var d = null;
      try { d = JSON.parse(s.getItem(k)); } catch (e) { d = null; }
      if (!d || !d.fields || Date.now() - d.saved > MAX_AGE_MS) {
        stale.push(k);
      } else if (!best || d.saved > best.saved) {
        best = d;
      }
    }
    stale.forEach(function (k) { s.removeItem(k); });
    return best;
  }

  function restore(d) {
    Object.keys(d.html || {}).forEach(function (id) {
      var el = document.getElementById(id);
      if (el && state.form.contains(el)) {
        el.innerHTML = d.html[id];
        if (window.htmx) window.htmx.process(el);
      }
    });
    keyInput().value = d.key;
    var seen = {};
    Array.prototype.forEach.call(state.form.elements, function (el) {
      if (!drafted(el) || !Object.prototype.hasOwnProperty.call(d.fields, el.name)) return;
      var values = d.fields[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) >= 0;
      } else if (el.type === "select-multiple") {
        Array.prototype.forEach.call(el.options, function (o) {
          o.selected = values.indexOf(o.value) >= 0;
        });
      } else {
        var n = seen[el.name] || 0;
        seen[el.name] = n + 1;
        el.value = n < values.length ? values[n] : "";
      }
    });
    var banner = document.getElementById("draft-restored");
    if (banner) banner.hidden = false;
  }

  function show(which, code) {
    var box = document.getElementById("draft-status");
    if (!box) return;
    Array.prototype.forEach.call(box.querySelectorAll("[data-msg]"), function (p) {
      p.hidden = p.getAttribute("data-msg") !== which;
    });
    var codeEl = box.querySelector("[data-code]");
    if (codeEl) codeEl.textContent = code ? "(" + code + ")" : "";
    var retry = box.querySelector("[data-retry]");
    if (retry) retry.hidden = which === "sending" || !which;
    box.className = "msg" + (which && which !== "sending" ? " msg-error" : "");
    box.hidden = !which;
    if (which && which !== "sending" && box.scrollIntoView) {
      box.scrollIntoView({ block: "center" });
    }
  }

  function submitButton() {
    return state.form.querySelector("button[type=submit]");
  }

  function isVisitPage(url) {
    var prefix = state.form.getAttribute("data-success-prefix") || "";
    if (url.origin !== location.origin || url.pathname.indexOf(prefix) !== 0) return false;
    return /^\d+\/$/.test(url.pathname.slice(prefix.length));
  }

  function send() {
    if (!state.form || state.sending) return;
    state.pending = true;
    save();
    if (navigator.onLine === false) {
      show("offline");
      return;
    }
    state.sending = true;
    var seq = ++state.seq;
    show("sending");
    var button = submitButton();
    if (button) button.disabled = true;
    var form = state.form;
    fetch(form.action || location.href, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      redirect: "follow", headers: { "X-Visit-Draft": "1" }
    }).then(function (response) {
      return response.text().then(function (text) { return answered(response, text); });
    }).catch(function () {
      show("offline");
    }).then(function () {
      if (seq !== state.seq) return; // a resend took over
      state.sending = false;
      if (state.form && submitButton()) submitButton().disabled = false;
    });
  }

  function answered(response, text) {
    var url = new URL(response.url || location.href, location.href);
    if (response.redirected && isVisitPage(url)) {
      // Saved (or found already saved): the server has it, the phone no longer needs it.
      state.pending = false;
      clear();
      location.assign(url.href);
      return null;
    }
    var doc = new DOMParser().parseFromString(text, "text/html");
    var returned = doc.getElementById("visit-form");
    if (returned && (response.status === 200 || response.status === 400)) {
      // Errors to correct: show the form as the server returned it; the draft stays.
      state.pending = false;
      var main = document.querySelector("main");
      var newMain = doc.querySelector("main");
      if (main && newMain) main.innerHTML = newMain.innerHTML;
      bind(document.getElementById("visit-form"), false);
      if (window.htmx) window.htmx.process(document.querySelector("main"));
      save();
      var error = document.querySelector("#visit-form .error, #visit-form .msg-error");
      if (error && error.scrollIntoView) error.scrollIntoView({ block: "center" });
      return null;
    }
    if (response.status !== 403) state.csrfRefreshed = false;
    if (response.status === 403 && !state.csrfRefreshed) {
      // Logged in again elsewhere: the form's CSRF token changed. Fetch a fresh one once.
      state.csrfRefreshed = true;
      return refreshCsrf().then(function (ok) {
        if (ok) {
          state.sending = false;
          send();
        } else {
          show("login");
        }
      });
    }
    show(response.redirected || response.status === 403 ? "login" : "failed", response.status);
    return null;
  }

  function refreshCsrf() {
    return fetch(location.href, { credentials: "same-origin" }).then(function (r) {
      return r.text().then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        var fresh = doc.querySelector("#visit-form input[name=csrfmiddlewaretoken]");
        var mine = state.form.querySelector("input[name=csrfmiddlewaretoken]");
        if (!fresh || !mine) return false;
        mine.value = fresh.value;
        return true;
      });
    }).catch(function () { return false; });
  }

  function dedupeHouseholds() {
    // Picking the same household twice keeps the latest pick only.
    var seen = {};
    var nodes = state.form.querySelectorAll("[data-household]");
    for (var i = nodes.length - 1; i >= 0; i--) {
      var id = nodes[i].getAttribute("data-household");
      if (seen[id]) nodes[i].parentNode.removeChild(nodes[i]);
      seen[id] = true;
    }
  }

  function bind(form, restoreDraft) {
    state.form = form;
    if (!form) return;
    state.csrfRefreshed = false;
    if (restoreDraft) {
      var d = newestDraft();
      if (d) {
        restore(d);
        if (d.pending) {
          var note = document.querySelector("#draft-restored [data-pending]");
          if (note) note.hidden = false;
        }
      }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      send();
    });
    form.addEventListener("keydown", function (e) {
      // Enter in the household search must search, not send the visit.
      if (e.key === "Enter" && e.target && e.target.id === "visit-household-q") e.preventDefault();
    });
    form.addEventListener("click", function (e) {
      var action = e.target && e.target.getAttribute && e.target.getAttribute("data-action");
      if (action === "retry") send();
    });
    var discard = document.querySelector("#draft-restored [data-action=discard]");
    if (discard) {
      discard.addEventListener("click", function () {
        clear();
        location.reload();
      });
    }
  }

  document.addEventListener("htmx:afterSettle", function (e) {
    if (!state.form || !e.target || !state.form.contains(e.target)) return;
    if (e.target.id === "visit-households") {
      dedupeHouseholds();
      var q = document.getElementById("visit-household-q");
      if (q) q.value = "";
      save();
    }
  });

  window.addEventListener("online", function () {
    if (state.pending) send();
  });
  window.setInterval(function () {
    if (state.pending && !state.sending && navigator.onLine !== false) send();
  }, RETRY_MS);

  bind(document.getElementById("visit-form"), true);
})();
