// The header's notifications: the bell opens a dropdown of the latest ones (fetched when opened), a click on one
// marks it read and follows its link, "Mark all read" clears the count. Without JavaScript the bell is a link to
// the notifications page, which does the same with plain forms.
(function () {
  "use strict";
  var box = document.getElementById("notifications");
  if (!box) return;
  var toggle = document.getElementById("notifications-toggle");
  var menu = document.getElementById("notifications-menu");
  var badge = document.getElementById("notifications-unread");

  function setUnread(n) {
    badge.textContent = n;
    badge.hidden = !n;
  }
  function close() {
    menu.classList.remove("show");
    toggle.setAttribute("aria-expanded", "false");
  }
  function load() {
    return fetch(box.getAttribute("data-menu-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        menu.innerHTML = data.html;  // rendered by the server from escaped templates
        setUnread(data.unread);
      });
  }
  toggle.addEventListener("click", function (event) {
    event.preventDefault();
    if (menu.classList.contains("show")) { close(); return; }
    load().then(function () {
      menu.classList.add("show");
      toggle.setAttribute("aria-expanded", "true");
    }).catch(function () { window.location.href = toggle.href; });
  });
  document.addEventListener("click", function (event) {
    if (!box.contains(event.target)) close();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") close();
  });
  // "Mark all read" inside the dropdown: in place, no page change.
  menu.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "notifications-read-all") return;  // one notification: the form posts and follows its link
    event.preventDefault();
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function () { return load(); });
  });
})();
