// Progressive enhancement only: every page works without this file.
// Loaded in <head> without defer so the "js" class is set before the first paint (no menu flash).
document.documentElement.classList.add("js");

document.addEventListener("click", function (event) {
  var toggle = event.target.closest(".menu-toggle");
  if (toggle) {
    var header = toggle.closest("header");
    var open = header.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    return;
  }
  var close = event.target.closest(".flash-close");
  if (close) {
    close.closest(".flash").remove();
  }
});

document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  var header = document.querySelector("header.top.open");
  if (!header) return;
  header.classList.remove("open");
  var toggle = header.querySelector(".menu-toggle");
  toggle.setAttribute("aria-expanded", "false");
  toggle.focus();
});

// Forms marked data-swap-refusals show the fragment a 422 answer carries (why it was refused)
// where a success would go; htmx leaves error answers unswapped otherwise.
document.addEventListener("htmx:beforeSwap", function (event) {
  var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("[data-swap-refusals]");
  if (form && event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
// Review queue keys: j/k move between items, o opens, a/r/e approve, remove or escalate the current
// item (queue) or the open one (item page). Never while typing in a field.
(function () {
  var ACTIONS = { a: "approve", r: "remove", e: "escalate" };
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr[data-item]"));
  }
  function current() {
    return document.querySelector("#queue tbody tr.current");
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(current());
    var next = all[Math.max(0, Math.min(all.length - 1, index + step))] || all[0];
    all.forEach(function (row) { row.classList.remove("current"); row.removeAttribute("aria-current"); });
    next.classList.add("current");
    next.setAttribute("aria-current", "true");
    next.scrollIntoView({ block: "nearest" });
  }
  function submit(form, action) {
    var button = form.querySelector('button[name="action"][value="' + action + '"]');
    if (button) button.click();
  }
  // A post awaiting approval is rejected with a reason: r asks for it first, then rejects.
  function reject(form) {
    var reason = form.querySelector("textarea[name=note]");
    if (reason && !reason.value.trim()) {
      reason.focus();
    } else {
      submit(form, "reject");
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var reason = document.querySelector('form[data-keys="item"] textarea[name=note]');
    if (reason && location.hash === "#reason") reason.focus();
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    var queue = document.querySelector('form[data-keys="queue"]');
    var item = document.querySelector('form[data-keys="item"]');
    var key = event.key;
    if (queue && (key === "j" || key === "k")) {
      move(key === "j" ? 1 : -1);
    } else if (queue && key === "o" && current()) {
      current().querySelector("a[data-testid=review-link]").click();
    } else if (queue && key === "r" && current() && current().dataset.kind === "post_approval") {
      location.href = current().querySelector("a[data-testid=review-link]").href + "#reason";
    } else if (item && key === "r" && item.querySelector('button[value="reject"]')) {
      reject(item);
    } else if (queue && ACTIONS[key] && current()) {
      queue.querySelectorAll('input[name="items"]').forEach(function (box) { box.checked = false; });
      current().querySelector('input[name="items"]').checked = true;
      submit(queue, ACTIONS[key]);
    } else if (item && ACTIONS[key]) {
      submit(item, ACTIONS[key]);
    } else {
      return;
    }
    event.preventDefault();
  });
})();
// Calendar: a click on a day's empty space opens a new post for that day; a planned post dragged
// to another day is moved there (the server checks the role and that it was not sent). Without
// JavaScript the "+" link and each post's Move form do the same.
(function () {
  function calendar(node) {
    return node && node.closest && node.closest("table.calendar");
  }
  function showError(text) {
    var box = document.getElementById("flash");
    if (!box) return;
    var note = document.createElement("div");
    note.className = "flash error";
    note.setAttribute("role", "alert");
    note.setAttribute("data-testid", "flash");
    var p = document.createElement("p");
    p.textContent = text;
    note.appendChild(p);
    box.replaceChildren(note);
  }
  function move(url, day, back) {
    var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
    var body = new URLSearchParams({ date: day, back: back, csrf_token: token });
    return fetch(url, { method: "POST", body: body, headers: { "X-CSRF-Token": token }, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          if (!response.ok) {
            var alert = page.querySelector("main [role=alert]");
            showError(alert ? alert.textContent : String(response.status));
            return;
          }
          ["main", "flash"].forEach(function (id) {
            var fresh = page.getElementById(id), here = document.getElementById(id);
            if (fresh && here) here.innerHTML = fresh.innerHTML;
          });
        });
      });
  }
  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest("[data-move]");
    if (!item || !calendar(item)) return;
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.getAttribute("data-move"));
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll("td.drop").forEach(function (td) { td.classList.remove("drop"); });
  });
  document.addEventListener("dragover", function (event) {
    var cell = dragged && event.target.closest && event.target.closest("td[data-day]");
    if (!cell || !calendar(cell)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll("td.drop").forEach(function (td) { if (td !== cell) td.classList.remove("drop"); });
    cell.classList.add("drop");
  });
  document.addEventListener("drop", function (event) {
    var cell = dragged && event.target.closest && event.target.closest("td[data-day]");
    if (!cell || !calendar(cell)) return;
    event.preventDefault();
    var item = dragged;
    cell.classList.remove("drop");
    if (item.closest("td[data-day]") === cell) return;
    move(item.getAttribute("data-move"), cell.getAttribute("data-day"), calendar(cell).getAttribute("data-back") || "");
  });
  document.addEventListener("click", function (event) {
    var cell = event.target.closest && event.target.closest("td[data-new]");
    if (!cell || !calendar(cell) || event.target.closest("a, button, details, form, input, label")) return;
    window.location.href = cell.getAttribute("data-new");
  });
})();

// Compose: add and remove the parts of a thread; the preview (htmx) follows each change.
(function () {
  function renumber(box) {
    Array.prototype.forEach.call(box.querySelectorAll("[data-part]"), function (part, index) {
      part.querySelector("[data-part-number]").textContent = index + 2;
      part.querySelector("[data-part-count]").id = "part-count-" + (index + 2);
    });
    box.closest("form").dispatchEvent(new Event("change", { bubbles: true }));
  }
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-part]");
    var remove = event.target.closest("[data-remove-part]");
    if (add) {
      var box = document.getElementById("parts");
      box.appendChild(document.getElementById("part-template").content.cloneNode(true));
      renumber(box);
      box.lastElementChild.querySelector("textarea").focus();
    } else if (remove) {
      var parts = remove.closest("#parts");
      remove.closest("[data-part]").remove();
      renumber(parts);
    }
  });
})();
