// Inside a Sanctuary embed: tells the page that frames it how tall the content is, so the
// frame fits without a scroll bar (the partner's page runs /js/embed.js to listen).
(function () {
  "use strict";
  if (window.parent === window) return;
  var last = 0;
  function send() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ sanctuaryEmbed: { height: height, path: location.pathname } }, "*");
  }
  window.addEventListener("load", send);
  window.addEventListener("resize", send);
  if (window.ResizeObserver) new ResizeObserver(send).observe(document.documentElement);
  send();
})();
