// Builds the UI into one folder that `flowline serve --ui DIR` serves:
//   DIR/index.html             (never cached: it names the current assets)
//   DIR/assets/app-<hash>.js   (content-hashed: cached for a year)
//   DIR/assets/app-<hash>.css
// Usage: node build.mjs --out DIR [--dev]   (--dev: no minification, with a source map)
import { build } from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf("--out");
if (outIndex < 0 || !args[outIndex + 1]) {
  console.error("usage: node build.mjs --out DIR [--dev]");
  process.exit(2);
}
const out = path.resolve(args[outIndex + 1]);
const dev = args.includes("--dev");

// Old hashed files would pile up otherwise; the folder is the build's own.
await rm(path.join(out, "assets"), { recursive: true, force: true });
await mkdir(path.join(out, "assets"), { recursive: true });

const result = await build({
  entryPoints: { app: path.join(here, "src/main.tsx") },
  bundle: true,
  outdir: path.join(out, "assets"),
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  format: "esm",
  target: ["chrome100", "firefox100", "safari15"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: !dev,
  sourcemap: dev,
  metafile: true,
  logLevel: "warning",
  legalComments: "none",
});

const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
const script = outputs.find((file) => file.endsWith(".js"));
const style = outputs.find((file) => file.endsWith(".css"));
if (!script || !style) {
  console.error(`build.mjs: expected one .js and one .css output, got ${outputs.join(", ")}`);
  process.exit(1);
}
const template = await readFile(path.join(here, "src/index.html"), "utf8");
const html = template
  .replace("%SCRIPT%", `/assets/${script}`)
  .replace("%STYLE%", `/assets/${style}`);
await writeFile(path.join(out, "index.html"), html);
console.log(`web UI built into ${out} (${script}, ${style})`);
