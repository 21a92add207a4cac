import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The UI is served by the Bastion server at `/`; `npm run dev -w @bastion/web` proxies the API to a local server.
const target = 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      '/v1': { target, ws: true },
      '/healthz': target,
      '/readyz': target,
      '/openapi.json': target,
    },
  },
});
