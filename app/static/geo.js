// Location pickers: suggestions from /geo/search while typing; choosing one fills the hidden lat/lon/id inputs.
// Without JavaScript the input is a plain text field.
(function () {
  "use strict";
  if (window.campaignHubGeo) return;  // included once per picker: set up once
  window.campaignHubGeo = true;

  function setUp(picker) {
    var input = picker.querySelector('input[type="text"]');
    var list = picker.querySelector(".location-suggestions");
    var chosen = picker.querySelector('[data-role="chosen"]');
    var field = function (role) { return picker.querySelector('[data-role="' + role + '"]'); };
    var places = [], active = -1, timer = null, seq = 0;

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
    function highlight(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, n) { li.setAttribute("aria-selected", n === i ? "true" : "false"); });
    }
    function choose(place) {
      input.value = place.full_name;
      field("lat").value = place.coordinates[1];
      field("lon").value = place.coordinates[0];
      field("id").value = place.id;
      chosen.textContent = place.coordinates[1].toFixed(4) + ", " + place.coordinates[0].toFixed(4);
      close();
      picker.dispatchEvent(new CustomEvent("location:selected", { bubbles: true, detail: place }));
    }
    function render(found) {
      places = found;
      list.innerHTML = "";
      if (!found.length) {
        var none = document.createElement("li");
        none.className = "empty";
        none.textContent = picker.getAttribute("data-empty-text") || "No place found";
        list.appendChild(none);
      }
      found.forEach(function (place, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = input.id + "-option-" + i;
        var name = document.createElement("span");
        name.textContent = place.full_name;
        var where = document.createElement("small");
        where.textContent = place.coordinates[1].toFixed(2) + ", " + place.coordinates[0].toFixed(2);
        li.appendChild(name);
        li.appendChild(where);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(place); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(found.length ? 0 : -1);
    }
    function ask() {
      var query = input.value.trim();
      if (query.length < 2) { close(); return; }
      var url = picker.getAttribute("data-search-url") + "?limit=8&query=" + encodeURIComponent(query);
      var country = picker.getAttribute("data-country");
      if (country) url += "&country=" + encodeURIComponent(country);
      var mine = ++seq;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) { if (mine === seq) render(found); })
        .catch(function () { if (mine === seq) close(); });
    }
    input.addEventListener("input", function () {
      field("lat").value = ""; field("lon").value = ""; field("id").value = ""; chosen.textContent = "";
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, places.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(places[active]); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });

    // An "Add" button (add_to in the macro) appends the chosen place to a textarea list and empties the picker.
    // Nothing chosen yet: the button submits, and the page looks the typed name up.
    var add = picker.querySelector('[data-role="add"]');
    var target = document.getElementById(picker.getAttribute("data-add-to") || "");
    if (add && target) {
      add.addEventListener("click", function (e) {
        if (!field("lat").value) return;
        e.preventDefault();
        var values = { name: input.value.split(",")[0].trim(), full_name: input.value,
                       lon: field("lon").value, lat: field("lat").value };
        var line = picker.getAttribute("data-add-format").replace(/\{(\w+)\}/g, function (_m, key) { return values[key] || ""; });
        target.value = target.value.replace(/\s+$/, "") + (target.value.trim() ? "\n" : "") + line;
        target.dispatchEvent(new Event("input", { bubbles: true }));
        input.value = ""; field("lat").value = ""; field("lon").value = ""; field("id").value = ""; chosen.textContent = "";
        input.focus();
      });
    }
  }

  // A details panel (data-location-details-for="<field>") shows the place chosen in that picker.
  // Inputs with data-location-fill="<field>" data-fill="lat|lon|name|full_name" take the place chosen there.
  document.addEventListener("location:selected", function (e) {
    var name = e.target.querySelector('input[type="text"]').name;
    var values = { lat: e.detail.coordinates[1], lon: e.detail.coordinates[0], name: e.detail.name,
                   full_name: e.detail.full_name };
    document.querySelectorAll('[data-location-fill="' + name + '"]').forEach(function (el) {
      el.value = values[el.getAttribute("data-fill")];
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
    var panel = document.querySelector('[data-location-details-for="' + name + '"]');
    if (!panel) return;
    panel.querySelector('[data-detail="full_name"]').textContent = e.detail.full_name;
    panel.querySelector('[data-detail="coordinates"]').textContent =
      e.detail.coordinates[1].toFixed(5) + ", " + e.detail.coordinates[0].toFixed(5) + " (lat, lon)";
    panel.hidden = false;
  });

  function init() { document.querySelectorAll("[data-location-picker]").forEach(setUp); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
