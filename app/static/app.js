// Campaign Hub's own small script: live progress bars. Pages work without it.
(function () {
  "use strict";
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
})();
