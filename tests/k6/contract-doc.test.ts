/** docs/k6.md's contract section is exactly what k6/lib/contract.ts renders (npm run generate writes it). */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CONTRACT_BEGIN, CONTRACT_END, contractMarkdown, withContractSection } from '../../scripts/lib/contract-doc.ts';
import { realGatewayRoutes, steps } from '../../k6/lib/contract.ts';

const page = join(import.meta.dirname, '../../docs/k6.md');

describe('docs/k6.md: the API contract section', () => {
  it('is the generated one (run npm run generate after changing k6/lib/contract.ts)', async () => {
    const text = await readFile(page, 'utf8');
    assert.equal(withContractSection(text), text);
    assert.ok(text.includes(contractMarkdown()));
  });

  it('names every step with the statuses it accepts, next to every real route', () => {
    const md = contractMarkdown();
    for (const step of Object.values(steps)) {
      assert.ok(md.includes(`| \`${step.name}\` | ${step.auth ? 'Bearer' : '-'} |`), step.name);
      assert.ok(md.includes(` | ${step.accepts.join(', ')} | ${step.requires} |`), step.name);
      // Each step is a route of the real gateway.
      assert.ok(realGatewayRoutes.some((r) => r.method === step.method && r.route === `/api/v1${step.route}`), step.name);
    }
    for (const route of realGatewayRoutes) assert.ok(md.includes(`| \`${route.method} ${route.route}\` |`), route.route);
  });

  it('refuses a page without the markers', () => {
    assert.throws(() => withContractSection('# k6\n'), new RegExp(CONTRACT_BEGIN.slice(0, 20).replace(/[()]/g, '.')));
    assert.ok(CONTRACT_END.startsWith('<!--'));
  });
});
