/**
 * Builds the prebuilt benchmark index: reads ../shared/nas-bench-nlp/wikitext-2-logs.zip (relative to the repo
 * root) and writes data/wikitext-2.index.json and data/LICENSE-NAS-Bench-NLP.txt.
 * Run: `npx tsx scripts/build-index.ts` (or `npm run build:index`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPrebuiltText, licenseCopyText, PREBUILT_FILE } from '../src/benchmark/compact';

const root = join(__dirname, '..');
const shared = join(root, '..', 'shared', 'nas-bench-nlp');
const zipPath = join(shared, 'wikitext-2-logs.zip');

const built = buildPrebuiltText(readFileSync(zipPath));
for (const w of built.warnings) console.warn(`warning: ${w.file}: ${w.message}`);
mkdirSync(join(root, 'data'), { recursive: true });
const out = join(root, 'data', PREBUILT_FILE);
writeFileSync(out, built.text);
writeFileSync(
  join(root, 'data', 'LICENSE-NAS-Bench-NLP.txt'),
  licenseCopyText(readFileSync(join(shared, 'LICENSE'), 'utf8')),
);
console.log(`${out}: ${built.runs} runs, ${Buffer.byteLength(built.text)} bytes`);
