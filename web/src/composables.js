import { ref, watch, onMounted, onBeforeUnmount } from 'vue'
import { live, onLive } from './live.js'

// The current time, ticking (for elapsed times and running costs).
export function useNow(ms = 1000) {
  const now = ref(Date.now())
  let t
  onMounted(() => (t = setInterval(() => (now.value = Date.now()), ms)))
  onBeforeUnmount(() => clearInterval(t))
  return now
}

// Subscribes `fn` to live events of `type` (see live.js onLive) while the view is mounted.
export function useLive(type, fn) {
  let off = null
  onMounted(() => (off = onLive(type, fn)))
  onBeforeUnmount(() => off?.())
}

// `fn` at most once per `ms`, after the last call: a burst of events, one refetch.
export function useDebounced(fn, ms) {
  let t = null
  onBeforeUnmount(() => clearTimeout(t))
  return () => {
    clearTimeout(t)
    t = setTimeout(fn, ms)
  }
}

// Runs `fn` every `ms` while the live stream is not connected and the page is visible:
// the first time `grace` ms after the stream went (a quick reconnect's snapshot makes it
// unneeded), and whenever the page becomes visible again. Nothing while connected.
export function useFallbackPoll(fn, ms = 60000, grace = 2500) {
  let t = null
  const visible = () => document.visibilityState === 'visible'
  const tick = () => {
    if (visible()) fn()
    t = setTimeout(tick, ms)
  }
  const onVisible = () => {
    if (visible() && live.status !== 'connected') fn()
  }
  let stopWatch = null
  onMounted(() => {
    stopWatch = watch(
      () => live.status === 'connected',
      (connected) => {
        clearTimeout(t)
        t = connected ? null : setTimeout(tick, grace)
      },
      { immediate: true },
    )
    document.addEventListener('visibilitychange', onVisible)
  })
  onBeforeUnmount(() => {
    stopWatch?.()
    clearTimeout(t)
    document.removeEventListener('visibilitychange', onVisible)
  })
}
