// The same thumbnail set as shared/imaging (four cover-cropped sizes, JPEG q80 and WebP) made with
// sharp (libvips), one thread: `sharp.concurrency(1)` and UV_THREADPOOL_SIZE=1 (set by the caller).
// Prints per-cover milliseconds for each way of driving sharp and WebP mode as JSON.
// Usage: node scripts/bench-sharp.mjs COVER [RUNS]
import sharp from 'sharp';
import { readFile } from 'node:fs/promises';

sharp.concurrency(1);
sharp.cache(false);
const [, , path, runsArg] = process.argv;
const runs = Math.max(1, Number(runsArg ?? 10));
const input = await readFile(path);
const sizes = [[150, 150], [320, 320], [360, 640], [1200, 630]];
const resize = (w, h) => ({ width: w, height: h, fit: 'cover', position: 'centre' });

// Idiomatic sharp: one pipeline per output, each decoding the JPEG (with shrink-on-load).
async function perOutput(webp) {
  const out = [];
  for (const [w, h] of sizes) {
    out.push(await sharp(input).rotate().resize(resize(w, h)).jpeg({ quality: 80 }).toBuffer());
    out.push(await sharp(input).rotate().resize(resize(w, h)).webp(webp).toBuffer());
  }
  return out;
}

// Decode once to raw pixels, then resize and encode each output from them (as our pipeline does).
async function decodeOnce(webp) {
  const { data, info } = await sharp(input).rotate().raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const out = [];
  for (const [w, h] of sizes) {
    out.push(await sharp(data, raw).resize(resize(w, h)).jpeg({ quality: 80 }).toBuffer());
    out.push(await sharp(data, raw).resize(resize(w, h)).webp(webp).toBuffer());
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
console.log(JSON.stringify(result));
