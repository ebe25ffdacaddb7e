// Signed bundles: build, verify, tamper, and loading through the engine and every source.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBundle, PolicyEngine, PolicyError, verifyBundle, type PolicyBundle } from '../../src/entries/index.js';
import { DirectorySource } from '../../src/entries/node.js';
import { HttpBundleSource, MemoryPolicySource } from '../../src/entries/sources.js';

const doc = (name: string, limit: number) => `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: ${name} }
spec:
  rules:
    - { id: big, when: "request.max_tokens > ${limit}", effect: deny }
`;

const FILES = [
  { filename: 'cost.yaml', text: doc('cost', 1000) },
  { filename: 'models.yaml', text: doc('models', 5000) },
];

function keys() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

const A = keys();
const B = keys();
let signed: string;

beforeAll(async () => {
  signed = await createBundle(FILES, { privateKey: A.priv, created: '2026-12-01T00:00:00.000Z' });
});

/** Waits for a reload to be reported (the wait has a generous failure timeout, not a latency bound). */
async function until(check: () => boolean): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > 10_000) throw new Error('timed out waiting for the reload');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The one issue of a refused load, as [code, message]. */
async function refusal(p: Promise<unknown>): Promise<[string, string]> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(PolicyError);
  const i = (e as PolicyError).issues[0]!;
  return [i.code, i.message];
}

const edit = (text: string, f: (b: PolicyBundle) => void) => {
  const b = JSON.parse(text) as PolicyBundle;
  f(b);
  return JSON.stringify(b);
};

describe('build and verify', () => {
  test('an Ed25519 round trip: files, manifest digests, and a key id', async () => {
    const b = JSON.parse(signed) as PolicyBundle;
    expect(b.format).toBe('llm-policy-bundle/v1');
    expect(b.manifest.files.map((f) => [f.filename, f.sha256.length, f.bytes])).toEqual([
      ['cost.yaml', 64, FILES[0]!.text.length],
      ['models.yaml', 64, FILES[1]!.text.length],
    ]);
    expect(b.signature).toMatchObject({ alg: 'Ed25519', keyId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const v = await verifyBundle(signed, { publicKey: A.pub });
    expect(v.files).toEqual(FILES);
    expect(v.signedWith).toBe('Ed25519');
    // bytes verify as the text does
    expect((await verifyBundle(new TextEncoder().encode(signed), { publicKey: A.pub })).files).toEqual(FILES);
  });

  test('an HMAC-SHA256 round trip, and the wrong secret', async () => {
    const h = await createBundle(FILES, { hmacSecret: 's3cret' });
    expect((await verifyBundle(h, { hmacSecret: 's3cret' })).signedWith).toBe('HMAC-SHA256');
    expect(await refusal(verifyBundle(h, { hmacSecret: 'other' }))).toEqual([
      'signature_invalid',
      'the HMAC-SHA256 signature does not verify: the manifest was changed, or signed with another key',
    ]);
    // an HMAC bundle offered to a public key is refused by algorithm, not tried
    expect((await refusal(verifyBundle(h, { publicKey: A.pub })))[1]).toBe(
      'the bundle is signed with HMAC-SHA256, but it was to be verified with Ed25519',
    );
  });

  test('one byte changed in a policy text is refused, naming the file', async () => {
    const t = edit(signed, (b) => (b.files[1]!.text = b.files[1]!.text.replace('5000', '5001')));
    expect(await refusal(verifyBundle(t, { publicKey: A.pub }))).toEqual([
      'signature_invalid',
      '`models.yaml` does not match its manifest digest: the text was changed after signing',
    ]);
  });

  test('a changed manifest, or signature, is refused', async () => {
    const m = edit(signed, (b) => (b.manifest.files[0]!.sha256 = '0'.repeat(64)));
    expect((await refusal(verifyBundle(m, { publicKey: A.pub })))[1]).toMatch(/^the Ed25519 signature does not verify/);
    const c = edit(signed, (b) => (b.manifest.created = '2027-01-01T00:00:00.000Z'));
    expect((await refusal(verifyBundle(c, { publicKey: A.pub })))[0]).toBe('signature_invalid');
    const s = edit(signed, (b) => {
      const v = b.signature!.value;
      b.signature!.value = (v[0] === 'A' ? 'B' : 'A') + v.slice(1);
    });
    expect((await refusal(verifyBundle(s, { publicKey: A.pub })))[1]).toMatch(/^the Ed25519 signature does not verify/);
    // a byte of the raw file flipped anywhere in the manifest's digest text
    const i = signed.indexOf('"sha256": "') + 12;
    const flipped = signed.slice(0, i) + (signed[i] === 'a' ? 'b' : 'a') + signed.slice(i + 1);
    expect((await refusal(verifyBundle(flipped, { publicKey: A.pub })))[0]).toBe('signature_invalid');
  });

  test('the wrong public key is refused, naming both key ids', async () => {
    const [code, message] = await refusal(verifyBundle(signed, { publicKey: B.pub }));
    expect(code).toBe('signature_invalid');
    expect(message).toMatch(
      /^the signature does not verify: the bundle was signed with key `[0-9a-f]{16}`, the public key given is `[0-9a-f]{16}`$/,
    );
  });

  test('unsigned when a signature is required; allowUnsigned still checks digests', async () => {
    const u = await createBundle(FILES);
    expect(await refusal(verifyBundle(u, { publicKey: A.pub }))).toEqual([
      'signature_invalid',
      'the bundle is not signed, and verification requires a signature',
    ]);
    // a signature stripped from a signed bundle is the same case
    expect(
      (
        await refusal(
          verifyBundle(
            edit(signed, (b) => delete b.signature),
            { publicKey: A.pub },
          ),
        )
      )[1],
    ).toMatch(/not signed/);
    expect((await verifyBundle(u, { allowUnsigned: true })).signedWith).toBeUndefined();
    const t = edit(u, (b) => (b.files[0]!.text += ' '));
    expect((await refusal(verifyBundle(t, { allowUnsigned: true })))[1]).toMatch(/`cost.yaml` does not match its manifest digest/);
  });

  test('files added or dropped after signing, and malformed bundles', async () => {
    const added = edit(signed, (b) => b.files.push({ filename: 'extra.yaml', text: doc('extra', 1) }));
    expect((await refusal(verifyBundle(added, { publicKey: A.pub })))[1]).toBe('`extra.yaml` is in the bundle but not in its manifest');
    const dropped = edit(signed, (b) => b.files.pop());
    expect((await refusal(verifyBundle(dropped, { publicKey: A.pub })))[1]).toBe(
      '`models.yaml` is in the manifest but missing from the bundle',
    );
    expect((await refusal(verifyBundle('{"format": 1', { publicKey: A.pub })))[1]).toMatch(/^the bundle is not valid JSON/);
    expect((await refusal(verifyBundle('{"files": []}', { publicKey: A.pub })))[1]).toMatch(/^the bundle is malformed: `format`/);
    expect((await refusal(verifyBundle(new Uint8Array([0xff, 0xfe]), { publicKey: A.pub })))[1]).toBe('the bundle is not valid UTF-8');
  });

  test('bad keys and options are invalid_option errors with a hint', async () => {
    expect(await refusal(verifyBundle(signed, {}))).toEqual(['invalid_option', 'verifying a bundle needs `publicKey` or `hmacSecret`']);
    expect(await refusal(verifyBundle(signed, { publicKey: A.priv }))).toEqual([
      'invalid_option',
      'the public key is a PEM `PRIVATE KEY`, not a `PUBLIC KEY`',
    ]);
    const rsa = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect((await refusal(verifyBundle(signed, { publicKey: rsa })))[1]).toMatch(/^the public key is not an Ed25519 key \(algorithm OID/);
    expect((await refusal(createBundle(FILES, { privateKey: 'nope' })))[1]).toMatch(/^the private key is not PEM text/);
  });
});

describe('engine.loadBundle', () => {
  test('loads a verified bundle; a refused one changes nothing', async () => {
    const engine = new PolicyEngine();
    const loaded = await engine.loadBundle(signed, { publicKey: A.pub });
    expect(loaded.map((p) => [p.name, p.file])).toEqual([
      ['cost', 'cost.yaml'],
      ['models', 'models.yaml'],
    ]);
    const rev = engine.revision;
    const input = { request: { max_tokens: 2000 } };
    expect(engine.evaluate(input).effect).toBe('deny');
    const tampered = edit(signed, (b) => (b.files[0]!.text = doc('cost', 99999)));
    expect((await refusal(engine.loadBundle(tampered, { publicKey: A.pub })))[0]).toBe('signature_invalid');
    expect((await refusal(engine.loadBundle(signed, { publicKey: B.pub })))[0]).toBe('signature_invalid');
    expect(engine.revision).toBe(rev);
    expect(engine.evaluate(input).effect).toBe('deny');
  });

  test('a signed bundle whose policies do not compile is a load error, and nothing changes', async () => {
    const bad = await createBundle([{ filename: 'bad.yaml', text: doc('bad', 1).replace('request.max_tokens', 'request.max_tokens +') }], {
      privateKey: A.priv,
    });
    const engine = new PolicyEngine();
    await engine.loadBundle(signed, { publicKey: A.pub });
    const rev = engine.revision;
    const e = await engine.loadBundle(bad, { publicKey: A.pub }).catch((x: unknown) => x);
    expect((e as PolicyError).issues[0]).toMatchObject({ code: 'syntax', file: 'bad.yaml' });
    expect(engine.revision).toBe(rev);
  });
});

describe('sources with `verify`', () => {
  test('MemoryPolicySource: signed bundles load; a tampered one keeps the last good revision', async () => {
    const source = new MemoryPolicySource([{ filename: 'prod.bundle.json', text: signed }], { verify: { publicKey: A.pub } });
    const engine = new PolicyEngine();
    const reloads: { error?: Error }[] = [];
    await engine.loadFrom(source, { watch: true, onReload: (r) => reloads.push(r) });
    expect(engine.policies().map((p) => p.name)).toEqual(['cost', 'models']);
    const rev = engine.revision;
    source.set([{ filename: 'prod.bundle.json', text: edit(signed, (b) => (b.files[0]!.text = doc('cost', 1))) }]);
    await until(() => reloads.length === 1);
    expect((reloads[0]!.error as PolicyError).issues[0]).toMatchObject({ code: 'signature_invalid', file: 'prod.bundle.json' });
    expect(engine.revision).toBe(rev);
    // a plain policy text is refused too: only signed bundles
    source.set([{ filename: 'cost.yaml', text: doc('cost', 1) }]);
    await until(() => reloads.length === 2);
    expect((reloads[1]!.error as PolicyError).issues[0]).toMatchObject({ code: 'signature_invalid', file: 'cost.yaml' });
    expect(engine.revision).toBe(rev);
    await engine.close();
  });

  test('engine.loadFrom({ verify }) checks any source; a source that verified already is not checked twice', async () => {
    const engine = new PolicyEngine();
    const plain = new MemoryPolicySource([{ filename: 'b.json', text: signed }]);
    await engine.loadFrom(plain, { verify: { publicKey: A.pub } });
    expect(engine.policies()).toHaveLength(2);
    expect((await refusal(engine.loadFrom(plain, { verify: { publicKey: B.pub } })))[0]).toBe('signature_invalid');
    const unsigned = new MemoryPolicySource(FILES);
    expect((await refusal(engine.loadFrom(unsigned, { verify: { publicKey: A.pub } })))[1]).toMatch(/^not a signed bundle/);
    const both = new MemoryPolicySource([{ filename: 'b.json', text: signed }], { verify: { publicKey: A.pub } });
    await engine.loadFrom(both, { verify: { publicKey: A.pub } });
    expect(engine.policies()).toHaveLength(2);
    // without verify, a bundle still loads after its digests are checked
    const e2 = new PolicyEngine();
    await e2.loadFrom(plain);
    expect(e2.policies()).toHaveLength(2);
    const broken = new MemoryPolicySource([{ filename: 'b.json', text: edit(signed, (b) => (b.files[0]!.text += '#')) }]);
    expect((await refusal(e2.loadFrom(broken)))[1]).toMatch(/does not match its manifest digest/);
  });

  test('a source with bad verify options fails at construction', () => {
    expect(() => new MemoryPolicySource([], { verify: {} })).toThrow('verifying a bundle needs `publicKey` or `hmacSecret`');
    expect(() => new HttpBundleSource('http://x/', { verify: {}, fetch: async () => ({}) as never })).toThrow(PolicyError);
  });

  describe('DirectorySource', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'llmpe-bundle-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('a directory of signed bundles loads; one tampered file fails the load', async () => {
      writeFileSync(join(dir, 'prod.json'), signed);
      const source = new DirectorySource(dir, { verify: { publicKey: A.pub } });
      const files = await source.load();
      expect(files.map((f) => f.filename)).toEqual(['cost.yaml', 'models.yaml']);
      writeFileSync(join(dir, 'extra.yaml'), doc('extra', 1));
      expect(await refusal(source.load())).toEqual([
        'signature_invalid',
        'not a signed bundle, and this source requires signed bundles (`verify`)',
      ]);
      rmSync(join(dir, 'extra.yaml'));
      writeFileSync(join(dir, 'prod.json'), signed.replace('1000', '1001'));
      expect((await refusal(source.load()))[1]).toMatch(/`cost.yaml` does not match its manifest digest/);
    });
  });
});

describe('HttpBundleSource', () => {
  let server: Server;
  let base: string;
  let body = '';
  let chunked = false;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      if (chunked) {
        // no content-length: the limit must hold while streaming
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < body.length; i += 65536) res.write(body.slice(i, i + 65536));
        res.end();
      } else res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('a signed bundle over HTTP is verified; a tampered one keeps the last good set', async () => {
    body = signed;
    const source = new HttpBundleSource(`${base}/bundle.json`, { verify: { publicKey: A.pub } });
    expect((await source.load()).map((f) => f.filename)).toEqual(['cost.yaml', 'models.yaml']);
    body = signed.replace('5000', '5001');
    expect((await refusal(source.load()))[1]).toMatch(/`models.yaml` does not match its manifest digest/);
    // without verify, a signed bundle is handed on whole, and loadFrom checks its digests
    body = signed;
    const engine = new PolicyEngine();
    await engine.loadFrom(new HttpBundleSource(`${base}/bundle.json`));
    expect(engine.policies()).toHaveLength(2);
  });

  test('maxBytes bounds the body (declared or streamed); the engine keeps its last good revision', async () => {
    body = JSON.stringify({ files: [{ filename: 'cost.yaml', text: doc('cost', 1000) }] });
    const source = new HttpBundleSource(`${base}/bundle.json`, { maxBytes: 100_000 });
    const engine = new PolicyEngine();
    await engine.loadFrom(source);
    const rev = engine.revision;
    body = JSON.stringify({ files: [{ filename: 'cost.yaml', text: `${doc('cost', 1)}#${'x'.repeat(200_000)}\n` }] });
    await expect(engine.loadFrom(source)).rejects.toThrow(
      `GET ${base}/bundle.json: the response is larger than 100000 bytes (maxBytes); the last good policy set stays`,
    );
    chunked = true;
    await expect(source.load()).rejects.toThrow('the response is larger than 100000 bytes (maxBytes)');
    chunked = false;
    expect(engine.revision).toBe(rev);
    // the default is 4,000,000 bytes, as limits.maxPolicyBytes
    body = JSON.stringify({ files: [{ filename: 'cost.yaml', text: `${doc('cost', 1)}#${'x'.repeat(4_000_001)}\n` }] });
    await expect(new HttpBundleSource(`${base}/bundle.json`).load()).rejects.toThrow('larger than 4000000 bytes');
  });

  test('maxBytes with a fetch whose response has no body stream counts UTF-8 bytes', async () => {
    const text = 'é'.repeat(60); // 120 bytes, 60 UTF-16 units
    const fetch = async () => ({ status: 200, ok: true, statusText: 'OK', headers: { get: () => null }, text: async () => text });
    await expect(new HttpBundleSource('http://x/p.yaml', { fetch, maxBytes: 100 }).load()).rejects.toThrow('larger than 100 bytes');
    expect(await new HttpBundleSource('http://x/p.yaml', { fetch, maxBytes: 120 }).load()).toEqual([{ filename: 'p.yaml', text }]);
  });
});
