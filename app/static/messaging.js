// The compose page of a messaging campaign: the audience's live count, a live preview of the content as the sender
// renders it, and the test send without leaving the page. Without JavaScript the same buttons post the form.
(function () {
  "use strict";
  var form = document.getElementById("compose-form");
  if (!form) return;
  var audience = form.querySelector("select[name=audience]");
  var count = document.getElementById("audience-count");
  var countError = document.getElementById("audience-count-error");
  var previewBody = document.getElementById("preview-body");
  var testResult = document.getElementById("test-result");
  var lang = document.documentElement.lang || undefined;

  function post(url, body) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; },
                             function () { return { ok: false, status: r.status, data: {} }; });
      });
  }

  function refreshCount() {
    var body = new FormData();
    var token = form.querySelector("[name=csrf_token]");
    if (token) body.append("csrf_token", token.value);
    body.append("audience", audience.value);
    post(form.getAttribute("data-audience-count-url"), body).then(function (res) {
      if (res.ok && typeof res.data.count === "number") {
        count.textContent = res.data.count.toLocaleString(lang);
        countError.textContent = "";
      } else {
        count.textContent = "—";
        countError.textContent = res.data.error || form.getAttribute("data-failed");
      }
    });
  }

  var previewTimer = null, previewSeq = 0;
  function refreshPreview() {
    var seq = ++previewSeq;
    post(form.getAttribute("data-preview-url"), new FormData(form)).then(function (res) {
      if (seq !== previewSeq) return;  // an older answer arriving late must not replace a newer one
      if (res.ok && res.data.html !== undefined) previewBody.innerHTML = res.data.html;  // escaped by the server
    });
  }
  function schedulePreview() { clearTimeout(previewTimer); previewTimer = setTimeout(refreshPreview, 400); }

  audience.addEventListener("change", function () { refreshCount(); schedulePreview(); });
  form.addEventListener("input", function (event) {
    if (event.target.closest("[data-content]")) schedulePreview();
  });
  form.addEventListener("change", function (event) {
    if (event.target.closest("[data-content]")) schedulePreview();
  });

  // Leaving the page (Save, Preview without script): no preview is asked for any more.
  form.addEventListener("submit", function () { clearTimeout(previewTimer); previewSeq++; });

  document.getElementById("send-test").addEventListener("click", function (event) {
    event.preventDefault();
    var button = event.currentTarget;
    button.disabled = true;
    testResult.className = "small ml-2 text-muted";
    testResult.textContent = "…";
    post(form.getAttribute("data-test-url"), new FormData(form)).then(function (res) {
      button.disabled = false;
      var text = res.data.message || res.data.error ||
        form.getAttribute(res.status === 429 ? "data-too-many" : "data-failed");
      testResult.className = "small ml-2 " + (res.ok ? "text-success" : "text-danger");
      testResult.textContent = text;
    }, function () {
      button.disabled = false;
      testResult.className = "small ml-2 text-danger";
      testResult.textContent = form.getAttribute("data-failed");
    });
  });
})();
