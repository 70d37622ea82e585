// Candlesticks with a volume pane and the trades as buy/sell markers, drawn by TradingView's
// lightweight-charts (static/vendor/lightweight-charts.js); zoom and pan are its own.
// The server labels each candle in Korea time ("2026-11-26" for a session, "2026-11-26
// 10:15" within one). The library's time scale counts in UTC, so each candle's time here is
// its Korea wall clock read as UTC (Korea time + 9 h): the day and month boundaries the scale
// finds, and every label below, are Korea's. The scale places candles by index, so the
// nights, weekends and holidays between sessions take no room. Every word shown comes
// translated from the server and goes in as text (textContent, the library's text options),
// never as HTML. When the candles are first drawn, the box gets data-first-draw (ms since
// navigation started), data-candles and data-markers (what the series hold).
(function () {
  const LWC = window.LightweightCharts;
  const box = document.getElementById('qb-chart');
  const price = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const pad = (n) => String(n).padStart(2, '0');

  // "2026-11-26" or "2026-11-26 10:15" (Korea) -> seconds, the wall clock read as UTC.
  const stamp = (label) =>
    Date.parse(label.length === 10 ? `${label}T00:00Z` : `${label.replace(' ', 'T')}Z`) / 1000;
  const day = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const clock = (d) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;

  // The admin's own colours for text, background and lines, of its light or dark theme.
  const theme = () => {
    const css = getComputedStyle(document.documentElement);
    const themed = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
    const hairline = themed('--hairline-color', '#e8e8e8');
    return {
      quiet: themed('--body-quiet-color', '#666666'),
      chart: {
        layout: {
          background: { type: 'solid', color: themed('--body-bg', '#ffffff') },
          textColor: themed('--body-fg', '#333333'),
          panes: { separatorColor: hairline },
        },
        grid: { vertLines: { color: hairline }, horzLines: { color: hairline } },
        rightPriceScale: { borderColor: hairline },
        timeScale: { borderColor: hairline },
      },
    };
  };

  // rgba() of a "#rrggbb" colour.
  const faded = (hex, alpha) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  };

  const element = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  function draw(data) {
    const c = data.candles;
    const words = data.words;
    const up = data.colours.up;
    const down = data.colours.down;
    const times = c.t.map(stamp);
    const labelAt = new Map(times.map((t, n) => [t, c.t[n]]));
    const indexAt = new Map(times.map((t, n) => [t, n]));
    const opensDay = new Set(
      times.filter((t, n) => n === 0 || c.t[n].slice(0, 10) !== c.t[n - 1].slice(0, 10)));

    // Above the chart: the stock, what the markers mean, the price scale's unit.
    const head = element('div', 'qb-chart-head');
    head.append(
      element('strong', 'qb-chart-title', data.title),
      element('span', 'qb-chart-key qb-up', `▲ ${words.buy}`),
      element('span', 'qb-chart-key qb-down', `▼ ${words.sell}`),
      element('span', 'qb-chart-unit', words.price),
    );
    const area = element('div', 'qb-chart-area');
    const hover = element('div', 'qb-chart-hover');
    const bar = element('div', 'qb-chart-bar');
    const fills = element('div', 'qb-chart-fills');
    hover.append(bar, fills);
    area.append(hover);
    box.replaceChildren(head, area);

    const chart = LWC.createChart(area, {
      width: area.clientWidth,
      height: area.clientHeight,
      // The page's own font: the admin's look, and no other font to look up.
      layout: { fontSize: 12, fontFamily: getComputedStyle(box).fontFamily },
      timeScale: {
        timeVisible: true,
        secondsVisible: false,
        tickMarkMaxCharacterLength: 10,
        // Times within a session as 10:15, a session's first candle and anything coarser
        // as the session date.
        tickMarkFormatter: (time, type) => {
          const d = new Date(time * 1000);
          const within =
            type === LWC.TickMarkType.Time || type === LWC.TickMarkType.TimeWithSeconds;
          return within && !opensDay.has(time) ? clock(d) : day(d);
        },
      },
      localization: {
        locale: document.documentElement.lang || 'en',
        // The crosshair's label: the candle's own label from the server.
        timeFormatter: (time) =>
          labelAt.get(time) || `${day(new Date(time * 1000))} ${clock(new Date(time * 1000))}`,
        priceFormatter: (value) => price.format(value),
      },
    });

    chart.applyOptions(theme().chart);

    const candles = chart.addSeries(LWC.CandlestickSeries, {
      upColor: up, downColor: down, borderUpColor: up, borderDownColor: down,
      wickUpColor: up, wickDownColor: down,
      priceFormat: { type: 'custom', minMove: 0.01, formatter: (value) => price.format(value) },
    });
    candles.priceScale().applyOptions({ scaleMargins: { top: 0.12, bottom: 0.04 } });
    candles.setData(times.map((time, n) => ({
      time, open: c.o[n], high: c.h[n], low: c.l[n], close: c.c[n],
    })));

    const volume = chart.addSeries(LWC.HistogramSeries, {
      priceFormat: { type: 'custom', minMove: 1, formatter: (value) => whole.format(value) },
      priceLineVisible: false,
      lastValueVisible: false,
    }, 1);
    volume.setData(times.map((time, n) => ({
      time, value: c.v[n], color: faded(c.c[n] >= c.o[n] ? up : down, 0.45),
    })));
    const [pricePane, volumePane] = chart.panes();
    pricePane.setStretchFactor(4);
    volumePane.setStretchFactor(1);
    const heading = LWC.createTextWatermark(volumePane, {
      horzAlign: 'left',
      vertAlign: 'top',
      lines: [{ text: words.volume, color: theme().quiet, fontSize: 12 }],
    });
    // The theme switched (the admin's button, or the system's, for its "auto").
    const restyle = () => {
      const looks = theme();
      chart.applyOptions(looks.chart);
      heading.applyOptions({ lines: [{ text: words.volume, color: looks.quiet, fontSize: 12 }] });
    };
    new MutationObserver(restyle)
      .observe(document.documentElement, { attributeFilter: ['data-theme'] });
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', restyle);

    // A buy points up at its candle from below, a sell down at it from above, each with its
    // side, quantity and price beside it where that text has room: one that would overlap
    // the text of a fill on an earlier candle (same side) is left out until the chart is
    // zoomed in enough, the crosshair's box still giving every fill of a candle.
    const fillsAt = new Map();
    for (const trade of data.trades) {
      const time = stamp(trade.x);
      fillsAt.set(time, [...(fillsAt.get(time) || []), trade]);
    }
    const ruler = document.createElement('canvas').getContext('2d');
    ruler.font = `12px ${chart.options().layout.fontFamily}`;
    const widths = data.trades.map((trade) => ruler.measureText(trade.label).width);
    const placed = (range, width) => {
      const edge = { BUY: -Infinity, SELL: -Infinity };
      const last = { BUY: null, SELL: null };
      return data.trades.map((trade, n) => {
        const side = trade.side;
        const buy = side === 'BUY';
        const index = indexAt.get(stamp(trade.x));
        const x = ((index - range.from) / (range.to - range.from)) * width;
        // Fills of one candle stack up, their texts too: they share the first one's fate.
        const shown = last[side] && last[side].index === index
          ? last[side].shown
          : x - widths[n] / 2 >= edge[side] + 8;
        if (shown) edge[side] = Math.max(edge[side], x + widths[n] / 2);
        last[side] = { index, shown };
        return {
          time: times[index],
          position: buy ? 'belowBar' : 'aboveBar',
          shape: buy ? 'arrowUp' : 'arrowDown',
          color: buy ? up : down,
          text: shown ? trade.label : '',
        };
      });
    };
    // Every candle in view, with room at the ends for the first label and the last marker;
    // but no candle narrower than 2 px, which reads as a line: then the newest candles (a
    // whole session of 1-minute ones at least), the rest a scroll or zoom away.
    const plot = Math.max(area.clientWidth - 110, 200);
    const room = Math.max(plot - 115, 100);
    const spacing = Math.max(room / Math.max(times.length, 1), 2);
    const inView = Math.min(times.length, room / spacing);
    const view = {
      from: times.length - inView - 45 / spacing,
      to: times.length - 1 + 70 / spacing,
    };
    const markers = LWC.createSeriesMarkers(candles, []);
    let shownTexts = null;
    const label = (range, width) => {
      const list = placed(range, width);
      const texts = list.map((m) => m.text).join('\n');
      if (texts !== shownTexts) markers.setMarkers(list);
      shownTexts = texts;
    };
    label(view, plot);
    if (times.length) chart.timeScale().setVisibleLogicalRange(view);
    chart.timeScale().subscribeVisibleLogicalRangeChange((range) => {
      if (range) label(range, chart.timeScale().width() || plot);
    });

    // The candle under the crosshair (else the newest): its values and its fills.
    const show = (n) => {
      if (n === undefined) return;
      const values = [
        [words.open, price.format(c.o[n])], [words.high, price.format(c.h[n])],
        [words.low, price.format(c.l[n])], [words.close, price.format(c.c[n])],
        [words.volume, whole.format(c.v[n])],
      ];
      const pairs = values.map(([word, value]) => {
        const pair = element('span', 'qb-chart-pair');
        pair.append(
          element('span', 'qb-chart-word', word), ' ', element('span', 'qb-chart-value', value));
        return pair;
      });
      bar.replaceChildren(
        element('span', 'qb-chart-time', c.t[n]), ...pairs.flatMap((pair) => [' ', pair]));
      fills.replaceChildren(...(fillsAt.get(times[n]) || []).map((trade) => element(
        'div',
        `qb-chart-fill ${trade.side === 'BUY' ? 'qb-up' : 'qb-down'}`,
        trade.text.replace('\n', ' '),
      )));
    };
    chart.subscribeCrosshairMove((event) =>
      show(event.time === undefined ? times.length - 1 : indexAt.get(event.time)));
    show(times.length ? times.length - 1 : undefined);

    // A chart that changes width (the page's scroll bar, the side bar) keeps what it showed.
    new ResizeObserver(() => {
      const shown = chart.timeScale().getVisibleLogicalRange();
      chart.resize(area.clientWidth, area.clientHeight);
      if (shown) chart.timeScale().setVisibleLogicalRange(shown);
    }).observe(area);
    box.qb = { chart, candles, volume, markers };

    // The library draws in the next animation frame; this one runs right after it.
    requestAnimationFrame(() => {
      box.dataset.firstDraw = performance.now().toFixed(1);
      box.dataset.markers = String(markers.markers().length);
      box.dataset.candles = String(candles.data().length);
    });
  }

  fetch(box.dataset.url, { credentials: 'same-origin' })
    .then((response) => response.json())
    .then((data) => {
      document.getElementById('qb-chart-note').textContent = data.note;
      draw(data);
    });
})();
