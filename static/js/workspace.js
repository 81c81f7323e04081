// Complaints workspace: queue navigation (j/k, Enter), "next complaint" on the complaint page, the
// shortcut help (?). Action shortcuts (r reply, n note, s resolve …) are plain data-shortcut
// attributes handled by app.js. No inline scripts (CSP), so everything is wired here.
(function () {
  "use strict";
  var STORE = "ws-queue-ids";

  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-queue-row]"));
  }

  function select(index) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (r, i) {
      r.classList.toggle("is-selected", i === index);
      r.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    var link = all[index].querySelector("a[data-queue-link]");
    if (link) link.focus({ preventScroll: true });
    all[index].scrollIntoView({ block: "nearest" });
  }

  function selectedIndex() {
    var all = rows();
    for (var i = 0; i < all.length; i++) if (all[i].classList.contains("is-selected")) return i;
    return -1;
  }

  // Remember the queue's order so the complaint page can offer "next" (j) and "previous" (k).
  function rememberQueue() {
    var ids = rows().map(function (r) { return r.getAttribute("data-url"); });
    if (!ids.length) return;
    try {
      sessionStorage.setItem(STORE, JSON.stringify({ urls: ids, back: window.location.pathname + window.location.search }));
    } catch (err) { /* private mode: no next/previous */ }
  }

  function wireNeighbours() {
    var holder = document.querySelector("[data-complaint-url]");
    if (!holder) return;
    var data;
    try { data = JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (err) { data = null; }
    if (!data || !data.urls) return;
    var here = holder.getAttribute("data-complaint-url");
    var i = data.urls.indexOf(here);
    if (i < 0) return;
    var next = document.getElementById("ws-next");
    var prev = document.getElementById("ws-prev");
    if (next && i + 1 < data.urls.length) { next.href = data.urls[i + 1]; next.hidden = false; }
    if (prev && i > 0) { prev.href = data.urls[i - 1]; prev.hidden = false; }
  }

  function toggleHelp(force) {
    var help = document.getElementById("ws-help");
    if (!help) return;
    help.hidden = typeof force === "boolean" ? !force : !help.hidden;
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    if (e.key === "?") { e.preventDefault(); e.stopImmediatePropagation(); toggleHelp(); return; }
    if (e.key === "Escape") { toggleHelp(false); return; }
    if (!rows().length) return;
    if (e.key === "j" || e.key === "k") {
      e.preventDefault();
      e.stopImmediatePropagation();
      var i = selectedIndex();
      select(i < 0 ? 0 : i + (e.key === "j" ? 1 : -1));
    } else if (e.key === "Enter" || e.key === "o") {
      var cur = rows()[selectedIndex()];
      if (cur) { e.preventDefault(); window.location.href = cur.getAttribute("data-url"); }
    }
  }, true);

  document.addEventListener("click", function (e) {
    var close = e.target.closest("[data-help-close]");
    if (close) toggleHelp(false);
    var open = e.target.closest("[data-help-open]");
    if (open) { e.preventDefault(); toggleHelp(true); }
    // "Select all" in the supervisors' bulk reassignment.
    var all = e.target.closest("[data-check-all]");
    if (all) {
      var box = all.closest("form");
      Array.prototype.forEach.call(box.querySelectorAll("input[type=checkbox][name=" + all.getAttribute("data-check-all") + "]"), function (c) { c.checked = all.checked; });
    }
  });

  // Opening a panel by its shortcut also focuses its first field (r → reply text, n → note text).
  document.addEventListener("toggle", function (e) {
    var d = e.target;
    if (d.tagName === "DETAILS" && d.open) {
      var f = d.querySelector("textarea, input:not([type=hidden]), select");
      if (f) f.focus();
    }
  }, true);

  // A panel whose form arrives by htmx: focus its first field once it is there.
  document.addEventListener("htmx:afterSwap", function (e) {
    var body = e.detail.target;
    if (body && body.classList && body.classList.contains("ws-panel-body")) {
      var f = body.querySelector("textarea, input:not([type=hidden]), select");
      if (f) f.focus();
    }
  });

  function init() {
    rememberQueue();
    wireNeighbours();
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", rememberQueue);
})();
