// Site-wide behaviour. No inline scripts anywhere (Content-Security-Policy: script-src 'self').
(function () {
  "use strict";
  var token = function () {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  };
  document.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRFToken"] = token();
  });
  // A 409 (someone else acted first) still swaps in the fresh state the server sent back.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var s = e.detail.xhr.status;
    if (s === 409 || s === 400 || s === 422) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-autosubmit]")) e.target.form.submit();
  });
  document.addEventListener("click", function (e) {
    var el = e.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) e.preventDefault();
  });
  // Keyboard shortcuts: elements declare data-shortcut="r"; typing in a field never triggers them.
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var el = document.querySelector('[data-shortcut="' + e.key + '"]');
    if (!el) return;
    e.preventDefault();
    if (el.matches("input, textarea, select")) el.focus();
    else el.click();
  });
})();
