/**
 * Setting titles as the Settings editor shows them. VS Code derives a setting's title from the last segment of
 * its id (microsoft/vscode, settingsTreeModels.ts `settingKeyToDisplayFormat` → `wordifyKey`): a space at every
 * lower-case letter or digit followed by a capital, the first letter capitalised, a few known acronyms upper-cased.
 * `includeBundledWikiText2` therefore read "Include Bundled Wiki Text2"; the setting was renamed, and the old id is
 * still honoured (src/editor/config.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { installFakeVscode } from '../../testkit/fake-vscode';

const host = installFakeVscode();
const config = require('../../src/editor/config') as typeof import('../../src/editor/config');

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: {
    configuration: { properties: Record<string, { deprecationMessage?: string; markdownDeprecationMessage?: string }> };
  };
};
const properties = manifest.contributes.configuration.properties;

/** VS Code's known acronyms of the settings editor (upper-cased when a whole word). */
const KNOWN_ACRONYMS = new Set(['css', 'html', 'scss', 'less', 'json', 'js', 'ts', 'ie', 'id', 'php', 'scm']);

/** The title VS Code's Settings editor shows for a setting id (its label; the category is shown apart). */
function settingTitle(id: string): string {
  const key = id.slice(id.lastIndexOf('.') + 1);
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/^[a-z]/, (c) => c.toUpperCase())
    .replace(/\b\w+\b/g, (w) => (KNOWN_ACRONYMS.has(w.toLowerCase()) ? w.toUpperCase() : w));
}

test('the title rule reproduces VS Code’s examples', () => {
  // From the VS Code docs ("gitMagic.blame.dateFormat" → "Blame: Date Format") and its own settings.
  assert.equal(settingTitle('gitMagic.blame.dateFormat'), 'Date Format');
  assert.equal(settingTitle('editor.formatOnSaveMode'), 'Format On Save Mode');
  assert.equal(settingTitle('json.schemaDownload.enable'), 'Enable');
  assert.equal(settingTitle('files.insertFinalNewline'), 'Insert Final Newline');
});

test('the bundled-index setting reads "Include Bundled Wikitext-2" (the old id read "Include Bundled Wiki Text2")', () => {
  assert.equal(settingTitle(`cellLens.${config.BUNDLED_INDEX_SETTING}`), 'Include Bundled Wikitext-2');
  assert.equal(settingTitle(`cellLens.${config.LEGACY_BUNDLED_INDEX_SETTING}`), 'Include Bundled Wiki Text2');
  assert.ok(properties[`cellLens.${config.BUNDLED_INDEX_SETTING}`], 'the new id is contributed');
  const legacy = properties[`cellLens.${config.LEGACY_BUNDLED_INDEX_SETTING}`];
  assert.ok(legacy, 'the old id stays declared (so settings.json does not flag it)');
  assert.match(legacy.markdownDeprecationMessage ?? legacy.deprecationMessage ?? '', /includeBundledWikitext-2/);
});

test('no current setting title splits a word of the product vocabulary', () => {
  for (const id of Object.keys(properties)) {
    const p = properties[id];
    if (p.deprecationMessage || p.markdownDeprecationMessage) continue;
    assert.doesNotMatch(settingTitle(id), /Wiki Text|Nas Bench|Te Nas/, id);
  }
});

test('the old id is read when the new one is not set; the new one wins when set', () => {
  const NEW = config.BUNDLED_INDEX_SETTING,
    OLD = config.LEGACY_BUNDLED_INDEX_SETTING;
  host.config = {};
  assert.equal(config.usePrebuiltIndex(), true, 'default: included');
  host.config = { [OLD]: false };
  assert.equal(config.usePrebuiltIndex(), false, 'an old settings.json keeps working');
  host.config = { [OLD]: false, [NEW]: true };
  assert.equal(config.usePrebuiltIndex(), true, 'the new id wins');
  host.config = { [NEW]: false };
  assert.equal(config.usePrebuiltIndex(), false);
  host.config = {};
});

test('every settings write goes through config.writeSetting, which says so; no other file reads or writes the configuration', async () => {
  const before = host.statusMessages.length;
  const said = await config.writeSetting('scoring.preset', 'proxy');
  assert.equal(host.config['scoring.preset'], 'proxy');
  assert.equal(config.readSetting('scoring.preset'), 'proxy');
  assert.match(said, /cellLens\.scoring\.preset.*"proxy".*user settings/);
  assert.deepEqual(host.statusMessages.slice(before), [said], 'the write is announced in the status bar');
  delete host.config['scoring.preset'];
  // One place: only src/editor/config.ts touches vscode.workspace.getConfiguration (reads and writes).
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith(join('src', 'editor', 'config.ts'))) {
        if (/getConfiguration\(/.test(readFileSync(p, 'utf8'))) offenders.push(p);
      }
    }
  };
  walk(join(__dirname, '..', '..', 'src'));
  assert.deepEqual(offenders, []);
});
