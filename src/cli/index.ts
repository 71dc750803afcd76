/** The `watan` command. */
import { runAdmission } from './commands/admission.ts';
import { runApp } from './commands/app.ts';
import { runAudit } from './commands/audit.ts';
import { runCluster } from './commands/cluster.ts';
import { runGenesis, runGovernanceKey } from './commands/genesis.ts';
import { runIdp } from './commands/idp.ts';
import { runLicence } from './commands/licence.ts';
import { runNodeInfo, runNodeKey } from './commands/node-info.ts';
import { runStart } from './commands/start.ts';
import { runVerify } from './commands/verify.ts';
import { CliUsageError } from './usage.ts';

const HELP = `watan — sovereign subnet node, National Messenger and app builder

Usage:
  watan start [--data DIR] [--port N] [--host H] [--server-name NAME] [--dev] [--subnet ID]
              [--genesis FILE] [--cluster etcd://HOST:PORT[,HOST:PORT...] [--replica-url URL] [--keep-certified-blocks N]] [--open-registration] [--auth-rate-limit N] [--send-rate-limit N] [--access-token-lifetime SECONDS] [--max-connections N] [--max-connections-per-address N] [--request-timeout SECONDS] [--no-warm-up] [--operator NAME] [--data-centre NAME] [--province NAME] [--jurisdiction CC]
              [--oidc-issuer URL --oidc-client-id ID --oidc-client-secret-file FILE] [--oidc-organisation-claim NAME] [--public-url URL] [--idp-port N]
              [--accounts-per-person N] [--minimum-age YEARS] [--trusted-issuers-file FILE] [--identity-admin USER_ID]... [--identity-secret-file FILE] [--sso-trusted-client URL]...
  watan idp [--port N] [--host H] [--data DIR] [--client-id ID] [--client-secret-file FILE] [--redirect-uri URL]... [--people FILE]
                                the development identity provider (OpenID Connect, test people) on its own
  watan cluster [--data DIR] [--replicas N]
                                a 3-member etcd and N (4) admitted replicas on this machine, for trying a cluster out
  watan admission propose --url URL --operator NAME --data-centre NAME --province NAME [--jurisdiction CC] [--data DIR]
                                this node's request to join a running subnet, to stdout
  watan admission approve --request FILE --governance-key-file KEY
                                the request with this governance key's approval added, to stdout
  watan admission join --request FILE --url URL
                                hand the approved request to a member replica; then start the node with --cluster
  watan audit --data DIR [--governance-key KEY]...
                                recompute the state digest and compare it with the last certificate
  watan verify --url URL [--governance-key KEY]... [--subnet ID] [--command ID]
                                fetch and verify the latest certificate against the registry
  watan node info [--data DIR]  this node's identity and position
  watan node key [--data DIR]   create this node's key if needed and print its id (for the genesis)
  watan governance-key --out FILE
                                make a governance key and print its id (kept offline by its holder)
  watan genesis --subnet ID --governance-key-file FILE... [--threshold M] [--jurisdiction CC]
                (--node-id ID --operator NAME --data-centre NAME --province NAME [--node-jurisdiction CC] | --nodes FILE)
                                sign a genesis file admitting the first node (or every node in FILE); written to stdout
  watan app validate FILE|-     check an app spec; each problem as FILE: /place: problem (exit 1 if any)
  watan app diff OLD NEW [--lang ur]
                                one line per change between two specs, each starting with safe or confirm
  watan app plan "TEXT" [--planner offline|openai] [--from SPEC] [--lang ur]
                                a spec from plain English, Urdu or Roman Urdu, as JSON on stdout; what was not understood
                                (and with --from the upgrade diff) on stderr. openai: --planner-url URL --planner-model M
                                [--planner-key-file FILE] or WATAN_PLANNER, WATAN_PLANNER_URL, _MODEL, _KEY_FILE, _KEY
  watan app deploy FILE [--confirm] | import FILE | list | export APP  --url URL [--token-file FILE]
                                deploy, import (an exported app), list and export apps on a node (token: file or WATAN_ACCESS_TOKEN)
  watan licence pool [--url URL]
                                the licence pool: each sector's size, assigned, available, quotas
  watan licence pool --sector S [--size N] [--apps-per-licence N] [--records-per-app N] [--storage-per-app BYTES]
                     (--governance-key-file FILE... | --approvals FILE...) [--sign-only]
  watan licence admin (--appoint USER_ID | --dismiss USER_ID) (--governance-key-file FILE... | --approvals FILE...) [--sign-only]
                                governance decisions; --sign-only prints this holder's approvals for another to submit
  watan licence assign --user USER_ID --sector S [--note TEXT]
  watan licence revoke --licence N --reason TEXT
  watan licence list [--sector S] [--held] [--user USER_ID] [--json]
  watan licence audit [--after N] [--json]
                                administrators' commands; the access token comes from $WATAN_ACCESS_TOKEN or --token-file
  watan help
`;

/** Runs one CLI invocation; resolves with the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await runStart(rest);
      case 'admission':
        return await runAdmission(rest);
      case 'cluster':
        return await runCluster(rest);
      case 'audit':
        return runAudit(rest);
      case 'verify':
        return await runVerify(rest);
      case 'node':
        if (rest[0] === 'info') return runNodeInfo(rest.slice(1));
        if (rest[0] === 'key') return runNodeKey(rest.slice(1));
        throw new CliUsageError(`unknown command "node ${rest[0] ?? ''}"; did you mean "watan node info"?`);
      case 'genesis':
        return runGenesis(rest);
      case 'idp':
        return await runIdp(rest);
      case 'app':
        return await runApp(rest);
      case 'governance-key':
        return runGovernanceKey(rest);
      case 'licence':
        return await runLicence(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        return 0;
      default:
        throw new CliUsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(`watan: ${error.message}\n\n${HELP}`);
      return 2;
    }
    // Expected failures carry a message written for the operator; show it without a stack.
    process.stderr.write(`watan: ${(error as Error).message}\n`);
    return 1;
  }
}
