// Starts GraphiQL on the hub's page; its settings come in a data attribute (no inline script, so the
// page's Content-Security-Policy can forbid them). Headers are not kept in the browser's storage: a
// token left in localStorage outlives the session it was minted for.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var settings = JSON.parse(root.dataset.settings);
  var fetcher = GraphiQL.createFetcher({ url: settings.url });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: settings.query,
      defaultHeaders: settings.headers,
      headerEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: "headers",
    })
  );
})();
