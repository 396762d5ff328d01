#!/usr/bin/env -S node --max-semi-space-size=8
// Entry for `npx spillway`: the CLI is TypeScript run by Node 24's type stripping.
import '../src/cli/main.ts';
