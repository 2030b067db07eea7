// Browser journey of the operator's Jobs page against a real parkd on a temporary
// database: a job queued by an HTTP request shows that request's id (what parkd's log
// lines about it carry), ready to copy; a job queued without a request shows none.
// Run: PARKD_BINARY=build/release/parkd node --test tests/e2e/jobs.test.mjs
// Screenshots of every step: $E2E_ARTIFACTS (default build/e2e-artifacts)/jobs-request-id.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  skipReason, startJourney, stopJourney, openBrowser, artifactsDir, runParkd, see, seeCount, waitForPath,
  ADMIN_EMAIL, ADMIN_PASSWORD,
} from './support.mjs'

const SKIP = skipReason()
if (SKIP) console.log(`# SKIP jobs journey: ${SKIP}`)

let parkd
let ui
let api

before(async () => {
  if (SKIP) return
  ;({ parkd, ui, api } = await startJourney())
})

after(() => stopJourney({ parkd, ui }, 'jobs-request-id-parkd-log'))

test('jobs: a booking confirmation shows the id of the request that booked, a job from the CLI none', { skip: SKIP || false, timeout: 180000 }, async () => {
  const admin = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
  const lot = (await api.must('POST', '/api/lots', { token: admin, body: { name: 'Log Lot', address: '4 Trace St', capacity: 2, price_per_hour: 2 } })).lot
  const driver = await api.register('gus@test.local', 'gus-pass-1234', 'Gus')

  // A booking queues its confirmation job; the answer names the request in X-Request-Id.
  const res = await fetch(`${parkd.base}/api/book`, {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + driver, 'Content-Type': 'application/json' },
    body: JSON.stringify({ lot_id: lot.id }),
  })
  assert.equal(res.status, 201)
  const requestId = res.headers.get('X-Request-Id')
  assert.ok(requestId, 'the answer carries X-Request-Id')
  const listed = await api.must('GET', '/api/admin/jobs?type=booking_confirmation', { token: admin })
  assert.equal(listed.jobs.length, 1)
  const confirmation = listed.jobs[0]
  assert.equal(confirmation.request_id, requestId, 'the job keeps the id of the request that queued it')
  // A job queued from the command line has no request.
  runParkd(parkd, ['job', 'enqueue', 'selftest'])
  const selftest = (await api.must('GET', '/api/admin/jobs?type=selftest', { token: admin })).jobs[0]
  assert.equal(selftest.request_id, null)

  const b = await openBrowser(artifactsDir('jobs-request-id'))
  const { page } = b
  try {
    await page.goto(ui.origin + '/login')
    await page.getByLabel('Email or username').fill(ADMIN_EMAIL)
    await page.getByLabel('Password').fill(ADMIN_PASSWORD)
    await page.getByRole('button', { name: 'Log in' }).click()
    await waitForPath(page, '/admin')
    await page.goto(ui.origin + '/admin/jobs')

    // 1. The confirmation's row shows the request id, as the API gives it.
    const row = page.locator(`tbody[data-job="${confirmation.id}"]`)
    await see(row, 'booking confirmation')
    const shown = await see(row.getByTestId('job-request-id'), requestId)
    assert.equal(shown.trim(), confirmation.request_id)

    // 2. The job from the command line shows no request id.
    const cli = page.locator(`tbody[data-job="${selftest.id}"]`)
    await see(cli, 'selftest')
    await seeCount(cli.getByTestId('job-request-id'), 0)
    await b.shot('request-ids')

    // 3. Copy puts the id on the clipboard, ready for grep.
    await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ui.origin })
    await row.getByRole('button', { name: `Copy request id of job ${confirmation.id}` }).click()
    await see(page.locator('body'), `Request id ${requestId} copied`)
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), requestId)

    assert.deepEqual(b.problems, [], 'no script errors')
  } catch (e) {
    await b.shot('FAILED').catch(() => {})
    throw e
  } finally {
    await b.close()
  }
})
