// The live promo board: every five seconds, fetch the figures and update the cells in place.
(function () {
  "use strict";
  var table = document.getElementById("promo-board");
  if (!table) { return; }
  var url = table.getAttribute("data-board-url");

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        data.promos.forEach(function (promo) {
          var row = table.querySelector('tr[data-promo-id="' + promo.id + '"]');
          if (!row) { return; }
          Object.keys(promo).forEach(function (field) {
            var cell = row.querySelector('[data-field="' + field + '"]');
            if (!cell) { return; }
            var value = field === "status" ? promo.status_label : promo[field];
            var text = typeof value === "number" ? value.toLocaleString() : String(value);
            if (cell.textContent !== text) { cell.textContent = text; }
            if (field === "status") { cell.className = "badge status-" + promo[field]; }
          });
        });
        table.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { /* the next tick tries again */ });
  }

  window.setInterval(refresh, 5000);
  refresh();
})();
