import { ECHARTS_URL } from './wallboard.trends.js';

// The wallboard's second screen (docs/domain.md §17): five Apache ECharts charts over GET /wallboard/trends, polled
// once a minute. The page alternates between the live tiles and this screen every 30 s (`?rotate=N` seconds, at
// least 10); `?screen=live` or `?screen=trends` holds one. Both screens keep their size while hidden, so the charts are
// drawn at 1920×1080 whichever is showing. The library is the gateway's own copy (no CDN, no other host).

/** CSS of the trend screen. */
export function trendsStyle(): string {
  return `
  /* Trend screen (docs/domain.md §17) */
  #trends { position: absolute; left: 0; top: 96px; width: 1920px; height: 984px; padding: 16px 40px 24px; background: #0b1526;
    visibility: hidden; display: grid; grid-template-columns: repeat(6, 1fr); grid-template-rows: 36px 424px 424px; gap: 16px 20px; }
  body.show-trends #trends { visibility: visible; } body.show-trends main { visibility: hidden; }
  #trends .caption { grid-column: span 6; display: flex; justify-content: space-between; align-items: center; font-size: 24px; color: #9fb3cf; }
  #trends .caption b { color: #e6edf7; font-weight: 500; }
  #trends .chart-tile { background: #122139; border: 1px solid #1e3a63; border-radius: 12px; padding: 12px 16px 6px; display: flex; flex-direction: column; }
  #trends .chart-tile h2 { font-size: 24px; font-weight: 500; color: #9fb3cf; display: flex; justify-content: space-between; }
  #trends .chart-tile h2 span { color: #e6edf7; font-variant-numeric: tabular-nums; }
  #trends .chart { flex: 1; min-height: 0; }
  #trends .span2 { grid-column: span 2; } #trends .span3 { grid-column: span 3; } #trends .span4 { grid-column: span 4; }
  #screen-tag { position: fixed; left: 40px; bottom: 6px; font-size: 16px; color: #6b7a90; }`;
}

/** Markup of the trend screen. */
export function trendsSection(): string {
  return `
<section id="trends" aria-label="趋势分析">
  <div class="caption"><b>趋势分析</b><span id="trends-status">等待趋势数据…</span></div>
  <div class="chart-tile span4"><h2>今日分时段话务量 <span id="trend-today-total">–</span></h2><div class="chart" id="chart-halfhour"></div></div>
  <div class="chart-tile span2"><h2>本月每日接通率 <span>目标 <em id="trend-target">98%</em></span></h2><div class="chart" id="chart-daily"></div></div>
  <div class="chart-tile span2"><h2>今日工单类别 <span id="trend-category-total">–</span></h2><div class="chart" id="chart-category"></div></div>
  <div class="chart-tile span2"><h2>超期工单（按承办单位） <span id="trend-overdue-total">–</span></h2><div class="chart" id="chart-overdue"></div></div>
  <div class="chart-tile span2"><h2>本月工单（按县市） <span id="trend-county-total">–</span></h2><div class="chart" id="chart-county"></div></div>
</section>
<div id="screen-tag">实时概况</div>`;
}

/**
 * The script of the trend screen. The library (1 MB) is fetched only once the page has loaded and trend data has
 * come, so the live tiles never wait for it: on a loaded host, parsing it in the page's head held the page's load for
 * over a minute (wallboard e2e, L42).
 */
export function trendsScripts(): string {
  return `<script>
(function () {
  var params = new URLSearchParams(location.search);
  var pinned = params.get('screen');
  var rotateS = Math.max(10, Number(params.get('rotate')) || 30);
  var charts = {};
  var last = null;
  var font = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif';
  var axis = { axisLine: { lineStyle: { color: '#3b5a86' } }, axisLabel: { color: '#9fb3cf', fontSize: 15 }, splitLine: { lineStyle: { color: '#1e3a63' } } };
  function $(id) { return document.getElementById(id); }
  function txt(id, v) { var el = $(id); if (el) el.textContent = String(v); }
  function pct(v) { return v === null || v === undefined ? '–' : (Math.floor(v * 1000) / 10).toFixed(1) + '%'; }
  function sum(items) { return items.reduce(function (n, i) { return n + i.count; }, 0); }
  function merge(a, b) { var o = {}; for (var k in a) o[k] = a[k]; for (var j in b) o[j] = b[j]; return o; }
  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init($(id), null, { renderer: 'canvas' });
    return charts[id];
  }
  function base() {
    return { animation: false, textStyle: { fontFamily: font, color: '#e6edf7' }, tooltip: { trigger: 'axis' } };
  }
  function drawHalfHours(h) {
    var todayTotal = h.today.reduce(function (n, v) { return n + (v || 0); }, 0);
    txt('trend-today-total', '今日 ' + todayTotal + ' 个 · 昨日 ' + h.yesterday.reduce(function (n, v) { return n + v; }, 0) + ' 个');
    chart('chart-halfhour').setOption(merge(base(), {
      legend: { top: 0, right: 10, textStyle: { color: '#e6edf7', fontSize: 16 }, data: ['今日', '昨日', '预测'] },
      grid: { left: 50, right: 20, top: 40, bottom: 30 },
      xAxis: merge(axis, { type: 'category', data: h.labels, axisLabel: { color: '#9fb3cf', fontSize: 14, interval: 3 } }),
      yAxis: merge(axis, { type: 'value', minInterval: 1, name: '呼入', nameTextStyle: { color: '#9fb3cf', fontSize: 14 } }),
      series: [
        { name: '今日', type: 'line', data: h.today, smooth: false, symbolSize: 6, lineStyle: { width: 3, color: '#2ecc71' }, itemStyle: { color: '#2ecc71' }, areaStyle: { color: 'rgba(46,204,113,0.15)' } },
        { name: '昨日', type: 'line', data: h.yesterday, symbol: 'none', lineStyle: { width: 2, color: '#5d7aa6', type: 'dashed' }, itemStyle: { color: '#5d7aa6' } },
        { name: '预测', type: 'line', data: h.forecast, symbol: 'none', lineStyle: { width: 2, color: '#f1c40f', type: 'dotted' }, itemStyle: { color: '#f1c40f' } }
      ]
    }), true);
  }
  function drawDaily(d) {
    txt('trend-target', pct(d.target));
    var rates = d.days.map(function (x) { return x.rate; });
    var low = rates.reduce(function (m, v) { return v === null ? m : Math.min(m, v); }, d.target);
    var min = Math.max(0, Math.floor((low - 0.02) * 20) / 20);
    chart('chart-daily').setOption(merge(base(), {
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return pct(v); } },
      grid: { left: 64, right: 20, top: 20, bottom: 30 },
      xAxis: merge(axis, { type: 'category', data: d.days.map(function (x) { return x.day.slice(8); }) }),
      yAxis: merge(axis, { type: 'value', min: min, max: 1, axisLabel: { color: '#9fb3cf', fontSize: 15, formatter: function (v) { return Math.round(v * 100) + '%'; } } }),
      series: [
        { name: '接通率', type: 'bar', barMaxWidth: 26, data: d.days.map(function (x) {
          return { value: x.rate, itemStyle: { color: x.rate === null ? '#3b5a86' : x.rate >= d.target ? '#2ecc71' : x.rate >= d.target - 0.03 ? '#f1c40f' : '#e74c3c' } };
        }) },
        { name: '目标', type: 'line', data: d.days.map(function () { return d.target; }), symbol: 'none', lineStyle: { color: '#ffffff', type: 'dashed', width: 2 } }
      ]
    }), true);
  }
  function drawCategory(items) {
    txt('trend-category-total', '合计 ' + sum(items));
    chart('chart-category').setOption(merge(base(), {
      tooltip: { trigger: 'item' },
      color: ['#3498db', '#2ecc71', '#e74c3c', '#e67e22', '#9b59b6', '#1abc9c', '#95a5a6', '#6b7a90'],
      series: [{ name: '工单类别', type: 'pie', radius: ['38%', '68%'], center: ['50%', '54%'],
        data: items.filter(function (i) { return i.count > 0; }).map(function (i) { return { name: i.name, value: i.count }; }),
        label: { color: '#e6edf7', fontSize: 17, formatter: '{b} {c}' }, labelLine: { lineStyle: { color: '#9fb3cf' } } }]
    }), true);
  }
  function drawBars(id, items, horizontal, color) {
    var names = items.map(function (i) { return i.name; });
    var values = items.map(function (i) { return i.count; });
    var cat = merge(axis, { type: 'category', data: horizontal ? names.slice().reverse() : names, axisLabel: horizontal ? { color: '#e6edf7', fontSize: 15 } : { color: '#e6edf7', fontSize: 14, interval: 0, rotate: 45 } });
    var val = merge(axis, { type: 'value', minInterval: 1 });
    chart(id).setOption(merge(base(), {
      grid: horizontal ? { left: 10, right: 40, top: 10, bottom: 20, containLabel: true } : { left: 40, right: 10, top: 24, bottom: 10, containLabel: true },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? cat : val,
      series: [{ type: 'bar', barMaxWidth: 28, data: horizontal ? values.slice().reverse() : values, itemStyle: { color: color },
        label: { show: true, position: horizontal ? 'right' : 'top', color: '#e6edf7', fontSize: 14, formatter: function (p) { return p.value > 0 ? p.value : ''; } } }]
    }), true);
  }
  var library = null;
  function withEcharts(then) {
    if (typeof echarts !== 'undefined') return then();
    library = library || new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = '${ECHARTS_URL}';
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
    library.then(then, function () { library = null; txt('trends-status', '图表库未加载'); });
  }
  function draw(t) {
    withEcharts(function () { drawNow(t); });
  }
  function drawNow(t) {
    if (typeof echarts === 'undefined') { txt('trends-status', '图表库未加载'); return; }
    last = t;
    window.__wallboardTrends = t;
    drawHalfHours(t.halfHours);
    drawDaily(t.dailyAnswerRate);
    drawCategory(t.ticketsByCategory);
    txt('trend-overdue-total', '合计 ' + sum(t.overdueByDepartment));
    drawBars('chart-overdue', t.overdueByDepartment, true, '#e74c3c');
    txt('trend-county-total', '合计 ' + sum(t.ticketsByCounty));
    drawBars('chart-county', t.ticketsByCounty, false, '#3498db');
    txt('trends-status', '数据更新 ' + new Date(t.at).toLocaleTimeString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' }) + ' · 每分钟刷新');
    $('trends').setAttribute('data-drawn-at', String(t.at));
  }
  function load() {
    // The live script swaps in a renewed ticket with history.replaceState: read it from the URL at each request.
    var ticket = new URLSearchParams(location.search).get('ticket') || '';
    fetch('/wallboard/trends?ticket=' + encodeURIComponent(ticket), { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(draw)
      .catch(function () { txt('trends-status', last ? '趋势数据刷新失败，显示上次数据' : '趋势数据暂不可用'); });
  }
  function show(which) {
    var trends = which === 'trends';
    document.body.classList.toggle('show-trends', trends);
    txt('screen-tag', trends ? '趋势分析' : '实时概况');
    if (trends) for (var id in charts) charts[id].resize();
  }
  if (document.readyState === 'complete') load();
  else window.addEventListener('load', load);
  setInterval(load, 60000);
  if (pinned === 'trends' || pinned === 'live') show(pinned);
  else setInterval(function () { show(document.body.classList.contains('show-trends') ? 'live' : 'trends'); }, rotateS * 1000);
})();
</script>`;
}
