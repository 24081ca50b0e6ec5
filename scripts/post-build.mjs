// Trunk's post_build hook (Trunk.toml), run in Trunk's staging directory before it becomes dist/.
//
// 1. The export worker's files get content-hashed names, as Trunk gives the page's own files (it
//    leaves a worker's names plain); the worker's loader is written and named in index.html
//    (<meta name="byocni-exports-worker">), where the planner reads it. So a browser never runs a
//    cached export renderer of an earlier build with a newer page.
// 2. Release builds only: every JavaScript file is minified with terser (Trunk's own minifier
//    gives up on wasm-bindgen's module), the Subresource Integrity hashes in index.html are
//    recomputed for what changed, and each HTML, JS, wasm and CSS file gets a gzip twin (`.gz`)
//    compressed with zopfli (gzip-compatible, about 4% smaller than `gzip -9`), which
//    scripts/serve.py sends to browsers that accept gzip. Without terser or zopfli (installed by
//    scripts/setup.sh web) the files stay unminified and the twins come from zlib at level 9.
//
//   node scripts/post-build.mjs     (Trunk sets TRUNK_STAGING_DIR and TRUNK_PROFILE)
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('post-build: run by Trunk as a post_build hook (TRUNK_STAGING_DIR is not set)');
  process.exit(2);
}
const release = process.env.TRUNK_PROFILE === 'release';
const tools = process.env.BYOCNI_TOOLS ?? path.join(os.homedir(), '.cache/byocni');
const requireTool = createRequire(path.join(tools, 'npm', 'node_modules', 'noop.js'));
const optional = (name) => {
  try {
    return requireTool(name);
  } catch {
    console.error(`post-build: ${name} is not installed (scripts/setup.sh web installs it); going without`);
    return null;
  }
};
const at = (name) => path.join(staging, name);
const sha = (algo, bytes) => crypto.createHash(algo).update(bytes).digest();
let html = fs.readFileSync(at('index.html'), 'utf8');

// 1. The export worker: content-hashed names, its loader, and the <meta> that names the loader.
const worker = 'byocni-web-exports';
const hash = sha('sha256', Buffer.concat([fs.readFileSync(at(`${worker}.js`)), fs.readFileSync(at(`${worker}_bg.wasm`))]))
  .toString('hex')
  .slice(0, 16);
const hashed = `${worker}-${hash}`;
fs.renameSync(at(`${worker}.js`), at(`${hashed}.js`));
fs.renameSync(at(`${worker}_bg.wasm`), at(`${hashed}_bg.wasm`));
fs.writeFileSync(at(`${hashed}-loader.js`), `importScripts("./${hashed}.js");wasm_bindgen("./${hashed}_bg.wasm");\n`);
if (!html.includes('</head>')) throw new Error('post-build: index.html has no </head>');
html = html.replace('</head>', `<meta name="byocni-exports-worker" content="./${hashed}-loader.js"></head>`);

if (release) {
  // 2a. Minify the JavaScript. The worker's glue is a classic script whose global
  // `wasm_bindgen` its loader calls, so its top level keeps its names; the rest are modules.
  const files = (dir) => fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
  const terser = optional('terser');
  if (terser) {
    for (const file of files(staging).filter((f) => f.endsWith('.js'))) {
      const module = !path.basename(file).startsWith(worker);
      const out = await terser.minify(fs.readFileSync(file, 'utf8'), { module, compress: true, mangle: true });
      fs.writeFileSync(file, out.code);
    }
  }
  // 2b. Subresource Integrity: Trunk hashed the files before this hook changed them.
  html = html.replace(/<link\b[^>]*>/g, (tag) => {
    const href = /\bhref=("([^"]*)"|'([^']*)'|([^\s>]+))/.exec(tag);
    const integrity = /\bintegrity=("([^"]*)"|'([^']*)'|([^\s>]+))/.exec(tag);
    if (!href || !integrity) return tag;
    const target = (href[2] ?? href[3] ?? href[4]).replace(/^\.?\//, '');
    const old = integrity[2] ?? integrity[3] ?? integrity[4];
    const algo = old.split('-')[0];
    const digest = sha(algo, fs.readFileSync(at(decodeURIComponent(target)))).toString('base64');
    return tag.replace(integrity[0], `integrity="${algo}-${digest}"`);
  });
  fs.writeFileSync(at('index.html'), html);
  // 2c. Gzip twins for the server to send as they are.
  const zopfli = optional('@gfx/zopfli');
  for (const file of files(staging).filter((f) => /\.(html|js|wasm|css)$/.test(f))) {
    const bytes = fs.readFileSync(file);
    const gz = zopfli
      ? await zopfli.gzipAsync(bytes, { numiterations: 15 })
      : zlib.gzipSync(bytes, { level: 9 });
    fs.writeFileSync(`${file}.gz`, gz);
  }
} else {
  fs.writeFileSync(at('index.html'), html);
}
