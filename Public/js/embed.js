// On a partner's page: sizes each Sanctuary embed (an iframe with data-sanctuary-embed) to the
// height its content reports. Only messages from the frame's own window and origin are read.
(function () {
  "use strict";
  window.addEventListener("message", function (event) {
    var data = event.data && event.data.sanctuaryEmbed;
    if (!data || typeof data.height !== "number") return;
    var frames = document.querySelectorAll("iframe[data-sanctuary-embed]");
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (frame.contentWindow !== event.source) continue;
      if (new URL(frame.src, location.href).origin !== event.origin) continue;
      var height = Math.max(200, Math.min(4000, Math.round(data.height)));
      frame.style.height = height + "px";
      frame.style.minHeight = "0";
    }
  });
})();
