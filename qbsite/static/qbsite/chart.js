// Candlesticks with volume and the trades as buy/sell markers; zoom and pan are plotly's.
// The server labels each candle in Korea time ("2026-11-26" for a session, "2026-11-26
// 10:15" within one); a category axis of those labels draws the sessions side by side,
// without the nights, weekends and holidays between them. Every word shown comes
// translated from the server.
(function () {
  const box = document.getElementById('qb-chart');
  const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  const TICK_SPACING = 90; // px a tick label needs

  const date = (label) => label.slice(0, 10);
  const minuteOfDay = (label) => +label.slice(11, 13) * 60 + +label.slice(14, 16);
  // Weeks counted from a Monday (day 0 of the epoch is a Thursday).
  const week = (label) => Math.floor((Date.parse(date(label)) / 86400000 + 3) / 7);
  // Ways to pick tick positions, finest first; the first that fits the width is used.
  const LEVELS = [
    () => true,
    ...[5, 10, 15, 30, 60, 120].map((m) => (labels, i) =>
      labels[i].length > 10 && (minuteOfDay(labels[i]) % m === 0 ||
        (i > 0 && date(labels[i]) !== date(labels[i - 1])))),
    (labels, i) => i === 0 || date(labels[i]) !== date(labels[i - 1]),
    ...[1, 2].map((weeks) => (labels, i) =>
      i > 0 && week(labels[i]) !== week(labels[i - 1]) && week(labels[i]) % weeks === 0),
    ...[1, 2, 3, 6, 12].map((months) => (labels, i) =>
      i > 0 && labels[i].slice(0, 7) !== labels[i - 1].slice(0, 7) &&
        (+labels[i].slice(5, 7) - 1) % months === 0),
  ];

  // Tick positions and texts for the candles from..to (category indices).
  function ticks(labels, from, to, room) {
    const first = Math.max(0, Math.ceil(from));
    const last = Math.min(labels.length - 1, Math.floor(to));
    const most = Math.max(2, Math.floor(room / TICK_SPACING));
    let chosen = [];
    for (const keep of LEVELS) {
      chosen = [];
      for (let i = first; i <= last; i++) if (keep(labels, i)) chosen.push(i);
      if (chosen.length <= most && chosen.length >= Math.min(2, last - first + 1)) break;
    }
    if (chosen.length > most) {
      const step = Math.ceil(chosen.length / most);
      chosen = chosen.filter((_, n) => n % step === 0);
    }
    // No two labels closer than a label's width (a short week after a holiday, say).
    const gap = TICK_SPACING / (room / Math.max(to - from, 1));
    const kept = [];
    for (const i of chosen) if (!kept.length || i - kept[kept.length - 1] >= gap) kept.push(i);
    chosen = kept;
    const text = chosen.map((i, n) => {
      const label = labels[i];
      if (label.length === 10) return label;
      const newDay = n === 0 || date(label) !== date(labels[chosen[n - 1]]);
      return label.slice(11) + (newDay ? '<br>' + date(label) : '');
    });
    return { 'xaxis.tickvals': chosen.map((i) => labels[i]), 'xaxis.ticktext': text };
  }

  fetch(box.dataset.url, { credentials: 'same-origin' })
    .then((response) => response.json())
    .then((data) => {
      const c = data.candles;
      const words = data.words;
      const candleText = c.t.map((t, n) => [
        t,
        `${words.open} ${number.format(c.o[n])}  ${words.high} ${number.format(c.h[n])}`,
        `${words.low} ${number.format(c.l[n])}  ${words.close} ${number.format(c.c[n])}`,
        `${words.volume} ${number.format(c.v[n])}`,
      ].join('<br>'));
      const marker = (side, name, symbol, colour) => {
        const trades = data.trades.filter((t) => t.side === side);
        return {
          type: 'scatter', mode: 'markers', name: name, hoverinfo: 'text',
          x: trades.map((t) => t.x), y: trades.map((t) => t.price),
          text: trades.map((t) => t.text),
          marker: { symbol: symbol, size: 11, color: colour, line: { width: 1, color: '#222' } },
        };
      };
      const traces = [
        { type: 'candlestick', name: data.title, x: c.t, open: c.o, high: c.h, low: c.l, close: c.c,
          text: candleText, hoverinfo: 'text',
          increasing: { line: { color: data.colours.up } },
          decreasing: { line: { color: data.colours.down } } },
        { type: 'bar', name: words.volume, x: c.t, y: c.v, yaxis: 'y2', marker: { color: '#aaa' },
          hoverinfo: 'skip' },
        marker('BUY', words.buy, 'triangle-up', data.colours.up),
        marker('SELL', words.sell, 'triangle-down', data.colours.down),
      ];
      const layout = {
        dragmode: 'pan', showlegend: true, margin: { t: 20, r: 20, b: 60, l: 70 },
        hovermode: 'closest',
        xaxis: { type: 'category', rangeslider: { visible: false }, tickangle: 0,
                 tickmode: 'array', automargin: true },
        yaxis: { domain: [0.25, 1], title: { text: words.price }, tickformat: ',d', automargin: true },
        yaxis2: { domain: [0, 0.2], title: { text: words.volume }, tickformat: ',d', automargin: true,
                  nticks: 3 },
      };
      Plotly.newPlot(box, traces, layout, { responsive: true, scrollZoom: true }).then(() => {
        const retick = () => {
          const axis = box._fullLayout.xaxis;
          const [from, to] = axis.range;
          Plotly.relayout(box, ticks(c.t, from, to, axis._length));
        };
        box.on('plotly_relayout', (change) => {
          if (!('xaxis.tickvals' in change)) retick();
        });
        retick();
        box.dataset.candles = String(c.t.length);
      });
      document.getElementById('qb-chart-note').textContent = data.note;
    });
})();
