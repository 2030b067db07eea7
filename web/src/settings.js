// The server's display settings (GET /api/settings, public): the currency every amount is
// shown in. Asked for once when the app starts and kept here; format.js reads it, so
// amounts on screen gain their symbol as soon as the answer arrives. If the request
// fails, amounts show without a symbol and the next page change asks again.
import { reactive } from 'vue'
import { api } from './api.js'

export const settings = reactive({
  currency: '',
  currency_symbol: '',
  loaded: false,
})

let pending = null

export function loadSettings() {
  if (settings.loaded) return Promise.resolve(settings)
  if (!pending) {
    pending = api
      .get('/api/settings')
      .then((s) => {
        settings.currency = s.currency || ''
        settings.currency_symbol = s.currency_symbol || s.currency || ''
        settings.loaded = true
      })
      .catch(() => {})
      .finally(() => {
        pending = null
      })
  }
  return pending
}
