import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  type AppSpec,
  diffSpecs,
  type PlannerSettings,
  PlannerSettingsError,
  PlanningError,
  parseSpec,
  plannerFrom,
  plannerSettingsFromEnvironment,
  specProblems,
} from '../../builder/index.ts';
import { CliUsageError } from '../usage.ts';

const USAGE =
  'watan app validate FILE|- | diff OLD NEW | plan "TEXT" [--planner offline|openai] [--from SPEC] | deploy FILE | import FILE | list | export APP  (the last four with --url URL and --token-file FILE or WATAN_ACCESS_TOKEN)';

/** `watan app ...`: check and compare specs offline; deploy, list, export and import them on a node. */
export async function runApp(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest);
  switch (action) {
    case 'validate':
      return validate(one(positionals, 'validate FILE|-'));
    case 'diff': {
      if (positionals.length !== 2) throw new CliUsageError('diff needs two spec files: watan app diff OLD NEW');
      const [old, next] = positionals.map((file) => specFile(file)) as [AppSpec, AppSpec];
      for (const change of diffSpecs(old, next)) process.stdout.write(`${values.lang === 'ur' ? change.ur : change.en}\n`);
      return 0;
    }
    case 'plan':
      return plan(one(positionals, 'plan "TEXT" [--planner offline|openai] [--from SPEC]'), values);
    case 'deploy':
    case 'import': {
      const document = readJson(one(positionals, `${action} FILE`)) as { spec?: unknown };
      // An exported app is { app, version, spec }; a bare spec is deployed as it is.
      const spec = action === 'import' && document.spec !== undefined ? document.spec : document;
      const answer = await call(values, 'POST', '', { spec, ...(values.confirm ? { confirm: true } : {}) });
      if (!answer.ok) {
        const changes = (answer.body.changes ?? []) as { en: string }[];
        for (const change of changes) process.stdout.write(`${change.en}\n`);
        process.stderr.write(
          `watan: ${answer.body.error}${answer.body.errcode === 'CONFIRMATION_NEEDED' ? '\nrun again with --confirm to apply it' : ''}\n`,
        );
        return 1;
      }
      for (const change of (answer.body.changes ?? []) as { en: string }[]) process.stdout.write(`${change.en}\n`);
      process.stdout.write(`deployed ${answer.body.app} version ${answer.body.version}\n`);
      return 0;
    }
    case 'list': {
      const answer = await call(values, 'GET', '');
      if (!answer.ok) return refused(answer.body);
      for (const app of answer.body.apps as { app: string; version: number }[])
        process.stdout.write(`${app.app}\tversion ${app.version}\n`);
      return 0;
    }
    case 'export': {
      const answer = await call(values, 'GET', `/${encodeURIComponent(one(positionals, 'export APP'))}`);
      if (!answer.ok) return refused(answer.body);
      process.stdout.write(`${JSON.stringify({ app: answer.body.app, version: answer.body.version, spec: answer.body.spec }, null, 2)}\n`);
      return 0;
    }
    default:
      throw new CliUsageError(`unknown command "app ${action ?? ''}"; ${USAGE}`);
  }
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        'token-file': { type: 'string' },
        confirm: { type: 'boolean' },
        lang: { type: 'string' },
        planner: { type: 'string' },
        from: { type: 'string' },
        'planner-url': { type: 'string' },
        'planner-model': { type: 'string' },
        'planner-key-file': { type: 'string' },
      },
    });
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
}

function one(positionals: string[], usage: string): string {
  if (positionals.length !== 1) throw new CliUsageError(`usage: watan app ${usage}`);
  return positionals[0] as string;
}

type PlanOptions = {
  lang?: string;
  planner?: string;
  from?: string;
  'planner-url'?: string;
  'planner-model'?: string;
  'planner-key-file'?: string;
};

/**
 * Prints the proposed spec as JSON on stdout (ready for `watan app validate -`), what was not
 * understood on stderr, and with --from the upgrade diff's lines on stderr too. The planner's
 * settings come from flags over the environment (WATAN_PLANNER, WATAN_PLANNER_URL, …); its key
 * only from a file or the environment.
 */
async function plan(text: string, values: PlanOptions): Promise<number> {
  let settings: PlannerSettings;
  let planner: ReturnType<typeof plannerFrom>;
  try {
    settings = plannerSettingsFromEnvironment(process.env);
    if (values.planner !== undefined) {
      if (values.planner !== 'offline' && values.planner !== 'openai')
        throw new CliUsageError(`--planner is offline or openai, not "${values.planner}"`);
      settings.planner = values.planner;
    }
    if (values['planner-url']) settings.baseUrl = values['planner-url'];
    if (values['planner-model']) settings.model = values['planner-model'];
    if (values['planner-key-file']) settings.keyFile = values['planner-key-file'];
    planner = plannerFrom(settings);
  } catch (error) {
    if (error instanceof PlannerSettingsError) throw new CliUsageError(error.message);
    throw error;
  }
  const current = values.from === undefined ? undefined : specFile(values.from);
  try {
    const proposal = await planner.plan({ description: text, ...(current ? { current } : {}) });
    process.stdout.write(`${JSON.stringify(proposal.spec, null, 2)}\n`);
    for (const words of proposal.notUnderstood) process.stderr.write(`not understood: ${words}\n`);
    if (current)
      for (const change of diffSpecs(current, proposal.spec)) process.stderr.write(`${values.lang === 'ur' ? change.ur : change.en}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof PlanningError)) throw error;
    process.stderr.write(`watan: ${error.message}\n`);
    for (const words of error.notUnderstood) process.stderr.write(`not understood: ${words}\n`);
    return 1;
  }
}

/** Prints every problem as "FILE: /place: problem"; exit 1 when there is any. */
function validate(file: string): number {
  let candidate: unknown;
  try {
    candidate = readJson(file);
  } catch (error) {
    process.stdout.write(`${label(file)}: ${(error as Error).message}\n`);
    return 1;
  }
  const problems = specProblems(candidate);
  for (const { path, problem } of problems) process.stdout.write(`${label(file)}: ${path}: ${problem}\n`);
  if (problems.length > 0) return 1;
  process.stdout.write(`${label(file)}: a valid spec of "${(candidate as AppSpec).slug}"\n`);
  return 0;
}

function label(file: string): string {
  return file === '-' ? 'stdin' : file;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON (${(error as Error).message})`);
  }
}

function specFile(file: string): AppSpec {
  const candidate = readJson(file);
  const problems = specProblems(candidate);
  if (problems.length > 0)
    throw new Error(`${file} is not a valid spec: ${problems.map((p) => `${p.path}: ${p.problem}`).join('; ')} (see watan app validate)`);
  return parseSpec(candidate);
}

function refused(body: Record<string, unknown>): number {
  process.stderr.write(`watan: ${String(body.error)}\n`);
  return 1;
}

/** The access token from --token-file (a 0600 file) or WATAN_ACCESS_TOKEN; never from the command line, where ps shows it. */
async function call(values: { url?: string; 'token-file'?: string }, method: string, path: string, body?: unknown) {
  if (!values.url) throw new CliUsageError('this command needs --url URL of a Watan node');
  const token = values['token-file'] ? readFileSync(values['token-file'], 'utf8').trim() : process.env.WATAN_ACCESS_TOKEN;
  if (!token) throw new CliUsageError('this command needs an access token: --token-file FILE or WATAN_ACCESS_TOKEN');
  const url = `${values.url.replace(/\/+$/, '')}/_watan/v1/apps${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new Error(`could not reach ${url}: ${(error as Error).cause ?? (error as Error).message}`);
  }
  return { ok: response.ok, body: (await response.json()) as Record<string, unknown> };
}
