/* Starts the vendored Swagger UI on /api/docs; settings come from the page, no inline script. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrfToken = document.body.dataset.csrfToken;
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis];
  if (csrfToken) {
    // "Try it out" with the browser session: unsafe methods need the CSRF token.
    config.requestInterceptor = function (req) {
      req.headers["X-CSRFToken"] = csrfToken;
      return req;
    };
  }
  window.ui = SwaggerUIBundle(config);
})();
