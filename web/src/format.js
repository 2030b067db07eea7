// Formatting of money, times and durations. The server speaks UTC (ISO 8601 with `Z`);
// everything the user sees is in the browser's own time zone.
import { settings } from './settings.js'

// The server's minimum charge (MIN_CHARGE_MINUTES, published by GET /api/settings).
export const minChargeMinutes = () => settings.min_charge_minutes

export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time'

const moneyFmt = new Intl.NumberFormat(undefined, {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
})

// An amount in major units as every page shows it, in the server's CURRENCY
// (settings.js): the sign, the symbol, two decimals ("₹5.00", "-€12.50"); a symbol that
// ends in a letter (a currency shown by its code) is set apart ("CHF 12.50"), as in the
// emails.
export function money(v) {
  const n = Number(v ?? 0)
  const cents = Number.isFinite(n) ? Math.round(n * 100) : 0
  const symbol = settings.currency_symbol
  const gap = /[A-Za-z]$/.test(symbol) ? ' ' : ''
  return (cents < 0 ? '-' : '') + symbol + gap + moneyFmt.format(Math.abs(cents) / 100)
}

// Money as integer cents, like the server computes it.
export const toCents = (v) => Math.round(Number(v) * 100)
export const fromCents = (c) => c / 100

const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })
const timeFmt = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' })
const shortDayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' })
const monthFmt = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric' })

export function dateTime(iso) {
  if (!iso) return '—'
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? '—' : dateTimeFmt.format(d)
}

export function date(iso) {
  if (!iso) return '—'
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? '—' : dateFmt.format(d)
}

export function time(iso) {
  if (!iso) return '—'
  return timeFmt.format(new Date(iso))
}

// A window on one line: "Nov 25, 2026, 10:00 AM – 12:00 PM" (the date once when the same day).
export function windowText(start, end) {
  if (!start) return '—'
  const s = new Date(start)
  const e = end ? new Date(end) : null
  if (!e) return dateTimeFmt.format(s) + ' – open'
  if (s.toDateString() === e.toDateString()) return `${dateTimeFmt.format(s)} – ${timeFmt.format(e)}`
  return `${dateTimeFmt.format(s)} – ${dateTimeFmt.format(e)}`
}

// A booking's time in a list: a reservation's window, a finished stay's, or "since …"
// for a car that is still parked.
export function bookingWhen(b) {
  if (b.booking_type === 'reserved') return windowText(b.reserved_start, b.reserved_end)
  return b.end_time ? windowText(b.start_time, b.end_time) : 'since ' + dateTime(b.start_time)
}

// A booking's cost in a list: "running" while a car parked now has not left (its cost is
// known at release), else the amount.
export function bookingCost(b) {
  return b.status === 'Active' && b.booking_type !== 'reserved' ? 'running' : money(b.total_cost)
}

// "YYYY-MM-DD" from the server (a day in its TIMEZONE) → "Nov 24".
export function dayLabel(ymd) {
  const [y, m, d] = ymd.split('-').map(Number)
  return shortDayFmt.format(new Date(y, m - 1, d))
}

// "YYYY-MM" → "Nov 2026".
export function monthLabel(ym) {
  const [y, m] = ym.split('-').map(Number)
  return monthFmt.format(new Date(y, m - 1, 1))
}

// 3725000 ms → "1:02:05".
export function clock(ms) {
  const total = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`
}

// 150 minutes → "2 h 30 min".
export function minutesText(min) {
  const m = Math.round(min)
  const h = Math.floor(m / 60)
  const r = m % 60
  if (h && r) return `${h} h ${r} min`
  if (h) return `${h} h`
  return `${r} min`
}

// Cost of a stay of `ms` milliseconds at `pricePerHour`, with the minimum charge; half-up to
// the cent, in integer cents (what the server will charge).
export function costCents(pricePerHour, ms, minMinutes = minChargeMinutes()) {
  const billedMs = BigInt(Math.round(Math.max(ms, minMinutes * 60000)))
  const cents = BigInt(toCents(pricePerHour))
  // cents * ms / 3.6e6, rounded half-up, in exact integer arithmetic.
  return Number((cents * billedMs * 2n + 3600000n) / 7200000n)
}

// <input type="datetime-local"> value ("2026-11-25T10:00") ↔ Date in the browser's zone.
export function fromLocalInput(v) {
  if (!v) return null
  const [d, t] = v.split('T')
  const [y, mo, da] = d.split('-').map(Number)
  const [h, mi] = (t || '0:0').split(':').map(Number)
  const date = new Date(y, mo - 1, da, h, mi, 0, 0)
  return Number.isNaN(date.getTime()) ? null : date
}

export function toLocalInput(date) {
  const p = (n) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}`
}

// <input type="date"> value ("2026-11-25") → the start of that day in the browser's zone.
export function fromDateInput(v, plusDays = 0) {
  if (!v) return null
  const [y, m, d] = v.split('-').map(Number)
  return new Date(y, m - 1, d + plusDays)
}

export function statusClass(status) {
  return 'badge badge-' + String(status || '').toLowerCase()
}
