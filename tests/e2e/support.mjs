// End-to-end support: a real parkd on a temporary database, the built web UI, Debian's
// chromium driven by playwright-core (from web/node_modules; no browser download), and a
// screenshot per step kept under $E2E_ARTIFACTS.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { existsSync, mkdirSync, mkdtempSync, rmSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer, request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import net from 'node:net'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
export const ADMIN_EMAIL = 'admin@test.local'
export const ADMIN_PASSWORD = 'admin-pass-1'

// Why the suite cannot run here (then it is skipped with this message), or null.
export function skipReason() {
  if (!existsSync(CHROMIUM)) {
    return `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`
  }
  if (!loadPlaywright()) {
    return 'playwright-core is not installed: run `npm ci` in web/ (it is a devDependency)'
  }
  if (!process.env.PARKD_BINARY && !existsSync(path.join(repoRoot, 'build/release/parkd'))) {
    return 'no parkd binary: set PARKD_BINARY or run `make build`'
  }
  return null
}

let playwright
export function loadPlaywright() {
  if (playwright !== undefined) return playwright
  try {
    const req = createRequire(path.join(repoRoot, 'web/package.json'))
    playwright = req('playwright-core')
  } catch {
    playwright = null
  }
  return playwright
}

export function parkdBinary() {
  const bin = process.env.PARKD_BINARY || path.join(repoRoot, 'build/release/parkd')
  if (!existsSync(bin)) throw new Error(`PARKD_BINARY ${bin} does not exist`)
  return path.resolve(bin)
}

// The built UI: $E2E_WEB_DIR, else the web/ beside the binary, else web/dist.
export function webDir(bin) {
  const candidates = [process.env.E2E_WEB_DIR, path.join(path.dirname(bin), 'web'), path.join(repoRoot, 'web/dist')]
  for (const c of candidates) if (c && existsSync(path.join(c, 'index.html'))) return path.resolve(c)
  throw new Error('the web UI is not built: run scripts/build-web.sh build/release/web (or npm run build in web/)')
}

export function artifactsDir(name) {
  const base = process.env.E2E_ARTIFACTS || path.join(repoRoot, 'build/e2e-artifacts')
  const dir = path.resolve(base, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  return dir
}

// parkd and the origin its web UI is served from, for one test file's journeys.
export async function startJourney() {
  const parkd = await startParkd()
  const ui = await uiOrigin(parkd)
  console.log(`# parkd on ${parkd.base}; UI served by ${ui.servedBy} at ${ui.origin}`)
  return { parkd, ui, api: apiClient(parkd.base) }
}

// Stops what startJourney started, keeping parkd's log under artifacts/<logName>.
export async function stopJourney({ parkd, ui }, logName) {
  await ui?.close()
  if (!parkd) return
  writeFileSync(path.join(artifactsDir(logName), 'parkd.log'), parkd.log.join(''))
  await parkd.stop()
}

// Tomorrow's date in a time zone, "YYYY-MM-DD".
export function tomorrowIn(timeZone) {
  const d = new Date(Date.now() + 86400000)
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// Starts parkd on a free port with a temporary database; resolves when /healthz answers.
export async function startParkd() {
  const bin = parkdBinary()
  const dist = webDir(bin)
  const tmp = mkdtempSync(path.join(tmpdir(), 'parkd-e2e-'))
  const port = await freePort()
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:///${tmp}/p.db`,
    INSTANCE_DIR: `${tmp}/instance`,
    OUTBOX_DIR: `${tmp}/outbox`,
    SECRET_KEY: 'test-secret-key-0123456789abcdef',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    WEB_DIR: dist,
    LOG_LEVEL: process.env.E2E_LOG_LEVEL || 'info',
  }
  const log = []
  const base = `http://127.0.0.1:${port}`
  let child
  let exited

  // Spawns parkd and waits for /healthz.
  async function launch() {
    child = spawn(bin, ['serve'], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.on('data', (d) => log.push(String(d)))
    child.stderr.on('data', (d) => log.push(String(d)))
    exited = null
    child.on('exit', (code, sig) => (exited = { code, sig }))
    const deadline = Date.now() + 20000
    for (;;) {
      if (exited) throw new Error(`parkd exited (${JSON.stringify(exited)}):\n${log.join('')}`)
      try {
        const r = await fetch(base + '/healthz')
        if (r.ok) return
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new Error(`parkd did not answer /healthz within 20 s:\n${log.join('')}`)
      }
      await sleep(100)
    }
  }

  // SIGTERM, then SIGKILL after 5 s.
  async function halt() {
    if (exited) return
    child.kill('SIGTERM')
    const t = Date.now()
    while (!exited && Date.now() - t < 5000) await sleep(50)
    if (!exited) child.kill('SIGKILL')
  }

  await launch()
  return {
    base,
    port,
    tmp,
    dist,
    log,
    env,
    bin,
    // Stops parkd (SIGTERM) and starts it again on the same port and database; `whileDown`
    // runs in between.
    async restart(whileDown = async () => {}) {
      await halt()
      await whileDown()
      await launch()
    },
    async stop() {
      await halt()
      if (!process.env.E2E_KEEP_TMP) rmSync(tmp, { recursive: true, force: true })
    },
  }
}

// Runs a parkd command (e.g. ['job', 'enqueue', 'selftest']) on the database of a parkd
// from startParkd, with `extraEnv` on top of its environment; its stdout, or a thrown
// error naming the exit status and output.
export function runParkd(parkd, args, extraEnv = {}) {
  const r = spawnSync(parkd.bin, args, {
    cwd: parkd.tmp,
    env: { ...parkd.env, LOG_LEVEL: 'warn', ...extraEnv },
    encoding: 'utf8',
    timeout: 30000,
  })
  if (r.status !== 0) throw new Error(`parkd ${args.join(' ')} exited ${r.status}: ${r.stdout}${r.stderr}`)
  return r.stdout
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}
const API_PREFIXES = ['/api/', '/auth/', '/healthz', '/metrics']

// Where the browser goes: parkd itself when it serves the UI at / (WEB_DIR), else a small
// same-origin stand-in that serves the built files and passes the API through to parkd.
export async function uiOrigin(parkd) {
  try {
    const r = await fetch(parkd.base + '/')
    const text = await r.text()
    if (r.ok && /<div id="app">/.test(text)) {
      const deep = await fetch(parkd.base + '/admin/lots')
      if (deep.ok && /<div id="app">/.test(await deep.text())) return { origin: parkd.base, servedBy: 'parkd', close: async () => {} }
    }
  } catch {
    /* fall through */
  }
  const target = new URL(parkd.base)
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x')
    if (API_PREFIXES.some((p) => url.pathname === p.replace(/\/$/, '') || url.pathname.startsWith(p))) {
      const up = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode, r.headers)
          r.pipe(res)
        },
      )
      up.on('error', () => {
        res.writeHead(502, { 'Content-Type': 'application/json' })
        res.end('{"error":"bad_gateway","message":"parkd is not answering"}')
      })
      req.pipe(up)
      return
    }
    let file = path.join(parkd.dist, path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ''))
    if (!file.startsWith(parkd.dist) || !existsSync(file) || statSync(file).isDirectory()) {
      file = path.join(parkd.dist, 'index.html')
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' })
    res.end(readFileSync(file))
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const origin = `http://127.0.0.1:${server.address().port}`
  return { origin, servedBy: 'proxy (parkd does not serve WEB_DIR yet)', close: () => new Promise((r) => server.close(r)) }
}

// A tiny API client for setting the scene (the UI itself is what the tests check).
export function apiClient(base) {
  async function call(method, p, { token, body, headers = {} } = {}) {
    const h = { ...headers }
    if (token) h.Authorization = 'Bearer ' + token
    if (body !== undefined) h['Content-Type'] = 'application/json'
    const r = await fetch(base + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await r.text()
    let json = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = null
    }
    return { status: r.status, body: json, text }
  }
  return {
    call,
    async login(email, password) {
      const r = await call('POST', '/auth/login', { body: { email, password } })
      if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${r.text}`)
      return r.body.token
    },
    async register(email, password, username = '') {
      const r = await call('POST', '/auth/register', { body: { email, password, username } })
      if (r.status !== 201) throw new Error(`register ${email}: ${r.status} ${r.text}`)
      return r.body.token
    },
    async must(method, p, opts) {
      const r = await call(method, p, opts)
      if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${r.text}`)
      return r.body
    },
  }
}

// A fresh browser (fresh user-data-dir) with one page; every step gets a screenshot.
export async function openBrowser(dir, { viewport = { width: 1280, height: 860 }, timezoneId = 'Asia/Kolkata' } = {}) {
  const { chromium } = loadPlaywright()
  const profile = mkdtempSync(path.join(tmpdir(), 'parkd-e2e-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale: 'en-US',
    timezoneId,
    acceptDownloads: true,
  })
  context.setDefaultTimeout(15000)
  const page = context.pages()[0] || (await context.newPage())
  const problems = []
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('console', (m) => {
    // Failed requests (4xx answers the tests provoke on purpose) are logged by chromium
    // as "Failed to load resource"; anything else at error level is a bug in the UI.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console error: ${m.text()}`)
  })
  let n = 0
  const steps = []
  return {
    context,
    page,
    problems,
    async shot(name) {
      n += 1
      const file = path.join(dir, `${String(n).padStart(2, '0')}-${name}.png`)
      await page.waitForTimeout(150) // let charts and transitions settle
      await page.evaluate(() => window.scrollTo(0, 0)) // the sticky top bar stays on top
      // Every form control on every step has a label.
      const unlabelled = await page.evaluate(() =>
        [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
          .filter((el) => !el.labels?.length && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
          .map((el) => el.id || el.name || el.outerHTML.slice(0, 80)),
      )
      if (unlabelled.length) problems.push(`${name}: inputs without a label: ${unlabelled.join(', ')}`)
      await page.screenshot({ path: file, fullPage: true })
      steps.push(file)
      return file
    },
    async close() {
      writeFileSync(path.join(dir, 'steps.txt'), steps.map((s) => path.basename(s)).join('\n') + '\n')
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

// "2026-11-25T10:00" in the given IANA zone → the UTC instant (ms), for checking that the
// UI sent local times correctly. Works for zones without DST changes on that day.
export function zonedToUtc(local, timeZone) {
  const guess = Date.parse(local + ':00Z')
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  })
  const parts = Object.fromEntries(fmt.formatToParts(new Date(guess)).map((p) => [p.type, p.value]))
  const asIfUtc = Date.parse(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:00Z`)
  return guess - (asIfUtc - guess)
}

// Waits until the locator's text matches.
export async function see(locator, pattern, timeout = 10000) {
  const deadline = Date.now() + timeout
  let last = ''
  for (;;) {
    try {
      last = await locator.innerText({ timeout: 1000 })
      if (typeof pattern === 'string' ? last.includes(pattern) : pattern.test(last)) return last
    } catch {
      /* not there yet */
    }
    if (Date.now() > deadline) {
      const shown = await locator.page().locator('[data-testid="error"]').allInnerTexts().catch(() => [])
      const also = shown.length ? ` (the page shows the error: ${JSON.stringify(shown.join(' | '))})` : ''
      throw new assert.AssertionError({ message: `expected ${pattern} in: ${JSON.stringify(last)}${also}`, actual: last, expected: String(pattern) })
    }
    await sleep(100)
  }
}

// Waits until the locator matches `expected` elements: a list re-renders only once its
// page has loaded, while the pager shows the new range at once.
export async function seeCount(locator, expected, timeout = 10000) {
  const deadline = Date.now() + timeout
  for (;;) {
    const n = await locator.count()
    if (n === expected || Date.now() > deadline) return assert.equal(n, expected)
    await sleep(100)
  }
}

// A link of the main navigation.
export const nav = (page, name) => page.locator('#main-nav').getByRole('link', { name, exact: true })

export async function waitForPath(page, p, timeout = 10000) {
  await page.waitForURL((u) => u.pathname === p, { timeout })
}
