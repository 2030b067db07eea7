// Short messages in the corner: successes and errors (with the server's own words).
import { reactive } from 'vue'

export const toasts = reactive([])
let next = 1

export function toast(message, kind = 'info', ms = kind === 'error' ? 8000 : 4000) {
  const id = next++
  toasts.push({ id, message, kind })
  while (toasts.length > 3) toasts.shift()
  if (ms > 0) setTimeout(() => dismiss(id), ms)
  return id
}

export function dismiss(id) {
  const i = toasts.findIndex((t) => t.id === id)
  if (i >= 0) toasts.splice(i, 1)
}

export const toastError = (e) => toast(e?.message || String(e), 'error')
export const toastOk = (m) => toast(m, 'success')
