#!/usr/bin/env -S node --experimental-strip-types --max-semi-space-size=32
import { runCli } from './index.ts';

process.exitCode = await runCli(process.argv.slice(2));
