import { BEIJING_TIME_ZONE } from '@cti/domain';
import { trendsScripts, trendsSection, trendsStyle } from './wallboard.trends-page.js';

// The big-screen page: one self-contained HTML document (inline CSS and JS, no external network or CDN),
// laid out for 1920×1080, in Simplified Chinese. It renders the snapshots the SSE stream pushes.

/** The wallboard HTML. The ticket travels in the page URL; the script reads it from there. */
export function wallboardHtml(): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=1920, height=1080">
<title>甘孜州12345热线 · 实时监控大屏</title>
<style>
  * { box-sizing: border-box; margin: 0; padding: 0; }
  html, body { width: 1920px; height: 1080px; overflow: hidden; background: #0b1526; color: #e6edf7;
    font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif; }
  header { height: 96px; display: flex; align-items: center; justify-content: space-between; padding: 0 40px;
    background: linear-gradient(90deg, #12305a, #0b1526); border-bottom: 2px solid #1f4f8f; }
  header h1 { font-size: 40px; font-weight: 700; letter-spacing: 2px; }
  header .meta { display: flex; gap: 28px; align-items: center; font-size: 24px; color: #9fb3cf; }
  #clock { font-size: 34px; color: #e6edf7; font-variant-numeric: tabular-nums; }
  .dot { display: inline-block; width: 14px; height: 14px; border-radius: 50%; margin-right: 8px; background: #6b7a90; }
  .dot.up { background: #2ecc71; } .dot.down { background: #e74c3c; }
  main { display: grid; grid-template-columns: repeat(6, 1fr); grid-auto-rows: 270px; gap: 20px; padding: 24px 40px; height: 984px; }
  .tile { background: #122139; border: 1px solid #1e3a63; border-radius: 12px; padding: 18px 22px; display: flex; flex-direction: column; }
  .tile h2 { font-size: 26px; font-weight: 500; color: #9fb3cf; margin-bottom: 8px; }
  .big { font-size: 96px; font-weight: 700; line-height: 1.1; font-variant-numeric: tabular-nums; }
  .sub { font-size: 22px; color: #9fb3cf; margin-top: auto; }
  .ok { color: #2ecc71; } .warn { color: #f1c40f; } .bad { color: #e74c3c; }
  .span2 { grid-column: span 2; } .span3 { grid-column: span 3; } .span4 { grid-column: span 4; }
  .compact .v { font-size: 44px; } .compact .sub { font-size: 19px; }
  /* 富余 12 人 / 缺 3 人 fits the one-column tile. */
  .big.gap { font-size: 46px; white-space: nowrap; margin-top: 24px; }
  .row { display: flex; justify-content: space-between; gap: 12px; }
  .cell { flex: 1; text-align: center; }
  .cell .v { white-space: nowrap; font-size: 60px; font-weight: 700; font-variant-numeric: tabular-nums; }
  .cell .l { font-size: 22px; color: #9fb3cf; }
  .bar { height: 14px; background: #0b1526; border-radius: 7px; margin-top: 10px; position: relative; overflow: hidden; }
  .bar > i { position: absolute; left: 0; top: 0; bottom: 0; background: #2ecc71; }
  .bar > b { position: absolute; top: -4px; bottom: -4px; width: 3px; background: #fff; }
  #alerts { list-style: none; font-size: 26px; overflow: hidden; }
  #alerts li { padding: 6px 0; border-bottom: 1px solid #1e3a63; }
  #alerts li.critical { color: #e74c3c; } #alerts li.warning { color: #f1c40f; }
  #alerts li.none { color: #2ecc71; }
  /* Per-line tile (双号并行, docs/domain.md §18) */
  #lines-table { width: 100%; border-collapse: collapse; font-size: 21px; font-variant-numeric: tabular-nums; }
  #lines-table th { font-size: 18px; font-weight: 400; color: #9fb3cf; text-align: right; padding: 2px 5px; border-bottom: 1px solid #1e3a63; white-space: nowrap; }
  #lines-table td { text-align: right; padding: 5px 5px; border-bottom: 1px solid #1e3a63; white-space: nowrap; }
  #lines-table th:first-child, #lines-table td:first-child { text-align: left; max-width: 300px; overflow: hidden; text-overflow: ellipsis; }
  #lines-table td.none { text-align: center; color: #9fb3cf; }
  #offline { position: fixed; right: 40px; bottom: 20px; font-size: 22px; color: #e74c3c; display: none; }
${trendsStyle()}
</style>
</head>
<body>
<header>
  <h1>甘孜州12345政务服务便民热线 · 实时监控大屏</h1>
  <div class="meta">
    <span><span class="dot" id="ari-dot"></span>话务平台</span>
    <span><span class="dot" id="ami-dot"></span>管理接口</span>
    <span id="updated">等待数据…</span>
    <span id="clock"></span>
  </div>
</header>
<main>
  <section class="tile"><h2>排队等待</h2><div class="big" id="waiting">–</div><div class="sub">通话进行中 <span id="in-progress">–</span></div></section>
  <section class="tile"><h2>最长等待</h2><div class="big" id="longest-wait">–</div><div class="sub">目标：15秒内接通</div></section>
  <section class="tile span2"><h2>今日接通率 <small>(目标 98%)</small></h2><div class="big" id="today-rate">–</div>
    <div class="bar"><i id="today-bar"></i><b style="left:98%"></b></div>
    <div class="sub">呼入 <span id="today-offered">–</span> · 接通 <span id="today-answered">–</span> · 放弃 <span id="today-abandoned">–</span></div></section>
  <section class="tile span2"><h2>本月接通率 <small>(目标 98%)</small></h2><div class="big" id="month-rate">–</div>
    <div class="bar"><i id="month-bar"></i><b style="left:98%"></b></div>
    <div class="sub">月末预测 <span id="projection">–</span> · 呼入 <span id="month-offered">–</span> · 接通 <span id="month-answered">–</span></div></section>

  <section class="tile span3"><h2>坐席状态（在线 <span id="agents-logged-in">–</span> 人）</h2>
    <div class="row" style="margin-top:18px">
      <div class="cell"><div class="v ok" id="agents-ready">–</div><div class="l">空闲</div></div>
      <div class="cell"><div class="v warn" id="agents-reserved">–</div><div class="l">振铃</div></div>
      <div class="cell"><div class="v" id="agents-on-call">–</div><div class="l">通话中</div></div>
      <div class="cell"><div class="v" id="agents-wrap-up">–</div><div class="l">话后处理</div></div>
      <div class="cell"><div class="v" id="agents-paused">–</div><div class="l">小休</div></div>
    </div></section>
  <section class="tile"><h2>15秒内接通率（今日）</h2><div class="big" id="within15">–</div><div class="sub">接通 <span id="within15-count">–</span> 个</div></section>
  <section class="tile compact"><h2>中继线路</h2>
    <div class="row" style="margin-top:18px">
      <div class="cell"><div class="v" id="trunk-primary">–</div><div class="l">主用</div></div>
      <div class="cell"><div class="v" id="trunk-backup">–</div><div class="l">备用</div></div>
    </div></section>
  <section class="tile compact"><h2>人力缺口（本时段）</h2><div class="big gap" id="staffing-gap">–</div>
    <div class="sub">需 <span id="staffing-needed">–</span> 人 · 在线 <span id="staffing-logged-in">–</span> · 排班 <span id="staffing-rostered">–</span><br>预测服务水平 <span id="staffing-sl">–</span></div></section>

  <section class="tile"><h2>应急联动进行中</h2><div class="big" id="linkages">–</div><div class="sub">110 / 119 / 120 / 122</div></section>
  <section class="tile"><h2>超期工单</h2><div class="big" id="overdue">–</div><div class="sub">已过办理时限未办结</div></section>
  <section class="tile span2"><h2>告警</h2><ul id="alerts"><li class="none">暂无告警</li></ul></section>
  <section class="tile span2" id="lines-tile"><h2>分线路接通（今日）</h2>
    <table id="lines-table"><thead><tr><th>线路</th><th>呼入</th><th>接通</th><th>接通率</th><th>目标</th></tr></thead>
    <tbody id="lines-body"><tr><td class="none" colspan="5">等待数据…</td></tr></tbody></table></section>
</main>
${trendsSection()}
<div id="offline">实时连接中断，正在重连…</div>
<script>
(function () {
  var params = new URLSearchParams(location.search);
  var ticket = params.get('ticket') || '';
  var last = null, skew = 0;
  function $(id) { return document.getElementById(id); }
  function set(id, v) { var el = $(id); if (el && el.textContent !== String(v)) el.textContent = String(v); }
  function pct(v) { return v === null || v === undefined ? '–' : (Math.floor(v * 1000) / 10).toFixed(1) + '%'; }
  function cls(id, c) { var el = $(id); if (el) { el.classList.remove('ok', 'warn', 'bad'); if (c) el.classList.add(c); } }
  function rateClass(v) { return v === null || v === undefined ? '' : v >= 0.98 ? 'ok' : v >= 0.95 ? 'warn' : 'bad'; }
  function mmss(s) { s = Math.max(0, Math.floor(s)); var m = Math.floor(s / 60); s = s % 60; return (m < 10 ? '0' : '') + m + ':' + (s < 10 ? '0' : '') + s; }
  var trunkZh = { up: '正常', down: '故障', unknown: '未知' };
  function render(s) {
    last = s; skew = Date.now() - s.at;
    set('waiting', s.queue.waiting);
    cls('waiting', s.queue.waiting === 0 ? 'ok' : s.queue.waiting < 5 ? 'warn' : 'bad');
    set('in-progress', s.callsInProgress);
    tickWait();
    var a = s.agents.byState;
    set('agents-logged-in', s.agents.loggedIn);
    set('agents-ready', a.ready || 0); set('agents-reserved', a.reserved || 0); set('agents-on-call', a.on_call || 0);
    set('agents-wrap-up', a.wrap_up || 0); set('agents-paused', a.paused || 0);
    ['primary', 'backup'].forEach(function (k) {
      var t = s.trunks['trunk-' + k] || s.trunks[k]; var st = t ? t.status : 'unknown';
      set('trunk-' + k, trunkZh[st] || st); cls('trunk-' + k, st === 'up' ? 'ok' : st === 'down' ? 'bad' : 'warn');
    });
    $('ari-dot').className = 'dot ' + (s.connections.ari ? 'up' : 'down');
    $('ami-dot').className = 'dot ' + (s.connections.ami ? 'up' : 'down');
    set('linkages', s.emergencyLinkages.active);
    var st = s.stats;
    if (st) {
      set('today-rate', pct(st.today.rate)); cls('today-rate', rateClass(st.today.rate));
      $('today-bar').style.width = ((st.today.rate || 0) * 100) + '%';
      set('today-offered', st.today.offered); set('today-answered', st.today.answered); set('today-abandoned', st.today.abandoned);
      set('month-rate', pct(st.month.rate)); cls('month-rate', rateClass(st.month.rate));
      $('month-bar').style.width = ((st.month.rate || 0) * 100) + '%';
      set('month-offered', st.month.offered); set('month-answered', st.month.answered);
      var pr = st.projection.projection.projectedRate;
      set('projection', pct(pr)); cls('projection', rateClass(pr));
      set('within15', pct(st.today.answeredWithin.rate)); var w = st.today.answeredWithin.rate; cls('within15', w === null ? '' : w >= 0.8 ? 'ok' : w >= 0.6 ? 'warn' : 'bad');
      set('within15-count', st.today.answeredWithin.count);
      set('overdue', st.overdueTickets); cls('overdue', st.overdueTickets > 0 ? 'bad' : 'ok');
      if (st.staffing) {
        var g = st.staffing.gap;
        set('staffing-gap', st.staffing.gapLabel); cls('staffing-gap', g >= 0 ? 'ok' : 'bad');
        set('staffing-needed', st.staffing.scheduledNeeded); set('staffing-logged-in', st.staffing.loggedIn); set('staffing-rostered', st.staffing.rostered);
        set('staffing-sl', pct(st.staffing.forecastServiceLevel));
      }
      var ul = $('alerts'); var html = '';
      if (!st.alerts.length) html = '<li class="none">暂无告警</li>';
      st.alerts.slice(0, 5).forEach(function (al) {
        var li = document.createElement('li'); li.className = al.severity; li.textContent = (al.severity === 'critical' ? '【严重】' : '【预警】') + al.message;
        html += li.outerHTML;
      });
      if (ul.innerHTML !== html) ul.innerHTML = html;
      renderLines(st.lines || []);
      set('updated', '数据更新 ' + new Date(st.at).toLocaleTimeString('zh-CN', { hour12: false, timeZone: '${BEIJING_TIME_ZONE}' }));
    }
  }
  // Per-line tile: each merged hotline's calls today, its answer rate against its own target.
  function renderLines(lines) {
    var body = $('lines-body'); var html = '';
    if (!lines.length) html = '<tr><td class="none" colspan="5">暂无线路数据</td></tr>';
    lines.slice(0, 5).forEach(function (l) {
      var tr = document.createElement('tr'); tr.setAttribute('data-line', l.line);
      var c = l.rate === null || l.rate === undefined ? '' : l.rate >= l.target ? 'ok' : l.rate >= l.target - 0.03 ? 'warn' : 'bad';
      [l.name, l.offered, l.answered, pct(l.rate), pct(l.target)].forEach(function (v, i) {
        var td = document.createElement('td'); td.textContent = String(v);
        if (i === 0) td.title = l.name + '（' + l.line + '）';
        if (i === 3 && c) td.className = c;
        tr.appendChild(td);
      });
      html += tr.outerHTML;
    });
    if (body.innerHTML !== html) body.innerHTML = html;
  }
  function tickWait() {
    if (!last) return;
    var since = last.queue.oldestSince;
    set('longest-wait', since === null ? '00:00' : mmss((Date.now() - skew - since) / 1000));
  }
  setInterval(function () {
    set('clock', new Date().toLocaleString('zh-CN', { hour12: false, timeZone: '${BEIJING_TIME_ZONE}' }));
    tickWait();
  }, 500);
  var es = null;
  function connect() {
    es = new EventSource('/wallboard/events?ticket=' + encodeURIComponent(ticket));
    es.addEventListener('snapshot', function (e) { $('offline').style.display = 'none'; render(JSON.parse(e.data)); });
    es.addEventListener('ticket', function (e) {
      ticket = JSON.parse(e.data).ticket;
      history.replaceState(null, '', location.pathname + '?ticket=' + encodeURIComponent(ticket));
    });
    es.onerror = function () {
      $('offline').style.display = 'block';
      es.close();
      setTimeout(connect, 2000);
    };
  }
  connect();
})();
</script>
${trendsScripts()}
</body>
</html>`;
}
