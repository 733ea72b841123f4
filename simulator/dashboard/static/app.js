// The Paigo simulator dashboard: plain JavaScript over the simulator's own JSON API.
// Every read and write goes through Paigo's routes (with a bearer token from /dashboard/session)
// or the /_simulator/ routes (with the admin token when one is set); the page holds no state of
// its own beyond what it last fetched.
"use strict";

const ADMIN_TOKEN_KEY = "paigoSimulatorAdminToken";
const POLL_MS = 1000;
const UNITS = [
  ["data", "gigabyte", "Gigabyte (Data)"],
  ["data", "megabyte", "Megabyte (Data)"],
  ["data", "kilobyte", "Kilobyte (Data)"],
  ["data", "byte", "Byte (Data)"],
  ["time", "hour", "Hour (Time)"],
  ["time", "minute", "Minute (Time)"],
  ["time", "second", "Second (Time)"],
  ["count", "count-based", "Count"],
];
const session = { token: null, adminToken: sessionStorage.getItem(ADMIN_TOKEN_KEY) };
let stopPolling = () => {};

// ------------------------------------------------------------------ DOM helpers

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function show(...nodes) {
  const main = document.getElementById("main");
  main.replaceChildren(...nodes);
}

function flash(message, kind) {
  const box = document.getElementById("flash");
  box.textContent = message;
  box.className = "flash " + (kind || "ok");
  box.hidden = false;
}

function clearFlash() {
  document.getElementById("flash").hidden = true;
}

function table(columns, rows, options) {
  const head = h("tr", {}, columns.map((c) => h("th", { className: c.num ? "num" : null }, c.title)));
  const body = rows.map((row) => {
    const tr = h("tr", { className: options && options.onclick ? "link" : null, "data-id": options && options.id ? options.id(row) : null },
      columns.map((c) => h("td", { className: c.num ? "num" : null }, c.value(row))));
    if (options && options.onclick) tr.addEventListener("click", () => options.onclick(row));
    return tr;
  });
  if (!rows.length) body.push(h("tr", {}, h("td", { colspan: columns.length, className: "muted" }, (options && options.empty) || "Nothing yet.")));
  return h("table", { id: options && options.tableId }, h("thead", {}, head), h("tbody", {}, body));
}

function field(label, input) {
  return [h("label", { for: input.id }, label), input];
}

function formatTime(text) {
  if (!text) return "";
  return String(text).replace("T", " ").replace(/\.\d+Z$/, "Z").replace("Z", " UTC");
}

// ------------------------------------------------------------------ talking to the simulator

class ApiError extends Error {
  constructor(status, messages) {
    super(messages.join("; "));
    this.status = status;
    this.messages = messages;
  }
}

async function openSession() {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (session.adminToken) headers["X-Simulator-Admin-Token"] = session.adminToken;
  const reply = await fetch("/dashboard/session", { method: "POST", headers, body: "{}", credentials: "same-origin" });
  if (reply.status === 401) throw new ApiError(401, ["the admin token is required"]);
  if (!reply.ok) throw new ApiError(reply.status, ["cannot open a dashboard session"]);
  session.token = (await reply.json()).accessToken;
}

async function api(method, path, body, retried) {
  if (!session.token) await openSession();
  const headers = { Accept: "application/json", Authorization: "Bearer " + session.token };
  if (path.startsWith("/_simulator/") && session.adminToken) {
    headers["X-Simulator-Admin-Token"] = session.adminToken;
  }
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = toJson(body);
  }
  const reply = await fetch(path, init);
  const text = await reply.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = text; }
  if (reply.status === 401 && !retried && !path.startsWith("/_simulator/")) {
    session.token = null; // the token expired (for example after the clock moved): open a new one
    return api(method, path, body, true);
  }
  if (!reply.ok) {
    const message = data && data.message !== undefined ? data.message : reply.statusText;
    throw new ApiError(reply.status, Array.isArray(message) ? message.map(String) : [String(message)]);
  }
  return data;
}

// A decimal typed into a form, sent as a JSON number with exactly the digits typed (never through
// a JavaScript float, which would change amounts such as 0.1 + 0.2).
class JsonDecimal {
  constructor(text) {
    const trimmed = String(text).trim();
    if (!/^-?\d+(\.\d+)?$/.test(trimmed)) throw new ApiError(400, ["not a decimal number: " + JSON.stringify(text)]);
    this.text = trimmed;
  }
  toJSON() {
    return "\u0000" + this.text + "\u0000";
  }
}

function toJson(body) {
  return JSON.stringify(body).replace(/"\\u0000(-?[0-9.]+)\\u0000"/g, "$1");
}

function dataOf(reply) {
  if (reply && Array.isArray(reply.data)) return reply.data;
  if (Array.isArray(reply)) return reply;
  return reply && reply.data ? [reply.data] : [];
}

async function simulatorNow() {
  const clock = await api("GET", "/_simulator/clock");
  return { now: new Date(clock.now), manual: clock.manual };
}

// ------------------------------------------------------------------ pages

const pages = {
  dimensions: dimensionsPage,
  offerings: offeringsPage,
  customers: customersPage,
  customer: customerPage,
  clock: clockPage,
  webhooks: webhooksPage,
  rejected: rejectedPage,
};

async function route() {
  stopPolling();
  stopPolling = () => {};
  const [name, id] = (location.hash.replace(/^#\/?/, "") || "customers").split("/");
  for (const link of document.querySelectorAll("#nav a")) {
    link.classList.toggle("active", link.dataset.tab === name || (name === "customer" && link.dataset.tab === "customers"));
  }
  const page = pages[name] || customersPage;
  try {
    await page(id ? decodeURIComponent(id) : undefined);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return adminTokenPage();
    if (error instanceof ApiError && error.status === 404 && !id) {
      show(h("div", { className: "card" }, "The simulator's admin routes are disabled; the dashboard needs them."));
      return;
    }
    flash(error.message, "error");
  }
}

function adminTokenPage() {
  const input = h("input", { id: "admin-token", type: "password", autocomplete: "off" });
  const form = h("form", { className: "grid", id: "admin-token-form" },
    field("Admin token", input),
    h("div", { className: "full" }, h("button", { type: "submit" }, "Continue")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    session.adminToken = input.value;
    sessionStorage.setItem(ADMIN_TOKEN_KEY, input.value);
    session.token = null;
    clearFlash();
    route();
  });
  show(h("div", { className: "card" },
    h("h2", {}, "This simulator requires its admin token"),
    h("p", { className: "muted" }, "It was set with --admin-token or PAIGO_SIMULATOR_ADMIN_TOKEN."),
    session.adminToken ? h("p", { id: "admin-token-refused", className: "flash error" }, "That admin token was refused.") : null,
    form));
}

// --- dimensions

async function dimensionsPage() {
  const dimensions = dataOf(await api("GET", "/dimensions"));
  const list = h("div", { className: "card" },
    h("h1", {}, "Dimensions", h("button", { id: "new-dimension", onclick: () => dimensionForm() }, "New Dimension")),
    table([
      { title: "Name", value: (d) => d.dimensionName },
      { title: "Dimension ID", value: (d) => h("code", {}, d.dimensionId) },
      { title: "Unit", value: (d) => d.consumptionUnit ? d.consumptionUnit.unit : "" },
      { title: "Price", num: true, value: (d) => d.consumptionPrice !== undefined ? "$" + d.consumptionPrice : "" },
      { title: "Aggregation", value: (d) => (d.aggregationMethod || "") + " per " + (d.aggregationInterval || "") },
    ], dimensions, { tableId: "dimensions-table", id: (d) => d.dimensionId, empty: "No dimensions yet." }));
  show(list);
}

function dimensionForm() {
  const name = h("input", { id: "dimension-name", required: true, placeholder: "Data Processed" });
  const measurement = h("select", { id: "usage-measurement" }, h("option", { value: "api" }, "Skip / API-based Measurement"));
  const unit = h("select", { id: "consumption-unit" }, UNITS.map(([type, u, label]) => h("option", { value: type + "/" + u }, label)));
  const price = h("input", { id: "consumption-price", inputmode: "decimal", placeholder: "0.08" });
  const increment = h("input", { id: "usage-increment", value: "1", inputmode: "decimal" });
  const rounding = h("select", { id: "rounding" }, ["ceiling", "round", "floor"].map((r) => h("option", { value: r }, r)));
  const method = h("select", { id: "aggregation-method" }, ["sum", "max", "min", "count", "average", "last"].map((m) => h("option", { value: m }, m)));
  const interval = h("select", { id: "aggregation-interval" }, ["hour", "day", "month", "none"].map((m) => h("option", { value: m }, m)));
  const form = h("form", { className: "grid", id: "dimension-form" },
    field("Dimension Name", name), field("Usage Measurement", measurement), field("Consumption Unit", unit),
    field("Consumption Price ($)", price), field("Usage Increment", increment), field("Rounding", rounding),
    field("Aggregation Method", method), field("Aggregation Interval", interval),
    h("div", { className: "full row" }, h("button", { type: "submit", id: "submit-dimension" }, "Submit"),
      h("button", { type: "button", className: "secondary", onclick: () => route() }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const [type, unitName] = unit.value.split("/");
    const body = {
      dimensionName: name.value, consumptionUnit: { type, unit: unitName }, usageIncrement: increment.value,
      rounding: rounding.value, aggregationMethod: method.value, aggregationInterval: interval.value,
    };
    if (price.value) body.consumptionPrice = price.value;
    await submit(() => api("POST", "/dimensions", body), "Dimension created", "#/dimensions");
  });
  show(h("div", { className: "card" }, h("h1", {}, "New Dimension"), form));
}

async function submit(action, message, next) {
  try {
    await action();
    flash(message, "ok");
    if (location.hash === next) route(); else location.hash = next;
  } catch (error) {
    flash(error.message, "error");
  }
}

// --- offerings

async function offeringsPage() {
  const offerings = dataOf(await api("GET", "/offerings"));
  show(h("div", { className: "card" },
    h("h1", {}, "Offerings", h("button", { id: "new-offering", onclick: () => offeringForm() }, "New Offering")),
    table([
      { title: "Name", value: (o) => o.offeringName },
      { title: "Offering ID", value: (o) => h("code", {}, o.offeringId) },
      { title: "Dimensions", value: (o) => (o.dimensions || []).map((d) => d.dimensionName).join(", ") },
      { title: "Billing cycle", value: (o) => o.billingCycle || "none" },
    ], offerings, { tableId: "offerings-table", id: (o) => o.offeringId, empty: "No offerings yet." })));
}

async function offeringForm() {
  const dimensions = dataOf(await api("GET", "/dimensions"));
  const name = h("input", { id: "offering-name", required: true, placeholder: "Pay-as-you-go" });
  const dimension = h("select", { id: "usage-dimension" }, dimensions.map((d) => h("option", { value: d.dimensionId }, d.dimensionName)));
  const cycle = h("select", { id: "billing-cycle" }, h("option", { value: "monthly" }, "monthly"), h("option", { value: "" }, "none"));
  const form = h("form", { className: "grid", id: "offering-form" },
    field("Offering Name", name), field("Usage Dimension", dimension), field("Billing Cycle", cycle),
    h("div", { className: "full row" }, h("button", { type: "submit", id: "submit-offering" }, "Submit"),
      h("button", { type: "button", className: "secondary", onclick: () => route() }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { offeringName: name.value, dimensionIds: dimension.value ? [dimension.value] : [], billingCycle: cycle.value };
    await submit(() => api("POST", "/offerings", body), "Offering created", "#/offerings");
  });
  show(h("div", { className: "card" }, h("h1", {}, "New Offering"), form));
}

// --- customers

async function customersPage() {
  const customers = dataOf(await api("GET", "/customers"));
  show(h("div", { className: "card" },
    h("h1", {}, "Customers", h("button", { id: "new-customer", onclick: () => customerForm() }, "New Customer")),
    table([
      { title: "Name", value: (c) => c.customerName },
      { title: "Email", value: (c) => c.email },
      { title: "Customer ID", value: (c) => h("code", {}, c.customerId) },
      { title: "Offering", value: (c) => (c.offering && c.offering.offeringName) || "" },
    ], customers, {
      tableId: "customers-table", id: (c) => c.customerId, empty: "No customers yet.",
      onclick: (c) => { location.hash = "#/customer/" + encodeURIComponent(c.customerId); },
    })));
}

async function customerForm() {
  const offerings = dataOf(await api("GET", "/offerings"));
  const name = h("input", { id: "customer-name", required: true, placeholder: "Dumm AI Corp" });
  const email = h("input", { id: "customer-email", type: "email", required: true, placeholder: "billing@example.com" });
  const channel = h("select", { id: "payment-channel" }, h("option", { value: "Stripe" }, "Stripe"), h("option", { value: "manual" }, "manual"));
  const stripe = h("input", { id: "stripe-account", placeholder: "acct_1MV2hfFMNNPXLiB" });
  const offering = h("select", { id: "customer-offering" }, h("option", { value: "" }, "(none)"),
    offerings.map((o) => h("option", { value: o.offeringId }, o.offeringName)));
  if (offerings.length) offering.value = offerings[offerings.length - 1].offeringId;
  const form = h("form", { className: "grid", id: "customer-form" },
    field("Customer Name", name), field("Email", email), field("Payment Channel", channel),
    field("Stripe Payment Account ID", stripe), field("Offering", offering),
    h("div", { className: "full row" }, h("button", { type: "submit", id: "submit-customer" }, "Submit"),
      h("button", { type: "button", className: "secondary", onclick: () => route() }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { customerName: name.value, email: email.value, paymentChannel: channel.value };
    if (stripe.value) body.paymentChannelOptions = { stripeCustomerId: stripe.value };
    if (offering.value) body.offeringId = offering.value;
    await submit(() => api("POST", "/customers", body), "Customer created", "#/customers");
  });
  show(h("div", { className: "card" }, h("h1", {}, "New Customer"), form));
}

async function customerPage(customerId) {
  const [customer] = dataOf(await api("GET", "/customers/" + encodeURIComponent(customerId)));
  const dimensions = dataOf(await api("GET", "/dimensions"));
  const names = Object.fromEntries(dimensions.map((d) => [d.dimensionId, d.dimensionName]));
  const offered = ((customer.offering && customer.offering.dimensions) || []).map((d) => d.dimensionId);
  const info = h("div", { className: "card", id: "customer-info" },
    h("h1", {}, customer.customerName),
    h("div", { className: "facts" },
      h("span", {}, "Customer ID"), h("code", { id: "customer-id" }, customer.customerId),
      h("span", {}, "Email"), h("span", {}, customer.email || ""),
      h("span", {}, "Payment channel"), h("span", {}, customer.paymentChannel || ""),
      h("span", {}, "Offering"), h("span", {}, (customer.offering && customer.offering.offeringName) || "(none)")));
  const monitor = usageMonitoring(customer, names, offered.length ? offered : Object.keys(names));
  const usageData = usageDataWidget(customer, names);
  const invoices = invoiceWidget(customer);
  show(info, monitor, usageData.card, invoices);
  usageData.view();
}

// --- usage monitoring and record usage

function usageMonitoring(customer, names, dimensionIds) {
  const count = h("span", { id: "monitor-count" }, "0");
  const last = h("span", { id: "monitor-last" }, "");
  const chart = svg("svg", { class: "chart", id: "monitor-chart", viewBox: "0 0 600 180", preserveAspectRatio: "none" });
  const recent = h("div", { id: "monitor-recent" });
  const formBox = h("div", { id: "record-usage-box" });
  const card = h("div", { className: "card", id: "usage-monitoring" },
    h("h2", {}, "Usage Monitoring", h("span", { className: "live" }, "live"),
      h("button", { id: "record-usage", onclick: () => formBox.replaceChildren(recordUsageForm(customer, names, dimensionIds, formBox)) }, "Record Usage")),
    h("p", {}, "Records this billing period: ", count, " ", last),
    chart, recent, formBox);
  let timer = null;
  let stopped = false;
  const poll = async () => {
    try {
      const reply = await api("GET", "/customers/" + encodeURIComponent(customer.customerId) + "/usage?aggregationInterval=none");
      const records = [];
      for (const series of dataOf(reply)) {
        for (const record of series.usage || []) records.push({ ...record, dimensionId: series.dimensionId });
      }
      records.sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)));
      count.textContent = String(records.length);
      const latest = records[records.length - 1];
      last.textContent = latest ? "(latest " + latest.recordValue + " at " + formatTime(latest.timestamp) + ")" : "";
      drawLine(chart, records.slice(-60).map((r) => Number(r.recordValue)));
      recent.replaceChildren(table([
        { title: "Dimension", value: (r) => names[r.dimensionId] || r.dimensionId },
        { title: "Timestamp", value: (r) => formatTime(r.timestamp) },
        { title: "Value", num: true, value: (r) => r.recordValue },
        { title: "Metadata", value: (r) => JSON.stringify(r.metadata || {}) },
      ], records.slice(-5).reverse(), { tableId: "monitor-table", empty: "No usage yet." }));
    } catch (error) {
      last.textContent = "(" + error.message + ")";
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };
  poll();
  stopPolling = () => { stopped = true; clearTimeout(timer); };
  return card;
}

function recordUsageForm(customer, names, dimensionIds, box) {
  const customerInput = h("input", { id: "record-customer-id", value: customer.customerId, readonly: true });
  const dimension = h("select", { id: "record-dimension-id" }, dimensionIds.map((id) => h("option", { value: id }, (names[id] || id) + " (" + id + ")")));
  const value = h("input", { id: "record-value", inputmode: "decimal", placeholder: "0.8", required: true });
  const timestamp = h("input", { id: "record-timestamp", placeholder: "now" });
  const metaKey = h("input", { id: "metadata-key", placeholder: "Foo" });
  const metaValue = h("input", { id: "metadata-value", placeholder: "Bar" });
  const metadata = {};
  const metaList = h("div", { id: "metadata-list", className: "mono" }, "{}");
  const snippet = h("pre", { id: "snippet" });
  const copied = h("span", { id: "copy-status", className: "muted" });
  let language = "curl";
  const tabs = h("div", { className: "tabs" }, ["curl", "Python", "Node"].map((name) =>
    h("button", { type: "button", "data-lang": name, className: name === language ? "active" : null, onclick: (event) => {
      language = name;
      for (const b of tabs.children) b.classList.toggle("active", b === event.target);
      refresh();
    } }, name)));
  const record = () => {
    const body = {
      timestamp: timestamp.value || new Date().toISOString(),
      customerId: customer.customerId,
      dimensionId: dimension.value,
      recordValue: value.value,
      metadata: { ...metadata },
    };
    return body;
  };
  const refresh = () => {
    metaList.textContent = JSON.stringify(metadata);
    snippet.textContent = codeSnippet(language, record());
  };
  simulatorNow().then(({ now }) => { timestamp.value = now.toISOString(); refresh(); }, () => {});
  for (const input of [value, timestamp, dimension]) input.addEventListener("input", refresh);
  const add = h("button", { type: "button", id: "add-metadata", className: "secondary", onclick: () => {
    if (!metaKey.value) return;
    metadata[metaKey.value] = metaValue.value;
    metaKey.value = "";
    metaValue.value = "";
    refresh();
  } }, "Add Metadata");
  const copy = h("button", { type: "button", id: "copy-snippet", className: "copy secondary", onclick: async () => {
    const text = snippet.textContent;
    try {
      await navigator.clipboard.writeText(text);
    } catch (_) {
      const area = h("textarea", {}, text);
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    copied.textContent = "Copied";
  } }, "Copy");
  const form = h("form", { className: "grid", id: "record-usage-form" },
    field("Customer ID", customerInput), field("Dimension ID", dimension), field("Record Value", value),
    field("Timestamp", timestamp), field("Record Metadata (Key)", metaKey), field("Record Metadata (Value)", metaValue),
    h("div", { className: "full row" }, add, h("span", {}, "Metadata: "), metaList),
    h("div", { className: "full" }, h("h2", {}, "Preview Record Code Snippet", copied), tabs,
      h("div", { className: "snippet" }, copy, snippet)),
    h("div", { className: "full row" }, h("button", { type: "submit", id: "submit-usage" }, "Submit"),
      h("button", { type: "button", className: "secondary", onclick: () => box.replaceChildren() }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/usage", record());
      flash("Usage record submitted", "ok");
      box.replaceChildren();
    } catch (error) {
      flash(error.message, "error");
    }
  });
  refresh();
  return form;
}

function codeSnippet(language, record) {
  const base = location.origin;
  const json = JSON.stringify(record, null, 2);
  if (language === "Python") {
    const meta = JSON.stringify(record.metadata);
    return [
      "# pip install paigo-sdk",
      "from datetime import datetime",
      "from decimal import Decimal",
      "",
      "from paigo_sdk import PaigoClient",
      "",
      "with PaigoClient(",
      '    api_url="' + base + '",',
      '    auth_url="' + base + '/oauth/token",',
      ") as client:  # credentials from PAIGO_CLIENT_ID and PAIGO_CLIENT_SECRET",
      "    client.usage.record(",
      '        customer_id="' + record.customerId + '",',
      '        dimension_id="' + record.dimensionId + '",',
      '        record_value=Decimal("' + record.recordValue + '"),',
      '        timestamp=datetime.fromisoformat("' + record.timestamp.replace("Z", "+00:00") + '"),',
      "        metadata=" + meta + ",",
      "    )",
    ].join("\n");
  }
  if (language === "Node") {
    return [
      "// Node 18+: fetch is built in",
      "const auth = await fetch(\"" + base + "/oauth/token\", {",
      "  method: \"POST\",",
      "  headers: { \"Content-Type\": \"application/json\" },",
      "  body: JSON.stringify({ grant_type: \"client_credentials\", client_id: process.env.PAIGO_CLIENT_ID, client_secret: process.env.PAIGO_CLIENT_SECRET }),",
      "});",
      "const { access_token } = await auth.json();",
      "const reply = await fetch(\"" + base + "/usage\", {",
      "  method: \"POST\",",
      "  headers: { \"Content-Type\": \"application/json\", Authorization: \"Bearer \" + access_token },",
      "  body: JSON.stringify(" + json.replace(/\n/g, "\n  ") + "),",
      "});",
      "console.log(await reply.text());",
    ].join("\n");
  }
  return [
    "TOKEN=$(curl -s -X POST " + base + "/oauth/token \\",
    "  -H 'Content-Type: application/json' \\",
    "  -d '{\"grant_type\": \"client_credentials\", \"client_id\": \"'$PAIGO_CLIENT_ID'\", \"client_secret\": \"'$PAIGO_CLIENT_SECRET'\"}' \\",
    "  | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"access_token\"])')",
    "curl -X POST " + base + "/usage \\",
    "  -H 'Content-Type: application/json' \\",
    "  -H \"Authorization: Bearer $TOKEN\" \\",
    "  -d '" + JSON.stringify(record).replace(/'/g, "'\\''") + "'",
  ].join("\n");
}

// --- usage data

function usageDataWidget(customer, names) {
  const aggregation = h("select", { id: "aggregation" },
    [["none", "Raw"], ["hour", "Hourly"], ["day", "Daily"], ["month", "Monthly"]].map(([v, label]) => h("option", { value: v }, label)));
  const chart = svg("svg", { class: "chart", id: "usage-chart", viewBox: "0 0 600 180", preserveAspectRatio: "none" });
  const result = h("div", { id: "usage-data-table" });
  const view = async () => {
    try {
      const reply = await api("GET", "/customers/" + encodeURIComponent(customer.customerId) + "/usage?aggregationInterval=" + aggregation.value);
      const rows = [];
      for (const series of dataOf(reply)) {
        for (const item of series.usage || []) rows.push({ ...item, dimensionId: series.dimensionId });
      }
      if (aggregation.value === "none") {
        rows.sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)));
        drawBars(chart, rows.map((r) => ({ label: "", value: Number(r.recordValue) })));
        result.replaceChildren(table([
          { title: "Dimension", value: (r) => names[r.dimensionId] || r.dimensionId },
          { title: "Timestamp", value: (r) => formatTime(r.timestamp) },
          { title: "Value", num: true, value: (r) => r.recordValue },
          { title: "Metadata", value: (r) => JSON.stringify(r.metadata || {}) },
        ], rows, { tableId: "usage-table", empty: "No usage in this period." }));
      } else {
        rows.sort((a, b) => String(a.startTime).localeCompare(String(b.startTime)));
        drawBars(chart, rows.map((r) => ({ label: formatTime(r.startTime).slice(0, aggregation.value === "hour" ? 16 : 10), value: Number(r.value) })));
        result.replaceChildren(table([
          { title: "Dimension", value: (r) => names[r.dimensionId] || r.dimensionId },
          { title: "Start", value: (r) => formatTime(r.startTime) },
          { title: "End", value: (r) => formatTime(r.endTime) },
          { title: "Value", num: true, value: (r) => r.value },
        ], rows, { tableId: "usage-table", empty: "No usage in this period." }));
      }
    } catch (error) {
      flash(error.message, "error");
    }
  };
  const card = h("div", { className: "card", id: "usage-data" },
    h("h2", {}, "Usage Data"),
    h("div", { className: "row" }, h("label", { for: "aggregation" }, "Aggregation"), aggregation,
      h("button", { id: "view-usage", onclick: view }, "View")),
    chart, result);
  return { card, view };
}

// --- invoices

function invoiceWidget(customer) {
  const formBox = h("div", { id: "invoice-form-box" });
  const rows = (customer.invoices || []).slice().reverse();
  const card = h("div", { className: "card", id: "invoices" },
    h("h2", {}, "Invoices", h("button", { id: "off-cycle-invoice", onclick: () => offCycleForm(customer, formBox) }, "Off-cycle Invoice")),
    formBox,
    table([
      { title: "Invoice ID", value: (i) => h("code", {}, i.invoiceId) },
      { title: "Date", value: (i) => formatTime(i.invoiceDate) },
      { title: "Type", value: (i) => i.invoiceType },
      { title: "Status", value: (i) => h("span", { className: "badge " + i.invoiceStatus }, i.invoiceStatus) },
      { title: "Total", num: true, value: (i) => i.totalAmountWithoutTax + " " + (i.currency || "") },
      { title: "Actions", value: (i) => h("button", { className: "secondary download", "data-invoice": i.invoiceId, onclick: () => downloadInvoice(i.invoiceId) }, "Download") },
    ], rows, { tableId: "invoice-table", id: (i) => i.invoiceId, empty: "No invoices yet." }));
  return card;
}

async function offCycleForm(customer, box) {
  const { now } = await simulatorNow();
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const modePeriod = h("input", { type: "radio", name: "mode", id: "mode-period", value: "period", checked: true });
  const modeManual = h("input", { type: "radio", name: "mode", id: "mode-manual", value: "manual" });
  const start = h("input", { id: "period-start", value: monthStart.toISOString() });
  const end = h("input", { id: "period-end", value: now.toISOString() });
  const periodBox = h("div", { className: "full row" }, field("Start", start), field("End", end));
  const items = h("div", { id: "line-items" });
  const addItem = () => items.append(h("div", { className: "row line-item" },
    h("input", { className: "item-name", placeholder: "Name" }),
    h("input", { className: "item-quantity", placeholder: "Quantity", inputmode: "decimal" }),
    h("input", { className: "item-unit-cost", placeholder: "Unit cost", inputmode: "decimal" })));
  addItem();
  const manualBox = h("div", { className: "full", hidden: true }, items,
    h("button", { type: "button", className: "secondary", id: "add-line-item", onclick: addItem }, "Add line item"));
  const toggle = () => { periodBox.hidden = !modePeriod.checked; manualBox.hidden = !modeManual.checked; };
  modePeriod.addEventListener("change", toggle);
  modeManual.addEventListener("change", toggle);
  const form = h("form", { className: "grid", id: "off-cycle-form" },
    h("div", { className: "full row" },
      h("label", {}, modePeriod, " Select Billing Period"), h("label", {}, modeManual, " Manually Enter Line Items")),
    periodBox, manualBox,
    h("div", { className: "full row" }, h("button", { type: "submit", id: "submit-invoice" }, "Submit"),
      h("button", { type: "button", className: "secondary", onclick: () => box.replaceChildren() }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const action = modePeriod.checked
      ? () => api("POST", "/_simulator/invoices/period", { customerId: customer.customerId, startTime: start.value, endTime: end.value })
      : () => api("POST", "/invoices", {
        customerId: customer.customerId,
        items: [...items.querySelectorAll(".line-item")]
          .filter((row) => row.querySelector(".item-name").value)
          .map((row) => ({
            name: row.querySelector(".item-name").value,
            quantity: new JsonDecimal(row.querySelector(".item-quantity").value),
            unitCost: new JsonDecimal(row.querySelector(".item-unit-cost").value),
          })),
      });
    await submit(action, "Invoice created", location.hash);
  });
  box.replaceChildren(h("h2", {}, "Off-cycle Invoice"), form);
}

async function downloadInvoice(invoiceId) {
  try {
    const [invoice] = dataOf(await api("GET", "/invoices/" + encodeURIComponent(invoiceId) + "?download=true"));
    const link = h("a", { href: invoice.invoiceUrl, download: "invoice-" + invoiceId + ".pdf", id: "invoice-download-link" }, "PDF");
    document.body.append(link);
    link.click();
    link.remove();
  } catch (error) {
    flash(error.message, "error");
  }
}

// --- clock, webhooks, rejected requests

async function clockPage() {
  const { now, manual } = await simulatorNow();
  const days = h("input", { id: "advance-days", value: "0", inputmode: "decimal" });
  const hours = h("input", { id: "advance-hours", value: "1", inputmode: "decimal" });
  const form = h("form", { className: "grid", id: "advance-form" },
    field("Days", days), field("Hours", hours),
    h("div", { className: "full" }, h("button", { type: "submit", id: "advance-clock", disabled: !manual }, "Advance")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await submit(() => api("POST", "/_simulator/clock/advance", { days: new JsonDecimal(days.value || "0"), hours: new JsonDecimal(hours.value || "0") }), "Clock advanced", "#/clock");
  });
  show(h("div", { className: "card" },
    h("h1", {}, "Simulator clock"),
    h("p", {}, "Now: ", h("strong", { id: "clock-now" }, now.toISOString()), " ", h("span", { className: "muted" }, manual ? "(manual clock)" : "(system clock; start the server with --manual-clock to advance it)")),
    form,
    h("p", { className: "muted" }, "Advancing closes every billing cycle that became due.")));
}

async function webhooksPage() {
  const items = dataOf(await api("GET", "/_simulator/webhook-deliveries"));
  show(h("div", { className: "card" }, h("h1", {}, "Webhook deliveries"),
    table([
      { title: "Created", value: (d) => formatTime(d.createdAt) },
      { title: "Type", value: (d) => d.webhookType },
      { title: "Hook URL", value: (d) => h("code", {}, d.hookUrl) },
      { title: "Status", value: (d) => d.status },
      { title: "Attempts", num: true, value: (d) => (d.attempts || []).length },
      { title: "Last reply", value: (d) => {
        const last = (d.attempts || [])[(d.attempts || []).length - 1];
        return last ? (last.statusCode !== null ? "HTTP " + last.statusCode : last.error || "") : "";
      } },
    ], items.slice().reverse(), { tableId: "webhooks-table", id: (d) => d.deliveryId, empty: "No webhook deliveries yet." })));
}

async function rejectedPage() {
  const items = dataOf(await api("GET", "/_simulator/rejected-requests"));
  show(h("div", { className: "card" }, h("h1", {}, "Rejected requests"),
    table([
      { title: "At", value: (r) => formatTime(r.at) },
      { title: "Request", value: (r) => h("code", {}, r.method + " " + r.path) },
      { title: "Status", num: true, value: (r) => r.status },
      { title: "Messages", value: (r) => (r.messages || []).join("; ") },
    ], items.slice().reverse(), { tableId: "rejected-table", empty: "No rejected requests." })));
}

// ------------------------------------------------------------------ charts (inline SVG)

function svg(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
  return node;
}

function drawBars(chart, points) {
  chart.replaceChildren();
  if (!points.length) return;
  const max = Math.max(...points.map((p) => p.value), 0) || 1;
  const width = 600 / points.length;
  points.forEach((p, i) => {
    const height = Math.max((p.value / max) * 150, 1);
    const bar = svg("rect", { x: i * width + width * 0.1, y: 160 - height, width: width * 0.8, height, "data-value": p.value });
    bar.append(svg("title"));
    bar.firstChild.textContent = (p.label ? p.label + ": " : "") + p.value;
    chart.append(bar);
    if (p.label && points.length <= 12) {
      const label = svg("text", { x: i * width + width / 2, y: 175, "text-anchor": "middle" });
      label.textContent = p.label;
      chart.append(label);
    }
  });
}

function drawLine(chart, values) {
  chart.replaceChildren();
  if (!values.length) return;
  const max = Math.max(...values, 0) || 1;
  const step = values.length > 1 ? 600 / (values.length - 1) : 0;
  const points = values.map((v, i) => (i * step).toFixed(1) + "," + (170 - (v / max) * 150).toFixed(1)).join(" ");
  chart.append(svg("polyline", { points }));
}

window.addEventListener("hashchange", () => { clearFlash(); route(); });
route();
