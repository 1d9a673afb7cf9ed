// Mahnwerk dashboard: the few things a server-rendered page cannot do alone.
// Drag-and-drop upload, the live letter preview in the settings, the logo picker, confirmations.
// Every page works without this script except the drop zone (which then falls back to the picker).
"use strict";

(function () {
  function $(selector, root) { return (root || document).querySelector(selector); }
  function $$(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  // --- confirmations (write-off) -------------------------------------------------------------
  $$("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // --- upload --------------------------------------------------------------------------------
  var upload = $("#upload");
  if (upload) {
    var drop = $("#drop"), picker = $("#files"), list = $("#results"), card = $("#results-card");
    var max = parseInt(upload.getAttribute("data-max"), 10);

    var toBase64 = function (buffer) {
      var bytes = new Uint8Array(buffer), chunks = [], size = 0x8000;
      for (var i = 0; i < bytes.length; i += size) {
        chunks.push(String.fromCharCode.apply(null, bytes.subarray(i, i + size)));
      }
      return window.btoa(chunks.join(""));
    };

    var line = function (file) {
      var item = document.createElement("li");
      var name = document.createElement("div");
      name.className = "file";
      name.textContent = file.name;
      var state = document.createElement("div");
      state.className = "state muted";
      state.textContent = upload.getAttribute("data-waiting");
      item.appendChild(name);
      item.appendChild(state);
      list.insertBefore(item, list.firstChild);
      card.hidden = false;
      return { item: item, state: state };
    };

    var fail = function (row, message) {
      row.item.classList.add("failed");
      row.state.className = "state";
      row.state.textContent = upload.getAttribute("data-failed") + ": " + message;
    };

    var poll = function (row, url, tries) {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (answer.status === "done") {
            row.state.className = "state";
            row.state.innerHTML = answer.html; // rendered and escaped by the server
            row.item.setAttribute("data-done", "1");
          } else if (tries > 0) {
            window.setTimeout(function () { poll(row, url, tries - 1); }, 800);
          } else {
            row.state.textContent = upload.getAttribute("data-timeout");
          }
        })
        .catch(function (error) { fail(row, String(error)); });
    };

    var send = function (file) {
      var row = line(file);
      if (file.size > max) { fail(row, Math.round(file.size / 1048576) + " MB"); return; }
      var kind = $("input[name=kind]:checked", upload).value;
      var reader = new FileReader();
      reader.onerror = function () { fail(row, "read"); };
      reader.onload = function () {
        fetch(upload.getAttribute("data-post"), {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": upload.getAttribute("data-csrf") },
          body: JSON.stringify({ file_name: file.name, kind: kind, content: toBase64(reader.result),
                                 csrf: upload.getAttribute("data-csrf") })
        }).then(function (response) {
          return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
        }).then(function (result) {
          if (!result.ok) { fail(row, result.answer.error || result.answer.message || "?"); return; }
          poll(row, result.answer.result, 40);
        }).catch(function (error) { fail(row, String(error)); });
      };
      reader.readAsArrayBuffer(file);
    };

    var sendAll = function (files) { Array.prototype.forEach.call(files, send); };
    picker.addEventListener("change", function () { sendAll(picker.files); picker.value = ""; });
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) { sendAll(event.dataTransfer.files); }
    });
  }

  // --- settings: live preview of each level's letter ------------------------------------------
  var preview = $(".preview[data-url]");
  if (preview) {
    var body = $("#preview-body"), title = $("#preview-level"), timer = null;
    var paramsOf = function (fieldset) {
      var params = new URLSearchParams();
      params.set("level", fieldset.getAttribute("data-level"));
      $$("[data-preview]", fieldset).forEach(function (input) {
        params.set(input.getAttribute("data-preview"), input.value);
      });
      var locale = $("select[name=locale]");
      if (locale) { params.set("letter_lang", locale.value); }
      return params;
    };
    var show = function (fieldset) {
      $$("fieldset.level").forEach(function (other) { other.classList.toggle("selected", other === fieldset); });
      title.textContent = $("legend", fieldset).textContent;
      var params = paramsOf(fieldset);
      var pdf = $("[data-pdf]", fieldset);
      var pdfParams = new URLSearchParams(params);
      pdfParams.set("format", "pdf");
      pdf.href = preview.getAttribute("data-url") + "?" + pdfParams.toString();
      fetch(preview.getAttribute("data-url") + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) { body.innerHTML = html; }); // rendered and escaped by the server
    };
    $$("fieldset.level").forEach(function (fieldset) {
      var later = function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { show(fieldset); }, 250);
      };
      $$("input, select", fieldset).forEach(function (input) {
        input.addEventListener("input", later);
        input.addEventListener("change", later);
      });
      $("[data-show]", fieldset).addEventListener("click", function () { show(fieldset); });
    });
    var locale = $("select[name=locale]");
    if (locale) {
      locale.addEventListener("change", function () { show($("fieldset.level.selected") || $("fieldset.level")); });
    }
  }

  // --- settings: the logo travels as a data URI in the form ----------------------------------
  var logo = $("#logo-file");
  if (logo) {
    logo.addEventListener("change", function () {
      var file = logo.files[0];
      if (!file) { return; }
      var reader = new FileReader();
      reader.onload = function () { $("#logo-data").value = reader.result; };
      $("#logo-name").textContent = file.name;
      reader.readAsDataURL(file);
    });
  }
})();
