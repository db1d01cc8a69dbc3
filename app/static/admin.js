/* The admin under the pages' Content-Security-Policy, which runs no inline handlers: Flask-Admin's onclick
   attributes reach the browser as data-admin-onclick (app/blueprints/admin), and their behaviour is bound here,
   read from what each one says. */
(function () {
  "use strict";
  function quoted(handler, call) {
    var match = handler.match(new RegExp(call + "\\('((?:[^'\\\\]|\\\\.)*)'\\)"));
    return match ? match[1].replace(/\\(.)/g, "$1") : null;
  }
  document.querySelectorAll("[data-admin-void]").forEach(function (link) {  // were href="javascript:void(0)"
    link.addEventListener("click", function (event) { event.preventDefault(); });
  });
  document.querySelectorAll("[data-admin-onclick]").forEach(function (element) {
    var handler = element.getAttribute("data-admin-onclick");
    var message = quoted(handler, "faHelpers\\.safeConfirm");
    var action = quoted(handler, "modelActions\\.execute");
    element.addEventListener("click", function (event) {
      if (message !== null) {  // delete buttons: ask first
        if (!window.confirm(message)) { event.preventDefault(); }
      } else if (action !== null) {  // "With selected" actions
        event.preventDefault();
        if (window.modelActions) { window.modelActions.execute(action); }
      } else {  // "return false;" on the filter menu's entries
        event.preventDefault();
      }
    });
  });
})();
