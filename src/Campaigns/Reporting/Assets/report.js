// Draws every figure of a Geode report from the JSON embedded in the page (#geode-report-data).
// Plotly charts are drawn as given; a "umap" figure is laid out first with umap-js from its
// principal-component coordinates, seeded so the same file always draws the same map.
// When every figure has been attempted, <body data-rendered> holds how many were drawn, so a
// browser test (or a person's script) knows the page is complete.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('geode-report-data').textContent);
  var config = { responsive: true, displaylogo: false };

  // mulberry32: a small seeded generator, so UMAP's random initialisation is reproducible.
  function seeded(seed) {
    var state = seed >>> 0;
    return function () {
      state = (state + 0x6d2b79f5) >>> 0;
      var t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function drawUmap(element, figure) {
    var umap = new UMAP.UMAP({
      nComponents: 2,
      nNeighbors: figure.neighbors,
      minDist: figure.min_dist,
      nEpochs: figure.epochs,
      random: seeded(figure.seed)
    });
    var embedding = umap.fit(figure.points);
    var byLabel = {};
    figure.labels.forEach(function (label, i) {
      var trace = byLabel[label] || (byLabel[label] = {
        type: 'scatter', mode: 'markers', name: label, x: [], y: [], text: [],
        marker: { color: figure.colors[label], size: 6, opacity: 0.8 },
        hovertemplate: '%{text}<extra>%{fullData.name}</extra>'
      });
      trace.x.push(embedding[i][0]);
      trace.y.push(embedding[i][1]);
      trace.text.push(figure.hover[i]);
    });
    return Plotly.newPlot(element, Object.keys(byLabel).map(function (k) { return byLabel[k]; }), figure.layout, config);
  }

  function draw(figure) {
    var element = document.getElementById(figure.id);
    var drawing = figure.kind === 'umap'
      ? drawUmap(element, figure)
      : Plotly.newPlot(element, figure.data, figure.layout, config);
    return Promise.resolve(drawing).then(function () { return true; });
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

  // Charts first, maps (the slow UMAP layout) last, one after another so the page stays responsive.
  var ordered = data.figures.filter(function (f) { return f.kind !== 'umap'; })
    .concat(data.figures.filter(function (f) { return f.kind === 'umap'; }));
  var drawn = 0;
  ordered.reduce(function (previous, figure) {
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
