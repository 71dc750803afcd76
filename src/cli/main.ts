#!/usr/bin/env -S node --experimental-strip-types
import { runCli } from './index.ts';

process.exitCode = await runCli(process.argv.slice(2));
