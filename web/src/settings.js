// The server's display settings (GET /api/settings, public): the currency every amount is
// shown in and the minimum charge of a stay. Asked for once when the app starts and kept here; format.js reads it, so
// amounts on screen gain their symbol as soon as the answer arrives. If the request
// fails, amounts show without a symbol and the next page change asks again.
import { reactive } from 'vue'
import { api } from './api.js'

export const settings = reactive({
  currency: '',
  currency_symbol: '',
  // The contract's default (MIN_CHARGE_MINUTES) until the server has answered.
  min_charge_minutes: 60,
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
        if (Number.isInteger(s.min_charge_minutes)) settings.min_charge_minutes = s.min_charge_minutes
        settings.loaded = true
      })
      .catch(() => {})
      .finally(() => {
        pending = null
      })
  }
  return pending
}
