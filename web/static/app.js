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
