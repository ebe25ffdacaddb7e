// `llm-policy validate <paths...>`: load and type-check policy files.

import { PolicyEngine, PolicyError, type PolicySummary } from '../entries/index.js';
import { ENGINE_HELP, ENGINE_OPTIONS, errorJson, reportError, usage, type Command, expandOptions } from './command.js';
import { CliError, EXIT, expandPaths, type CliIssue } from './io.js';
import { buildEngine, loadError, loadSetup, readPolicyFiles, type PolicyFile } from './load.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'load and type-check policy files',
  help: `Usage: llm-policy validate [options] <paths...>

Loads every policy file named (a directory is searched for .yaml, .yml and .json files with
\`kind: Policy\` or \`Library\`): checks each document against the policy schema, parses and type-checks every
expression, and checks the files together (a policy name used twice). Every problem is
printed with file:line:column, the source line and a caret.

Options:
${ENGINE_HELP}
  --format <text|json>   output format (default text)
  -h, --help             show this help

Exit status: 0 when every file is valid, 2 when any is not (or a file cannot be read).

Example:
  llm-policy validate policies`,
  options: { ...ENGINE_OPTIONS },
  async run(io, values, positionals) {
    const json = values.format === 'json';
    try {
      if (positionals.length === 0) throw usage('no policy files given', validateCommand);
      const setup = await loadSetup({
        functions: values.functions as string | undefined,
        inputSchema: values['input-schema'] as string | undefined,
      });
      const files = readPolicyFiles(expandPaths(positionals, 'policy', undefined, expandOptions(io, values)));
      // Each file on its own first, so that every file's problems are reported even when an
      // earlier one cannot be parsed; then all together, for names defined in two files.
      const issues: CliIssue[] = [];
      const perFile: { file: PolicyFile; policies: PolicySummary[] }[] = [];
      const later: PolicyFile[] = [];
      for (const f of files) {
        const engine = new PolicyEngine({ registry: setup.registry, ...(setup.inputSchema ? { inputSchema: setup.inputSchema } : {}) });
        try {
          engine.setPolicies([{ text: f.text, filename: f.filename }]);
          perFile.push({ file: f, policies: engine.policies() });
        } catch (e) {
          if (!(e instanceof PolicyError)) throw e;
          // the library or base policy it names may be in another file: the load of all decides
          const own = e.issues.filter((i) => i.code !== 'unknown_import');
          issues.push(...own);
          if (own.length === 0) later.push(f);
        }
      }
      if (issues.length > 0) throw loadError(new PolicyError(issues as PolicyError['issues']), files);
      const all = buildEngine(files, setup);
      for (const f of later) perFile.push({ file: f, policies: all.policies().filter((p) => p.file === f.filename) });
      perFile.sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file));

      const policies = perFile.flatMap((p) => p.policies);
      const rules = policies.reduce((s, p) => s + p.rules, 0);
      if (json) {
        io.out(
          JSON.stringify(
            {
              ok: true,
              files: perFile.map((p) => ({ file: p.file.filename, policies: p.policies.map(({ file: _f, ...rest }) => rest) })),
              issues: [],
            },
            null,
            2,
          ),
        );
      } else {
        for (const p of perFile) {
          const names = p.policies
            .map((x) => `${x.namespace === 'default' ? '' : `${x.namespace}/`}${x.name} (${x.rules} rule${x.rules === 1 ? '' : 's'})`)
            .join(', ');
          io.out(`${io.c.green('✓')} ${p.file.filename}: ${names || 'no policies'}`);
        }
        io.out(
          `${files.length} file${files.length === 1 ? '' : 's'}, ${policies.length} polic${policies.length === 1 ? 'y' : 'ies'}, ${rules} rule${rules === 1 ? '' : 's'}: ok`,
        );
      }
      return EXIT.ok;
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      if (json) io.out(JSON.stringify(errorJson(e), null, 2));
      else {
        reportError(io, e);
        if (e.issues.length > 1 || e.sources.size > 0) io.err(`\n${e.message}`);
      }
      return EXIT.error;
    }
  },
};
