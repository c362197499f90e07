// The API's interactive docs (Swagger UI, served by biokg itself: nothing from a CDN).
"use strict";
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null, // the default validator is a web service
    deepLinking: true,
  });
});
