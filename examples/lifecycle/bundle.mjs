// Signed bundles end to end (npm run build first): make an Ed25519 key pair, build a bundle of
// policies-v2 with the CLI, load it into an engine with the public key, then show that a
// bundle changed after signing is refused and the engine keeps what it had.
//
//   node examples/lifecycle/bundle.mjs
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PolicyEngine, PolicyError } from '../../dist/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'llm-policy-bundle-'));
try {
  // in production: `openssl genpkey -algorithm ed25519 -out private.pem` once, kept in CI's secrets
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const bundlePath = join(dir, 'bundle.json');
  const run = (...args) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8' }).trim();

  console.log(run('bundle', 'build', join(here, 'policies-v2'), '--out', bundlePath, '--sign-key', join(dir, 'private.pem')));

  const engine = new PolicyEngine();
  const loaded = await engine.loadBundle(readFileSync(bundlePath), { publicKey: publicPem });
  console.log('loaded:', loaded.map((p) => `${p.name}@${p.version} (${p.file})`).join(', '));
  const input = { user: { tier: 'free' }, request: { model: 'o3', max_tokens: 300 } };
  console.log('decision:', engine.evaluate(input).effect, engine.evaluate(input).reasons);

  // someone edits the served file: the free tier's limit back to 5000 tokens
  const tampered = readFileSync(bundlePath, 'utf8').replace('> 500', '> 5000');
  try {
    await engine.loadBundle(tampered, { publicKey: publicPem });
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    console.log('refused:', e.issues[0].code, '-', e.issues[0].message);
  }
  console.log(
    'still deciding with:',
    engine
      .policies()
      .map((p) => `${p.name}@${p.version}`)
      .join(', '),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
