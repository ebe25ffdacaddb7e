// Building engines from policy files, with the options every command shares
// (`--functions`, `--input-schema`).

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  defaultRegistry,
  PolicyEngine,
  PolicyError,
  type FunctionDecl,
  type JsonSchema,
  type Registry,
  type StateStore,
} from '../entries/index.js';
import { CliError, display, parseData, readText } from './io.js';

export interface Setup {
  registry: Registry;
  inputSchema?: JsonSchema;
}

export interface PolicyFile {
  text: string;
  /** As shown to the user (relative to the working directory). */
  filename: string;
  path: string;
}

/** The function library (plus `--functions`) and the input schema (`--input-schema`). */
export async function loadSetup(options: { functions?: string | undefined; inputSchema?: string | undefined }): Promise<Setup> {
  const registry = defaultRegistry();
  if (options.functions) {
    const abs = resolve(options.functions);
    readText(abs); // a clear error when it does not exist
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
    } catch (e) {
      throw new CliError(`cannot load functions from \`${display(abs)}\`: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    }
    const fns = (mod.functions ?? (mod.default as Record<string, unknown> | undefined)?.functions ?? mod.default) as unknown;
    if (!Array.isArray(fns)) {
      throw new CliError(`\`${display(abs)}\` must export \`functions\`, an array of function declarations`, [], new Map());
    }
    try {
      for (const f of fns as FunctionDecl[]) registry.add(f);
    } catch (e) {
      throw new CliError(`bad function declaration in \`${display(abs)}\`: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const setup: Setup = { registry };
  if (options.inputSchema) {
    const abs = resolve(options.inputSchema);
    const schema = parseData(readText(abs), display(abs));
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new CliError(`\`${display(abs)}\` must hold a JSON Schema object`);
    }
    setup.inputSchema = schema as JsonSchema;
  }
  return setup;
}

const textCache = new Map<string, string>();

export function readPolicyFiles(paths: string[]): PolicyFile[] {
  return paths.map((p) => {
    let text = textCache.get(p);
    if (text === undefined) textCache.set(p, (text = readText(p)));
    return { text, filename: display(p), path: p };
  });
}

/** A PolicyError as a CliError that prints every issue with its source line. */
export function loadError(e: PolicyError, files: PolicyFile[]): CliError {
  const sources = new Map<string | undefined, string>(files.map((f) => [f.filename, f.text]));
  const n = e.issues.length;
  return new CliError(`${n} error${n === 1 ? '' : 's'} in the policies`, e.issues, sources);
}

export function buildEngine(files: PolicyFile[], setup: Setup, clock?: () => number, state?: StateStore): PolicyEngine {
  const engine = new PolicyEngine({
    registry: setup.registry,
    ...(setup.inputSchema ? { inputSchema: setup.inputSchema } : {}),
    ...(clock ? { clock } : {}),
    ...(state ? { state } : {}),
  });
  try {
    engine.setPolicies(files.map((f) => ({ text: f.text, filename: f.filename })));
  } catch (e) {
    if (e instanceof PolicyError) throw loadError(e, files);
    throw e;
  }
  return engine;
}
