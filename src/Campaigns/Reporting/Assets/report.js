// Draws every chart of a Geode report from the JSON embedded in the page (#geode-report-data),
// one after another so the page stays responsive. When every chart has been attempted,
// <body data-rendered> holds how many were drawn, so a browser test (or a person's script) knows
// the page is complete; a chart that fails says so in its place and on the console.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('geode-report-data').textContent);
  var config = { responsive: true, displaylogo: false };

  function draw(figure) {
    return Promise.resolve(Plotly.newPlot(document.getElementById(figure.id), figure.data, figure.layout, config))
      .then(function () { return true; });
  }

  function fail(figure, error) {
    console.error('Geode report: figure ' + figure.id + ' could not be drawn: ' + error);
    var element = document.getElementById(figure.id);
    if (element) {
      element.textContent = 'This figure could not be drawn: ' + error;
      element.classList.add('failed');
    }
    return false;
  }

  var drawn = 0;
  data.figures.reduce(function (previous, figure) {
    return previous.then(function () {
      return new Promise(function (resolve) { setTimeout(resolve, 0); })
        .then(function () { return draw(figure); })
        .catch(function (error) { return fail(figure, error); })
        .then(function (ok) { if (ok) { drawn += 1; } });
    });
  }, Promise.resolve()).then(function () {
    document.body.setAttribute('data-rendered', String(drawn));
  });
})();
