/// The single web page served at `/`: HTML, CSS and JavaScript inline, fetching nothing
/// but this server's own API, so it works on a machine with no other network.
///
/// Left: the plate grid (wells tinted by MoA, bad wells struck through) and the UMAP map.
/// Right: the selected well's MoA vote and its nearest neighbours with server-rendered
/// thumbnails, a filter box (ItemFilter syntax, e.g. `!tag:bad`), and a "mark bad" button.
/// A new site can be asked about by image: a file picker (or drop onto it) takes one
/// multi-page TIFF or one file per channel, posts them to `/api/search/image`, and shows the
/// cells found, the MoA vote with the novelty flag and the neighbours the same way.
enum WebPage {
    static let html = #"""
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Phenoscope search</title>
<style>
*{box-sizing:border-box}
body{font:14px system-ui,sans-serif;margin:0;background:#f6f7f9;color:#222}
header{background:#1d3557;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center}
header h1{font-size:18px;margin:0} header .sp{flex:1} header input{width:140px}
main{display:flex;gap:16px;padding:12px 16px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px}
#left{width:560px} #right{flex:1;min-width:420px}
#grid{display:grid;gap:2px;margin:8px 0}
.well{width:100%;aspect-ratio:1;border-radius:50%;border:1px solid #999;cursor:pointer;font-size:8px;display:flex;align-items:center;justify-content:center;color:#0008}
.well.empty{background:#eee;cursor:default;border-color:#ddd} .well.sel{outline:3px solid #e63946}
.well.bad{background-image:linear-gradient(45deg,transparent 45%,#000 45%,#000 55%,transparent 55%)}
#map{width:100%;height:340px;border:1px solid #ddd;background:#fcfcfc}
#neighbours{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
.nb{border:1px solid #ddd;border-radius:4px;padding:4px;font-size:12px;background:#fafafa}
.nb img{width:100%;aspect-ratio:1;object-fit:cover;background:#000;display:block}
.muted{color:#777} .err{color:#b00020} button{cursor:pointer}
#vote b{font-size:16px} .row{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin:6px 0}
#drop{border:2px dashed #99a;border-radius:6px;padding:8px;margin:6px 0;background:#fafbff} #drop.over{background:#e8f0ff}
</style></head>
<body>
<header><h1>Phenoscope search</h1><span id="health" class="muted"></span><span class="sp"></span>
<label>API key <input id="key" type="password" placeholder="for writes"></label></header>
<main>
<section id="left">
  <div class="row"><label>Plate <select id="plate"></select></label><span id="legend" class="muted"></span></div>
  <div id="grid"></div>
  <div class="muted">UMAP of all items; ringed: the query, red: its neighbours</div>
  <canvas id="map" width="540" height="340"></canvas>
</section>
<section id="right">
  <div class="row"><label>Filter <input id="filter" size="40" value="!tag:bad" placeholder="e.g. Metadata_Compound!=$query and !tag:bad"></label>
  <label>k <input id="k" type="number" value="8" min="1" max="100" style="width:50px"></label>
  <button id="go">Search</button></div>
  <div id="drop">Query by image: <input id="upload" type="file" multiple accept=".tif,.tiff,.png,image/png,image/tiff">
  <span class="muted">one multi-page TIFF, or one file per channel named after it; or drop the files here</span></div>
  <h3 id="title">Click a well</h3>
  <div id="vote"></div>
  <div class="row"><button id="bad" disabled>Mark well bad</button><span id="status" class="muted"></span></div>
  <div id="neighbours"></div>
</section>
</main>
<script>
"use strict";
const $ = id => document.getElementById(id);
let plates = [], umap = null, selected = null, neighbourIds = [];
$("key").value = localStorage.getItem("phenoscopeKey") || "";
$("key").onchange = () => localStorage.setItem("phenoscopeKey", $("key").value);
async function api(path, body, method) {
  const headers = {"Content-Type": "application/json"};
  if ($("key").value) headers["X-API-Key"] = $("key").value;
  const r = await fetch(path, {method: method || (body ? "POST" : "GET"), headers, body: body ? JSON.stringify(body) : undefined});
  const j = await r.json();
  if (!r.ok) throw new Error(j.error || r.statusText);
  return j;
}
function colour(label) {
  let h = 0; for (const c of label || "") h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return label ? `hsl(${h % 360},65%,62%)` : "#ccc";
}
function esc(s) { return String(s).replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c])); }
function drawGrid() {
  const p = plates.find(p => p.plate === $("plate").value); if (!p) return;
  const g = $("grid"); g.innerHTML = ""; g.style.gridTemplateColumns = `repeat(${p.columns},1fr)`;
  const byPos = {}; for (const w of p.wells) byPos[w.row * 1000 + w.column] = w;
  for (let r = 0; r < p.rows; r++) for (let c = 0; c < p.columns; c++) {
    const w = byPos[r * 1000 + c], d = document.createElement("div");
    d.className = "well" + (w ? "" : " empty") + (w && w.bad ? " bad" : "");
    if (w) {
      d.style.background = colour(w.moa); d.title = `${w.well} ${w.compound} ${w.moa}`; d.dataset.well = w.well;
      if (selected && selected.plate === p.plate && selected.well === w.well) d.classList.add("sel");
      d.onclick = () => select(p.plate, w);
    }
    g.appendChild(d);
  }
  const moas = [...new Set(p.wells.map(w => w.moa))].filter(x => x);
  $("legend").innerHTML = moas.map(m => `<span style="color:${colour(m)}">&#9679;</span>${esc(m)}`).join(" ");
}
function drawMap() {
  const cv = $("map"), ctx = cv.getContext("2d"); ctx.clearRect(0, 0, cv.width, cv.height);
  if (!umap || !umap.ids.length) { ctx.fillText("no map", 10, 20); return; }
  const xs = umap.x, ys = umap.y, pad = 12;
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const px = x => pad + (x - x0) / ((x1 - x0) || 1) * (cv.width - 2 * pad);
  const py = y => cv.height - pad - (y - y0) / ((y1 - y0) || 1) * (cv.height - 2 * pad);
  const pos = {};
  umap.ids.forEach((id, i) => { pos[id] = [px(xs[i]), py(ys[i])]; ctx.fillStyle = colour(umap.labels[i]);
    ctx.beginPath(); ctx.arc(pos[id][0], pos[id][1], 3, 0, 7); ctx.fill(); });
  ctx.fillStyle = "#e63946";
  for (const id of neighbourIds) if (pos[id]) { ctx.beginPath(); ctx.arc(pos[id][0], pos[id][1], 4.5, 0, 7); ctx.fill(); }
  if (selected) for (const id of selected.items) if (pos[id]) {
    ctx.strokeStyle = "#000"; ctx.lineWidth = 2.5; ctx.beginPath(); ctx.arc(pos[id][0], pos[id][1], 9, 0, 7); ctx.stroke(); }
}
async function select(plate, w) {
  selected = {plate, well: w.well, items: w.items}; drawGrid();
  $("title").textContent = `${plate} ${w.well}: ${w.compound} (${w.moa || "no MoA"})`;
  $("bad").disabled = false; await search();
}
function show(results, vote) {
  neighbourIds = results.map(r => r.id);
  $("vote").innerHTML = !vote ? "" : `MoA vote: <b>${esc(vote.label || "none")}</b> confidence ${vote.confidence.toFixed(2)}`
    + (vote.novel ? ' <b class="err">novel</b>' : "") + ` <span class="muted">best similarity ${vote.best_similarity == null ? "-" : vote.best_similarity.toFixed(3)}`
    + `, novelty threshold ${vote.novelty_threshold == null ? "-" : vote.novelty_threshold.toFixed(3)}</span>`;
  $("neighbours").innerHTML = results.map(r => {
    const f = r.fields, q = `plate=${encodeURIComponent(f.Metadata_Plate || "")}&well=${encodeURIComponent(f.Metadata_Well || "")}`
      + (f.Metadata_Site ? `&site=${encodeURIComponent(f.Metadata_Site)}` : "");
    return `<div class="nb" data-id="${r.id}" data-well="${esc(f.Metadata_Well || "")}" data-score="${r.score.toFixed(4)}"><img alt="" src="/api/thumbnail?${q}" onerror="this.style.visibility='hidden'">`
      + `<div><b>${r.score.toFixed(3)}</b> #${r.id} ${esc(f.Metadata_Plate || "")} ${esc(f.Metadata_Well || "")}</div>`
      + `<div>${esc(f.Metadata_Compound || "")}</div><div class="muted">${esc(f.Metadata_MoA || "")} ${esc(r.tags.join(" "))}</div></div>`;
  }).join("");
  $("status").textContent = `${results.length} neighbours`;
}
async function searchImage(files) {
  if (!files.length) return;
  selected = null; drawGrid(); $("bad").disabled = true;
  $("title").textContent = `Uploaded: ${[...files].map(f => f.name).join(", ")}`;
  $("status").textContent = "profiling the site"; $("neighbours").innerHTML = ""; $("vote").innerHTML = "";
  const form = new FormData();
  for (const f of files) form.append(f.name, f, f.name);
  const k = parseInt($("k").value) || 8, filter = $("filter").value;
  const headers = {}; if ($("key").value) headers["X-API-Key"] = $("key").value;
  try {
    const r = await fetch(`/api/search/image?k=${k}&filter=${encodeURIComponent(filter)}`, {method: "POST", headers, body: form});
    const j = await r.json();
    if (!r.ok) throw new Error(j.error || r.statusText);
    $("title").textContent += ` — ${j.cells} cells` + (j.plate ? `, normalized against plate ${j.plate}` : "");
    show(j.results, j.moa);
  } catch (e) { $("status").innerHTML = `<span class="err">${esc(e.message)}</span>`; }
  drawMap();
}
$("upload").onchange = () => searchImage($("upload").files);
$("drop").ondragover = e => { e.preventDefault(); $("drop").classList.add("over"); };
$("drop").ondragleave = () => $("drop").classList.remove("over");
$("drop").ondrop = e => { e.preventDefault(); $("drop").classList.remove("over"); searchImage(e.dataTransfer.files); };
async function search() {
  if (!selected) return;
  const id = selected.items[0], k = parseInt($("k").value) || 8, filter = $("filter").value;
  $("status").textContent = "searching"; $("neighbours").innerHTML = "";
  try {
    const [res, vote] = await Promise.all([api("/api/search", {id, k, filter}), api("/api/moa", {id, k, filter})]);
    show(res.results, vote);
  } catch (e) { $("status").innerHTML = `<span class="err">${esc(e.message)}</span>`; }
  drawMap();
}
$("go").onclick = search;
$("filter").onkeydown = e => { if (e.key === "Enter") search(); };
$("plate").onchange = drawGrid;
$("bad").onclick = async () => {
  if (!selected) return;
  try {
    const r = await api("/api/flags", {plate: selected.plate, well: selected.well, defect: "manual"});
    $("status").textContent = `flagged ${r.sites.length} site(s), tagged ${r.tagged_items.length} item(s) bad`;
    await loadPlates();
  } catch (e) { $("status").innerHTML = `<span class="err">${esc(e.message)}</span>`; }
};
async function loadPlates() {
  plates = (await api("/api/plates")).plates;
  const cur = $("plate").value;
  $("plate").innerHTML = plates.map(p => `<option>${esc(p.plate)}</option>`).join("");
  if (cur) $("plate").value = cur;
  drawGrid();
}
(async () => {
  try {
    const h = await api("/health");
    $("health").textContent = `${h.items} items, ${h.dimension}-d, ${h.kind}, ${h.metric}`;
    await loadPlates();
    umap = await api("/api/umap"); drawMap();
    const p = plates[0];
    // #query-site=PLATE/WELL/SITE sends that site of the screen through the upload path, as
    // if its files were picked (how the headless browser check exercises query by image).
    const m = location.hash.match(/^#query-site=([^/]+)\/([^/]+)\/?([0-9]*)$/);
    if (m) {
      const [plate, well, site] = m.slice(1).map(decodeURIComponent);
      const r = await fetch(`/api/site-images?plate=${encodeURIComponent(plate)}&well=${encodeURIComponent(well)}` + (site ? `&site=${site}` : ""));
      if (!r.ok) throw new Error((await r.json()).error || r.statusText);
      await searchImage([new File([await r.blob()], `${plate}_${well}_s${site || 1}.tif`, {type: "image/tiff"})]);
    } else if (p && p.wells.length) await select(p.plate, p.wells.find(w => w.moa && w.compound !== "DMSO") || p.wells[0]);
  } catch (e) { $("status").innerHTML = `<span class="err">${esc(e.message)}</span>`; }
})();
</script>
</body></html>
"""#
}
