// Small page behaviours, declared in the templates with data- attributes: the
// Content-Security-Policy (script-src 'self') allows no inline handlers. The
// listeners sit on the document, so content htmx swaps in later works too.
//
//   data-confirm="question"   a click asks first; "cancel" stops it (a form's button)
//   data-print                a click prints the page
//   data-clear="id"           a click empties the element with that id (a picker's
//                             choice); data-clear-field="name" leaves an empty
//                             hidden input of that name in it
//   data-select-on-focus      focusing the field selects its text (a link to copy)
//   data-no-enter             Enter in the field does not submit its form (a picker's
//                             search box: Enter would post the half-filled form)
(function () {
  "use strict";

  function closest(target, selector) {
    return target && target.closest ? target.closest(selector) : null;
  }

  document.addEventListener("click", function (event) {
    var el = closest(event.target, "[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if (closest(event.target, "[data-print]")) {
      event.preventDefault();
      window.print();
      return;
    }
    el = closest(event.target, "[data-clear]");
    if (el) {
      event.preventDefault();
      var box = document.getElementById(el.getAttribute("data-clear"));
      if (!box) { return; }
      var field = el.getAttribute("data-clear-field");
      box.replaceChildren();
      if (field) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = field;
        input.value = "";
        box.appendChild(input);
      }
    }
  });

  document.addEventListener("focusin", function (event) {
    var el = closest(event.target, "[data-select-on-focus]");
    if (el && el.select) { el.select(); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && closest(event.target, "[data-no-enter]")) {
      event.preventDefault();
    }
  });
}());
