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
 * The offline service worker, generated after the bundle: the app shell (SDK and TS engine included) is
 * precached; onnxruntime-web's glue and wasm builds, which only a page asking for WebGPU or wasm (or a model too
 * large for the TS engine) imports, are cached on first use. Every navigation falls back to the precached page.
 */
function serviceWorker(): Plugin {
  return {
    name: 'tarmac-service-worker',
    apply: 'build',
    async closeBundle() {
      const { count, size, warnings } = await generateSW({
        globDirectory: outDir,
        swDest: `${outDir}/sw.js`,
        globPatterns: ['**/*.{html,js,css,svg,json}'],
        globIgnores: ['sw.js', '**/*.wasm', '**/ort*.js'],
        dontCacheBustURLsMatching: /^assets\//,
        navigateFallback: 'index.html',
        ignoreURLParametersMatching: [/.*/],
        runtimeCaching: [{ urlPattern: /\/assets\/(ort.*\.js|.*\.wasm)$/, handler: 'CacheFirst', options: { cacheName: 'tarmac-ort' } }],
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

/**
 * main.ts starts the model's requests, then imports the app dynamically: the app's chunks are preloaded from the
 * HTML (modulepreload), so they download beside main.ts rather than after it has run.
 */
function preloadApp(): Plugin {
  let base = '/'
  return {
    name: 'tarmac-preload-app',
    apply: 'build',
    configResolved(config) {
      base = config.base
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle, chunk }) {
        if (!bundle || !chunk) return
        const files = new Set<string>()
        const visit = (file: string) => {
          const imported = bundle[file]
          if (files.has(file) || file === chunk.fileName || chunk.imports.includes(file) || imported?.type !== 'chunk') return
          files.add(file)
          for (const next of imported.imports) visit(next)
        }
        for (const file of chunk.dynamicImports) visit(file)
        return [...files].map((file) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `${base}${file}` },
          injectTo: 'head' as const,
        }))
      },
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
  plugins: [preloadApp(), serviceWorker()],
})
