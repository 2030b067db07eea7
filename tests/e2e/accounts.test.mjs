// Browser journeys of accounts against a real parkd on a temporary database: a driver's
// Profile page (display name, password change and what it does to other tokens), an
// operator's user management (disable, enable, make admin), the booking page's advice
// when a lot is full, and the loading state and load failure of a page's code.
// Run: PARKD_BINARY=build/release/parkd node --test tests/e2e/accounts.test.mjs
// Screenshots of every step: $E2E_ARTIFACTS (default build/e2e-artifacts)/accounts-*.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  skipReason, startJourney, stopJourney, openBrowser, artifactsDir, see, seeCount, waitForPath,
  ADMIN_EMAIL, ADMIN_PASSWORD,
} from './support.mjs'

const SKIP = skipReason()
if (SKIP) console.log(`# SKIP accounts journeys: ${SKIP}`)

let parkd
let ui
let api
let admin

before(async () => {
  if (SKIP) return
  ;({ parkd, ui, api } = await startJourney())
  admin = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
})

after(() => stopJourney({ parkd, ui }, 'accounts-parkd-log'))

async function logIn(page, email, password, landing) {
  await page.goto(ui.origin + '/login')
  await page.getByLabel('Email or username').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await waitForPath(page, landing)
}

// Runs `steps` in a fresh browser, with a screenshot when it fails and no script errors.
async function inBrowser(name, steps) {
  const b = await openBrowser(artifactsDir(name))
  try {
    await steps(b)
    assert.deepEqual(b.problems, [], 'no script errors')
  } catch (e) {
    await b.shot('FAILED').catch(() => {})
    throw e
  } finally {
    await b.close()
  }
}

const storedToken = (page) => page.evaluate(() => localStorage.getItem('parkd.token'))

test('profile: display name, a wrong then a right current password, other tokens end', { skip: SKIP || false, timeout: 180000 }, async () => {
  await api.register('pat@test.local', 'pat-pass-1234', 'Pat')
  const elsewhere = await api.login('pat@test.local', 'pat-pass-1234') // another device's session

  await inBrowser('accounts-profile', async (b) => {
    const { page } = b
    await logIn(page, 'pat@test.local', 'pat-pass-1234', '/')
    const userName = page.getByTestId('user-name')
    await see(userName, 'Pat')

    // 1. The name in the top bar leads to the Profile page.
    await userName.click()
    await waitForPath(page, '/profile')
    await see(page.locator('h1'), 'Profile')
    assert.equal(await page.title(), 'Profile · parkd')
    await see(page.getByTestId('profile-email'), 'pat@test.local')
    await b.shot('profile')

    // 2. A new display name: saved, and the top bar shows it at once.
    const nameInput = page.getByRole('textbox', { name: 'Display name (optional)' })
    assert.equal(await nameInput.inputValue(), 'Pat')
    await nameInput.fill('Pat Parker')
    await page.getByRole('button', { name: 'Save name' }).click()
    await see(userName, 'Pat Parker')
    const me = await api.must('GET', '/auth/me', { token: elsewhere })
    assert.equal(me.user.username, 'Pat Parker')
    // A name with "@" is refused before sending.
    await nameInput.fill('pat@home')
    await page.getByRole('button', { name: 'Save name' }).click()
    await see(page.locator('#profile-name-err'), 'cannot contain “@”')
    await b.shot('name-saved')

    // 3. A wrong current password: the error at that field, and still logged in.
    const before = await storedToken(page)
    await page.getByLabel('Current password', { exact: true }).fill('not-my-password')
    await page.getByLabel('New password', { exact: true }).fill('pat-new-pass-5678')
    await page.getByLabel('Repeat the new password').fill('pat-new-pass-5678')
    await page.getByRole('button', { name: 'Change password' }).click()
    await see(page.locator('#profile-current-err'), 'The current password is wrong')
    await b.shot('wrong-current-password')
    await waitForPath(page, '/profile')
    assert.equal(await storedToken(page), before, 'the session is kept')
    await see(userName, 'Pat Parker')
    assert.equal((await api.call('GET', '/auth/me', { token: elsewhere })).status, 200, 'nothing changed')

    // 4. A password the server refuses (too common) is named at the new password.
    await page.getByLabel('Current password', { exact: true }).fill('pat-pass-1234')
    await page.getByLabel('New password', { exact: true }).fill('password123')
    await page.getByLabel('Repeat the new password').fill('password123')
    await page.getByRole('button', { name: 'Change password' }).click()
    await see(page.locator('#profile-new-err'), /too common/)
    assert.equal(await page.locator('#profile-current-err').count(), 0)

    // 5. The right one: changed; the form is cleared and this browser keeps working
    // with the new token, while the token from before is refused.
    await page.getByLabel('New password', { exact: true }).fill('pat-new-pass-5678')
    await page.getByLabel('Repeat the new password').fill('pat-new-pass-5678')
    await page.getByRole('button', { name: 'Change password' }).click()
    await see(page.getByTestId('toast').last(), 'Password changed')
    for (const label of ['Current password', 'New password', 'Repeat the new password']) {
      assert.equal(await page.getByLabel(label, { exact: true }).inputValue(), '', `${label} is cleared`)
    }
    const after = await storedToken(page)
    assert.ok(after && after !== before, 'the answer’s token is stored')
    await b.shot('password-changed')
    assert.equal((await api.call('GET', '/auth/me', { token: elsewhere })).status, 401, 'the other device is logged out')
    assert.equal((await api.call('GET', '/auth/me', { token: before })).status, 401, 'so is the old token of this browser')
    assert.equal((await api.call('GET', '/auth/me', { token: after })).status, 200)
    await page.reload()
    await see(page.locator('h1'), 'Profile')
    await see(userName, 'Pat Parker')
    await page.getByRole('link', { name: 'My bookings' }).click()
    await waitForPath(page, '/bookings')

    // 6. The new password logs in; the old one no longer does.
    assert.equal((await api.call('POST', '/auth/login', { body: { email: 'pat@test.local', password: 'pat-pass-1234' } })).status, 401)
    await api.login('pat@test.local', 'pat-new-pass-5678')
  })
})

test('users: an operator disables, enables and promotes a driver; never themself', { skip: SKIP || false, timeout: 180000 }, async () => {
  await api.register('rita@test.local', 'rita-pass-1234', 'Rita')
  const loginRita = () => api.call('POST', '/auth/login', { body: { email: 'rita@test.local', password: 'rita-pass-1234' } })

  await inBrowser('accounts-users', async (b) => {
    const { page } = b
    await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD, '/admin')
    await page.locator('#main-nav').getByRole('link', { name: 'Users', exact: true }).click()
    await waitForPath(page, '/admin/users')
    const row = page.locator('[data-user="rita@test.local"]')
    await see(row, 'Rita')
    await seeCount(row.locator('.badge'), 0)

    // 1. The admin's own row offers no change of their account.
    const own = page.locator(`[data-user="${ADMIN_EMAIL}"]`)
    await see(own, '(you)')
    await seeCount(own.getByRole('button', { name: /^(Disable|Enable|Make admin|Remove admin) / }), 0)
    await b.shot('users')

    // 2. Disable asks first; "No" changes nothing.
    await row.getByRole('button', { name: 'Disable rita@test.local' }).click()
    await row.getByRole('button', { name: 'No' }).click()
    await seeCount(row.getByRole('button', { name: 'Yes, disable' }), 0)
    assert.equal((await loginRita()).status, 200)

    // 3. Disabled: the row says so, and the driver can no longer log in.
    await row.getByRole('button', { name: 'Disable rita@test.local' }).click()
    await b.shot('disable-confirm')
    await row.getByRole('button', { name: 'Yes, disable' }).click()
    await see(row.locator('.badge-disabled'), 'disabled')
    await see(page.getByTestId('toast').last(), 'rita@test.local is disabled')
    await b.shot('disabled')
    const refused = await loginRita()
    assert.equal(refused.status, 403)
    assert.equal(refused.body.error, 'account_disabled')

    // 4. Enabled again.
    await row.getByRole('button', { name: 'Enable rita@test.local' }).click()
    await row.getByRole('button', { name: 'Yes, enable' }).click()
    await seeCount(row.locator('.badge-disabled'), 0)
    await row.getByRole('button', { name: 'Disable rita@test.local' }).waitFor()
    assert.equal((await loginRita()).status, 200)

    // 5. Made an admin: the row shows the badge, the server agrees.
    await row.getByRole('button', { name: 'Make admin rita@test.local' }).click()
    await row.getByRole('button', { name: 'Yes, make admin' }).click()
    await see(row.locator('.badge-admin'), 'admin')
    await row.getByRole('button', { name: 'Remove admin rita@test.local' }).waitFor()
    await b.shot('made-admin')
    const rita = (await api.must('GET', '/api/users', { token: admin })).users.find((u) => u.email === 'rita@test.local')
    assert.deepEqual(rita.roles, ['admin'])
    assert.equal(rita.disabled, false)

    // 6. After a reload the page shows what the server keeps.
    await page.reload()
    await see(row.locator('.badge-admin'), 'admin')
    await seeCount(row.locator('.badge-disabled'), 0)
  })
})

test('booking page: a full lot suggests a later reservation only when one can succeed', { skip: SKIP || false, timeout: 180000 }, async () => {
  const parked = (await api.must('POST', '/api/lots', { token: admin, body: { name: 'Solo Lot', address: '1 Lone Rd', capacity: 1, price_per_hour: 3 } })).lot
  const windowed = (await api.must('POST', '/api/lots', { token: admin, body: { name: 'Window Lot', address: '2 Lone Rd', capacity: 1, price_per_hour: 3 } })).lot
  const otto = await api.register('otto@test.local', 'otto-pass-1234', 'Otto')
  // Solo Lot: a car parked now, with no end. Window Lot: a reservation covering now.
  await api.must('POST', '/api/book', { token: otto, body: { lot_id: parked.id } })
  const start = new Date(Date.now() - 60000)
  const end = new Date(Date.now() + 2 * 3600000)
  await api.must('POST', '/api/book', {
    token: otto,
    body: { lot_id: windowed.id, booking_type: 'reserved', reserved_start: start.toISOString(), reserved_end: end.toISOString() },
  })
  await api.register('lena@test.local', 'lena-pass-1234', 'Lena')

  await inBrowser('accounts-lot-full', async (b) => {
    const { page } = b
    await logIn(page, 'lena@test.local', 'lena-pass-1234', '/')

    // 1. Every spot is held with no end: no later reservation can succeed either.
    await page.getByRole('link', { name: 'Book at Solo Lot' }).click()
    await waitForPath(page, `/lots/${parked.id}`)
    await see(page.locator('[data-spot="1"]'), '1')
    await page.getByRole('button', { name: 'Park now', exact: true }).click()
    await see(page.getByTestId('error'), 'No spot is free in this lot')
    const advice = await see(page.getByTestId('lot-full-advice'), 'no end time')
    assert.doesNotMatch(advice, /reserv/i, 'no reservation is suggested')
    await b.shot('full-open-ended')

    // 2. The only spot is taken by a reservation that ends: reserving later can work.
    await page.getByRole('link', { name: '← All lots' }).click()
    await page.getByRole('link', { name: 'Book at Window Lot' }).click()
    await waitForPath(page, `/lots/${windowed.id}`)
    await see(page.locator('[data-spot="1"]'), '1')
    await page.getByRole('button', { name: 'Park now', exact: true }).click()
    await see(page.getByTestId('error'), 'No spot is free in this lot')
    await see(page.getByTestId('lot-full-advice'), 'Try reserving a later window.')
    await b.shot('full-until-later')
  })
})

test('page code: a loading state while it loads, an error with Retry when it fails', { skip: SKIP || false, timeout: 180000 }, async () => {
  await api.register('ray@test.local', 'ray-pass-1234', 'Ray')

  await inBrowser('accounts-route-load', async (b) => {
    const { page } = b
    await logIn(page, 'ray@test.local', 'ray-pass-1234', '/')
    const profileCode = '**/assets/ProfileView-*.js'

    // 1. The page's code cannot be fetched (offline, or a new version removed it): an
    // error with Retry instead of nothing happening.
    await page.route(profileCode, (r) => r.abort('internetdisconnected'))
    await page.getByTestId('user-name').click()
    await see(page.getByTestId('route-error'), 'This page could not be loaded')
    await waitForPath(page, '/')
    await b.shot('load-failed')

    // 2. Retry, now slowly: the loading state, then the page.
    await page.unroute(profileCode)
    await page.route(profileCode, async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 1500))
      await r.continue()
    })
    await page.getByTestId('route-error').getByRole('button', { name: 'Retry' }).click()
    await see(page.locator('main'), 'Loading the page…')
    await b.shot('loading')
    await waitForPath(page, '/profile')
    await see(page.locator('h1'), 'Profile')
    await seeCount(page.getByTestId('route-error'), 0)
  })
})
