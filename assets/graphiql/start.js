// Starts GraphiQL against this service. Every asset comes from the service
// itself (no CDN), and no script is inline, so the page works offline and
// under a strict Content-Security-Policy.
(function () {
  var element = document.getElementById('graphiql');
  var fetcher = GraphiQL.createFetcher({ url: element.dataset.endpoint });
  // Every query needs a bearer token: the header is there to be filled in.
  var headers = JSON.stringify({ Authorization: 'Bearer <paste a token here>' }, null, 2);
  ReactDOM.createRoot(element).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultHeaders: headers,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: false,
    })
  );
})();
