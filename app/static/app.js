// Campaign Hub's own small script: confirmations, live progress bars and counts. Pages work without it.
// No inline handlers anywhere: the Content-Security-Policy (script-src 'self') would block them.
(function () {
  "use strict";
  // A form, or the button that submits it, marked data-confirm="Question?" asks before it is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target, button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function poll(block) {
    var url = block.getAttribute("data-status-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var pct = Math.max(0, Math.min(100, Math.round(data.progress || 0)));
        var bar = block.querySelector(".progress-bar");
        bar.style.width = pct + "%";
        bar.textContent = pct + "%";
        block.querySelector(".progress").setAttribute("aria-valuenow", pct);
        var label = block.querySelector(".progress-label");
        if (label) label.textContent = data.message || data.status || "";
        var done = ["completed", "ready", "failed", "finished", "cancelled", "sent"].indexOf(data.status) >= 0;
        if (!done) setTimeout(function () { poll(block); }, 1000);
        else block.dispatchEvent(new CustomEvent("progress:done", { bubbles: true, detail: data }));
      })
      .catch(function () { setTimeout(function () { poll(block); }, 3000); });
  }
  document.querySelectorAll("[data-status-url]").forEach(poll);
  // Selects marked data-autosubmit (the account switcher) submit their form on change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // A page that shows results once its progress bar finishes reloads itself then.
  document.addEventListener("progress:done", function () {
    if (document.querySelector("[data-reload-on-done]")) window.location.reload();
  });

  // Select-all checkboxes for bulk actions.
  document.querySelectorAll("[data-check-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      var name = box.getAttribute("data-check-all");
      document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (c) {
        c.checked = box.checked;
      });
    });
  });

  // Live counts: a form with data-count-url posts itself (debounced) and shows {"count"} or the error.
  document.querySelectorAll("form[data-count-url]").forEach(function (form) {
    var timer = null;
    var out = document.getElementById("live-count");
    var err = document.getElementById("live-count-error");
    function refresh() {
      fetch(form.getAttribute("data-count-url"), {
        method: "POST", body: new FormData(form), credentials: "same-origin", headers: { Accept: "application/json" }
      }).then(function (r) { return r.json(); }).then(function (data) {
        if (typeof data.count === "number") {
          out.textContent = data.count.toLocaleString(document.documentElement.lang || undefined);
          err.textContent = "";
        }
        else { out.textContent = "—"; err.textContent = data.error || ""; }  // already in the page's words
      });
    }
    function schedule() { clearTimeout(timer); timer = setTimeout(refresh, 300); }
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("location:selected", schedule);  // a place picked in a location picker (geo.js)
    refresh();
  });
})();
