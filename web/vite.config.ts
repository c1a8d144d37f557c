// Two pages, built one after the other (`vite build --mode desk`, `--mode console`), each under the prefix the
// gateway serves it at, so every file of a page lives below that prefix (`/desk/assets/…`).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';

const PAGES = ['desk', 'console'] as const;

export default defineConfig(({ mode }) => {
  const page = PAGES.find((p) => p === mode) ?? 'desk';
  return {
    root: fileURLToPath(new URL(`./${page}`, import.meta.url)),
    base: `/${page}/`,
    plugins: [
      vue(),
      // Element Plus components are imported where a template uses them (with their CSS), not the whole library:
      // the desk's JavaScript budget is 400 KB gzip.
      Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
    ],
    resolve: { alias: { '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)) } },
    build: {
      outDir: fileURLToPath(new URL(`./dist/${page}`, import.meta.url)),
      emptyOutDir: true,
      target: 'es2022',
      // The desk's budget is 400 KB gzip (Element Plus on demand, JsSIP); one chunk per page keeps its first load to two requests.
      chunkSizeWarningLimit: 900,
    },
  };
});
