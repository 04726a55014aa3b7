// Lighthouse (mobile: its default emulation and simulated slow 4G) on pages of the local hub, in
// Debian's Chromium, three runs per page, scored by the median run's performance (one run on a
// busy 2-core machine is noisy). Fails below performance 95 or accessibility, best practices and
// SEO 100, or when a page made a request anywhere but 127.0.0.1: Chromium resolves no other host
// and sends everything not on loopback to a dead proxy, so such a request fails as well.
// Usage: node scripts/lighthouse.mjs OUT_DIR URL...   (reports: OUT_DIR/lighthouse-N.json)
import fs from 'node:fs';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';

const [out, ...urls] = process.argv.slice(2);
const floors = { performance: 0.95, accessibility: 1, 'best-practices': 1, seo: 1 };
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM || '/usr/bin/chromium',
  chromeFlags: [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    '--proxy-server=http://127.0.0.1:9', '--proxy-bypass-list=127.0.0.1',
  ],
});
let failed = [];
try {
  console.log(['page', 'perf', 'a11y', 'best', 'seo', 'FCP_ms', 'LCP_ms', 'TBT_ms', 'CLS'].join('\t'));
  for (const [i, url] of urls.entries()) {
    const runs = [];
    for (let r = 0; r < 3; r++) {
      runs.push(await lighthouse(url, {
        port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: Object.keys(floors),
      }));
    }
    runs.sort((a, b) => (a.lhr.categories.performance?.score ?? 0) - (b.lhr.categories.performance?.score ?? 0));
    const { lhr, report } = runs[1];
    fs.writeFileSync(`${out}/lighthouse-${i}.json`, report);
    if (lhr.runtimeError) failed.push(`${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    const score = (c) => Math.round((lhr.categories[c]?.score ?? 0) * 100);
    const num = (a) => lhr.audits[a]?.numericValue ?? NaN;
    console.log([new URL(url).pathname, ...Object.keys(floors).map(score),
      Math.round(num('first-contentful-paint')), Math.round(num('largest-contentful-paint')),
      Math.round(num('total-blocking-time')), num('cumulative-layout-shift').toFixed(3)].join('\t'));
    for (const [c, floor] of Object.entries(floors)) {
      const cat = lhr.categories[c];
      if ((cat?.score ?? 0) >= floor) continue;
      const weak = (cat?.auditRefs ?? [])
        .map((r) => lhr.audits[r.id])
        .filter((a) => a && a.score !== null && a.score < 1 && a.scoreDisplayMode !== 'informative')
        .map((a) => `${a.id} (${a.score})`);
      failed.push(`${url}: ${c} ${score(c)} < ${floor * 100}: ${weak.join(', ')}`);
    }
    const requests = lhr.audits['network-requests']?.details?.items;
    if (!requests?.length) failed.push(`${url}: no network-requests audit to check`);
    const elsewhere = (requests ?? [])
      .map((r) => r.url).filter((u) => !/^(https?:\/\/127\.0\.0\.1[:/]|data:)/.test(u));
    if (elsewhere.length) failed.push(`${url}: requests beyond 127.0.0.1: ${elsewhere.join(' ')}`);
  }
} finally {
  await chrome.kill();
}
if (failed.length) {
  console.error(`Lighthouse floors broken:\n  ${failed.join('\n  ')}`);
  process.exit(1);
}
