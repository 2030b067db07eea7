import { ref, onMounted, onBeforeUnmount } from 'vue'

// The current time, ticking (for elapsed times and running costs).
export function useNow(ms = 1000) {
  const now = ref(Date.now())
  let t
  onMounted(() => (t = setInterval(() => (now.value = Date.now()), ms)))
  onBeforeUnmount(() => clearInterval(t))
  return now
}

// Runs `fn` now and every `ms` while the page is visible (live availability).
export function usePolling(fn, ms) {
  let t = null
  const tick = () => {
    if (document.visibilityState === 'visible') fn()
  }
  const onVisible = () => {
    if (document.visibilityState === 'visible') fn()
  }
  onMounted(() => {
    fn()
    t = setInterval(tick, ms)
    document.addEventListener('visibilitychange', onVisible)
  })
  onBeforeUnmount(() => {
    clearInterval(t)
    document.removeEventListener('visibilitychange', onVisible)
  })
}
