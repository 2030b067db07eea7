// The live connection: one EventSource on GET /api/events (docs/api.md "Live events"),
// shared by every view and open while someone is logged in. It keeps the latest lot
// of every id (from the `lots` snapshot and `lot` events), passes `lot`, `booking` and
// `snapshot` (a fresh `lots` after every connect) to whoever subscribed, and reconnects
// with exponential backoff. `live.status` is what the "Live" indicator shows.
import { reactive, computed, watch } from 'vue'
import { api } from './api.js'
import { session } from './session.js'

// After this many failed attempts in a row the stream counts as offline, not as a
// passing hiccup (1 + 2 + 4 + 8 s of retrying).
const OFFLINE_AFTER = 4
const FIRST_DELAY = 1000
const MAX_DELAY = 30000

export const live = reactive({
  status: 'reconnecting', // 'connected' | 'reconnecting' | 'offline'
  // Whether this login has had the stream at least once (the indicator then says
  // "Reconnecting…" rather than "Connecting…").
  everConnected: false,
  lots: {}, // id → lot object as GET /api/lots renders it
  lotsReady: false, // a snapshot (or a fallback read) has filled `lots`
  lotsError: null, // the last fallback read's error, while the stream is down
})

// Every lot, in the order of GET /api/lots (by id).
export const lotList = computed(() => Object.values(live.lots).sort((a, b) => a.id - b.id))

const handlers = { lot: new Set(), booking: new Set(), snapshot: new Set() }

// Calls `fn` with the data of every `type` event: 'lot' (a lot, or {id, deleted}),
// 'booking' (a booking) or 'snapshot' (the lot list after a (re)connect: whatever a
// view shows may have changed unseen while the stream was down). Returns the unsubscriber.
export function onLive(type, fn) {
  handlers[type].add(fn)
  return () => handlers[type].delete(fn)
}

function emit(type, data) {
  for (const fn of handlers[type]) {
    try {
      fn(data)
    } catch (e) {
      console.warn('live: a subscriber failed', e) // one view's bug must not stop the others
    }
  }
}

function replaceLots(list) {
  live.lots = Object.fromEntries(list.map((l) => [l.id, l]))
  live.lotsReady = true
  live.lotsError = null
}

// Reads GET /api/lots into `live.lots`: the fallback while the stream is down. While it
// is up the stream is the truth, so a read answered after an event cannot undo it.
export async function refreshLots() {
  try {
    const res = await api.get('/api/lots')
    if (live.status !== 'connected') replaceLots(res.lots || [])
  } catch (e) {
    if (live.status !== 'connected') live.lotsError = e
  }
}

let source = null
let timer = null
let failures = 0
let token = ''

function parse(e) {
  try {
    return JSON.parse(e.data)
  } catch {
    return null
  }
}

function close() {
  clearTimeout(timer)
  timer = null
  if (source) {
    source.onerror = null
    source.close()
    source = null
  }
}

function connect() {
  close()
  if (!token) return
  if (!navigator.onLine) {
    live.status = 'offline'
    return
  }
  let snapshotSeen = false
  const es = new EventSource('/api/events?access_token=' + encodeURIComponent(token))
  source = es
  es.addEventListener('lots', (e) => {
    const data = parse(e)
    if (!data || source !== es) return
    snapshotSeen = true
    failures = 0
    live.status = 'connected'
    live.everConnected = true
    replaceLots(data.lots || [])
    emit('snapshot', data.lots || [])
  })
  es.addEventListener('lot', (e) => {
    const lot = parse(e)
    if (!lot || source !== es) return
    if (lot.deleted) delete live.lots[lot.id]
    else live.lots[lot.id] = lot
    emit('lot', lot)
  })
  es.addEventListener('booking', (e) => {
    const data = parse(e)
    if (data?.booking && source === es) emit('booking', data.booking)
  })
  // A stream that ends or fails (server restart, network, 401, 503 when full) is closed
  // here rather than left to the browser's fixed retry, and opened again with backoff.
  es.onerror = () => {
    if (source !== es) return
    close()
    failures += 1
    live.status = !navigator.onLine || failures >= OFFLINE_AFTER ? 'offline' : 'reconnecting'
    // EventSource cannot see status codes: a request that does would end an expired
    // session through the global 401 handler (api.js), which closes this stream.
    if (!snapshotSeen) api.get('/auth/me').catch(() => {})
    const ceiling = Math.min(MAX_DELAY, FIRST_DELAY * 2 ** (failures - 1))
    const delay = ceiling / 2 + Math.random() * (ceiling / 2) // jitter: no reconnect storms
    timer = setTimeout(connect, delay)
  }
}

function start(newToken) {
  close()
  token = newToken || ''
  failures = 0
  live.everConnected = false
  if (token) {
    live.status = 'reconnecting'
    connect()
  } else {
    live.status = 'offline'
    live.lots = {}
    live.lotsReady = false
    live.lotsError = null
  }
}

// Opened on login, closed on logout, reopened when the token changes.
watch(() => session.token, start, { immediate: true })

window.addEventListener('offline', () => {
  if (!token) return
  close()
  live.status = 'offline'
})
window.addEventListener('online', () => {
  if (!token) return
  failures = 0
  live.status = 'reconnecting'
  connect()
})
