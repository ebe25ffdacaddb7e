/// <reference types="node" />
// DirectorySource: the policies of a directory tree (`*.yaml`, `*.yml`, `*.json`), reloaded
// when files change. See docs/adapters/directory.md.

import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { checkVerifyOptions, openSourceFiles, type BundleVerifyOptions } from '../../policy/bundle.js';
import type { PolicyFile, PolicySource } from '../../policy/source.js';

export interface DirectorySourceOptions {
  /** Quiet time after the last file event before the set is reloaded, ms. Default 100. */
  debounceMs?: number;
  /** File name endings that hold policies. Default `.yaml`, `.yml`, `.json`. */
  extensions?: string[];
  /**
   * How to watch: `recursive` (one fs.watch of the tree: native on macOS and Windows),
   * `per-directory` (one fs.watch per directory, kept in step as directories come and go),
   * or `auto` (the default: `recursive` on macOS and Windows, `per-directory` elsewhere).
   */
  watchMode?: 'auto' | 'recursive' | 'per-directory';
  /** Called when watching fails (a watcher error); the source keeps going with the rest. */
  onError?: (error: Error) => void;
  /**
   * Read links that lead out of the directory. Default false: such a link is skipped (and
   * reported to `onError`), so whoever can write into the directory cannot make the engine read
   * other files; links inside it (Kubernetes ConfigMaps mount files as links to `..data/`) are
   * followed. A directory is entered once by its real path either way, so a link loop ends.
   */
  followSymlinks?: boolean;
  /**
   * Serve signed bundles only: every file must be a bundle (`llm-policy bundle build`) that
   * verifies with this key, or the load fails and the last good set stays (docs/lifecycle.md).
   */
  verify?: BundleVerifyOptions;
}

function inside(root: string, target: string): boolean {
  const r = relative(root, target);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/** Names skipped while walking: hidden files and folders (`.git`, editor swap files, `..data`) and node_modules. */
function skipped(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules';
}

export class DirectorySource implements PolicySource {
  readonly dir: string;
  private readonly debounceMs: number;
  private readonly extensions: string[];
  private readonly mode: 'recursive' | 'per-directory';
  private readonly onError: ((e: Error) => void) | undefined;
  private readonly followSymlinks: boolean;
  private readonly verify: BundleVerifyOptions | undefined;

  constructor(dir: string, options: DirectorySourceOptions = {}) {
    this.dir = dir;
    this.debounceMs = options.debounceMs ?? 100;
    this.extensions = (options.extensions ?? ['.yaml', '.yml', '.json']).map((e) => e.toLowerCase());
    const mode = options.watchMode ?? 'auto';
    this.mode = mode === 'auto' ? (process.platform === 'darwin' || process.platform === 'win32' ? 'recursive' : 'per-directory') : mode;
    this.onError = options.onError;
    this.followSymlinks = options.followSymlinks ?? false;
    if (options.verify !== undefined) checkVerifyOptions(options.verify);
    this.verify = options.verify;
  }

  /** Every policy file of the tree, sorted by path; file names are relative to the directory, with `/`. */
  async load(): Promise<PolicyFile[]> {
    const paths: string[] = [];
    const root = await realpath(this.dir);
    const visited = new Set<string>();
    const walk = async (d: string): Promise<void> => {
      const real = await realpath(d);
      if (visited.has(real)) return;
      visited.add(real);
      const entries = await readdir(d, { withFileTypes: true });
      for (const e of entries) {
        if (skipped(e.name)) continue;
        const p = join(d, e.name);
        let isDir = e.isDirectory();
        let isFile = e.isFile();
        if (e.isSymbolicLink()) {
          const target = await realpath(p).catch(() => undefined); // a dangling link is no file
          if (target === undefined) continue;
          if (!this.followSymlinks && !inside(root, target)) {
            this.onError?.(new Error(`${this.rel(p)}: skipped, a link to outside the directory (followSymlinks: true reads it)`));
            continue;
          }
          const s = await stat(p).catch(() => undefined);
          isDir = !!s?.isDirectory();
          isFile = !!s?.isFile();
        }
        if (isDir) await walk(p);
        else if (isFile && this.extensions.some((x) => e.name.toLowerCase().endsWith(x))) paths.push(p);
      }
    };
    await walk(this.dir);
    const files: PolicyFile[] = [];
    for (const p of paths.map((p) => ({ p, rel: this.rel(p) })).sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))) {
      let text: string;
      try {
        text = await readFile(p.p, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted since the walk
        throw new Error(`${p.rel}: cannot read: ${(e as Error).message}`);
      }
      files.push({ text, filename: p.rel });
    }
    return this.verify ? openSourceFiles(files, this.verify) : files;
  }

  /** Watches the tree; calls `onChange` once things have been quiet for `debounceMs`. */
  watch(onChange: () => void): () => void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const watchers = new Map<string, FSWatcher>();

    const report = (e: unknown) => {
      try {
        this.onError?.(e instanceof Error ? e : new Error(String(e)));
      } catch {
        /* a throwing listener must not stop the watcher */
      }
    };

    const sync = () => {
      if (this.mode !== 'per-directory') return;
      const dirs = new Set<string>();
      const walk = (d: string) => {
        dirs.add(d);
        let entries: Dirent[];
        try {
          entries = readdirSync(d, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          if (skipped(e.name)) continue;
          const p = join(d, e.name);
          if (e.isDirectory() || (e.isSymbolicLink() && statSync(p, { throwIfNoEntry: false })?.isDirectory())) walk(p);
        }
      };
      walk(this.dir);
      for (const [d, w] of watchers) {
        if (!dirs.has(d)) {
          w.close();
          watchers.delete(d);
        }
      }
      for (const d of dirs) if (!watchers.has(d)) add(d, false);
    };

    const changed = () => {
      if (stopped) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        if (stopped) return;
        sync(); // directories made or removed meanwhile
        onChange();
      }, this.debounceMs);
    };

    const add = (d: string, recursive: boolean) => {
      try {
        const w = fsWatch(d, { recursive, persistent: false }, changed);
        w.on('error', (e) => {
          w.close();
          watchers.delete(d);
          if (d === this.dir) report(e);
          changed();
        });
        watchers.set(d, w);
      } catch (e) {
        if (d === this.dir) report(e);
      }
    };

    if (this.mode === 'recursive') add(this.dir, true);
    else sync();

    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    };
  }

  private rel(p: string): string {
    return relative(this.dir, p).split(sep).join('/');
  }
}
