// The header's menu on a narrow screen: the Menu button shows and hides the
// links (aria-expanded says which). Without this script the button stays
// hidden and the links wrap under the header instead.
(function () {
  "use strict";
  var header = document.querySelector(".site-header");
  var button = header && header.querySelector(".menu-toggle");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) return;

  function isOpen() { return button.getAttribute("aria-expanded") === "true"; }
  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("open", open);
  }

  header.classList.add("has-menu");
  button.hidden = false;
  button.addEventListener("click", function () { set(!isOpen()); });
  // Escape closes it and gives focus back to the button, as a disclosure should.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen()) {
      set(false);
      button.focus();
    }
  });
  // A click elsewhere, or focus moving on past the menu, closes it.
  document.addEventListener("click", function (event) {
    if (isOpen() && !header.contains(event.target)) set(false);
  });
  header.addEventListener("focusout", function (event) {
    if (isOpen() && event.relatedTarget && !header.contains(event.relatedTarget)) set(false);
  });
})();
