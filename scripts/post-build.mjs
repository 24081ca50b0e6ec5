// Trunk's post_build hook (Trunk.toml), run in Trunk's staging directory before it becomes dist/.
//
// 1. The export worker's files get content-hashed names, as Trunk gives the page's own files (it
//    leaves a worker's names plain); the worker's loader is written and named in index.html
//    (<meta name="byocni-exports-worker">), where the planner reads it. So a browser never runs a
//    cached export renderer of an earlier build with a newer page.
// 2. Release builds only, for a smaller first load (docs/benchmarks.md):
//    a. wasm-bindgen's inline snippets join the module that imports them; `initSync` goes;
//    b. every JavaScript file is minified with terser (Trunk's own minifier gives up on
//       wasm-bindgen's module);
//    c. the names between each wasm and its JavaScript get short forms, in both files;
//    d. index.html: Trunk's start script shrinks to starting the wasm, the redundant
//       `modulepreload` goes, the stylesheet (minified by Trunk) is inlined;
//    e. the Subresource Integrity hashes there are recomputed for what changed;
//    f. each HTML, JS, wasm and CSS file gets a gzip twin (`.gz`) by zopfli (gzip-compatible,
//       about 5% smaller than `gzip -9`; 50 iterations and unlimited block splits: 0.5 KB less
//       than its defaults, 7 s on 2 cores) and a Brotli twin (`.br`, Node's own zlib at quality
//       11 with a 16 MB window: about 12% smaller than the gzip twin on the wasm), which
//       scripts/serve.py sends to browsers that accept them (Brotli first: every current
//       browser asks for it, on http://127.0.0.1 too).
//    Without terser or zopfli (scripts/setup.sh web installs them) the JavaScript stays
//    unminified and the twins come from zlib at level 9.
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
// The panels' client (web/panels.js, copied by Trunk) goes with the worker that renders them,
// under the same hash: the page's stubs import it on first use (web/src/estate.rs).
const hash = sha('sha256', Buffer.concat([fs.readFileSync(at(`${worker}.js`)), fs.readFileSync(at(`${worker}_bg.wasm`)), fs.readFileSync(at('panels.js'))]))
  .toString('hex')
  .slice(0, 16);
const hashed = `${worker}-${hash}`;
fs.renameSync(at(`${worker}.js`), at(`${hashed}.js`));
fs.renameSync(at(`${worker}_bg.wasm`), at(`${hashed}_bg.wasm`));
fs.renameSync(at('panels.js'), at(`byocni-panels-${hash}.js`));
fs.writeFileSync(at(`${hashed}-loader.js`), `importScripts("./${hashed}.js");wasm_bindgen("./${hashed}_bg.wasm");\n`);
if (!html.includes('</head>')) throw new Error('post-build: index.html has no </head>');
html = html.replace('</head>', `<meta name="byocni-exports-worker" content="./${hashed}-loader.js"></head>`);

if (release) {
  const files = (dir) => fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
  // 2a. wasm-bindgen's `inline_js` snippets join the module that imports them: one request less.
  const modules = files(staging).filter((f) => f.endsWith('.js') && !path.basename(f).startsWith(worker));
  for (const file of modules.filter((f) => !path.relative(staging, f).startsWith('snippets'))) {
    let js = fs.readFileSync(file, 'utf8');
    // A snippet's file goes once its code is in the module.
    const drop = (snippet) => {
      fs.rmSync(at(snippet));
      for (let dir = path.dirname(at(snippet)); dir !== staging && fs.readdirSync(dir).length === 0; dir = path.dirname(dir)) {
        fs.rmdirSync(dir);
      }
      html = html.replace(new RegExp(`<link[^>]*${snippet.replace(/[.]/g, '\\.')}[^>]*>`), '');
    };
    const exportsOf = (code) => [...code.matchAll(/^export (?:async )?function (\w+)/gm)].map((m) => m[1]);
    const plain = (code) => !/^(import|export) (?!(async )?function)/m.test(code);
    // A snippet whose functions the wasm imports as they are comes as a namespace
    // (`import * as import1 from "./snippets/..."`): the same code, its exports in an object,
    // defined where the module first imports the snippet (a named import of the same snippet
    // then reads from that object).
    const namespaces = new Map();
    for (const [, ns, snippet] of js.matchAll(/^import \* as (\w+) from ["']\.\/(snippets\/[^"']+\.js)["'];?$/gm)) {
      const code = fs.readFileSync(at(snippet), 'utf8');
      if (plain(code)) {
        namespaces.set(snippet, { ns, code: `const ${ns} = (() => {\n${code.replace(/^export /gm, '')}\nreturn { ${exportsOf(code).join(', ')} };\n})();\n` });
      }
    }
    // The namespace's code, the first time the snippet is imported; nothing after.
    const namespaceCode = (snippet) => {
      const entry = namespaces.get(snippet);
      const code = entry.code;
      entry.code = '';
      return code;
    };
    js = js.replace(/^import \{([^}]*)\} from '\.\/(snippets\/[^']+\.js)';\n/gm, (line, names, snippet) => {
      if (namespaces.has(snippet)) {
        return `${namespaceCode(snippet)}const {${names}} = ${namespaces.get(snippet).ns};\n`;
      }
      const code = fs.readFileSync(at(snippet), 'utf8');
      const exported = exportsOf(code);
      const wanted = names.split(',').map((n) => n.trim());
      const clash = exported.some((n) => new RegExp(`\\b(function|const|let|var|class) ${n}\\b`).test(js));
      if (clash || !wanted.every((n) => exported.includes(n)) || !plain(code)) {
        return line;
      }
      drop(snippet);
      return `${code.replace(/^export /gm, '')}\n`;
    });
    js = js.replace(/^import \* as (\w+) from ["']\.\/(snippets\/[^"']+\.js)["'];?\n/gm, (line, ns, snippet) => {
      if (!namespaces.has(snippet)) return line;
      return namespaceCode(snippet);
    });
    for (const snippet of namespaces.keys()) drop(snippet);
    // The page starts the wasm with the module's default export; `initSync` (for pages that
    // compile the wasm themselves) goes, and terser drops what only it used.
    if (path.dirname(file) === staging) {
      js = js.replace(/^export \{ initSync, __wbg_init as default \};$/m, 'export { __wbg_init as default };');
    }
    fs.writeFileSync(file, js);
  }
  // 2b. Minify the JavaScript. The worker's glue is a classic script whose global
  // `wasm_bindgen` its loader calls, so its top level keeps its names; the rest are modules.
  const terser = optional('terser');
  if (terser) {
    for (const file of files(staging).filter((f) => f.endsWith('.js'))) {
      const module = !path.basename(file).startsWith(worker);
      const out = await terser.minify(fs.readFileSync(file, 'utf8'), { module, compress: true, mangle: true });
      fs.writeFileSync(file, out.code);
    }
  }
  // 2c. Short names between the wasm and its JavaScript. wasm-bindgen names each import
  // `__wbg_<what>_<16 hex digits>` (140 of them, 4.7 KB, the hex barely compressible) and each
  // closure's entry point after its Rust types and crate hashes (up to 330 characters), in both
  // files. Renamed in both to `a`, `b`, ... (about 3.5 KB less gzip); when a name is not where
  // it is expected in the JavaScript, both files stay as they were.
  for (const wasmFile of files(staging).filter((f) => f.endsWith('_bg.wasm'))) {
    const jsFile = wasmFile.replace(/_bg\.wasm$/, '.js');
    if (fs.existsSync(jsFile)) shortenNames(wasmFile, jsFile);
  }
  // 2d. Trunk's start script also publishes the bindings on `window` and announces the start
  // with an event, neither of which the planner uses: it only needs to start the wasm.
  const start = /<script type="?module"?>import init, \* as bindings from '([^']+)';\s*const wasm = await init\(\{ module_or_path: '([^']+)' \}\);[^<]*<\/script>/;
  html = html.replace(start, (_, js, wasm) => `<script type=module>import init from'${js}';init({module_or_path:'${wasm}'})</script>`);
  // The module script imports the glue at once, which makes Trunk's `modulepreload` of it
  // redundant (the wasm's `preload` stays: it starts that download before the glue runs).
  html = html.replace(/<link\b(?=[^>]*\brel="?modulepreload"?)[^>]*>/g, '');
  // The stylesheet (minified by Trunk) goes inline: one file less to fetch before the
  // first paint, and it compresses with the page.
  html = html.replace(/<link\b[^>]*\brel="?stylesheet"?[^>]*>/g, (tag) => {
    const href = /\bhref="?\.?\/?([^"\s>]+\.css)"?/.exec(tag);
    if (!href || !fs.existsSync(at(href[1]))) return tag;
    const css = fs.readFileSync(at(href[1]), 'utf8');
    if (css.includes('</')) return tag;
    fs.rmSync(at(href[1]));
    return `<style>${css}</style>`;
  });
  // 2e. Subresource Integrity: Trunk hashed the files before this hook changed them.
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
  // 2f. Gzip and Brotli twins for the server to send as they are.
  const zopfli = optional('@gfx/zopfli');
  for (const file of files(staging).filter((f) => /\.(html|js|wasm|css)$/.test(f))) {
    const bytes = fs.readFileSync(file);
    const gz = zopfli
      ? await zopfli.gzipAsync(bytes, { numiterations: 50, blocksplittingmax: 0 })
      : zlib.gzipSync(bytes, { level: 9 });
    fs.writeFileSync(`${file}.gz`, gz);
    const br = zlib.brotliCompressSync(bytes, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
        [zlib.constants.BROTLI_PARAM_LGWIN]: zlib.constants.BROTLI_MAX_WINDOW_BITS,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    });
    fs.writeFileSync(`${file}.br`, br);
  }
} else {
  fs.writeFileSync(at('index.html'), html);
}

// Renames what `wasmFile` imports from its JavaScript glue `jsFile` (`__wbg_*`) and the closure
// entry points it exports to it (`wasm_bindgen_*_convert__closures_*`), in both files (see 2c
// above). Only the import and export sections of the wasm are rewritten; the code refers to
// functions by index, never by name.
function shortenNames(wasmFile, jsFile) {
  const wasm = fs.readFileSync(wasmFile);
  let js = fs.readFileSync(jsFile, 'utf8');
  let at = 8;
  const u32 = () => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = wasm[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  const leb = (n) => {
    const out = [];
    do {
      let byte = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 0x80;
      out.push(byte);
    } while (n > 0);
    return Buffer.from(out);
  };
  const str = (text) => Buffer.concat([leb(Buffer.byteLength(text)), Buffer.from(text)]);
  const name = () => {
    const length = u32();
    const text = wasm.subarray(at, at + length).toString('utf8');
    at += length;
    return text;
  };
  const limits = () => {
    const flags = u32();
    u32();
    if (flags & 1) u32();
  };
  const short = (n, prefix) => {
    let out = '';
    for (; ; n = Math.floor(n / 52) - 1) {
      out = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'[n % 52] + out;
      if (n < 52) return prefix + out;
    }
  };
  // [old, new, how many times the JavaScript must hold it (0: at least once)]
  const renames = [];
  const sections = [wasm.subarray(0, 8)];
  while (at < wasm.length) {
    const header = at;
    const id = wasm[at++];
    const size = u32();
    const start = at;
    const end = start + size;
    const parts = [];
    if (id === 2) {
      const count = u32();
      parts.push(leb(count));
      for (let i = 0; i < count; i++) {
        const module = name();
        let field = name();
        const desc = at;
        const kind = wasm[at++];
        if (kind === 0) u32();
        else if (kind === 1) { at++; limits(); }
        else if (kind === 2) limits();
        else if (kind === 3) at += 2;
        else if (kind === 4) { at++; u32(); }
        else return console.error(`post-build: ${path.basename(wasmFile)}: unknown import kind ${kind}; names kept`);
        if (field.startsWith('__wbg_')) {
          const to = short(renames.length, '');
          renames.push([field, to, 1]);
          field = to;
        }
        parts.push(str(module), str(field), wasm.subarray(desc, at));
      }
    } else if (id === 7) {
      const count = u32();
      parts.push(leb(count));
      for (let i = 0; i < count; i++) {
        let field = name();
        const desc = at;
        at++;
        u32();
        if (/^wasm_bindgen_[0-9a-f]+_+convert__closures_/.test(field)) {
          const to = short(renames.length, '$');
          renames.push([field, to, 0]);
          field = to;
        }
        parts.push(str(field), wasm.subarray(desc, at));
      }
    }
    if (parts.length > 0 && at !== end) {
      return console.error(`post-build: ${path.basename(wasmFile)}: section ${id} did not parse; names kept`);
    }
    const body = Buffer.concat(parts);
    sections.push(parts.length > 0 ? Buffer.concat([Buffer.from([id]), leb(body.length), body]) : wasm.subarray(header, end));
    at = end;
  }
  for (const [from, to, times] of renames) {
    const token = new RegExp(`(?<![\\w$])${from.replace(/\$/g, '\\$')}(?![\\w$])`, 'g');
    const uses = js.match(token)?.length ?? 0;
    if (times ? uses !== times : uses === 0) {
      return console.error(`post-build: ${path.basename(jsFile)} holds ${from} ${uses} times; names kept`);
    }
    js = js.replace(token, to);
  }
  fs.writeFileSync(wasmFile, Buffer.concat(sections));
  fs.writeFileSync(jsFile, js);
}
