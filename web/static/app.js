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
