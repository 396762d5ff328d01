#!/usr/bin/env node
// Entry for `npx spillway`: the CLI is TypeScript run by Node 24's type stripping.
import '../src/cli/main.ts';
