// DirectorySource: a temp directory tree, edited while an engine follows it.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DirectorySource, PolicyEngine, PolicyError } from '../../src/entries/node.js';

const doc = (name: string, limit: number) => `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: ${name} }
spec:
  rules:
    - { id: big, when: "request.max_tokens > ${limit}", effect: deny }
`;

let dir: string;
const engines: PolicyEngine[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lpe-dir-'));
});

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - t0;
}

describe('DirectorySource.load', () => {
  test('reads *.yaml, *.yml and *.json recursively, sorted, with relative names; skips the rest', async () => {
    mkdirSync(join(dir, 'team/deep'), { recursive: true });
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'b.yaml'), doc('b', 1));
    writeFileSync(join(dir, 'a.yml'), doc('a', 1));
    writeFileSync(
      join(dir, 'team/c.json'),
      JSON.stringify({ apiVersion: 'llmpolicy/v1', kind: 'Policy', metadata: { name: 'c' }, spec: { rules: [] } }),
    );
    writeFileSync(join(dir, 'team/deep/d.YAML'), doc('d', 1));
    writeFileSync(join(dir, 'team/notes.md'), '# not a policy');
    writeFileSync(join(dir, '.git/x.yaml'), 'not: read');
    writeFileSync(join(dir, 'node_modules/y.yaml'), 'not: read');
    writeFileSync(join(dir, '.hidden.yaml'), 'not: read');
    symlinkSync(join(dir, 'b.yaml'), join(dir, 'link.yaml'));
    symlinkSync(join(dir, 'missing.yaml'), join(dir, 'dangling.yaml'));
    const files = await new DirectorySource(dir).load();
    expect(files.map((f) => f.filename)).toEqual(['a.yml', 'b.yaml', 'link.yaml', 'team/c.json', 'team/deep/d.YAML']);
    expect(files[1]!.text).toBe(doc('b', 1));
  });

  test('a link out of the directory is skipped and reported (followSymlinks reads it); a link loop ends', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'lpe-outside-'));
    try {
      writeFileSync(join(outside, 'secret.yaml'), doc('secret', 1));
      writeFileSync(join(dir, 'a.yaml'), doc('a', 1));
      mkdirSync(join(dir, 'sub'));
      symlinkSync(join(outside, 'secret.yaml'), join(dir, 'secret.yaml'));
      symlinkSync(outside, join(dir, 'elsewhere'));
      symlinkSync(dir, join(dir, 'sub/loop')); // back to the root: entered once
      const errors: string[] = [];
      const files = await new DirectorySource(dir, { onError: (e) => errors.push(e.message) }).load();
      expect(files.map((f) => f.filename)).toEqual(['a.yaml']);
      expect(errors.sort()).toEqual([
        'elsewhere: skipped, a link to outside the directory (followSymlinks: true reads it)',
        'secret.yaml: skipped, a link to outside the directory (followSymlinks: true reads it)',
      ]);
      const all = await new DirectorySource(dir, { followSymlinks: true }).load();
      expect(all.map((f) => f.filename)).toEqual(['a.yaml', 'elsewhere/secret.yaml', 'secret.yaml']);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('an empty directory is an empty set; a missing one is an error', async () => {
    expect(await new DirectorySource(dir).load()).toEqual([]);
    await expect(new DirectorySource(join(dir, 'nope')).load()).rejects.toThrow(/ENOENT/);
  });
});

// Native recursive watching exists on macOS and Windows. On Linux, Node emulates it (one
// watcher per file) and misses events after a rename (seen on Node 20.20: a file deleted
// after an atomic save went unnoticed), so `auto` watches each directory there instead.
const modes =
  process.platform === 'darwin' || process.platform === 'win32' ? (['per-directory', 'recursive'] as const) : (['per-directory'] as const);

describe.each(modes)('DirectorySource.watch (%s)', (watchMode) => {
  test('edit -> reload; broken file -> last good set kept, error with file:line; fixed -> reload', async () => {
    mkdirSync(join(dir, 'team'));
    writeFileSync(join(dir, 'base.yaml'), doc('base', 1000));
    writeFileSync(join(dir, 'team/models.yaml'), doc('models', 5000));
    const reloads: { revision: string; error?: Error }[] = [];
    const engine = new PolicyEngine();
    engines.push(engine);
    await engine.loadFrom(new DirectorySource(dir, { debounceMs: 30, watchMode }), { watch: true, onReload: (r) => reloads.push(r) });
    const input = { request: { max_tokens: 500 } };
    expect(engine.evaluate(input).effect).toBe('allow');
    const first = engine.revision;

    // edit: the engine reloads the whole set
    let t0 = Date.now();
    writeFileSync(join(dir, 'team/models.yaml'), doc('models', 100));
    await waitFor(() => engine.evaluate(input).effect === 'deny', 3000, 'the edit');
    const editLatency = Date.now() - t0;
    expect(engine.revision).not.toBe(first);
    const good = engine.revision;

    // break it: the last good set stays and the error names the file and line
    writeFileSync(join(dir, 'team/models.yaml'), doc('models', 100).replace('> 100"', '>"'));
    await waitFor(() => engine.lastReloadError !== undefined, 3000, 'the reload error');
    expect(engine.revision).toBe(good);
    expect(engine.evaluate(input).effect).toBe('deny');
    const err = engine.lastReloadError as PolicyError;
    expect(err).toBeInstanceOf(PolicyError);
    expect(err.issues[0]).toMatchObject({ file: 'team/models.yaml', line: 6 });
    expect(err.message).toContain('team/models.yaml:6');
    expect(reloads.at(-1)!.error).toBe(err);

    // fix it: reloads, the error clears
    t0 = Date.now();
    writeFileSync(join(dir, 'team/models.yaml'), doc('models', 400));
    await waitFor(
      () => engine.lastReloadError === undefined && engine.evaluate(input).effect === 'deny' && engine.revision !== good,
      3000,
      'the fix',
    );
    const fixLatency = Date.now() - t0;

    // a new subdirectory with a file, then an atomic save (write + rename) and a delete
    mkdirSync(join(dir, 'new/sub'), { recursive: true });
    await new Promise((r) => setTimeout(r, 80)); // the directory is picked up by the next reload
    writeFileSync(join(dir, 'new/sub/strict.yaml'), doc('strict', 10));
    await waitFor(() => engine.evaluate({ request: { max_tokens: 50 } }).effect === 'deny', 3000, 'the file in the new directory');
    writeFileSync(join(dir, 'new/sub/.strict.yaml.tmp'), doc('strict', 60));
    renameSync(join(dir, 'new/sub/.strict.yaml.tmp'), join(dir, 'new/sub/strict.yaml'));
    await waitFor(() => engine.evaluate({ request: { max_tokens: 50 } }).effect === 'allow', 3000, 'the atomic save');
    unlinkSync(join(dir, 'new/sub/strict.yaml'));
    await waitFor(() => engine.evaluate({ request: { max_tokens: 100 } }).effect === 'allow', 3000, 'the delete');
    console.log(`[directory ${watchMode}] reload after an edit: ${editLatency} ms, after a fix: ${fixLatency} ms (debounceMs 30)`);
  });

  test('a burst of writes is one reload (debounce)', async () => {
    writeFileSync(join(dir, 'a.yaml'), doc('a', 1000));
    const reloads: string[] = [];
    const engine = new PolicyEngine();
    engines.push(engine);
    await engine.loadFrom(new DirectorySource(dir, { debounceMs: 100, watchMode }), {
      watch: true,
      onReload: (r) => reloads.push(r.revision),
    });
    for (let i = 0; i < 10; i++) {
      writeFileSync(join(dir, 'a.yaml'), doc('a', 900 - i));
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => reloads.length > 0, 3000, 'the reload');
    await new Promise((r) => setTimeout(r, 250));
    expect(reloads.length).toBe(1);
    expect(engine.evaluate({ request: { max_tokens: 895 } }).effect).toBe('deny');
  });

  test('after stop (engine.close) no more reloads', async () => {
    writeFileSync(join(dir, 'a.yaml'), doc('a', 1000));
    let reloads = 0;
    const engine = new PolicyEngine();
    await engine.loadFrom(new DirectorySource(dir, { debounceMs: 20, watchMode }), { watch: true, onReload: () => reloads++ });
    await engine.close();
    writeFileSync(join(dir, 'a.yaml'), doc('a', 1));
    await new Promise((r) => setTimeout(r, 150));
    expect(reloads).toBe(0);
  });
});
