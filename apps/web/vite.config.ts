import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompress } from './build/precompress';

// The UI is served by the Bastion server at `/`; `npm run dev -w @bastion/web` proxies the API to a local server.
const target = 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react(), precompress()],
  base: '/',
  // No source map in the build: the server would publish it (1.9 MB of our sources) to anyone who asks.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      '/v1': { target, ws: true },
      '/healthz': target,
      '/readyz': target,
      '/openapi.json': target,
    },
  },
});
