import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const entry = process.argv[2] || 'src/entries/index.ts';
const conds = process.argv[3] ? process.argv[3].split(',') : ['worker','browser','import'];
const out = await build({ entryPoints: [entry], bundle: true, write: false, minify: true, platform: 'neutral', format: 'esm', mainFields: ['module','main'], conditions: conds, metafile: true, logLevel: 'silent', absWorkingDir: '/work/wt-codegen' });
const code = out.outputFiles[0].contents;
console.log('min', (code.length/1024).toFixed(1), 'KB gzip', (gzipSync(code).length/1024).toFixed(1), 'KB');
const groups = new Map();
for (const [file, info] of Object.entries(out.metafile.outputs[Object.keys(out.metafile.outputs)[0]].inputs)) {
  let g = file.startsWith('node_modules/') ? file.split('/').slice(0, file.split('/')[1].startsWith('@') ? 3 : 2).join('/') : file.split('/').slice(0, 3).join('/');
  groups.set(g, (groups.get(g) || 0) + info.bytesInOutput);
}
for (const [g, b] of [...groups].sort((a,b)=>b[1]-a[1]).slice(0, 30)) console.log((b/1024).toFixed(1).padStart(7), g);
