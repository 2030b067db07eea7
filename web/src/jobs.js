// Start a job (a 202 answer with job_id/task_id) and follow it to its end.
import { reactive, onBeforeUnmount } from 'vue'
import { api, followJob } from './api.js'
import { toastOk, toastError } from './toast.js'

export function useJobs({ onEnd } = {}) {
  const jobs = reactive([])
  const stops = []
  onBeforeUnmount(() => stops.forEach((s) => s()))

  async function start(title, method, path) {
    let res
    try {
      res = method === 'GET' ? await api.get(path) : await api.post(path)
    } catch (e) {
      toastError(e)
      return null
    }
    const id = res.job_id ?? Number(res.task_id)
    toastOk(res.message || `${title}: queued`)
    const entry = reactive({ id, title, status: res.status || 'queued', attempts: 0, last_error: null, slow: false })
    jobs.unshift(entry)
    const slowTimer = setTimeout(() => (entry.slow = true), 8000)
    stops.push(() => clearTimeout(slowTimer))
    stops.push(
      followJob(
        id,
        (job) => {
          Object.assign(entry, job, { title })
          entry.error = ''
          if (['succeeded', 'failed', 'dead'].includes(job.status)) onEnd?.(entry)
        },
        (e) => (entry.error = e.message),
      ),
    )
    return entry
  }
  return { jobs, start }
}
