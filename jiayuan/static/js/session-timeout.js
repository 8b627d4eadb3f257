// The idle warning (templates/core/_session_warning.html, jiayuan.core.sessions):
// the server ends a session after a while without activity; shortly before,
// this shows the hidden banner (role="alert") whose button keeps the session.
// The server is asked before showing it — another tab may have been in use —
// and at the end the page is reloaded, which leads to the login page with the
// reason. Every text is the template's; the numbers are its data- attributes.
(function () {
  "use strict";
  var box = document.getElementById("session-warning");
  if (!box || !window.fetch) { return; }
  var warning = parseInt(box.getAttribute("data-warning-seconds"), 10);
  var statusUrl = box.getAttribute("data-status-url");
  var form = box.querySelector("form");
  var timer = null;

  function later(seconds, then) {
    clearTimeout(timer);
    timer = setTimeout(then, Math.max(0, seconds) * 1000);
  }
  function leave() { window.location.assign(window.location.href); }
  // `left`: seconds the server gives the session before it ends.
  function plan(left) {
    if (left > warning) {
      box.hidden = true;
      later(left - warning, check);
    } else if (left > 0) {
      box.hidden = false;
      later(left + 1, check);
    } else {
      leave();
    }
  }
  function answer(response) {
    if (!response.ok) { throw new Error("signed out"); }
    return response.json();
  }
  function heard(data) {
    if (data && data.signed_in) { plan(data.idle_left); } else { leave(); }
  }
  function check() {
    fetch(statusUrl, {credentials: "same-origin", redirect: "manual",
                      headers: {"Accept": "application/json"}})
      .then(answer).then(heard)
      .catch(function (error) {
        // Offline: ask again shortly; signed out (a redirect): go and see.
        if (error && error.message === "signed out") { leave(); } else { later(20, check); }
      });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        redirect: "manual", headers: {"Accept": "application/json"}})
      .then(answer).then(heard)
      .catch(leave);
  });
  plan(parseInt(box.getAttribute("data-idle-left"), 10));
}());
