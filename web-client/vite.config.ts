import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import { generateSW } from 'workbox-build'

const root = fileURLToPath(new URL('.', import.meta.url))
const outDir = fileURLToPath(new URL('./dist', import.meta.url))

/** Cross-origin isolation: precise timers (and SharedArrayBuffer should threads ever pay off). */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

/**
 * The offline service worker, generated after the bundle: the app shell and the wasm ORT build are
 * precached (the 14 MB wasm is over Workbox's 2 MiB default), the 27 MB WebGPU build is cached on first
 * use only, and every navigation falls back to the precached page.
 */
function serviceWorker(): Plugin {
  return {
    name: 'tarmac-service-worker',
    apply: 'build',
    async closeBundle() {
      const { count, size, warnings } = await generateSW({
        globDirectory: outDir,
        swDest: `${outDir}/sw.js`,
        globPatterns: ['**/*.{html,js,css,svg,json,wasm}'],
        globIgnores: ['sw.js', '**/*asyncify*'],
        maximumFileSizeToCacheInBytes: 32 * 1024 * 1024,
        dontCacheBustURLsMatching: /^assets\//,
        navigateFallback: 'index.html',
        ignoreURLParametersMatching: [/.*/],
        runtimeCaching: [{ urlPattern: /\/assets\/.*\.wasm$/, handler: 'CacheFirst', options: { cacheName: 'tarmac-ort-webgpu' } }],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
        inlineWorkboxRuntime: true,
        sourcemap: false,
        mode: 'production',
      })
      for (const warning of warnings) this.warn(warning)
      this.info(`service worker precaches ${count} files, ${(size / 1048576).toFixed(1)} MiB`)
    },
  }
}

export default defineConfig({
  root,
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: { input: { main: `${root}index.html`, monitor: `${root}monitor.html` } },
  },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  plugins: [serviceWorker()],
})
