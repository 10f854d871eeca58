// A real Mastodon client library (masto.js) against groundswell serve's
// /api/v1/trends/tags. usage: node masto.mjs BASE_URL
// Prints one JSON object of observations for the TAP harness (tests/cli/web.py).
import { createRestAPIClient } from "masto";

const base = process.argv[2];
const out = {};
try {
  const masto = createRestAPIClient({ url: base, timeout: 10000 });
  const page1 = await masto.v1.trends.tags.list({ limit: 5 });
  out.page1 = page1;
  out.page2 = await masto.v1.trends.tags.list({ limit: 5, offset: 5 });
  out.all = await masto.v1.trends.tags.list({ limit: 20 });
  // the paginator follows the Link header (rel="next")
  const pages = [];
  for await (const p of masto.v1.trends.tags.list({ limit: 3 })) {
    pages.push(p.map((t) => t.name));
    if (pages.length >= 10) break;
  }
  out.pages = pages;
} catch (e) {
  out.fatal = String(e && e.stack || e);
}
console.log(JSON.stringify(out));
