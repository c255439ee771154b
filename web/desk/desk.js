// The desk's script (bundled by esbuild with uPlot into /admin/static/desk.js): the
// live parts of the pages. Every page and form works without it; it only adds the
// charts (drawn from a JSON route; the page holds the same figures as a table) and
// progress bars that follow sending issues without a reload, and the live preview of
// an issue as it is composed. It writes text only
// through textContent, never HTML.
import uPlot from "uplot";

const COLORS = ["#0b5394", "#1a7f37", "#b3261e", "#8250df"];

// The session's CSRF token, for fetches that change something (X-CSRF-Token).
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

async function getJson(url) {
  const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (r.status === 401) {
    window.location.assign("/admin/login?next=" + encodeURIComponent(location.pathname));
    return null;
  }
  return r.ok ? r.json() : null;
}

// .chart[data-src]: {"days":[unix seconds…], "series":[{"label","values":[…]}]}.
async function drawChart(el) {
  const data = await getJson(el.dataset.src);
  if (!data) return;
  const height = 240;
  const opts = {
    width: Math.max(el.clientWidth, 200),
    height,
    scales: { x: { time: true } },
    series: [{}, ...data.series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 2 }))],
  };
  el.textContent = "";
  const plot = new uPlot(opts, [data.days, ...data.series.map((s) => s.values)], el);
  new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 200), height })).observe(el);
  el.dataset.drawn = "true";
}

function duration(seconds) {
  if (seconds == null || !isFinite(seconds)) return "";
  seconds = Math.round(seconds);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

export function figures(issue) {
  const parts = [`${issue.sent.toLocaleString("en")} of ${issue.total.toLocaleString("en")} sent`];
  if (issue.failed) parts.push(`${issue.failed.toLocaleString("en")} failed`);
  if (issue.rate != null) parts.push(`${issue.rate.toFixed(1)} per second`);
  if (issue.seconds_left != null) parts.push(`${duration(issue.seconds_left)} left`);
  if (issue.status !== "sending") parts.push(issue.status);
  return parts.join(" · ");
}

function progressItem(list, issue) {
  let li = list.querySelector(`li[data-issue="${issue.id}"]`);
  if (!li) {
    li = document.createElement("li");
    li.dataset.issue = String(issue.id);
    const title = document.createElement("a");
    title.href = `/admin/issues/${issue.id}`;
    title.className = "title";
    const bar = document.createElement("progress");
    const text = document.createElement("div");
    text.className = "figures";
    li.append(title, bar, text);
    list.append(li);
    list.parentElement.querySelector(".none")?.remove();
  }
  li.querySelector(".title").textContent = `${issue.subject} (${issue.newsletter})`;
  const bar = li.querySelector("progress");
  bar.max = Math.max(issue.total, 1);
  bar.value = issue.sent + issue.failed;
  bar.setAttribute("aria-label", `${issue.subject}: ${issue.sent} of ${issue.total} sent`);
  li.querySelector(".figures").textContent = figures(issue);
}

// ul[data-progress]: polls the JSON route once a second while the page is shown.
function followProgress(list) {
  const tick = async () => {
    if (!document.hidden) {
      const data = await getJson(list.dataset.progress).catch(() => null);
      if (data) {
        const live = new Set(data.issues.map((i) => String(i.id)));
        for (const issue of data.issues) progressItem(list, issue);
        for (const li of list.querySelectorAll("li[data-issue]")) {
          if (!live.has(li.dataset.issue) && !li.classList.contains("done")) {
            li.classList.add("done");
            const bar = li.querySelector("progress");
            if (bar) bar.value = bar.max;
            li.querySelector(".figures").textContent += " · finished";
          }
        }
        list.dataset.updated = String(Date.now());
      }
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
}

// form[data-preview]: as the editor types, the fields are posted (debounced) to the
// preview route, which renders the email as readers will get it; the iframes load its
// HTML (sandboxed, from the server: the desk's policy forbids inline styles here) and
// the text part is shown as text. Without the script, the form's Preview button does
// the same on the server.
function livePreview(form) {
  const panel = document.querySelector("[data-live-preview]");
  if (!panel) return;
  const frames = panel.querySelectorAll("iframe");
  const error = panel.querySelector(".preview-error");
  let timer = null;
  let sent = 0;
  const render = async () => {
    const field = (name) => (form.elements[name] ? form.elements[name].value : "");
    const body = {
      newsletter: field("newsletter"),
      subject: field("subject"),
      preheader: field("preheader"),
      body_markdown: field("body_markdown"),
      sponsor: field("sponsor") === "" ? null : field("sponsor"),
    };
    if (!body.newsletter || !body.body_markdown) return;
    const mine = ++sent;
    const r = await fetch(form.dataset.preview, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(body),
    });
    if (mine !== sent) return; // a newer preview is on its way
    if (r.status === 401) {
      window.location.assign("/admin/login?next=" + encodeURIComponent(location.pathname));
      return;
    }
    const data = await r.json().catch(() => null);
    if (!r.ok || !data) {
      error.textContent = data && data.error ? data.error.message : "The preview cannot be made now.";
      error.hidden = false;
      panel.dataset.state = "error";
      return;
    }
    error.hidden = true;
    panel.querySelector(".preview-none")?.remove();
    for (const frame of frames) frame.src = data.frame;
    panel.querySelector(".text-part").textContent = data.text;
    const meta = panel.querySelector(".preview-meta");
    meta.textContent = "";
    const p = document.createElement("p");
    const subject = document.createElement("strong");
    subject.className = "preview-subject";
    subject.textContent = data.subject;
    const who = document.createElement("span");
    who.className = "muted";
    who.textContent = `From ${data.from} to ${data.to}`;
    p.append(subject, document.createElement("br"), who);
    meta.append(p);
    const fields = document.querySelector(".merge-fields");
    if (fields && !fields.children.length) {
      for (const name of data.merge_fields) {
        const code = document.createElement("code");
        code.textContent = `{{${name}}}`;
        fields.append(code, " ");
      }
    }
    panel.dataset.state = "shown";
    panel.dataset.updated = String(Date.now());
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(() => render().catch(() => {}), 400);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  // The page came with the server's preview of what the form holds: nothing to do yet.
}

function start() {
  for (const el of document.querySelectorAll(".chart[data-src]")) drawChart(el).catch(() => {});
  for (const list of document.querySelectorAll("[data-progress]")) followProgress(list);
  for (const form of document.querySelectorAll("form[data-preview]")) livePreview(form);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();

// form[data-import]: sends the chosen file as text/csv with the form's other fields as
// the query (empty ones left out), then follows the job until it ends, moving the bar.
const REPORT_LABELS = [
  ["rows", "Rows read"], ["new_readers", "New readers"], ["subscriptions_added", "Subscriptions added"],
  ["duplicates_skipped", "Duplicates skipped"], ["suppressed_skipped", "Suppressed, skipped"],
  ["rejected", "Rows rejected"], ["confirmations_queued", "Confirmation emails queued"],
];

export function importQuery(form) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (name === "file" || name === "csrf_token" || typeof value !== "string" || value === "") continue;
    params.append(name, value);
  }
  return params.toString();
}

function followImport(form) {
  const panel = document.querySelector(".import-progress");
  const bar = panel.querySelector("progress");
  const text = panel.querySelector(".figures");
  const error = panel.querySelector(".import-error");
  const report = panel.querySelector(".import-report");
  const errors = panel.querySelector(".import-errors");
  const fail = (message) => {
    error.textContent = message;
    error.hidden = false;
    form.querySelector("button").disabled = false;
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.querySelector('input[type="file"]').files[0];
    if (!file) return;
    panel.hidden = false;
    error.hidden = true;
    report.hidden = true;
    errors.hidden = true;
    bar.value = 0;
    text.textContent = `Sending ${file.name}…`;
    form.querySelector("button").disabled = true;
    const r = await fetch(`/admin/api/imports?${importQuery(form)}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "text/csv", "X-CSRF-Token": csrfToken(), Accept: "application/json" },
      body: file,
    }).catch(() => null);
    const started = r ? await r.json().catch(() => null) : null;
    if (!r || r.status !== 202 || !started) {
      fail(started?.error?.message ?? "The file could not be sent. Please try again.");
      return;
    }
    const tick = async () => {
      const job = await getJson(`/admin/api/imports/${started.id}`).catch(() => null);
      if (job) {
        bar.value = job.progress;
        text.textContent = `${job.status}: ${job.rows_read.toLocaleString("en")} rows read, ${job.rejected.toLocaleString("en")} rejected`;
        if (job.status === "failed") return fail(job.error ?? "The import failed.");
        if (job.status === "done") {
          bar.value = 1;
          report.textContent = "";
          for (const [key, label] of REPORT_LABELS) {
            if (job.report?.[key] == null) continue;
            const dt = document.createElement("dt");
            dt.textContent = label;
            const dd = document.createElement("dd");
            dd.textContent = String(job.report[key]);
            report.append(dt, dd);
          }
          report.hidden = false;
          if (job.rejected > 0) {
            errors.href = `/admin/imports/${job.id}/errors.csv`;
            errors.hidden = false;
          }
          form.querySelector("button").disabled = false;
          panel.dataset.done = "true";
          return;
        }
      }
      setTimeout(tick, 300);
    };
    tick();
  });
}

for (const form of document.querySelectorAll("form[data-import]")) followImport(form);
