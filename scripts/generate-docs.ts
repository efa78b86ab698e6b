/**
 * The generated parts of the docs (run by `npm run generate`): docs/k6.md's API contract section
 * from k6/lib/contract.ts. Kept out of monitoring/generate.ts, which must not import k6/.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { withContractSection } from './lib/contract-doc.ts';

const page = resolve(import.meta.dirname, '../docs/k6.md');
await writeFile(page, withContractSection(await readFile(page, 'utf8')));
console.log('generate: wrote the contract section of docs/k6.md');
