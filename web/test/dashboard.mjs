// Opens groundswell serve's dashboard in headless Chromium (Debian's
// chromium, driven by playwright-core) and checks what a person sees.
// usage: node dashboard.mjs BASE_URL SCREENSHOT.png TAG_SCREENSHOT.png [SOURCE MORE]
// With SOURCE and MORE, MORE's bytes are appended to SOURCE (the file the
// server follows) while the page is open, and the page must show the new
// posts without a reload.
// Prints one JSON object of observations; the TAP harness (tests/cli/web.py)
// judges them.
import { chromium } from "playwright-core";
import { appendFileSync, readFileSync } from "node:fs";

const [base, shot, tagShot, source, more] = process.argv.slice(2);
const out = { errors: [], console: [] };
const browser = await chromium.launch({
  executablePath: process.env.GS_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  timeout: 60000,
});
try {
  // a browser half an hour off UTC: the charts must still label UTC hours
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, timezoneId: "Asia/Kolkata" });
  page.setDefaultTimeout(20000);
  page.on("pageerror", (e) => out.errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") out.console.push(m.text()); });
  const external = [];
  page.on("request", (r) => { if (!r.url().startsWith(base)) external.push(r.url()); });
  const resp = await page.goto(base + "/", { waitUntil: "domcontentloaded" });
  out.status = resp.status();
  out.title = await page.title();
  // the trend list fills in, MeToo among the entries
  await page.waitForSelector("#trends a .name", { timeout: 20000 });
  await page.waitForFunction(() => [...document.querySelectorAll("#trends a .name")]
    .some((e) => e.textContent === "#MeToo"), null, { timeout: 20000 });
  out.list = await page.$$eval("#trends li a", (as) => as.map((a) => ({
    name: a.querySelector(".name").textContent,
    status: a.querySelector(".badge").textContent,
    visible: a.getBoundingClientRect().height > 0,
  })));
  // the charts: uPlot canvases with pixels drawn
  await page.waitForSelector(".charts .chart canvas", { timeout: 20000 });
  await page.waitForTimeout(500);
  out.charts = await page.$$eval(".charts .chart canvas", (cs) => cs.map((c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
    return { w: c.width, h: c.height, ink };
  }));
  // the movements panel: each movement, its tags in onset order, its union
  await page.waitForSelector(".movements .movement", { timeout: 20000 }).catch(() => {});
  out.movements = await page.$$eval(".movements .movement", (ms) => ms.map((m) => ({
    name: m.querySelector("h3").textContent,
    tags: [...m.querySelectorAll(".onsets li a")].map((a) => a.textContent),
    accounts: m.querySelector(".accounts").textContent,
    posts: m.querySelector(".posts").textContent,
    langs: (m.querySelector(".langs") || {}).textContent || "",
  })));
  out.stats = await page.$$eval("#stats .stat", (s) => s.map((e) => e.textContent));
  out.live = await page.textContent("#live-text");
  await page.screenshot({ path: shot, fullPage: false });
  // clicking MeToo opens its page with the magnitude numbers
  await page.click("#trends a:has(.name:text-is('#MeToo'))");
  await page.waitForSelector(".magnitude .stat", { timeout: 20000 });
  await page.waitForSelector("#view .chart canvas", { timeout: 20000 });
  await page.waitForTimeout(500);
  out.tagUrl = page.url();
  out.tagTitle = await page.textContent("#view h2");
  out.magnitude = await page.$$eval(".magnitude .stat", (s) => Object.fromEntries(
    s.map((e) => [e.dataset.k, e.querySelector("b").textContent])));
  out.coTags = await page.$$eval("#view .lists .card:first-child a", (as) => as.map((a) => a.textContent));
  await page.waitForSelector("#view .addressed tr", { timeout: 20000 }).catch(() => {});
  out.addressed = await page.$$eval("#view .addressed tr", (rs) => rs.map((r) => r.textContent));
  out.addressedTitle = await page.$$eval("#view .addressed h3", (hs) => hs.map((h) => h.textContent).join(""));
  out.addressedSub = await page.$$eval("#view .addressed p.sub", (ps) => ps.map((p) => p.textContent).join(""));
  // the chart's time under the cursor: buckets start on UTC hours, so
  // minutes other than :00 mean the browser's zone (here +05:30) was used
  const over = await page.$("#view .chart .u-over");
  if (over) {
    const bb = await over.boundingBox();
    await page.mouse.move(bb.x + bb.width / 2, bb.y + bb.height / 2);
    await page.waitForTimeout(200);
    out.browserZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    out.legendTime = await page.$eval("#view .u-legend .u-series:first-child .u-value", (e) => e.textContent)
      .catch(() => null);
    await page.mouse.move(0, 0);
  }
  if (tagShot) await page.screenshot({ path: tagShot, fullPage: false });
  // back to the list without a reload
  await page.goBack();
  await page.waitForSelector(".charts .chart canvas", { timeout: 20000 });
  out.backOk = true;
  // live: more posts arrive while the page is open; no reload happens
  if (source && more) {
    await page.evaluate(() => { window.__noReload = 1; });
    const posts = () => page.$eval("#stats .stat b", (b) => Number(b.textContent.replace(/,/g, "")));
    out.postsBefore = await posts();
    appendFileSync(source, readFileSync(more));
    const t0 = Date.now();
    await page.waitForFunction((n) => {
      const b = document.querySelector("#stats .stat b");
      return b && Number(b.textContent.replace(/,/g, "")) > n;
    }, out.postsBefore, { timeout: 20000, polling: 200 });
    out.liveMs = Date.now() - t0;
    await page.waitForTimeout(2500); /* the rest of the file, then the next refresh */
    out.postsAfter = await posts();
    out.noReload = await page.evaluate(() => window.__noReload === 1);
    out.chartsAfter = await page.$$eval(".charts .chart canvas", (cs) => cs.length);
  }
  // a hostile tag path shows a note, not markup
  await page.goto(base + "/tags/%3Cimg%20src%3Dx%3E", { waitUntil: "domcontentloaded" });
  await page.waitForSelector("#view .note", { timeout: 20000 });
  out.hostileImgs = await page.$$eval("#view img", (x) => x.length);
  out.external = external;
} catch (e) {
  out.fatal = String(e && e.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
