import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// During development (`npm run dev`) the API calls go to a parkd on PARKD_URL
// (default http://127.0.0.1:5000); in production parkd serves the built files itself,
// so the app only ever uses relative URLs (/api/..., /auth/...).
const target = process.env.PARKD_URL || 'http://127.0.0.1:5000'

export default defineConfig({
  plugins: [vue()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      output: {
        // Chart.js only loads with the pages that draw charts.
        manualChunks(id) {
          if (/node_modules\/(chart\.js|vue-chartjs|@kurkle)\//.test(id)) return 'charts'
          if (/node_modules\/(vue|@vue|vue-router)\//.test(id)) return 'vue'
          return undefined
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target, changeOrigin: false },
      '/auth': { target, changeOrigin: false },
      '/healthz': { target, changeOrigin: false },
    },
  },
})
