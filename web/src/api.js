// The only door to the server: parkd's HTTP contract (docs/openapi.yaml), same origin,
// JSON in and out, the JWT as `Authorization: Bearer`.
import { session } from './session.js'

export class ApiError extends Error {
  constructor(status, body, fallback) {
    const message =
      (body && typeof body.message === 'string' && body.message) ||
      fallback ||
      `The server answered ${status}`
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = (body && body.error) || (status === 0 ? 'network_error' : 'http_' + status)
    this.fields = (body && body.fields) || {}
    this.body = body || {}
  }
}

const listeners = { unauthorized: [] }

// Called when a request with a token gets 401: the session has ended (logout elsewhere,
// password or role change, expiry). Not for 401 `wrong_password` (POST /auth/password with
// a wrong current password): the token was accepted, only the password was not.
export function onUnauthorized(fn) {
  listeners.unauthorized.push(fn)
}

function statusText(status) {
  if (status === 429) return 'Too many attempts; please wait a moment and try again.'
  if (status >= 500) return 'The server had a problem; please try again.'
  return undefined
}

export async function request(method, path, { body, query, headers = {}, raw = false } = {}) {
  let url = path
  if (query) {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
    }
    const qs = params.toString()
    if (qs) url += (url.includes('?') ? '&' : '?') + qs
  }
  const h = { Accept: raw ? '*/*' : 'application/json', ...headers }
  if (session.token) h.Authorization = 'Bearer ' + session.token
  const init = { method, headers: h }
  if (body !== undefined) {
    h['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  let res
  try {
    res = await fetch(url, init)
  } catch (e) {
    throw new ApiError(0, null, 'Cannot reach the server. Check your connection and try again.')
  }
  if (res.ok && raw) return res
  let data = null
  if (res.status !== 204) {
    const text = await res.text()
    if (text) {
      try {
        data = JSON.parse(text)
      } catch {
        data = null
      }
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data, statusText(res.status))
    if (res.status === 429) {
      const retry = res.headers.get('Retry-After')
      if (retry) err.retryAfter = Number(retry)
    }
    if (res.status === 401 && session.token && !path.startsWith('/auth/login') && err.code !== 'wrong_password') {
      listeners.unauthorized.forEach((fn) => fn(err))
    }
    throw err
  }
  return data ?? {}
}

export const api = {
  get: (path, query) => request('GET', path, { query }),
  post: (path, body, opts = {}) => request('POST', path, { body, ...opts }),
  put: (path, body) => request('PUT', path, { body }),
  patch: (path, body) => request('PATCH', path, { body }),
  del: (path) => request('DELETE', path),
  raw: (path) => request('GET', path, { raw: true }),
}

// Follows a queued job (GET /api/jobs/{id}) until it ends. `onUpdate` gets every state.
// Returns a function that stops following.
export function followJob(id, onUpdate, onError) {
  let stopped = false
  let delay = 1000
  let timer = null
  const tick = async () => {
    if (stopped) return
    try {
      const { job } = await api.get(`/api/jobs/${id}`)
      if (stopped) return
      onUpdate(job)
      if (['succeeded', 'failed', 'dead'].includes(job.status)) return
    } catch (e) {
      if (stopped) return
      onError?.(e)
      if (e.status === 404 || e.status === 401 || e.status === 403) return
    }
    delay = Math.min(delay * 1.5, 10000)
    timer = setTimeout(tick, delay)
  }
  tick()
  return () => {
    stopped = true
    clearTimeout(timer)
  }
}
