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

// For a view whose filters start a new read before the last one answered: `begin()` marks
// a read as the newest and returns a check of whether it still is, so that an older
// answer (the filters before the last change) never replaces a newer one.
export function newestOnly() {
  let newest = 0
  return function begin() {
    const mine = ++newest
    return () => mine === newest
  }
}

// `fn` (may be async) once for a burst of calls: `ms` after the burst's first call, so
// a steady stream of events still gets a run every `ms` or so. Runs never overlap (a call
// during one asks for one more run after it), so an older answer cannot land last.
export function useCoalesced(fn, ms) {
  let timer = null
  let running = false
  let again = false
  let gone = false
  onBeforeUnmount(() => {
    gone = true
    clearTimeout(timer)
  })
  async function run() {
    timer = null
    running = true
    try {
      await fn()
    } finally {
      running = false
      if (again) {
        again = false
        schedule()
      }
    }
  }
  function schedule() {
    if (gone) return
    if (running) again = true
    else if (!timer) timer = setTimeout(run, ms)
  }
  return schedule
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
