// Runs a wasm32-wasip1 program under Node's WASI (V8), with the working directory preopened.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, env, exit } from 'node:process';

const [, , wasmPath, ...args] = argv;
const wasi = new WASI({ version: 'preview1', args: [wasmPath, ...args], env, preopens: { '.': '.' } });
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance) ?? 0);
