// Who is logged in. The JWT lives in localStorage so a reload keeps the session;
// the user record is refreshed from GET /auth/me when the app starts.
import { reactive, computed } from 'vue'

const TOKEN_KEY = 'parkd.token'
const USER_KEY = 'parkd.user'

function readUser() {
  try {
    return JSON.parse(localStorage.getItem(USER_KEY) || 'null')
  } catch {
    return null
  }
}

export const session = reactive({
  token: localStorage.getItem(TOKEN_KEY) || '',
  user: readUser(),
  // Set when a session ends by itself (401), shown on the login page.
  notice: '',
})

export const isLoggedIn = computed(() => !!session.token)
export const isAdmin = computed(() => !!session.user?.roles?.includes('admin'))
export const displayName = computed(
  () => session.user?.username || session.user?.email || '',
)

export function setSession(token, user) {
  session.token = token
  session.user = user
  session.notice = ''
  localStorage.setItem(TOKEN_KEY, token)
  localStorage.setItem(USER_KEY, JSON.stringify(user))
}

// A new token for the same user (a password change ends every other one).
export function setToken(token) {
  session.token = token
  localStorage.setItem(TOKEN_KEY, token)
}

export function setUser(user) {
  session.user = user
  localStorage.setItem(USER_KEY, JSON.stringify(user))
}

export function clearSession(notice = '') {
  session.token = ''
  session.user = null
  session.notice = notice
  localStorage.removeItem(TOKEN_KEY)
  localStorage.removeItem(USER_KEY)
}
