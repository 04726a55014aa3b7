// The same thumbnail set as shared/imaging (four cover-cropped sizes with the same badge and title
// overlay, JPEG q80 and WebP) made with
// sharp (libvips), one thread: `sharp.concurrency(1)` and UV_THREADPOOL_SIZE=1 (set by the caller).
// Prints per-cover milliseconds for each way of driving sharp and WebP mode as JSON.
// Usage: node scripts/bench-sharp.mjs COVER [RUNS] [OUT_DIR]
import sharp from 'sharp';
import { readFile } from 'node:fs/promises';

sharp.concurrency(1);
sharp.cache(false);
const [, , path, runsArg] = process.argv;
const runs = Math.max(1, Number(runsArg ?? 10));
const input = await readFile(path);
const sizes = [[150, 150], [320, 320], [360, 640], [1200, 630]];
const resize = (w, h) => ({ width: w, height: h, fit: 'cover', position: 'centre' });
// The overlay our pipeline draws (shared/imaging/examples/render.rs): a price badge on the 320
// square, the card and the share image; a scrim and the title on the share image.
const TITLE = 'Handmade leather tote bag, everyday size';
const PRICE = '₦15,000';
const font = "font-family='DejaVu Sans' font-weight='bold'";
// Portrait covers get the share layout ours draws: the whole cover on the left over a blurred,
// darkened fill, the badge and the wrapped title beside it.
const meta = await sharp(input).metadata();
const coverW = Math.floor((570 * meta.width) / meta.height);
const textX = 60 + coverW + 48;
const panelSvg = Buffer.from(
  `<svg xmlns='http://www.w3.org/2000/svg' width='1200' height='630'>` +
    `<rect x='${textX}' y='80' width='${46 * 0.6 * PRICE.length + 41}' height='67' rx='20' fill='#fe2c55'/>` +
    `<text x='${textX + 21}' y='130' font-size='46' fill='#fff' ${"font-family='DejaVu Sans' font-weight='bold'"}>${PRICE}</text>` +
    `<text x='${textX}' y='240' font-size='56' fill='#fff' ${"font-family='DejaVu Sans' font-weight='bold'"}>` +
    `<tspan x='${textX}'>Handmade leather</tspan><tspan x='${textX}' dy='72'>tote bag, everyday</tspan>` +
    `<tspan x='${textX}' dy='72'>size</tspan></text></svg>`,
);
async function sharePanel(source) {
  const cover = await source().resize(coverW, 570, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const coverRaw = { width: cover.info.width, height: cover.info.height, channels: cover.info.channels };
  // The same blur as ours: shrink to 48x25, grow back bilinearly.
  const tiny = await source().resize(48, 25, { fit: 'cover' }).raw().toBuffer({ resolveWithObject: true });
  const tinyRaw = { raw: { width: 48, height: 25, channels: tiny.info.channels } };
  return sharp(tiny.data, tinyRaw)
    .resize(1200, 630, { kernel: 'linear' })
    .modulate({ brightness: 0.45 })
    .composite([{ input: cover.data, raw: coverRaw, left: 60, top: 30 }, { input: panelSvg, left: 0, top: 0 }]);
}

function overlay(w, h) {
  if (w === 150) return [];
  const share = w === 1200;
  const px = share ? 46 : w * 0.075;
  const m = share ? 40 : w * 0.04;
  const bw = px * 0.6 * PRICE.length + px * 0.9;
  let svg = `<svg xmlns='http://www.w3.org/2000/svg' width='${w}' height='${h}'>`;
  if (share) {
    svg += `<defs><linearGradient id='g' x1='0' y1='0' x2='0' y2='1'><stop offset='0' stop-color='#000' stop-opacity='0'/><stop offset='1' stop-color='#000' stop-opacity='0.8'/></linearGradient></defs>`;
    svg += `<rect x='0' y='${h * 0.55}' width='${w}' height='${h * 0.45}' fill='url(#g)'/>`;
    svg += `<text x='${m}' y='${h - m - 14}' font-size='56' fill='#fff' ${font}>${TITLE}</text>`;
  }
  svg += `<rect x='${m}' y='${m}' width='${bw}' height='${px * 1.45}' rx='${px * 0.43}' fill='#fe2c55'/>`;
  svg += `<text x='${m + px * 0.45}' y='${m + px * 1.05}' font-size='${px}' fill='#fff' ${font}>${PRICE}</text></svg>`;
  return [{ input: Buffer.from(svg), top: 0, left: 0 }];
}

// Idiomatic sharp: one pipeline per output, each decoding the JPEG (with shrink-on-load).
async function perOutput(webp) {
  const out = [];
  for (const [w, h] of sizes) {
    if (w === 1200 && meta.height > meta.width) {
      out.push(await (await sharePanel(() => sharp(input).rotate())).jpeg({ quality: 80 }).toBuffer());
      out.push(await (await sharePanel(() => sharp(input).rotate())).webp(webp).toBuffer());
      continue;
    }
    const base = () => sharp(input).rotate().resize(resize(w, h)).composite(overlay(w, h));
    out.push(await base().jpeg({ quality: 80 }).toBuffer());
    out.push(await base().webp(webp).toBuffer());
  }
  return out;
}

// Decode once to raw pixels, then resize and encode each output from them (as our pipeline does).
async function decodeOnce(webp) {
  const { data, info } = await sharp(input).rotate().raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const out = [];
  for (const [w, h] of sizes) {
    if (w === 1200 && meta.height > meta.width) {
      const panel = await (await sharePanel(() => sharp(data, raw))).raw().toBuffer({ resolveWithObject: true });
      const panelRaw = { raw: { width: 1200, height: 630, channels: panel.info.channels } };
      out.push(await sharp(panel.data, panelRaw).jpeg({ quality: 80 }).toBuffer());
      out.push(await sharp(panel.data, panelRaw).webp(webp).toBuffer());
      continue;
    }
    // Resized once, then composited and encoded twice.
    const small = await sharp(data, raw).resize(resize(w, h)).composite(overlay(w, h)).raw()
      .toBuffer({ resolveWithObject: true });
    const smallRaw = { raw: { width: w, height: h, channels: small.info.channels } };
    out.push(await sharp(small.data, smallRaw).jpeg({ quality: 80 }).toBuffer());
    out.push(await sharp(small.data, smallRaw).webp(webp).toBuffer());
  }
  return out;
}

async function time(fn, webp) {
  await fn(webp); // warm-up
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    last = await fn(webp);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { median_ms: +times[Math.floor(times.length / 2)].toFixed(2), bytes: last.map((b) => b.length) };
}

const result = {};
for (const [mode, webp] of [['lossless_webp', { lossless: true }], ['lossy_webp_q80', { quality: 80 }]]) {
  for (const [way, fn] of [['per_output', perOutput], ['decode_once', decodeOnce]]) {
    result[`${mode}.${way}`] = await time(fn, webp);
  }
}
if (process.argv[4]) {
  const { writeFile } = await import('node:fs/promises');
  const set = await perOutput({ quality: 80 });
  const names = ['square-150', 'square-320', 'card-360x640', 'share-1200x630'];
  await Promise.all(set.map((b, i) => writeFile(`${process.argv[4]}/${names[i >> 1]}.sharp.${i % 2 ? 'webp' : 'jpg'}`, b)));
}
result.peak_rss_mb = +(process.resourceUsage().maxRSS / 1024).toFixed(1);
console.log(JSON.stringify(result));
