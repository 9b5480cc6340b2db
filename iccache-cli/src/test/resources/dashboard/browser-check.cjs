// Drives the dashboard in headless Chromium with playwright-core and prints what it saw as one JSON
// line, for DashboardBrowserTest to assert on. Environment: PLAYWRIGHT_CORE (the package's
// directory), CHROMIUM (the browser), BASE_URL (the gateway), ADMIN_KEY, SEARCH_TEXT and
// SEARCH_EXPECT (a question near an imported example and that example's answer), MODELS (comma-
// separated models to send traffic to), SCREENSHOT (optional: where to save a screenshot).
"use strict";

const {chromium} = require(process.env.PLAYWRIGHT_CORE);

const BASE = process.env.BASE_URL;
const STEP_MS = 30000;

async function chat(model, i) {
  const res = await fetch(`${BASE}/v1/chat/completions`, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({model, messages: [{role: "user", content: `Browser test question ${i}: what is ${i} + ${i}?`}]}),
  });
  await res.text();
  return res.status;
}

async function main() {
  const started = Date.now();
  const out = {console_errors: []};
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  let page = null;
  try {
    const context = await browser.newContext({viewport: {width: 1440, height: 900}});
    page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    page.on("console", (m) => { if (m.type() === "error") out.console_errors.push(m.text()); });
    page.on("pageerror", (e) => out.console_errors.push(String(e)));

    // Without the admin key: data refused, the page sends to the login form, a wrong key is refused.
    out.unauthenticated_state_status = (await fetch(`${BASE}/dashboard/api/state`)).status;
    out.wrong_bearer_state_status = (await fetch(`${BASE}/dashboard/api/state`,
      {headers: {Authorization: "Bearer not-the-key"}})).status;
    out.unauthenticated_delete_status = (await fetch(`${BASE}/dashboard/api/examples/x`, {method: "DELETE"})).status;
    await page.goto(`${BASE}/dashboard`);
    out.unauthenticated_page_url = new URL(page.url()).pathname;
    await page.getByLabel("Admin key").fill("not-the-key");
    await page.getByRole("button", {name: "Sign in"}).click();
    await page.waitForURL(/failed=1/);
    out.wrong_key_message = await page.locator("#login-message").textContent();

    // Sign in.
    await page.getByLabel("Admin key").fill(process.env.ADMIN_KEY);
    await page.getByRole("button", {name: "Sign in"}).click();
    await page.waitForURL(/\/dashboard$/);
    const cookie = (await context.cookies()).find((c) => c.name === "iccache_dashboard");
    out.cookie = cookie ? {http_only: cookie.httpOnly, same_site: cookie.sameSite, path: cookie.path} : null;
    await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("Updated"));
    out.requests_max_before = Number(await page.locator("#chart-requests").getAttribute("data-max"));

    // Traffic: the charts must move.
    const models = process.env.MODELS.split(",");
    const statuses = await Promise.all(Array.from({length: 24}, (_, i) => chat(models[i % models.length], i)));
    out.traffic_statuses = [...new Set(statuses)];
    await page.waitForFunction(() => Number(document.getElementById("chart-requests").dataset.max) > 0);
    out.requests_max_after = Number(await page.locator("#chart-requests").getAttribute("data-max"));
    out.requests_points = Number(await page.locator("#chart-requests").getAttribute("data-points"));
    await page.waitForFunction(() => document.querySelectorAll("#decisions tbody tr").length > 0);
    out.decisions = await page.locator("#decisions tbody tr").count();
    out.model_rows = await page.locator("#models-table tbody tr").count();

    // Search finds the imported example (the keyboard submits the form).
    await page.getByLabel("Text", {exact: true}).fill(process.env.SEARCH_TEXT);
    await page.getByLabel("Text", {exact: true}).press("Enter");
    const first = page.locator("#search-results tbody tr").first();
    await first.waitFor();
    out.search_first = {id: await first.getAttribute("data-id"), text: await first.textContent()};
    if (process.env.SCREENSHOT) {
      await page.waitForTimeout(2500); // one more poll, so the charts show the traffic
      await page.locator("#search-q").blur();
      await page.screenshot({path: process.env.SCREENSHOT, fullPage: true});
    }

    // Delete it, confirming in the dialog.
    const id = out.search_first.id;
    await first.getByRole("button", {name: `Delete example ${id}`}).click();
    out.dialog_open = await page.locator("#confirm").evaluate((d) => d.open);
    await page.locator("#confirm-ok").click();
    await page.waitForFunction((x) => document.getElementById("bank-message").textContent.includes(`Deleted example ${x}`),
      id);
    out.rows_with_deleted_id = await page.locator(`#search-results tbody tr[data-id="${id}"]`).count();
    out.deleted_get_status = (await fetch(`${BASE}/admin/examples/${id}`,
      {headers: {Authorization: `Bearer ${process.env.ADMIN_KEY}`}})).status;
    out.elapsed_ms = Date.now() - started;
  } catch (e) {
    // What was seen up to the failure, for the test's message.
    out.failure = e && e.stack ? e.stack : String(e);
    if (page) out.status_line = await page.locator("#status").textContent().catch(() => null);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
  process.exit(out.failure ? 1 : 0);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
