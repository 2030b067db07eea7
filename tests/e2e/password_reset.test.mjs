// Browser journey: a driver who forgot the password asks for a link on the login page,
// opens the emailed link (from the file transport's outbox), is refused a blank password
// by the page and a common one by the server, sets a good one and logs in with it. Run
// as journeys.test.mjs is.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { skipReason, startJourney, stopJourney, apiClient, openBrowser, artifactsDir, see } from './support.mjs'

const SKIP = skipReason()
if (SKIP) console.log(`# SKIP password reset journey: ${SKIP}`)

let parkd
let ui

before(async () => {
  if (SKIP) return
  ;({ parkd, ui } = await startJourney())
})

after(() => stopJourney({ parkd, ui }, 'reset-parkd-log'))

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// The token of the reset link in the outbox's email to `email` (quoted-printable undone:
// soft line breaks first, which may split the link).
async function tokenMailedTo(email) {
  const outbox = parkd.env.OUTBOX_DIR
  const deadline = Date.now() + 20000
  for (;;) {
    for (const name of existsSync(outbox) ? readdirSync(outbox) : []) {
      const raw = readFileSync(path.join(outbox, name), 'utf8')
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)))
      if (!raw.includes(email) || !raw.includes('Reset your parkd password')) continue
      const m = raw.match(/\/reset-password\?token=([A-Za-z0-9_-]{43})/)
      if (m) return m[1]
    }
    if (Date.now() > deadline) assert.fail(`no reset email for ${email} in ${outbox}`)
    await sleep(200)
  }
}

test('driver: forgot password, the emailed link, a refused password, a new one, log in', { skip: SKIP || false, timeout: 120000 }, async () => {
  const email = 'forgetful@e2e.test'
  await apiClient(parkd.base).register(email, 'old-password-1')
  const b = await openBrowser(artifactsDir('password-reset'))
  const { page } = b
  try {
    await page.goto(ui.origin + '/login')
    await page.getByRole('link', { name: 'Forgot password?' }).click()
    await page.waitForURL((u) => u.pathname === '/forgot-password')
    await page.getByLabel('Email').fill(email)
    await page.getByRole('button', { name: 'Send the link' }).click()
    await see(page.getByTestId('sent'), 'If an account has this email')
    await b.shot('link-asked')

    const token = await tokenMailedTo(email)
    await page.goto(`${ui.origin}/reset-password?token=${token}`)
    // Eight spaces are refused by the page itself; a common password passes the page's
    // checks and the server refuses it, and the token stays usable.
    await page.getByLabel('New password', { exact: true }).fill('        ')
    await page.getByLabel('Repeat the new password').fill('        ')
    await page.getByRole('button', { name: 'Set the new password' }).click()
    await see(page.locator('.field-error'), 'white space')
    await page.getByLabel('New password', { exact: true }).fill('password123')
    await page.getByLabel('Repeat the new password').fill('password123')
    await page.getByRole('button', { name: 'Set the new password' }).click()
    await see(page.locator('.field-error'), 'too common')
    await b.shot('password-refused')
    await page.getByLabel('New password', { exact: true }).fill('new-password-2')
    await page.getByLabel('Repeat the new password').fill('new-password-2')
    await page.getByRole('button', { name: 'Set the new password' }).click()
    await see(page.getByTestId('done'), 'Your password is changed')
    await b.shot('password-changed')

    await page.getByRole('link', { name: 'Log in' }).click()
    await page.waitForURL((u) => u.pathname === '/login')
    await page.getByLabel('Email or username').fill(email)
    await page.getByLabel('Password').fill('new-password-2')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.waitForURL((u) => u.pathname === '/')
    assert.deepEqual(b.problems, [], 'no script errors in the page')
  } catch (e) {
    await b.shot('FAILED').catch(() => {})
    throw e
  } finally {
    await b.close()
  }
})
