// Browser end-to-end tests of the web planner: the built dist/ served on 127.0.0.1, driven in
// Debian's Chromium with playwright-core. Screenshots and figures go to tests/e2e/artifacts/.
//
//   node --test tests/e2e/planner.test.mjs      (after `bash scripts/build-web.sh`)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';

const run = promisify(execFile);

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../../dist');
const artifacts = path.join(here, 'artifacts');
fs.mkdirSync(artifacts, { recursive: true });

let server, base, browser;
// Scratch directories for uploaded files, removed after the run.
const scratch = [];
function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'byocni-e2e-'));
  scratch.push(dir);
  return dir;
}

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/ is built (trunk build --release --offline)');
  // Served by the README's server, scripts/serve.py (gzip twins to browsers that accept gzip),
  // on a free port it names.
  server = spawn('python3', [path.resolve(here, '../../scripts/serve.py'), '0', dist], { stdio: ['ignore', 'pipe', 'ignore'] });
  base = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const url = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (url) resolve(url[1]);
    });
    server.on('exit', (code) => reject(new Error(`scripts/serve.py exited (${code}): ${out}`)));
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

async function newPage(url = base) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base.slice(0, -1) });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('#summary');
  return { page, context, errors };
}

// The clipboard's text once it matches `re` (polled: the copy is asynchronous), or a failure.
async function clipboardMatching(page, re, ms = 5000) {
  const until = Date.now() + ms;
  let text = '';
  while (Date.now() < until) {
    text = await page.evaluate(() => navigator.clipboard.readText());
    if (re.test(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`the clipboard never matched ${re}: ${text.slice(0, 300)}`);
}

async function setField(page, id, value) {
  await page.fill(`#${id}`, value);
  await page.press(`#${id}`, 'Tab');
}

test('a fresh visit opens the seed example, clean', async () => {
  const t0 = Date.now();
  const { page, context, errors } = await newPage();
  const ms = Date.now() - t0;
  assert.match(await page.textContent('#summary'), /No problems/);
  assert.equal(await page.inputValue('#podCidr'), '10.10.0.0/16');
  assert.equal(await page.inputValue('#cluster-name'), 'myAKSCluster');
  const titles = await page.locator('svg.map-svg g.range title').allTextContents();
  for (const want of ['VNet 10.224.0.0/12', 'nodes 10.224.0.0/16', 'pods 10.10.0.0/16', 'services 10.0.0.0/16']) {
    assert.ok(titles.some((t) => t.startsWith(want)), `the map draws ${want}: ${titles}`);
  }
  assert.match(await page.textContent('.map-bar'), /Showing 10\.0\.0\.0\/8/);
  assert.deepEqual(errors, []);
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    const mark = performance.getEntriesByName('byocni-interactive')[0];
    return { domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd, interactive: mark?.startTime };
  });
  assert.ok(nav.interactive > 0, 'the app marks when it is interactive');
  fs.writeFileSync(path.join(artifacts, 'load.json'), JSON.stringify({ wallMsUntilSummary: ms, ...nav }, null, 2));
  await page.screenshot({ path: path.join(artifacts, 'planner.png'), fullPage: true });
  await context.close();
});

test('break the plan, see the error, apply the fix', async () => {
  const { page, context } = await newPage();
  await setField(page, 'podCidr', '10.0.0.0/16');
  await page.waitForSelector('[role=alert]');
  const hatched = await page.locator('svg.map-svg g.range.overlap title').allTextContents();
  assert.ok(hatched.some((t) => t.startsWith('pods 10.0.0.0/16')), `overlap drawn as such: ${hatched}`);
  assert.match(await page.textContent('#summary'), /error/);
  const alerts = await page.locator('[role=alert]').allTextContents();
  assert.ok(alerts.some((t) => t.includes('pod-cidr-overlap')), alerts.join('\n'));
  assert.equal(await page.getAttribute('#podCidr', 'aria-invalid'), 'true');
  await page.screenshot({ path: path.join(artifacts, 'planner-broken.png'), fullPage: true });
  await page.locator('button.fix').first().click();
  await page.waitForFunction(() => document.querySelector('#summary').textContent.includes('No problems'));
  assert.notEqual(await page.inputValue('#podCidr'), '10.0.0.0/16');
  await context.close();
});

test('copy the bash export', async () => {
  const { page, context } = await newPage();
  await page.click('#tab-bash');
  await page.click('#copy-export');
  await page.waitForSelector('#notice');
  const text = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(text, /^#!\/usr\/bin\/env bash/);
  assert.match(text, /--network-plugin none --pod-cidr 10\.10\.0\.0\/16/);
  // Each tab shows its own rendering (from the export worker, which answers asynchronously).
  const marks = {
    powershell: "$ErrorActionPreference = 'Stop'",
    arm: '"$schema": "https://schema.management.azure.com/',
    bicep: "resource vnet 'Microsoft.Network/virtualNetworks@",
    terraform: 'required_providers',
    'cilium-values': 'aksbyocni:',
    calico: 'kind: Installation',
  };
  for (const [tab, mark] of Object.entries(marks)) {
    await page.click(`#tab-${tab}`);
    await page.waitForFunction((m) => document.querySelector('#export-text').textContent.includes(m), mark);
  }
  await page.screenshot({ path: path.join(artifacts, 'planner-export.png') });
  // An edit and at once Copy (the edit commits on the click's blur, before the worker has
  // rendered it): the copy waits for the new plan's script, never copies the old one.
  await page.click('#tab-bash');
  await page.fill('#podCidr', '10.40.0.0/16');
  await page.click('#copy-export');
  const copied = await clipboardMatching(page, /--pod-cidr 10\.40\.0\.0\/16/);
  assert.doesNotMatch(copied, /10\.10\.0\.0\/16/);
  await context.close();
});

// The README's promise: a bash script copied from the planner that the real az CLI parses. The
// copied text, as it is, goes through shellcheck, then bash runs it with `az` on PATH handed to
// the real az CLI, logged out (az-parse-shim.sh): every command must reach az's login gate
// (exit 1), none may be refused by its parser (exit 2).
test('the copied bash script runs in bash, every az command parsed by the real az CLI', async () => {
  const realAz = path.join(process.env.BYOCNI_TOOLS ?? path.join(os.homedir(), '.cache/byocni'), 'az-venv/bin/az');
  assert.ok(fs.existsSync(realAz), `the real az CLI is installed at ${realAz} (bash scripts/setup.sh)`);
  const { page, context } = await newPage();
  await page.click('#tab-bash');
  await page.click('#copy-export');
  const script = await clipboardMatching(page, /--network-plugin none/);
  await context.close();
  const dir = tempDir();
  const file = path.join(dir, 'create-cluster.sh');
  fs.writeFileSync(file, script);
  await run('shellcheck', ['--shell=bash', file]).catch((e) => assert.fail(`shellcheck: ${e.stdout}`));
  fs.copyFileSync(path.join(here, 'az-parse-shim.sh'), path.join(dir, 'az'));
  fs.chmodSync(path.join(dir, 'az'), 0o755);
  // The script installs the CNI right after the cluster (helm or kubectl, then kubectl wait):
  // those only need to succeed here; tests/provision.rs runs them against the simulated tools.
  for (const tool of ['helm', 'kubectl']) {
    fs.writeFileSync(path.join(dir, tool), `#!/bin/sh\necho "$0 $*" >>"$BYOCNI_SHIM_DIR/${tool}.log"\n`, { mode: 0o755 });
  }
  const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, BYOCNI_REAL_AZ: realAz, BYOCNI_SHIM_DIR: dir };
  await run('bash', [file], { env, timeout: 300_000 })
    .catch((e) => assert.fail(`the copied script stopped (exit ${e.code}): ${e.stderr}`));
  const calls = fs.readFileSync(path.join(dir, 'az.log'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  const inScript = script.split('\n').filter((l) => /^az |=\$\(az /.test(l)).length;
  assert.ok(inScript >= 8, `the script creates the cluster with many az commands: ${inScript}`);
  assert.equal(calls.length, inScript, 'bash ran every az command of the script');
  for (const [rc, args] of calls) assert.equal(rc, '1', `az ${args}`);
  assert.ok(calls.some(([, a]) => /^aks create .*--network-plugin none --pod-cidr 10\.10\.0\.0\/16 /.test(a)), calls.join('\n'));
});

test('download the plan, upload it back, refuse a bad file', async () => {
  const { page, context } = await newPage();
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-plan')]);
  const saved = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  assert.equal(saved.podCidr, '10.10.0.0/16');
  saved.podCidr = '10.20.0.0/16';
  const dir = tempDir();
  const good = path.join(dir, 'plan.json');
  fs.writeFileSync(good, JSON.stringify(saved));
  await page.setInputFiles('#upload-plan', good);
  await page.waitForFunction(() => document.querySelector('#podCidr').value === '10.20.0.0/16');
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '{"version": 1, "cluster": {"name": "x"}, "colour": 1}');
  await page.setInputFiles('#upload-plan', bad);
  await page.waitForSelector('#notice.error');
  assert.match(await page.textContent('#notice'), /not loaded/);
  assert.equal(await page.inputValue('#podCidr'), '10.20.0.0/16', 'a bad file leaves the plan untouched');
  // The message names the field that is wrong (the export worker's core tracks where).
  const deep = path.join(dir, 'deep.json');
  saved.nodePools[0].count = 'three';
  fs.writeFileSync(deep, JSON.stringify(saved));
  await page.click('#notice button');
  await page.setInputFiles('#upload-plan', deep);
  await page.waitForSelector('#notice.error');
  assert.match(await page.textContent('#notice'), /deep\.json was not loaded.*at `nodePools\[0\]\.count`: invalid type: string "three", expected u32/);
  assert.equal(await page.inputValue('#podCidr'), '10.20.0.0/16');
  await context.close();
});

test('share link, reload, broken fragment', async () => {
  const { page, context } = await newPage();
  await setField(page, 'podCidr', '10.30.0.0/16');
  await page.click('#share');
  await page.waitForFunction(() => location.hash.startsWith('#v1='));
  const url = page.url();
  // A new page elsewhere (fresh storage) opens the same plan.
  const other = await newPage(url);
  await other.page.waitForFunction(() => document.querySelector('#notice')?.textContent.includes('Opened the shared plan'));
  assert.equal(await other.page.inputValue('#podCidr'), '10.30.0.0/16');
  await other.context.close();
  // Reload without the fragment: the autosaved plan.
  await page.goto(base);
  await page.waitForSelector('#summary');
  assert.equal(await page.inputValue('#podCidr'), '10.30.0.0/16');
  // A broken fragment: an error, and the saved plan stays.
  await page.goto(`${base}#v1=this-is-not-a-plan`);
  await page.reload();
  await page.waitForSelector('#notice.error');
  assert.match(await page.textContent('#notice'), /damaged|cannot be read/);
  assert.equal(await page.inputValue('#podCidr'), '10.30.0.0/16');
  await context.close();
});

test('10,000 connected networks: edit timing (recorded, not asserted)', async () => {
  const { page, context } = await newPage();
  const plan = JSON.parse(fs.readFileSync(path.resolve(here, '../fixtures/seed.json'), 'utf8'));
  plan.connectedNetworks = Array.from({ length: 10000 }, (_, i) => ({ name: `n${i}`, cidr: `20.${(i >> 8) & 255}.${i & 255}.0/24` }));
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'big.json'), JSON.stringify(plan));
  await page.setInputFiles('#upload-plan', path.join(dir, 'big.json'));
  await page.waitForFunction(() => document.querySelector('legend')?.parentElement && document.body.textContent.includes('Connected networks (10000)'));
  // The worst case: the export panel in view, so every edit is rendered by the export worker too.
  await page.locator('#export-h').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelector('#export-text').textContent.includes('--network-plugin none'));
  const times = [];
  for (let i = 0; i < 15; i++) {
    times.push(await page.evaluate((v) => new Promise((resolve) => {
      const input = document.querySelector('#podCidr');
      const t0 = performance.now();
      input.value = v;
      input.dispatchEvent(new Event('change', { bubbles: true }));
      requestAnimationFrame(() => resolve(performance.now() - t0));
    }), i % 2 ? '10.10.0.0/16' : '10.0.0.0/16'));
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  fs.writeFileSync(path.join(artifacts, 'edit-10k.json'), JSON.stringify({ medianMs: median, samplesMs: times }, null, 2));
  assert.ok(times.length === 15);
  assert.match(await page.textContent('#summary'), /error|No problems/);
  await page.screenshot({ path: path.join(artifacts, 'planner-10k.png') });
  await context.close();
});

test('first-load transfer (gzip) is recorded; the export worker loads when its panel comes into view', async () => {
  // Every file the page fetches until the planner is on screen, as the bytes that crossed the
  // wire: the build's gzip twins (zopfli), sent with Content-Encoding: gzip.
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const responses = [];
  page.on('response', (r) => {
    if (r.ok() && r.url().startsWith(base)) responses.push(r);
  });
  const transferred = async (list) => Object.fromEntries(await Promise.all(list.map(async (r) => {
    const p = new URL(r.url()).pathname;
    assert.equal((await r.allHeaders())['content-encoding'], 'gzip', `${p} is sent gzipped`);
    const file = path.join(dist, p === '/' ? 'index.html' : decodeURIComponent(p));
    // The browser's count of body bytes received; requests made inside the worker report none
    // there, and count by their Content-Length.
    const sent = (await r.request().sizes()).responseBodySize || Number((await r.allHeaders())['content-length']);
    // The wire carries the twin as built: it is what the figure counts, and it inflates to the file.
    assert.equal(sent, fs.statSync(`${file}.gz`).size, `${p}: the bytes sent are its gzip twin`);
    assert.ok(zlib.gunzipSync(fs.readFileSync(`${file}.gz`)).equals(fs.readFileSync(file)), `${p}.gz inflates to ${p}`);
    return [p, sent];
  })));
  await page.goto(base);
  await page.waitForSelector('#summary');
  await page.waitForLoadState('networkidle');
  const firstLoad = [...responses];
  const sizes = await transferred(firstLoad);
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  for (const kind of ['.html', '.js', '.wasm']) {
    assert.ok(Object.keys(sizes).some((p) => p.endsWith(kind) || (kind === '.html' && p === '/')), `first load fetches a ${kind}`);
  }
  // The stylesheet comes inside the page.
  assert.ok(await page.evaluate(() => document.querySelector('style')?.textContent.includes('--panel')), 'the page holds its styles');
  // The budget: 150 KB (150,000 bytes) of first-load transfer.
  assert.ok(total <= 150_000, `first-load transfer ${total} bytes, over the 150,000-byte budget: ${JSON.stringify(sizes)}`);
  assert.ok(!Object.keys(sizes).some((p) => p.includes('byocni-web-exports')), `the export worker waits: ${Object.keys(sizes)}`);
  // Scrolling to the export panel starts the worker, which renders the plan.
  await page.locator('#export-h').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelector('#export-text').textContent.includes('--network-plugin none'));
  const later = await transferred(responses.filter((r) => !firstLoad.includes(r)));
  // Its files carry a content hash in their names, so no browser runs a cached earlier build.
  assert.ok(Object.keys(later).some((p) => /^\/byocni-web-exports-[0-9a-f]{16}_bg\.wasm$/.test(p)), `the worker loaded: ${Object.keys(later)}`);
  await context.close();
  fs.writeFileSync(path.join(artifacts, 'transfer.json'), JSON.stringify({
    totalGzipBytes: total,
    sizes,
    onDemandGzipBytes: Object.values(later).reduce((a, b) => a + b, 0),
    onDemand: later,
  }, null, 2));
});
