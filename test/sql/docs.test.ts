/** docs/views.md is generated from the view definitions: fail when it is stale. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README_PATH, renderViewsMarkdown, VIEWS_DOC_PATH, withReadmeViewsBlock } from '../../sql/docs.js';
import { VIEW_NAMES } from '../../sql/registry.js';

describe('docs/views.md', () => {
  it('is up to date (regenerate with: npx tsx sql/docs.ts)', () => {
    expect(readFileSync(VIEWS_DOC_PATH, 'utf8') === renderViewsMarkdown()).toBe(true);
  });
  it('documents every view with its columns and an example query', () => {
    const doc = renderViewsMarkdown();
    for (const name of VIEW_NAMES) {
      expect(doc).toContain(`### ${name}\n`);
    }
    expect(doc.match(/```sql/g)?.length).toBe(VIEW_NAMES.length);
  });
  it("README's views block is up to date (regenerate with: npx tsx sql/docs.ts)", () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(withReadmeViewsBlock(readme) === readme).toBe(true);
    for (const name of VIEW_NAMES) expect(readme).toContain(`**\`${name}\`**`);
  });
});
