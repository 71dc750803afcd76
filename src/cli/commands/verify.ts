import { type Certificate, type RegistryView, type ResultProof, verifyResultProof, verifySubnet } from '../../subnet/index.ts';
import { CliUsageError, parseOptions } from '../usage.ts';

/** `watan verify`: checks a node's latest certificate against its registry, as an outsider would. */
export async function runVerify(args: string[]): Promise<number> {
  const options = parseOptions(args, {
    url: { type: 'string' },
    'governance-key': { type: 'string', multiple: true },
    subnet: { type: 'string' },
    command: { type: 'string' },
  });
  if (!options.url) throw new CliUsageError('verify needs --url URL, e.g. --url http://localhost:8008');
  const base = options.url.replace(/\/+$/, '');
  const [certificate, registry] = await Promise.all([
    fetchJson<Certificate>(`${base}/_watan/v1/checkpoint`),
    fetchJson<RegistryView>(`${base}/_watan/v1/registry`),
  ]);
  const verification = verifySubnet({
    certificate,
    registry,
    pinnedGovernanceKeys: options['governance-key'],
    expectedSubnet: options.subnet,
  });
  if (options.command) {
    const proof = await fetchJson<ResultProof>(`${base}/_watan/v1/results/${encodeURIComponent(options.command)}`);
    const certified = verifySubnet({ certificate: proof.certificate, registry, pinnedGovernanceKeys: options['governance-key'] });
    if (verifyResultProof(proof) && certified.ok) {
      verification.passed.push(`command ${options.command}'s result is included in the certified results of block ${proof.result.block}`);
    } else {
      verification.failed.push(`command ${options.command}'s result does not verify against a certified results root`);
      verification.ok = false;
    }
  }
  for (const line of verification.passed) process.stdout.write(`ok    ${line}\n`);
  for (const line of verification.warnings) process.stdout.write(`note  ${line}\n`);
  for (const line of verification.failed) process.stdout.write(`FAIL  ${line}\n`);
  process.stdout.write(verification.ok ? `verified: ${base} serves subnet ${registry.subnet}\n` : `verification FAILED for ${base}\n`);
  return verification.ok ? 0 : 1;
}

async function fetchJson<T>(url: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new Error(`could not reach ${url}: ${(error as Error).cause ?? (error as Error).message}`);
  }
  const body = (await response.json().catch(() => null)) as (T & { error?: string }) | null;
  if (!response.ok || body === null) throw new Error(`${url} answered ${response.status}${body?.error ? `: ${body.error}` : ''}`);
  return body;
}
