#!/usr/bin/env node
// narflow command line: runs the TypeScript sources through tsx.
require('tsx/cjs');
require('../server/cli/main.ts');
