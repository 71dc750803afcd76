import { resolve } from 'node:path';
import { auditDataDir } from '../../subnet/index.ts';
import { allApps } from '../composition.ts';
import { CliUsageError, parseOptions } from '../usage.ts';

/** `watan audit`: exit 0 when the data folder matches what the node certified, 1 naming each mismatch. */
export function runAudit(args: string[]): number {
  const options = parseOptions(args, { data: { type: 'string' }, 'governance-key': { type: 'string', multiple: true } });
  if (!options.data) throw new CliUsageError('audit needs --data DIR');
  const report = auditDataDir(resolve(options.data), allApps, { governanceKeys: options['governance-key'] });
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
