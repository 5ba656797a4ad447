#!/usr/bin/env node
// Entry point of the `gpu-test` command: the compiled CLI does the rest.
import { main } from '../dist/cli.js';

await main(process.argv.slice(2));
