import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router.js'
import { onUnauthorized } from './api.js'
import './live.js' // the live stream follows the session from the start
import { clearSession } from './session.js'
import { loadSettings } from './settings.js'
import './styles/base.css'
import './styles/controls.css'
import './styles/content.css'

onUnauthorized(() => {
  clearSession('Your session has ended. Please log in again.')
  const here = router.currentRoute.value
  if (here.name !== 'login') router.replace({ name: 'login', query: { next: here.fullPath } })
})

loadSettings()
router.afterEach(() => loadSettings()) // asks again only while an earlier request failed

createApp(App).use(router).mount('#app')
