// Candlesticks with volume and the trades as buy/sell markers; zoom and pan are plotly's.
(function () {
  const box = document.getElementById('qb-chart');
  fetch(box.dataset.url, { credentials: 'same-origin' })
    .then((response) => response.json())
    .then((data) => {
      const c = data.candles;
      const buys = data.trades.filter((t) => t.side === 'BUY');
      const sells = data.trades.filter((t) => t.side === 'SELL');
      const marker = (trades, name, symbol, colour) => ({
        type: 'scatter', mode: 'markers', name: name,
        x: trades.map((t) => t.t), y: trades.map((t) => t.price),
        text: trades.map((t) => `${t.side} ${t.quantity} @ ${t.price} (${t.strategy})`),
        marker: { symbol: symbol, size: 11, color: colour, line: { width: 1, color: '#222' } },
      });
      const traces = [
        { type: 'candlestick', name: data.symbol, x: c.t, open: c.o, high: c.h, low: c.l, close: c.c,
          increasing: { line: { color: '#d62728' } }, decreasing: { line: { color: '#1f77b4' } } },
        { type: 'bar', name: 'volume', x: c.t, y: c.v, yaxis: 'y2', marker: { color: '#aaa' } },
        marker(buys, 'buy', 'triangle-up', '#2ca02c'),
        marker(sells, 'sell', 'triangle-down', '#d62728'),
      ];
      const layout = {
        dragmode: 'pan', showlegend: true, margin: { t: 20, r: 20, b: 40, l: 60 },
        xaxis: { rangeslider: { visible: false }, type: 'date' },
        yaxis: { domain: [0.25, 1], title: 'KRW' },
        yaxis2: { domain: [0, 0.2], title: 'volume' },
      };
      Plotly.newPlot(box, traces, layout, { responsive: true, scrollZoom: true });
      box.dataset.candles = String(c.t.length);
      document.getElementById('qb-chart-note').textContent =
        `${c.t.length} candles` + (data.bucket ? ` (bucketed by ${data.bucket})` : '') +
        `, ${data.trades.length} trades`;
    });
})();
