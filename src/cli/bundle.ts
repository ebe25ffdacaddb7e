// `llm-policy bundle build|verify`: one signed JSON file of policies (src/policy/bundle.ts).
/// <reference types="node" />

import { writeFileSync } from 'node:fs';
import { basename, relative, resolve, sep } from 'node:path';
import { createBundle, PolicyError, verifyBundle, type BundleVerifyOptions, type PolicyBundle } from '../entries/index.js';
import { ENGINE_HELP, ENGINE_OPTIONS, errorJson, expandOptions, reportError, usage, type Command, type Io } from './command.js';
import { CliError, EXIT, display, expandPaths, readText } from './io.js';
import { buildEngine, loadSetup, type PolicyFile } from './load.js';

const HELP = `Usage: llm-policy bundle build <policies...> --out <bundle.json> [--sign-key <private.pem> | --hmac-secret-env <NAME>]
       llm-policy bundle verify <bundle.json> --public-key <public.pem> | --hmac-secret-env <NAME>

build: loads and checks the policies, then writes one JSON file holding their texts (named
relative to the directory given, or by their base name), a manifest of their SHA-256 digests,
and a signature over the manifest: Ed25519 with a PKCS #8 private key
(\`openssl genpkey -algorithm ed25519 -out private.pem\`), or HMAC-SHA256 with a secret read
from an environment variable.

verify: checks the signature with the public key
(\`openssl pkey -in private.pem -pubout -out public.pem\`) or the HMAC secret, every text against
its digest, and that the policies load. Engines load bundles with
\`engine.loadBundle(text, { publicKey })\` or a source's \`verify\` option (docs/lifecycle.md).

Options:
  --out <file>              where build writes the bundle
  --sign-key <file>         Ed25519 private key, PEM (PKCS #8)
  --public-key <file>       Ed25519 public key, PEM (SPKI), for verify
  --hmac-secret-env <NAME>  sign or verify with HMAC-SHA256, the secret in this environment variable
  --allow-unsigned          verify: accept an unsigned bundle (the digests are still checked)
${ENGINE_HELP}
  --format <text|json>      output format (default text)
  -h, --help                show this help

Exit status: 0 built, or valid; 2 with the reason otherwise (a bad signature, a changed text, a
policy that does not load, a missing key).

Examples:
  llm-policy bundle build policies --out bundle.json --sign-key private.pem
  llm-policy bundle verify bundle.json --public-key public.pem`;

export const bundleCommand: Command = {
  name: 'bundle',
  summary: 'build a signed policy bundle, or verify one (bundle build|verify)',
  help: HELP,
  options: {
    ...ENGINE_OPTIONS,
    out: { type: 'string', short: 'o' },
    'sign-key': { type: 'string' },
    'public-key': { type: 'string' },
    'hmac-secret-env': { type: 'string' },
    'allow-unsigned': { type: 'boolean' },
  },
  async run(io, values, positionals) {
    const json = values.format === 'json';
    const [sub, ...rest] = positionals;
    try {
      if (sub === 'build') return await build(io, values, rest);
      if (sub === 'verify') return await verify(io, values, rest);
      throw usage(
        sub === undefined
          ? 'missing subcommand: use `bundle build` or `bundle verify`'
          : `unknown subcommand \`${sub}\`: use \`build\` or \`verify\``,
        bundleCommand,
      );
    } catch (thrown) {
      const e = thrown instanceof PolicyError ? new CliError(thrown.message, thrown.issues) : thrown;
      if (!(e instanceof CliError)) throw e;
      if (json) io.out(JSON.stringify(errorJson(e), null, 2));
      else reportError(io, e);
      return EXIT.error;
    }
  },
};

function secret(values: Record<string, unknown>): string | undefined {
  const name = values['hmac-secret-env'] as string | undefined;
  if (name === undefined) return undefined;
  const v = process.env[name];
  if (v === undefined || v === '') throw usage(`the environment variable \`${name}\` (--hmac-secret-env) is not set`, bundleCommand);
  return v;
}

/** Policy files named relative to the directory argument they were found under, or by base name. */
function bundleFiles(io: Io, values: Record<string, unknown>, paths: string[]): PolicyFile[] {
  const out: PolicyFile[] = [];
  const names = new Map<string, string>();
  for (const p of paths) {
    const abs = resolve(p);
    for (const f of expandPaths([p], 'policy', undefined, expandOptions(io, values))) {
      const rel = relative(abs, f);
      const name = (rel === '' ? basename(f) : rel).split(sep).join('/');
      const other = names.get(name);
      if (other !== undefined && other !== f)
        throw usage(`two files would be named \`${name}\` in the bundle: \`${display(other)}\` and \`${display(f)}\``, bundleCommand);
      if (other !== undefined) continue;
      names.set(name, f);
      out.push({ text: readText(f), filename: name, path: f });
    }
  }
  return out;
}

async function build(io: Io, values: Record<string, unknown>, paths: string[]): Promise<number> {
  if (paths.length === 0) throw usage('no policy files given', bundleCommand);
  const outPath = values.out as string | undefined;
  if (outPath === undefined) throw usage('no output file given: use `--out <bundle.json>`', bundleCommand);
  if (values['sign-key'] !== undefined && values['hmac-secret-env'] !== undefined)
    throw usage('pass either `--sign-key` or `--hmac-secret-env`, not both', bundleCommand);
  if (values['public-key'] !== undefined)
    throw usage('`--public-key` is for `bundle verify`; build signs with `--sign-key`', bundleCommand);
  const files = bundleFiles(io, values, paths);
  const setup = await loadSetup({
    functions: values.functions as string | undefined,
    inputSchema: values['input-schema'] as string | undefined,
  });
  const engine = buildEngine(files, setup); // a bundle is built only from policies that load
  const privateKey = values['sign-key'] === undefined ? undefined : readText(values['sign-key'] as string);
  const hmacSecret = secret(values);
  const text = await createBundle(
    files.map((f) => ({ text: f.text, filename: f.filename })),
    { ...(privateKey !== undefined ? { privateKey } : {}), ...(hmacSecret !== undefined ? { hmacSecret } : {}) },
  );
  try {
    writeFileSync(outPath, text);
  } catch (e) {
    throw new CliError(`cannot write \`${display(outPath)}\`: ${(e as Error).message}`);
  }
  const b = JSON.parse(text) as PolicyBundle;
  const signed = b.signature ? `${b.signature.alg}${b.signature.keyId ? ` (key ${b.signature.keyId})` : ''}` : undefined;
  const policies = engine.policies().length;
  if (values.format === 'json')
    io.out(
      JSON.stringify(
        {
          ok: true,
          out: display(outPath),
          files: files.length,
          policies,
          signature: b.signature?.alg ?? null,
          keyId: b.signature?.keyId ?? null,
        },
        null,
        2,
      ),
    );
  else {
    io.out(
      `${io.c.green('✓')} ${display(outPath)}: ${policies} polic${policies === 1 ? 'y' : 'ies'} from ${files.length} file${files.length === 1 ? '' : 's'}, ${signed ? `signed with ${signed}` : 'unsigned'}`,
    );
    if (!signed) io.err('warning: the bundle is not signed: engines that verify will refuse it (pass --sign-key or --hmac-secret-env)');
  }
  return EXIT.ok;
}

async function verify(io: Io, values: Record<string, unknown>, paths: string[]): Promise<number> {
  if (paths.length !== 1) throw usage(paths.length === 0 ? 'no bundle given' : 'give one bundle file', bundleCommand);
  if (values['sign-key'] !== undefined) throw usage('`--sign-key` is for `bundle build`; verify with `--public-key`', bundleCommand);
  const options: BundleVerifyOptions = {};
  if (values['public-key'] !== undefined) options.publicKey = readText(values['public-key'] as string);
  const hmacSecret = secret(values);
  if (hmacSecret !== undefined) options.hmacSecret = hmacSecret;
  if (values['allow-unsigned'] === true) options.allowUnsigned = true;
  if (options.publicKey === undefined && options.hmacSecret === undefined && !options.allowUnsigned)
    throw usage('no key given: use `--public-key <public.pem>` or `--hmac-secret-env <NAME>`', bundleCommand);
  const file = display(paths[0]!);
  const v = await verifyBundle(readText(paths[0]!), options, file);
  const setup = await loadSetup({
    functions: values.functions as string | undefined,
    inputSchema: values['input-schema'] as string | undefined,
  });
  const engine = buildEngine(
    v.files.map((f) => ({ text: f.text, filename: f.filename!, path: f.filename! })),
    setup,
  );
  const policies = engine.policies().length;
  if (values.format === 'json')
    io.out(
      JSON.stringify(
        { ok: true, file, files: v.files.length, policies, signature: v.signedWith ?? null, created: v.manifest.created ?? null },
        null,
        2,
      ),
    );
  else
    io.out(
      `${io.c.green('ok')}: ${file}: ${v.files.length} file${v.files.length === 1 ? '' : 's'}, ${policies} polic${policies === 1 ? 'y' : 'ies'}, ${v.signedWith ? `the ${v.signedWith} signature verifies` : 'unsigned (digests checked)'}`,
    );
  return EXIT.ok;
}
