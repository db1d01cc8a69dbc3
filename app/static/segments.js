// The segment builder: each field offers only the operators that fit it, a distance row takes a place and km,
// rows are added and removed. Without JavaScript every row shows and the page still saves what is filled in.
(function () {
  "use strict";
  var table = document.getElementById("conditions");
  if (!table) return;
  var config = JSON.parse(table.getAttribute("data-builder"));
  var rows = Array.prototype.slice.call(table.querySelectorAll("tr.rule-row"));
  var addButton = document.querySelector("[data-add-row]");
  var lists = {};

  function part(row, name) { return row.querySelector('[name$="-' + name + '"]'); }
  function kindOf(field) {
    if (!field) return null;
    return config.fields[field] || (field.indexOf("attributes.") === 0 ? config.attribute_kind : null);
  }
  function datalist(kind, values) {
    // Suggested values (consent states, behaviours) as a datalist: typing anything else stays possible.
    if (!values || !values.length) return null;
    var id = "rule-values-" + kind;
    if (!lists[id]) {
      var list = document.createElement("datalist");
      list.id = id;
      values.forEach(function (v) { var o = document.createElement("option"); o.value = v; list.appendChild(o); });
      document.body.appendChild(list);
      lists[id] = list;
    }
    return id;
  }
  function refreshOps(row) {
    var field = part(row, "field").value, select = part(row, "op"), kind = kindOf(field);
    var current = select.value;
    var ops = kind ? config.kinds[kind].ops : null;
    if (!ops) return;  // no field yet: every operator stays listed
    select.innerHTML = "";
    ops.forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[1];
      select.appendChild(option);
    });
    select.value = ops.some(function (pair) { return pair[0] === current; }) ? current : ops[0][0];
  }
  function refreshValue(row) {
    var field = part(row, "field").value, op = part(row, "op").value, kind = kindOf(field);
    var radius = op === "within_km";
    row.querySelector('[data-role="plain"]').hidden = radius;
    row.querySelector('[data-role="radius"]').hidden = !radius;
    var input = part(row, "value");
    input.placeholder = config.op_hints[op] || (kind ? config.kinds[kind].hint : "");
    var listId = op === "exists" ? datalist("exists", config.exists) : (kind && datalist(kind, config.kinds[kind].suggest));
    if (listId) input.setAttribute("list", listId); else input.removeAttribute("list");
  }
  function blank(row) { return !part(row, "field").value; }
  function refreshButtons() {
    var shown = rows.filter(function (row) { return !row.hidden; });
    shown.forEach(function (row) { row.querySelector("[data-remove-row]").hidden = shown.length === 1 && blank(row); });
    addButton.hidden = !rows.some(function (row) { return row.hidden; });
  }
  function clear(row) {
    row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    row.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
    row.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    row.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
    row.querySelectorAll('[data-role="chosen"]').forEach(function (el) { el.textContent = ""; });
  }

  rows.forEach(function (row) {
    part(row, "field").addEventListener("change", function () { refreshOps(row); refreshValue(row); refreshButtons(); });
    part(row, "op").addEventListener("change", function () { refreshValue(row); });
    row.querySelector("[data-remove-row]").addEventListener("click", function () {
      clear(row);
      var others = rows.filter(function (r) { return r !== row && !r.hidden; });
      if (others.length) row.hidden = true;
      refreshValue(row);
      refreshButtons();
      table.closest("form").dispatchEvent(new Event("change"));  // the live count follows
    });
    refreshOps(row);
    refreshValue(row);
  });
  // Blank rows wait behind "Add a condition"; the first shows when there is no condition yet.
  var anyUsed = rows.some(function (row) { return !blank(row); });
  rows.forEach(function (row, i) { row.hidden = blank(row) && (anyUsed || i > 0); });
  addButton.addEventListener("click", function () {
    var next = rows.filter(function (row) { return row.hidden; })[0];
    if (!next) return;
    next.hidden = false;
    part(next, "field").focus();
    refreshButtons();
  });
  refreshButtons();
})();
