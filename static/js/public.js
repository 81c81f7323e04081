// Public complaint pages: progressive enhancement only — every page works without JavaScript.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // After a failed submit, move focus to the error summary so screen readers announce it.
    var summary = document.querySelector("[data-autofocus]");
    if (summary) summary.focus();

    // Character counters under text areas that have a maxlength.
    Array.prototype.forEach.call(document.querySelectorAll(".pub-form textarea[maxlength]"), function (ta) {
      var max = parseInt(ta.getAttribute("maxlength"), 10);
      var out = document.createElement("p");
      out.className = "char-count";
      out.setAttribute("aria-live", "polite");
      out.id = ta.id + "_count";
      var update = function () { out.textContent = ta.value.length + " / " + max; };
      ta.insertAdjacentElement("afterend", out);
      ta.addEventListener("input", update);
      update();
    });

    // Show the chosen files and flag the ones the server will refuse (size, type, count) before upload.
    var form = document.getElementById("complaint-form");
    var input = form && form.querySelector('input[type="file"]');
    if (input) {
      var maxFiles = parseInt(form.getAttribute("data-max-files"), 10) || 5;
      var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 10485760;
      var list = document.createElement("ul");
      list.className = "file-list";
      list.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", list);
      input.addEventListener("change", function () {
        list.textContent = "";
        Array.prototype.forEach.call(input.files, function (f, i) {
          var li = document.createElement("li");
          var mb = (f.size / 1048576).toFixed(1) + " MB";
          li.textContent = f.name + " (" + mb + ")";
          if (f.size > maxBytes || i >= maxFiles) li.className = "bad";
          list.appendChild(li);
        });
      });
    }

    // Avoid double submits: disable the button once the form is on its way.
    Array.prototype.forEach.call(document.querySelectorAll("form.pub-form"), function (f) {
      f.addEventListener("submit", function () {
        var b = f.querySelector("button[type=submit]");
        if (!b) return;
        window.setTimeout(function () {
          b.disabled = true;
          var busy = b.getAttribute("data-busy-label");
          if (busy) b.textContent = busy;
        }, 0);
      });
    });
  });

  // Coming back with the Back button (page cache) must not leave the submit button disabled.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.pub-form button[type=submit]"), function (b) {
      b.disabled = false;
    });
  });
})();
