// Replayed diffs: diffPolicies, parseReplay, and `llm-policy diff` / `llm-policy bundle` run
// in-process through the CLI's dispatcher.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { FileAuditSink } from '../../src/adapters/audit/file.js';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/command.js';
import { colorsFor } from '../../src/cli/io.js';
import { PolicyEngine } from '../../src/entries/index.js';
import { diffPolicies, fixedClock, parseReplay } from '../../src/entries/testing.js';

const OLD = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: tiers }
spec:
  rules:
    - id: free-big
      when: user.tier == 'free' && request.max_tokens > 1000
      effect: deny
      message: "too many tokens for the free tier"
    - id: ticket
      when: request.model == 'o1'
      effect: warn
`;

// free limit lowered to 500; o1 now denied; a new rule that errors when `user.region` is missing
const NEW = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: tiers }
spec:
  rules:
    - id: free-big
      when: user.tier == 'free' && request.max_tokens > 500
      effect: deny
      message: "too many tokens for the free tier"
    - id: ticket
      when: request.model == 'o1'
      effect: deny
    - id: region
      when: user.region == 'eu'
      effect: deny
`;

const INPUTS = [
  { user: { tier: 'free', region: 'us' }, request: { model: 'gpt-4o', max_tokens: 800 } }, // allow → deny (free-big)
  { user: { tier: 'free', region: 'us' }, request: { model: 'gpt-4o', max_tokens: 100 } }, // unchanged
  { user: { tier: 'pro', region: 'us' }, request: { model: 'o1', max_tokens: 100 } }, // warn → deny (ticket)
  { user: { tier: 'free', region: 'us' }, request: { model: 'gpt-4o', max_tokens: 700 } }, // allow → deny
  { user: { tier: 'pro' }, request: { model: 'gpt-4o', max_tokens: 100 } }, // region errors: none → error
  { user: { tier: 'free', region: 'us' }, request: { model: 'gpt-4o', max_tokens: 600 } }, // allow → deny
  { user: { tier: 'free', region: 'us' }, request: { model: 'gpt-4o', max_tokens: 900 } }, // allow → deny (4th: not an example)
];

function engines(clock?: () => number) {
  const from = new PolicyEngine(clock ? { clock } : {});
  from.addPolicy(OLD, { filename: 'old.yaml' });
  const to = new PolicyEngine(clock ? { clock } : {});
  to.addPolicy(NEW, { filename: 'new.yaml' });
  return { from, to };
}

describe('diffPolicies', () => {
  test('counts effect transitions and rule outcome changes, with up to 3 examples each', () => {
    const d = diffPolicies({ ...engines(), inputs: INPUTS, origins: INPUTS.map((_, i) => `in.jsonl:${i + 1}`) });
    expect(d.inputs).toBe(7);
    expect(d.changed).toBe(6);
    expect(d.effects.map((t) => [t.from, t.to, t.count, t.examples.map((e) => e.origin)])).toEqual([
      ['allow', 'deny', 5, ['in.jsonl:1', 'in.jsonl:4', 'in.jsonl:5']],
      ['warn', 'deny', 1, ['in.jsonl:3']],
    ]);
    expect(d.rules.map((r) => [r.rule, r.changed, r.transitions.map((t) => `${t.from}>${t.to}:${t.count}`)])).toEqual([
      ['tiers/free-big', 4, ['none>deny:4']],
      ['tiers/region', 1, ['none>error:1']],
      ['tiers/ticket', 1, ['warn>deny:1']],
    ]);
    const ex = d.effects[0]!.examples[0]!;
    expect(ex).toMatchObject({
      index: 0,
      input: INPUTS[0],
      from: { effect: 'allow' },
      to: { effect: 'deny', reasons: ['too many tokens for the free tier'] },
    });
    expect(d.errors).toEqual([]);
  });

  test('the same policies change nothing; `examples` bounds the examples', () => {
    const { from } = engines();
    const again = new PolicyEngine();
    again.addPolicy(OLD);
    expect(diffPolicies({ from, to: again, inputs: INPUTS })).toMatchObject({ inputs: 7, changed: 0, effects: [], rules: [] });
    const d = diffPolicies({ ...engines(), inputs: INPUTS, examples: 1 });
    expect(d.effects[0]!.examples).toHaveLength(1);
  });

  test('an engine that throws is an error of the result', () => {
    const { to } = engines();
    const from = {
      evaluate(): never {
        throw new Error('boom');
      },
    };
    const d = diffPolicies({ from, to, inputs: [{}], origins: ['x:1'] });
    expect(d.errors).toEqual([{ message: 'deciding failed: boom', index: 0, origin: 'x:1' }]);
    expect(d.inputs).toBe(0);
  });

  test('inputs are replayed at their recorded time on the shared clock', () => {
    const timed = (name: string, hour: number) => `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: ${name} }
spec:
  rules:
    - { id: late, when: "now.getHours('UTC') >= ${hour}", effect: deny }
`;
    const clock = fixedClock('2026-01-01T00:00:00Z');
    const from = new PolicyEngine({ clock });
    from.addPolicy(timed('t', 20));
    const to = new PolicyEngine({ clock });
    to.addPolicy(timed('t', 18));
    const at = (h: number) => Date.parse(`2026-01-01T${String(h).padStart(2, '0')}:30:00Z`);
    const d = diffPolicies({ from, to, inputs: [{}, {}, {}], times: [at(17), at(19), at(21)], clock });
    expect(d.effects).toMatchObject([{ from: 'allow', to: 'deny', count: 1, examples: [{ index: 1 }] }]);
  });
});

describe('parseReplay', () => {
  test('JSON Lines, blank and // lines skipped; a bad line is an error at file:line:column', () => {
    const r = parseReplay('{"a":1}\n\n// note\n{"a":2}\n  {"a":\n{"a":3}\n', 'in.jsonl');
    expect(r.kind).toBe('inputs');
    expect(r.inputs).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    expect(r.origins).toEqual(['in.jsonl:1', 'in.jsonl:4', 'in.jsonl:6']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file: 'in.jsonl', line: 5, origin: 'in.jsonl:5' });
    expect(r.errors[0]!.message).toMatch(/^invalid JSON: /);
    expect(r.errors[0]!.column).toBeGreaterThan(2);
  });

  test('a JSON array of inputs', () => {
    expect(parseReplay('[{"a":1},{"a":2}]', 'in.json')).toMatchObject({
      inputs: [{ a: 1 }, { a: 2 }],
      origins: ['in.json[0]', 'in.json[1]'],
    });
  });

  test('an audit log of the FileAuditSink: decision records with their input and time; usage records ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmpe-diff-'));
    try {
      const path = join(dir, 'audit.log');
      const clock = fixedClock('2026-03-01T10:00:00Z');
      const engine = new PolicyEngine({
        clock,
        audit: { sink: new FileAuditSink({ path, chain: true }), includeInput: { redactPaths: ['user.email'] } },
      });
      engine.addPolicy(OLD);
      engine.evaluate({ ...INPUTS[0], user: { ...INPUTS[0]!.user, email: 'a@b.c' } });
      await engine.record({ keys: ['u'], tokens: 5 });
      clock.advance(60_000);
      engine.evaluate(INPUTS[2]);
      await engine.close();
      const r = parseReplay(readFileSync(path, 'utf8'), 'audit.log');
      expect(r.kind).toBe('audit');
      expect(r.inputs).toHaveLength(2);
      // the record holds the redacted copy
      expect((r.inputs[0] as { user: { email: string } }).user.email).toBe('[REDACTED]');
      expect(r.times).toEqual([Date.parse('2026-03-01T10:00:00Z'), Date.parse('2026-03-01T10:01:00Z')]);
      expect(r.origins).toEqual(['audit.log:1', 'audit.log:3']);

      // without includeInput there is nothing to replay
      const bare = join(dir, 'bare.log');
      const e2 = new PolicyEngine({ audit: new FileAuditSink({ path: bare }) });
      e2.addPolicy(OLD);
      e2.evaluate(INPUTS[0]);
      await e2.close();
      const b = parseReplay(readFileSync(bare, 'utf8'), 'bare.log');
      expect(b).toMatchObject({ kind: 'audit', inputs: [], skipped: 1 });
      expect(b.errors[0]!.message).toBe('the audit log holds no inputs: its 1 decision records were written without `audit.includeInput`');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ------------------------------------------------------------------ the CLI, in-process

function io(): Io & { stdout: string; stderr: string } {
  const plain = colorsFor({ isTTY: false }, {});
  const r = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (r.stdout += t.endsWith('\n') ? t : `${t}\n`),
    err: (t: string) => void (r.stderr += t.endsWith('\n') ? t : `${t}\n`),
    c: plain,
    ce: plain,
    errTTY: false,
    progress: () => {},
  };
  return r;
}

async function cli(args: string[]) {
  const o = io();
  const code = await main(args, o);
  return { code, stdout: o.stdout, stderr: o.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'llmpe-cli-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'old'));
mkdirSync(join(dir, 'new'));
writeFileSync(join(dir, 'old/tiers.yaml'), OLD);
writeFileSync(join(dir, 'new/tiers.yaml'), NEW);
writeFileSync(join(dir, 'inputs.jsonl'), `${INPUTS.map((i) => JSON.stringify(i)).join('\n')}\n`);

describe('llm-policy diff', () => {
  test('changes exit 1 and print per-effect and per-rule counts with examples', async () => {
    const r = await cli(['diff', '--from', join(dir, 'old'), '--to', join(dir, 'new'), '--inputs', join(dir, 'inputs.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^7 inputs replayed: 6 changed, 1 unchanged$/m);
    expect(r.stdout).toMatch(/^ {2}allow → deny: 5$/m);
    expect(r.stdout).toMatch(/^ {2}warn → deny: 1$/m);
    expect(r.stdout).toMatch(/^ {2}tiers\/free-big: none → deny 4$/m);
    expect(r.stdout).toMatch(/^ {2}tiers\/region: none → error 1$/m);
    expect(r.stdout).toMatch(
      /inputs\.jsonl:1 {2}\{"request":\{"max_tokens":800,"model":"gpt-4o"\},"user":\{"region":"us","tier":"free"\}\}/,
    );
    expect(r.stdout).toMatch(/^ +after {2}deny: too many tokens for the free tier$/m);
  });

  test('no change exits 0; --format json', async () => {
    const r = await cli([
      'diff',
      '--from',
      join(dir, 'old'),
      '--to',
      join(dir, 'old'),
      '--inputs',
      join(dir, 'inputs.jsonl'),
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { ok: boolean; inputs: number; changed: number; inputsKind: string };
    expect(j).toMatchObject({ ok: true, inputs: 7, changed: 0, inputsKind: 'inputs' });
    const c = await cli([
      'diff',
      '--from',
      join(dir, 'old'),
      '--to',
      join(dir, 'new'),
      '--inputs',
      join(dir, 'inputs.jsonl'),
      '--format',
      'json',
    ]);
    expect(c.code).toBe(1);
    const k = JSON.parse(c.stdout) as { effects: { from: string; to: string; count: number; examples: unknown[] }[] };
    expect(k.effects[0]).toMatchObject({ from: 'allow', to: 'deny', count: 5 });
    expect(k.effects[0]!.examples).toHaveLength(3);
  });

  test('a bad JSONL line exits 2, positioned at file:line:column with the line shown', async () => {
    writeFileSync(join(dir, 'bad.jsonl'), `${JSON.stringify(INPUTS[0])}\n{"user": {"tier": "free"},, }\n`);
    const r = await cli(['diff', '--from', join(dir, 'old'), '--to', join(dir, 'new'), '--inputs', join(dir, 'bad.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^1 input replayed: 1 changed/m);
    expect(r.stderr).toMatch(/bad\.jsonl:2:\d+: error\[input\]: invalid JSON: /);
    expect(r.stderr).toMatch(/ 2 \| \{"user": \{"tier": "free"\},, \}/);
  });

  test('a policy that does not load, and usage errors, exit 2', async () => {
    writeFileSync(join(dir, 'broken.yaml'), NEW.replace("user.region == 'eu'", "user.region == 'eu' &&"));
    const r = await cli(['diff', '--from', join(dir, 'old'), '--to', join(dir, 'broken.yaml'), '--inputs', join(dir, 'inputs.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+: error\[syntax\]/);
    expect((await cli(['diff', '--from', join(dir, 'old'), '--inputs', join(dir, 'inputs.jsonl')])).code).toBe(2);
    expect((await cli(['diff', '--from', join(dir, 'old'), '--to', join(dir, 'new')])).stderr).toMatch(/no inputs given/);
  });
});

describe('llm-policy bundle', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
  writeFileSync(join(dir, 'other.pem'), other);

  test('build signs with Ed25519; verify exits 0; a changed byte or the wrong key exits 2 with the reason', async () => {
    const out = join(dir, 'bundle.json');
    const b = await cli(['bundle', 'build', join(dir, 'new'), '--out', out, '--sign-key', join(dir, 'private.pem')]);
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/bundle\.json: 1 policy from 1 file, signed with Ed25519 \(key [0-9a-f]{16}\)/);
    expect(JSON.parse(readFileSync(out, 'utf8')).files.map((f: { filename: string }) => f.filename)).toEqual(['tiers.yaml']);
    const ok = await cli(['bundle', 'verify', out, '--public-key', join(dir, 'public.pem')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ok: .*bundle\.json: 1 file, 1 policy, the Ed25519 signature verifies/);

    writeFileSync(join(dir, 'tampered.json'), readFileSync(out, 'utf8').replace('> 500', '> 501'));
    const t = await cli(['bundle', 'verify', join(dir, 'tampered.json'), '--public-key', join(dir, 'public.pem')]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/tampered\.json: error\[signature_invalid\]: `tiers\.yaml` does not match its manifest digest/);
    const w = await cli(['bundle', 'verify', out, '--public-key', join(dir, 'other.pem'), '--format', 'json']);
    expect(w.code).toBe(2);
    expect(JSON.parse(w.stdout).issues[0]).toMatchObject({ code: 'signature_invalid' });
  });

  test('HMAC from an environment variable; unsigned bundles need --allow-unsigned', async () => {
    const out = join(dir, 'hmac.json');
    process.env.LLMPE_TEST_SECRET = 'shh';
    try {
      expect((await cli(['bundle', 'build', join(dir, 'old'), '--out', out, '--hmac-secret-env', 'LLMPE_TEST_SECRET'])).code).toBe(0);
      expect((await cli(['bundle', 'verify', out, '--hmac-secret-env', 'LLMPE_TEST_SECRET'])).code).toBe(0);
      process.env.LLMPE_TEST_SECRET = 'other';
      const bad = await cli(['bundle', 'verify', out, '--hmac-secret-env', 'LLMPE_TEST_SECRET']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/the HMAC-SHA256 signature does not verify/);
      expect((await cli(['bundle', 'verify', out, '--hmac-secret-env', 'LLMPE_NOT_SET'])).stderr).toMatch(/`LLMPE_NOT_SET` .* is not set/);
    } finally {
      delete process.env.LLMPE_TEST_SECRET;
    }
    const u = join(dir, 'unsigned.json');
    const b = await cli(['bundle', 'build', join(dir, 'old'), '--out', u]);
    expect(b.code).toBe(0);
    expect(b.stderr).toMatch(/warning: the bundle is not signed/);
    const r = await cli(['bundle', 'verify', u, '--public-key', join(dir, 'public.pem')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[signature_invalid\]: the bundle is not signed, and verification requires a signature/);
    expect((await cli(['bundle', 'verify', u, '--allow-unsigned'])).code).toBe(0);
    expect((await cli(['bundle', 'verify', u])).stderr).toMatch(/no key given/);
  });

  test('build refuses policies that do not load', async () => {
    const r = await cli(['bundle', 'build', join(dir, 'broken.yaml'), '--out', join(dir, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[syntax\]/);
  });
});
