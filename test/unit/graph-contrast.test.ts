/**
 * Dead nodes stay readable: the label colours of a dead node, resolved from media/graph.css through its CSS
 * variables to the colours of Default Dark Modern and Default Light Modern, have a WCAG contrast of at least
 * 4.5:1 against the node's fill (painted over the background) and against the background itself.
 * (The e2e test test/e2e/graph.e2e.test.ts checks the same on the computed styles in the real editor.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contrastRatio, over, parseColor, type Rgba } from '../../src/graph/contrast';

const ROOT = join(__dirname, '..', '..');
const CSS = readFileSync(join(ROOT, 'media/graph.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');

/**
 * The theme colours the graph's dead-node style reads (`--vscode-*` variables), as VS Code 1.100's
 * extensions/theme-defaults/themes/{dark,light}_modern.json define them. When the e2e setup has installed
 * code-server, the test checks these against its theme files.
 */
const THEMES: Record<string, { file: string; colors: Record<string, string> }> = {
  'Default Dark Modern': {
    file: 'dark_modern.json',
    colors: { 'editor.background': '#1F1F1F', 'editor.foreground': '#CCCCCC', descriptionForeground: '#9D9D9D' },
  },
  'Default Light Modern': {
    file: 'light_modern.json',
    colors: { 'editor.background': '#FFFFFF', 'editor.foreground': '#3B3B3B', descriptionForeground: '#3B3B3B' },
  },
};
const THEME_DIR = join(ROOT, '.e2e/node_modules/code-server/lib/vscode/extensions/theme-defaults/themes');

/** Declarations of every rule whose selector list contains `selector` exactly, in source order (later wins). */
function declarations(selector: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of CSS.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const selectors = m[1].split(',').map((s) => s.trim().replace(/\s+/g, ' '));
    if (!selectors.includes(selector)) continue;
    for (const d of m[2].split(';')) {
      const i = d.indexOf(':');
      if (i > 0) out.set(d.slice(0, i).trim(), d.slice(i + 1).trim());
    }
  }
  return out;
}

/** Resolve `var(--x, fallback)` chains: custom properties from the `body` rule, `--vscode-*` from the theme. */
function resolve(value: string, theme: Record<string, string>): string {
  const body = declarations('body');
  for (let depth = 0; depth < 10; depth++) {
    const m = /^var\(\s*(--[\w-]+)\s*(?:,\s*(.+))?\)$/.exec(value.trim());
    if (!m) return value.trim();
    const name = m[1];
    if (name.startsWith('--vscode-')) {
      const key = name.slice('--vscode-'.length).replace(/-/g, '.');
      const v = theme[key] ?? theme[name.slice('--vscode-'.length)];
      value = v ?? m[2] ?? '';
    } else {
      value = body.get(name) ?? m[2] ?? '';
    }
  }
  throw new Error(`unresolved ${value}`);
}

function colour(value: string, theme: Record<string, string>): Rgba {
  const c = parseColor(resolve(value, theme));
  assert.ok(c, `${value} resolves to a colour`);
  return c;
}

test('the contrast arithmetic matches WCAG reference values', () => {
  const white = parseColor('#fff')!,
    black = parseColor('#000000')!;
  assert.equal(Math.round(contrastRatio(white, black) * 100) / 100, 21);
  assert.equal(contrastRatio(white, white), 1);
  // #777 on white is the classic just-below-AA grey (4.48:1); #767676 just passes (4.54:1).
  assert.ok(contrastRatio(parseColor('#777777')!, white) < 4.5);
  assert.ok(contrastRatio(parseColor('#767676')!, white) >= 4.5);
  // Alpha: 50 % black over white is mid grey.
  assert.equal(Math.round(over(parseColor('#00000080')!, white).r), 127);
});

test('the embedded Modern theme colours are the ones code-server ships (when the e2e setup installed it)', (t) => {
  if (!existsSync(THEME_DIR)) {
    t.skip('code-server is not installed (scripts/setup-e2e.sh)');
    return;
  }
  for (const [name, th] of Object.entries(THEMES)) {
    const json = JSON.parse(readFileSync(join(THEME_DIR, th.file), 'utf8')) as {
      name: string;
      colors: Record<string, string>;
    };
    assert.equal(json.name, name);
    for (const [k, v] of Object.entries(th.colors))
      assert.equal(json.colors[k]?.toUpperCase(), v.toUpperCase(), `${name} ${k}`);
  }
});

test('dead-node labels keep ≥ 4.5:1 against their fill and the background in Dark Modern and Light Modern', () => {
  // A dead node is not drawn with a group opacity (that would fade its text too).
  for (const sel of ['.cl-dead', '.cl-node.cl-dead']) {
    const op = declarations(sel).get('opacity');
    assert.ok(op === undefined || Number(op) >= 1, `${sel} has opacity ${op}`);
  }
  const shape = declarations('.cl-dead .cl-shape');
  assert.ok(shape.has('fill') && shape.has('fill-opacity'), 'dead nodes have their own fill');
  for (const [name, { colors }] of Object.entries(THEMES)) {
    const bg = colour('var(--cl-bg)', colors);
    const fillOpacity = Number(resolve(shape.get('fill-opacity')!, colors));
    assert.ok(fillOpacity >= 0 && fillOpacity <= 1);
    const fill = over(colour(shape.get('fill')!, colors), bg, fillOpacity);
    for (const text of ['.cl-dead .cl-name', '.cl-dead .cl-op']) {
      const f = declarations(text).get('fill');
      assert.ok(f, `${text} sets its fill`);
      const fg = colour(f, colors);
      const onFill = contrastRatio(over(fg, fill), fill);
      const onBg = contrastRatio(over(fg, bg), bg);
      assert.ok(onFill >= 4.5, `${name}: ${text} on the dead fill is ${onFill.toFixed(2)}:1`);
      assert.ok(onBg >= 4.5, `${name}: ${text} on the background is ${onBg.toFixed(2)}:1`);
    }
  }
});

test('the old faded style (group opacity 0.45) would fail the same check in Dark Modern', () => {
  // The check can fail: the previous dead style put the name (editor foreground) at 45 % over the background.
  const { colors } = THEMES['Default Dark Modern'];
  const bg = colour('var(--cl-bg)', colors);
  const faded = over(colour('var(--cl-fg)', colors), bg, 0.45);
  assert.ok(contrastRatio(faded, bg) < 4.5);
});
