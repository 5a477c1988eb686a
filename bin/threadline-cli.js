#!/usr/bin/env node
// Entry point for `npx threadline`: runs the TypeScript CLI through tsx so that there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/index.ts');
