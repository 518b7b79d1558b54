// Starts GraphiQL on the hub's page; its settings come in a data attribute (no inline script, so the
// page's Content-Security-Policy can forbid them). Headers are not kept in the browser's storage: a
// token left in localStorage outlives the session it was minted for.
//
// Queries and mutations go over HTTP; subscriptions over graphql-transport-ws to the same origin, with
// the Headers pane's Authorization, X-Purpose-Of-Use and X-Justification as the connection_init payload
// (the hub reads them there), so one set of headers serves both.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var settings = JSON.parse(root.dataset.settings);
  var http = GraphiQL.createFetcher({ url: settings.url });
  var wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + settings.url;
  var PAYLOAD_HEADERS = ["authorization", "x-purpose-of-use", "x-justification"];

  function isSubscription(params, opts) {
    var doc = opts && opts.documentAST;
    if (!doc) return /^\s*subscription\b/m.test(String(params.query || "").replace(/#[^\n]*/g, ""));
    var ops = doc.definitions.filter(function (d) { return d.kind === "OperationDefinition"; });
    var op = ops.length === 1 ? ops[0] : ops.filter(function (d) {
      return d.name && d.name.value === params.operationName;
    })[0];
    return !!op && op.operation === "subscription";
  }

  // Only the headers the hub reads from the payload: nothing else typed in the pane is sent.
  function connectionParams(headers) {
    var params = {};
    Object.keys(headers || {}).forEach(function (name) {
      if (PAYLOAD_HEADERS.indexOf(name.toLowerCase()) >= 0 && typeof headers[name] === "string") {
        params[name] = headers[name];
      }
    });
    return params;
  }

  // A refusal closes the socket (4403); GraphiQL shows it as an error result rather than waiting on it.
  function describe(error) {
    if (error && typeof error.code === "number") {
      return "The hub closed the subscription's connection (" + error.code +
        (error.reason ? " " + error.reason : "") + "): check Authorization, X-Purpose-Of-Use and X-Justification";
    }
    if (Array.isArray(error)) return null;  // GraphQL errors: passed on as they came
    return "The subscription failed: " + (error && error.message ? error.message : String(error));
  }

  // An observable, which GraphiQL 3 accepts for a streaming result: one socket per subscription, with
  // the headers in the pane when it was run, closed when GraphiQL stops it or the hub completes it.
  function subscribe(params, headers) {
    return {
      subscribe: function (observer) {
        var client = graphqlWs.createClient({
          url: wsUrl, lazy: true, retryAttempts: 0, connectionParams: connectionParams(headers),
        });
        var done = false;
        function finish() {
          if (done) return;
          done = true;
          client.dispose();
          observer.complete();
        }
        var stop = client.subscribe(
          { query: params.query, variables: params.variables, operationName: params.operationName },
          {
            next: function (value) { if (!done) observer.next(value); },
            error: function (error) {
              if (done) return;
              var message = describe(error);
              observer.next(message === null ? { errors: error } : { errors: [{ message: message }] });
              finish();
            },
            complete: finish,
          }
        );
        return { unsubscribe: function () { stop(); finish(); } };
      },
    };
  }

  function fetcher(params, opts) {
    return isSubscription(params, opts) ? subscribe(params, opts && opts.headers) : http(params, opts);
  }

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
