import { reactive } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import { session, isAdmin } from './session.js'

const routes = [
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { guest: true, title: 'Log in' } },
  { path: '/register', name: 'register', component: () => import('./views/RegisterView.vue'), meta: { guest: true, title: 'Create an account' } },
  { path: '/forgot-password', name: 'forgot-password', component: () => import('./views/ForgotPasswordView.vue'), meta: { guest: true, title: 'Forgot password' } },
  // Not guest-only: a signed-in user who opens the emailed link may still use it.
  { path: '/reset-password', name: 'reset-password', component: () => import('./views/ResetPasswordView.vue'), meta: { title: 'Choose a new password' } },

  { path: '/', name: 'home', component: () => import('./views/driver/DriverHome.vue'), meta: { auth: true, title: 'Park' } },
  { path: '/lots/:id(\\d+)', name: 'lot', component: () => import('./views/driver/LotBook.vue'), meta: { auth: true, title: 'Book a spot' } },
  { path: '/bookings', name: 'history', component: () => import('./views/driver/HistoryView.vue'), meta: { auth: true, title: 'My bookings' } },
  { path: '/stats', name: 'stats', component: () => import('./views/driver/MyStats.vue'), meta: { auth: true, title: 'My statistics' } },
  { path: '/profile', name: 'profile', component: () => import('./views/ProfileView.vue'), meta: { auth: true, title: 'Profile' } },

  { path: '/admin', name: 'admin', component: () => import('./views/admin/AdminOverview.vue'), meta: { auth: true, admin: true, title: 'Operations' } },
  { path: '/admin/lots', name: 'admin-lots', component: () => import('./views/admin/AdminLots.vue'), meta: { auth: true, admin: true, title: 'Lots' } },
  { path: '/admin/lots/:id(\\d+)', name: 'admin-lot', component: () => import('./views/admin/AdminLotDetail.vue'), meta: { auth: true, admin: true, title: 'Lot' } },
  { path: '/admin/bookings', name: 'admin-bookings', component: () => import('./views/admin/AdminBookings.vue'), meta: { auth: true, admin: true, title: 'All bookings' } },
  { path: '/admin/jobs', name: 'admin-jobs', component: () => import('./views/admin/AdminJobs.vue'), meta: { auth: true, admin: true, title: 'Jobs' } },
  { path: '/admin/users', name: 'admin-users', component: () => import('./views/admin/AdminUsers.vue'), meta: { auth: true, admin: true, title: 'Users' } },

  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./views/NotFound.vue'), meta: { title: 'Not found' } },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

export const homeFor = () => (isAdmin.value ? { name: 'admin' } : { name: 'home' })

router.beforeEach((to) => {
  if (to.meta.auth && !session.token) {
    return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  }
  if (to.meta.guest && session.token) return homeFor()
  if (to.meta.admin && !isAdmin.value) return { name: 'home' }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · parkd` : 'parkd'
})

// A page's code is loaded when it is first opened. `navigation.slow`: the load has taken
// more than 200 ms (App.vue shows a loading state instead of a blank or stale page);
// `navigation.failed`: it failed (offline, or a new version removed the old files), with
// the address to retry.
export const navigation = reactive({ slow: false, failed: null })
let pending = null
let slowTimer = null
let lastFailure = '' // the address whose load failed last, until a navigation succeeds

function settle(to) {
  if (to !== pending) return // a newer navigation has taken over
  pending = null
  clearTimeout(slowTimer)
  navigation.slow = false
}

// After the guards above let it through (a redirect starts a navigation of its own).
router.beforeEach((to) => {
  pending = to
  navigation.failed = null
  clearTimeout(slowTimer)
  slowTimer = setTimeout(() => to === pending && (navigation.slow = true), 200)
})
router.afterEach((to, from, failure) => {
  if (!failure) lastFailure = ''
  settle(to)
})
router.onError((error, to, from) => {
  settle(to)
  const again = lastFailure === to.fullPath
  lastFailure = to.fullPath
  navigation.failed = { to: to.fullPath, first: from.matched.length === 0, again, offline: !navigator.onLine }
})

export function retryNavigation() {
  const f = navigation.failed
  if (!f) return
  navigation.failed = null
  // Failing again while online: most likely a new version replaced the files; a full
  // load gets its index.html, which names the current ones.
  if (f.again && navigator.onLine) window.location.assign(f.to)
  else (f.first ? router.replace(f.to) : router.push(f.to)).catch(() => {})
}
