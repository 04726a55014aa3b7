// Runs a wasm32-wasip1 program under Node's WASI (V8), with the working directory preopened.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, env, exit } from 'node:process';

const [, , wasmPath, ...args] = argv;
const wasi = new WASI({ version: 'preview1', args: [wasmPath, ...args], env, preopens: { '.': '.' } });
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
const code = wasi.start(instance) ?? 0;
// WASI_REPORT_MEMORY=1: the linear memory's final size (wasm memory never shrinks, so this is
// the peak) on stderr.
if (env.WASI_REPORT_MEMORY) {
  console.error(JSON.stringify({ wasm_memory_mb: +(instance.exports.memory.buffer.byteLength / 2 ** 20).toFixed(1) }));
}
exit(code);
