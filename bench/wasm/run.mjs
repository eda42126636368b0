// Runs the Monte Carlo draws of bench/wasm/lib.rs in Node.js and prints draws per second,
// then the counts (the same lines engine/examples/montecarlo.rs prints natively).
// Usage: node bench/wasm/run.mjs WASM_FILE [COUNT=1000000] [SERVICES=1000] [SEED=1]
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const [file, count = "1000000", services = "1000", seed = "1"] = process.argv.slice(2);
const { instance } = await WebAssembly.instantiate(readFileSync(file), {});
const wasm = instance.exports;

let start = performance.now();
wasm.setup(Number(services));
console.log(`lab with ${services} Services built in ${((performance.now() - start) / 1000).toFixed(2)} s (wasm)`);

start = performance.now();
const length = wasm.draws(Number(count), Number(seed));
const seconds = (performance.now() - start) / 1000;
console.log(
  `${count} draws node1 -> http://10.96.200.10/: ${seconds.toFixed(2)} s, ` +
    `${(Number(count) / seconds).toFixed(0)} draws/s (${((seconds * 1e6) / Number(count)).toFixed(1)} us per draw) (wasm, Node.js ${process.version})`,
);
const text = new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, wasm.output(), length));
process.stdout.write(text);
