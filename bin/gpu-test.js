#!/usr/bin/env node
// Entry point of the `gpu-test` command: the bundled CLI (scripts/bundle-cli.mjs) does the rest.
import { main } from '../dist/bundle/cli.js';

await main(process.argv.slice(2));
