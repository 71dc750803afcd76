import { resolve } from 'node:path';
import { type AuditReport, auditDataDir } from '../../subnet/index.ts';
import { allApps } from '../composition.ts';
import { CliUsageError, parseOptions } from '../usage.ts';

/** `watan audit`: exit 0 when the data folder matches what the node certified, 1 naming each mismatch. */
export function runAudit(args: string[]): number {
  const options = parseOptions(args, { data: { type: 'string' }, 'governance-key': { type: 'string', multiple: true } });
  if (!options.data) throw new CliUsageError('audit needs --data DIR');
  const report = auditDataDir(resolve(options.data), allApps, { governanceKeys: options['governance-key'] });
  if (report.base) process.stdout.write(describeBase(report.base));
  if (report.ok) {
    process.stdout.write(
      `audit passed: subnet ${report.subnet}, block ${report.block}, height ${report.height}; log chain, certificate and state digest all match\n`,
    );
    return 0;
  }
  process.stdout.write(`audit FAILED: subnet ${report.subnet}, block ${report.block}, height ${report.height}\n`);
  for (const finding of report.findings) process.stdout.write(`  - ${finding}\n`);
  return 1;
}

/** What a state-synced folder can and cannot vouch for, said before the verdict. */
function describeBase(base: NonNullable<AuditReport['base']>): string {
  const held = `history before block ${base.block + 1} (heights up to ${base.height}) is not held here: this replica state-synced at block ${base.block}; `;
  const signed = `${base.signers.length} of its ${base.members.length} members (${base.signers.join(', ') || 'none'})`;
  return base.verified
    ? `${held}that base state was accepted on a quorum certificate signed by ${signed}, and the log and checkpoints are checked from there\n`
    : `${held}that base state does NOT verify against its certificate (valid signatures by ${signed}; see below)\n`;
}
