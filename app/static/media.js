// Media library: drag and drop, one XHR per file with upload progress. Without JS the form posts as usual.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var queue = document.getElementById("upload-queue");
  // Files that finish processing while the page is open: reload to show their thumbnails,
  // unless uploads (or their errors) are on screen: a reload would lose them.
  document.addEventListener("progress:done", function (event) {
    var inGrid = event.target.closest && event.target.closest("#media-grid");
    if (inGrid && !(queue && queue.children.length)) window.location.reload();
  });
  if (!form || !window.FormData || !("upload" in new XMLHttpRequest())) return;
  var input = document.getElementById("file-input");
  var zone = document.getElementById("drop-zone");

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (e) { uploadAll(e.dataTransfer.files); });
  form.addEventListener("submit", function (e) {
    if (!input.files.length) return; // let the server say what is missing
    e.preventDefault();
    uploadAll(input.files);
  });

  function uploadAll(files) {
    var total = files.length, pending = total, failed = 0;  // input.files empties on form.reset()
    Array.prototype.forEach.call(files, function (file) {
      upload(file, function (ok) {
        if (!ok) failed += 1;
        pending -= 1;
        if (pending !== 0) return;
        if (failed === 0) setTimeout(function () { window.location.reload(); }, 400);
        else if (failed < total) note();
      });
    });
    form.reset();
  }

  function note() {
    // Keep the errors on screen; offer the reload that shows the files that did arrive.
    var li = document.createElement("li");
    li.className = "small";
    li.innerHTML = '<a href="">Show the uploaded files</a>';
    queue.appendChild(li);
  }

  function row(file) {
    var li = document.createElement("li");
    li.className = "upload-item";
    li.innerHTML = '<div class="d-flex justify-content-between"><span class="upload-name"></span>' +
      '<small class="upload-label text-muted">0%</small></div>' +
      '<div class="progress"><div class="progress-bar" style="width:0%"></div></div>';
    li.querySelector(".upload-name").textContent = file.name;
    queue.appendChild(li);
    return li;
  }

  function upload(file, done) {
    var li = row(file), bar = li.querySelector(".progress-bar"), label = li.querySelector(".upload-label");
    var data = new FormData();
    ["csrf_token", "file_type", "campaign_id"].forEach(function (name) {
      var field = form.elements[name];
      if (field) data.append(name, field.value);
    });
    data.append("file", file);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var pct = Math.round((e.loaded / e.total) * 100);
      bar.style.width = pct + "%";
      label.textContent = pct + "%";
    });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { /* not JSON: keep the status text */ }
      var ok = xhr.status >= 200 && xhr.status < 300;
      bar.style.width = "100%";
      bar.classList.add(ok ? "bg-success" : "bg-danger");
      label.textContent = ok ? (body.message || "Uploaded") : errorText(body, xhr);
      li.classList.add(ok ? "upload-ok" : "upload-failed");
      done(ok);
    });
    xhr.addEventListener("error", function () {
      bar.classList.add("bg-danger");
      label.textContent = "Network error";
      done(false);
    });
    xhr.send(data);
  }

  function errorText(body, xhr) {
    var details = body.details || {}, parts = [];
    Object.keys(details).forEach(function (key) {
      var value = details[key];
      if (Array.isArray(value)) parts.push(value.join(" "));
    });
    return (body.error || xhr.statusText) + (parts.length ? ": " + parts.join(" ") : "");
  }
})();
