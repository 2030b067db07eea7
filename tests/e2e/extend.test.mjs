// Browser journey of price quotes and extensions through the web UI, against a real parkd
// on a temporary database: the booking form shows the server's quote before confirming
// (and its refusal when the lot is full), and a reservation's card extends it to a later
// end, or shows why it cannot.
// Run: PARKD_BINARY=build/release/parkd node --test tests/e2e/extend.test.mjs
// Screenshots of every step: $E2E_ARTIFACTS (default build/e2e-artifacts)/extend.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  skipReason, startJourney, stopJourney, openBrowser, artifactsDir, tomorrowIn, zonedToUtc, see, seeCount,
  waitForPath, ADMIN_EMAIL, ADMIN_PASSWORD,
} from './support.mjs'

const SKIP = skipReason()
if (SKIP) console.log(`# SKIP extend journey: ${SKIP}`)

const TZ = 'Asia/Kolkata'
let parkd
let ui
let api

before(async () => {
  if (SKIP) return
  ;({ parkd, ui, api } = await startJourney())
})

after(() => stopJourney({ parkd, ui }, 'extend-parkd-log'))

// What the server says of an extended reservation: the new end, the cost of the whole
// window, still Reserved.
async function assertExtendedOnServer(token, id, end, cost) {
  const got = (await api.must('GET', `/api/bookings/${id}`, { token })).booking
  assert.equal(Date.parse(got.reserved_end), Date.parse(end))
  assert.equal(got.total_cost, cost)
  assert.equal(got.status, 'Reserved')
}

test('extend: the quote before booking is what the server charges; a reservation is extended, a collision refused', { skip: SKIP || false, timeout: 180000 }, async () => {
  const admin = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
  const lot = (await api.must('POST', '/api/lots', { token: admin, body: { name: 'Quay Lot', address: '1 Quay', capacity: 2, price_per_hour: 3 } })).lot
  const tiny = (await api.must('POST', '/api/lots', { token: admin, body: { name: 'Tiny Lot', address: '2 Lane', capacity: 1, price_per_hour: 4 } })).lot
  const driver = await api.register('erin@test.local', 'erin-pass-12', 'Erin')
  const other = await api.register('olga@test.local', 'olga-pass-12', 'Olga')
  // The driver is parked at the tiny lot (so it is full), with no end to extend.
  await api.must('POST', '/api/book', { token: driver, body: { lot_id: tiny.id } })

  const day = tomorrowIn(TZ)
  const at = (hhmm) => new Date(zonedToUtc(`${day}T${hhmm}`, TZ)).toISOString()
  const b = await openBrowser(artifactsDir('extend'), { timezoneId: TZ })
  const { page } = b
  const quotes = []
  page.on('request', (r) => r.url().endsWith('/api/quote') && quotes.push(JSON.parse(r.postData())))
  try {
    // 1. Log in; the parked stay's card offers no extension (it has no end).
    await page.goto(ui.origin + '/login')
    await page.getByLabel('Email or username').fill('erin@test.local')
    await page.getByLabel('Password').fill('erin-pass-12')
    await page.getByRole('button', { name: 'Log in' }).click()
    await waitForPath(page, '/')
    const parked = page.locator('[data-testid="booking-card"]', { hasText: 'Parked now' })
    await see(parked, 'Tiny Lot · Spot 1')
    await seeCount(parked.getByRole('button', { name: 'Extend' }), 0)

    // 2. The full lot's form shows the quote's refusal in the server's words.
    const full = await api.call('POST', '/api/quote', { token: driver, body: { lot_id: tiny.id } })
    assert.equal(full.status, 409)
    await page.goto(`${ui.origin}/lots/${tiny.id}`)
    await see(page.getByTestId('quote-error'), full.body.message)
    await b.shot('quote-lot-full')

    // 3. Reserve tomorrow 10:00–11:30: the form shows the server's quote (spot, window,
    // cost) before anything is booked; typing is debounced into few quote requests.
    await page.goto(`${ui.origin}/lots/${lot.id}`)
    await see(page.getByTestId('quote-spot'), 'Spot 1') // parking now, the first free spot
    await page.getByLabel('Reserve a window').check()
    const asked = quotes.length
    await page.getByLabel('From').fill(`${day}T10:00`)
    await page.getByLabel('Until').fill(`${day}T11:30`)
    await see(page.getByTestId('quote-window'), /10:00\s?AM – 11:30\s?AM/)
    const shown = await see(page.getByTestId('estimate-cost'), '₹4.50')
    await see(page.getByTestId('estimate'), /Duration\s*1 h 30 min/)
    await see(page.getByTestId('estimate'), /Cost \(INR\)/)
    await see(page.getByTestId('quote-spot'), 'Spot 1')
    assert.ok(quotes.length - asked <= 3, `a burst of changes asks for few quotes (${quotes.length - asked})`)
    const last = quotes.at(-1)
    assert.deepEqual([last.booking_type, last.reserved_start, last.reserved_end], ['reserved', at('10:00'), at('11:30')])
    const quoted = await api.must('POST', '/api/quote', { token: driver, body: last })
    assert.equal(quoted.quote.total_cost, 4.5)
    assert.equal(shown, '₹4.50')
    const booked = await api.must('GET', '/api/bookings?status=Reserved', { token: driver })
    assert.equal(booked.bookings.length, 0, 'a quote books nothing')
    await b.shot('quote-shown')

    // 4. Confirm: the server charges what the quote said.
    await page.getByRole('button', { name: 'Reserve', exact: true }).click()
    await waitForPath(page, '/')
    const card = page.locator('[data-testid="booking-card"]', { hasText: 'Reservation' })
    await see(card.getByTestId('window'), /10:00\s?AM – 11:30\s?AM/)
    await see(card, '₹4.50')
    const mine = (await api.must('GET', '/api/bookings?status=Reserved', { token: driver })).bookings
    assert.equal(mine.length, 1)
    const id = mine[0].id
    assert.equal(mine[0].total_cost, quoted.quote.total_cost)
    assert.equal(mine[0].spot_id, quoted.quote.spot_id)
    await b.shot('reserved')

    // 5. Another driver reserves the same spot from 12:00. Extending by the default hour
    // (to 12:30) collides: the card shows the server's 409 and keeps the old window.
    await api.must('POST', '/api/book', {
      token: other,
      body: { lot_id: lot.id, spot_id: mine[0].spot_id, booking_type: 'reserved', reserved_start: at('12:00'), reserved_end: at('13:00') },
    })
    const refused = await api.call('POST', `/api/bookings/${id}/extend`, { token: driver, body: { reserved_end: at('12:30') } })
    assert.equal(refused.status, 409)
    await card.getByRole('button', { name: 'Extend' }).click()
    const newEnd = card.getByLabel('New end')
    assert.equal(await newEnd.inputValue(), `${day}T12:30`, 'the default is an hour after the current end')
    await card.getByRole('button', { name: 'Extend until then' }).click()
    await see(card.getByTestId('extend-error'), refused.body.message)
    await see(card.getByTestId('extend-error'), /collides with a booking .*12:00\s?PM – 1:00\s?PM/)
    await see(card.getByTestId('window'), /10:00\s?AM – 11:30\s?AM/)
    await b.shot('extend-conflict')

    // 6. Extend to 12:00 instead: the card shows the new end and cost; so does the server.
    await newEnd.fill(`${day}T12:00`)
    await card.getByRole('button', { name: 'Extend until then' }).click()
    await see(card.getByTestId('window'), /10:00\s?AM – 12:00\s?PM/)
    await see(card, '₹6.00')
    await seeCount(card.getByTestId('extend-form'), 0)
    await assertExtendedOnServer(driver, id, at('12:00'), 6)
    await b.shot('extended')

    // 7. After a reload the card still shows the server's window.
    await page.reload()
    await see(card.getByTestId('window'), /10:00\s?AM – 12:00\s?PM/)

    assert.deepEqual(b.problems, [], 'no script errors and every input labelled')
  } catch (e) {
    await b.shot('FAILED').catch(() => {})
    throw e
  } finally {
    await b.close()
  }
})

test('extend: a reservation in the history table is extended there, a collision refused in the server\'s words', { skip: SKIP || false, timeout: 180000 }, async () => {
  const admin = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
  const lot = (await api.must('POST', '/api/lots', { token: admin, body: { name: 'Ledger Lot', address: '3 Row', capacity: 1, price_per_hour: 3 } })).lot
  const driver = await api.register('hana@test.local', 'hana-pass-123', 'Hana')
  const other = await api.register('ivan@test.local', 'ivan-pass-123', 'Ivan')

  const day = tomorrowIn(TZ)
  const at = (hhmm) => new Date(zonedToUtc(`${day}T${hhmm}`, TZ)).toISOString()
  const reserve = (token, from, until) =>
    api.must('POST', '/api/book', { token, body: { lot_id: lot.id, booking_type: 'reserved', reserved_start: at(from), reserved_end: at(until) } })
  // A cancelled reservation and a reservation to extend, both the driver's; another
  // driver's reservation of the same (only) spot from 15:30.
  const cancelled = (await reserve(driver, '08:00', '09:00')).booking
  await api.must('POST', `/api/bookings/${cancelled.id}/cancel`, { token: driver })
  const mine = (await reserve(driver, '14:00', '15:00')).booking
  await reserve(other, '15:30', '16:30')

  const b = await openBrowser(artifactsDir('extend-history'), { timezoneId: TZ })
  const { page } = b
  try {
    // 1. The history table offers Extend on the reservation, not on the cancelled one.
    await page.goto(ui.origin + '/login')
    await page.getByLabel('Email or username').fill('hana@test.local')
    await page.getByLabel('Password').fill('hana-pass-123')
    await page.getByRole('button', { name: 'Log in' }).click()
    await waitForPath(page, '/')
    await page.goto(ui.origin + '/bookings')
    const row = page.locator(`tr[data-booking-id="${mine.id}"]`)
    await see(row.getByTestId('when'), /2:00\s?PM – 3:00\s?PM/)
    await see(row, '₹3.00')
    await see(page.locator(`tr[data-booking-id="${cancelled.id}"]`), 'Cancelled')
    await seeCount(page.locator(`tr[data-booking-id="${cancelled.id}"]`).getByRole('button', { name: 'Extend' }), 0)
    await b.shot('history')

    // 2. By default an hour later (16:00): that collides with the other driver's 15:30,
    // and the table shows the server's 409 with that window; the row keeps its window.
    const refused = await api.call('POST', `/api/bookings/${mine.id}/extend`, { token: driver, body: { reserved_end: at('16:00') } })
    assert.equal(refused.status, 409)
    await seeCount(row.getByRole('button', { name: 'Extend' }), 1)
    await row.getByRole('button', { name: 'Extend' }).click()
    const form = page.getByTestId('extend-form')
    const newEnd = form.getByLabel('New end')
    assert.equal(await newEnd.inputValue(), `${day}T16:00`, 'the default is an hour after the current end')
    await form.getByRole('button', { name: 'Extend until then' }).click()
    await see(form.getByTestId('extend-error'), refused.body.message)
    await see(form.getByTestId('extend-error'), /collides with a booking .*3:30\s?PM – 4:30\s?PM/)
    await see(row.getByTestId('when'), /2:00\s?PM – 3:00\s?PM/)
    await b.shot('history-extend-conflict')

    // 3. Until 15:30 instead: the row shows the new end and cost; so does the server.
    await newEnd.fill(`${day}T15:30`)
    await form.getByRole('button', { name: 'Extend until then' }).click()
    await see(row.getByTestId('when'), /2:00\s?PM – 3:30\s?PM/)
    await see(row, '₹4.50')
    await seeCount(page.getByTestId('extend-form'), 0)
    await assertExtendedOnServer(driver, mine.id, at('15:30'), 4.5)
    await b.shot('history-extended')

    // 4. After a reload the table still shows the server's window.
    await page.reload()
    await see(row.getByTestId('when'), /2:00\s?PM – 3:30\s?PM/)

    assert.deepEqual(b.problems, [], 'no script errors and every input labelled')
  } catch (e) {
    await b.shot('FAILED').catch(() => {})
    throw e
  } finally {
    await b.close()
  }
})
