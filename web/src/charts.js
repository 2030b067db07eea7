// Register only the Chart.js parts we use (keeps the bundle small).
import {
  Chart,
  BarController,
  LineController,
  DoughnutController,
  BarElement,
  LineElement,
  PointElement,
  ArcElement,
  CategoryScale,
  LinearScale,
  Tooltip,
  Legend,
  Filler,
} from 'chart.js'
import { money } from './format.js'
import { settings } from './settings.js'

Chart.register(
  BarController,
  LineController,
  DoughnutController,
  BarElement,
  LineElement,
  PointElement,
  ArcElement,
  CategoryScale,
  LinearScale,
  Tooltip,
  Legend,
  Filler,
)
Chart.defaults.font.family =
  "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
Chart.defaults.color = '#475569'

export const palette = {
  blue: '#2563eb',
  blueSoft: 'rgba(37, 99, 235, 0.15)',
  green: '#16a34a',
  red: '#dc2626',
  amber: '#d97706',
  slate: '#94a3b8',
  violet: '#7c3aed',
  teal: '#0d9488',
}
export const series = ['#2563eb', '#16a34a', '#d97706', '#7c3aed', '#0d9488', '#dc2626', '#64748b', '#db2777']

// Money on a chart: the axis title carries the currency symbol, "Revenue (₹)", as charts
// name their unit, and tooltips show amounts as the page does (format.js money). Build
// options that use moneyAxisTitle inside a computed: the chart then follows when the
// currency (settings.js) arrives.
export const moneyAxisTitle = (label) => ({
  display: true,
  text: settings.currency_symbol ? `${label} (${settings.currency_symbol})` : label,
})
export const moneyTooltip = (ctx) => `${ctx.dataset.label}: ${money(ctx.parsed.y)}`
// The same for the datasets on axis `axisId` only; the others keep Chart.js's own label.
export const moneyTooltipOn = (axisId) => (ctx) =>
  ctx.dataset.yAxisID === axisId ? moneyTooltip(ctx) : undefined
