import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The admin page (Forge Custom UI). Forge serves the build from a path of its own choosing, so
 * every asset URL is relative (`base: './'`). Vite 8 transforms JSX itself (oxc): no React plugin.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'build',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  logLevel: 'warn',
});
