// The profile's time zone, never chosen yet: the browser's zone is offered (chosen only when the user saves).
(function () {
  "use strict";
  var offer = document.getElementById("browser-zone"), select = document.getElementById("id_time_zone");
  if (!offer || !select || select.value) return;
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
  if (!zone || ![].some.call(select.options, function (option) { return option.value === zone; })) return;
  var use = document.createElement("button");
  use.type = "button";
  use.className = "link";
  use.textContent = "Use " + zone;
  use.addEventListener("click", function () {
    select.value = zone;
    offer.textContent = zone + " chosen: save your preferences to keep it.";
    select.focus();
  });
  offer.textContent = "Your browser says you are in " + zone + ". ";
  offer.appendChild(use);
  offer.hidden = false;
})();
