// Browser journey of the live stream (GET /api/events) through the web UI, against a real
// parkd on a temporary database: a booking made in one browser appears in another
// browser's spot grid without a reload, and the "Live" indicator tells the truth.
// Run: PARKD_BINARY=build/release/parkd node --test tests/e2e/live.test.mjs
// Screenshots of every step: $E2E_ARTIFACTS (default build/e2e-artifacts)/live.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  skipReason, startJourney, stopJourney, openBrowser, artifactsDir, see, seeCount, waitForPath,
  ADMIN_EMAIL, ADMIN_PASSWORD,
} from './support.mjs'

const SKIP = skipReason()
if (SKIP) console.log(`# SKIP live journey: ${SKIP}`)

let parkd
let ui
let api

before(async () => {
  if (SKIP) return
  ;({ parkd, ui, api } = await startJourney())
})

after(() => stopJourney({ parkd, ui }, 'live-parkd-log'))

async function logIn(page, email, password, home) {
  await page.goto(ui.origin + '/login')
  await page.getByLabel('Email or username').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await waitForPath(page, home)
}

test('live: a spot booked in one browser turns occupied in another one\'s grid, no reload', { skip: SKIP || false, timeout: 180000 }, async () => {
  const admin = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
  const lot = (await api.must('POST', '/api/lots', { token: admin, body: { name: 'Live Lot', address: '7 Stream St', capacity: 6, price_per_hour: 2 } })).lot
  await api.register('watcher@test.local', 'watcher-pass-1', 'Wanda')
  const booker = await api.register('booker@test.local', 'booker-pass-1', 'Bert')

  const watcher = await openBrowser(artifactsDir('live'))
  const second = await openBrowser(artifactsDir('live-booker'))
  const page = watcher.page
  try {
    // 1. The first browser opens the lot's spot grid; the stream is up.
    await logIn(page, 'watcher@test.local', 'watcher-pass-1', '/')
    await page.goto(`${ui.origin}/lots/${lot.id}`)
    await see(page.locator('h1'), 'Live Lot')
    await seeCount(page.locator('.spot'), 6)
    const status = page.getByTestId('live-status')
    await see(status, /^Live$/)
    assert.match(await status.getAttribute('aria-label'), /^Live\b/, 'the indicator has an accessible label')
    assert.equal(await page.getByRole('status', { name: /^Live: / }).count(), 1)
    await see(page.getByTestId('available'), '6')
    await page.locator('[data-spot="3"][data-kind="free"]').waitFor()
    await page.evaluate(() => (window.__sameDocument = true)) // gone if the page reloads
    await watcher.shot('grid-live')

    // 2. The second browser, another driver, books spot 3 through the UI.
    await logIn(second.page, 'booker@test.local', 'booker-pass-1', '/')
    await second.page.goto(`${ui.origin}/lots/${lot.id}`)
    await second.page.locator('[data-spot="3"]').click()
    await see(second.page.getByTestId('spot-choice'), 'Spot 3')
    const booked = Date.now()
    await second.page.getByRole('button', { name: 'Park now', exact: true }).click()
    await waitForPath(second.page, '/')
    await second.shot('booked-spot-3')

    // 3. The first browser's grid shows spot 3 occupied and one spot fewer free, within a
    // few seconds (its fallback poll would take a minute), without a reload.
    await page.locator('[data-spot="3"][data-kind="occupied"]').waitFor({ timeout: 5000 })
    await see(page.getByTestId('available'), /^5$/, 5000)
    console.log(`# the booking reached the other browser's grid in ${Date.now() - booked} ms`)
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded')
    await watcher.shot('grid-updated')

    // 4. Offline: the indicator says so; meanwhile spot 3 is released and spot 5 taken.
    // Back online, the stream reconnects and its fresh snapshot (and a grid read) shows both.
    await watcher.context.setOffline(true)
    await see(status, /^Offline$/)
    await watcher.shot('offline')
    const mine = await api.must('GET', '/api/bookings?status=Active', { token: booker })
    await api.must('POST', `/api/release/${mine.bookings[0].id}`, { token: booker })
    const spot5 = (await api.must('GET', `/api/lots/${lot.id}/spots`, { token: booker })).spots.find((s) => s.spot_number === 5)
    await api.must('POST', '/api/book', { token: booker, body: { lot_id: lot.id, spot_id: spot5.id } })
    await watcher.context.setOffline(false)
    await see(status, /^Live$/, 10000)
    await page.locator('[data-spot="5"][data-kind="occupied"]').waitFor({ timeout: 5000 })
    await page.locator('[data-spot="3"][data-kind="free"]').waitFor({ timeout: 5000 })
    await see(page.getByTestId('available'), /^5$/)
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded')
    await watcher.shot('back-online')

    // 5. parkd restarts: the stream ends, the page retries with backoff and says so, then
    // it is live again and the new stream carries the next booking.
    await parkd.restart(async () => {
      await see(status, /^Reconnecting…$/, 5000)
      await watcher.shot('reconnecting')
    })
    await see(status, /^Live$/, 20000)
    const spot1 = (await api.must('GET', `/api/lots/${lot.id}/spots`, { token: booker })).spots.find((s) => s.spot_number === 1)
    await api.must('POST', '/api/book', { token: admin, body: { lot_id: lot.id, spot_id: spot1.id } })
    await page.locator('[data-spot="1"][data-kind="occupied"]').waitFor({ timeout: 5000 })
    await see(page.getByTestId('available'), /^4$/, 5000)
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded')
    await watcher.shot('live-after-restart')

    assert.deepEqual(watcher.problems, [], 'no script errors in the first page')
    assert.deepEqual(second.problems, [], 'no script errors in the second page')
  } catch (e) {
    await watcher.shot('FAILED').catch(() => {})
    await second.shot('FAILED').catch(() => {})
    throw e
  } finally {
    await watcher.close()
    await second.close()
  }
})

test('live: a driver\'s booking appears in an operator\'s bookings list, and its release there, no reload', { skip: SKIP || false, timeout: 180000 }, async () => {
  const admin = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
  const lot = (await api.must('POST', '/api/lots', { token: admin, body: { name: 'Desk Lot', address: '9 Desk Rd', capacity: 3, price_per_hour: 2 } })).lot
  const driver = await api.register('dora@test.local', 'dora-pass-123', 'Dora')

  const operator = await openBrowser(artifactsDir('live-admin-bookings'))
  const { page } = operator
  try {
    // 1. The operator opens the bookings list, filtered by the new lot: none yet.
    await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD, '/admin')
    await page.goto(`${ui.origin}/admin/bookings?lot_id=${lot.id}`)
    await see(page.getByTestId('admin-bookings-summary'), /^0 bookings/)
    await see(page.getByTestId('live-status'), /^Live$/)
    await page.evaluate(() => (window.__sameDocument = true)) // gone if the page reloads
    await operator.shot('no-bookings')

    // 2. A driver books: the row appears within a few seconds (polling would take a
    // minute), without a reload.
    const booked = (await api.must('POST', '/api/book', { token: driver, body: { lot_id: lot.id, vehicle_number: 'KA-01-7' } })).booking
    const row = page.locator(`tr[data-booking-id="${booked.id}"]`)
    await see(row, 'dora@test.local', 5000)
    await see(row, 'KA-01-7')
    await see(row, 'Active')
    await see(page.getByTestId('admin-bookings-summary'), /^1 booking\b/)
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded')
    await operator.shot('booking-appeared')

    // 3. The driver releases it: the row says Completed, still without a reload.
    await api.must('POST', `/api/release/${booked.id}`, { token: driver })
    await see(row, 'Completed', 5000)
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded')
    await operator.shot('booking-completed')

    assert.deepEqual(operator.problems, [], 'no script errors')
  } catch (e) {
    await operator.shot('FAILED').catch(() => {})
    throw e
  } finally {
    await operator.close()
  }
})
