/**
 * THE light palette of an exported graph ("Light" background in the export menu: a figure for a paper from any
 * theme): a colour for every `--cl-*` variable media/graph.css draws the graph with, VS Code's Light+ colours for
 * the theme variables they stand for. The export (webview/graph/export.ts) sets them on the graph while it inlines
 * the computed styles. Pure data, no DOM.
 */
export const LIGHT_PALETTE: Readonly<Record<`--cl-${string}`, string>> = {
  '--cl-fg': '#000000',
  '--cl-bg': '#ffffff',
  '--cl-muted': '#717171',
  '--cl-border': '#80808059',
  '--cl-focus': '#0090f1',
  '--cl-error': '#e51400',
  '--cl-warning': '#bf8803',
  '--cl-info': '#1a85ff',
  '--cl-cat-input': '#bf8803',
  '--cl-cat-linear': '#1a85ff',
  '--cl-cat-blend': '#652d90',
  '--cl-cat-elementwise': '#d18616',
  '--cl-cat-activation': '#388a34',
  '--cl-cat-unknown': '#e51400',
  '--cl-cat-missing': '#e51400',
  '--cl-edge': '#237893',
  '--cl-edge-rec': '#652d90',
  '--cl-heat-low': '#1a85ff',
  '--cl-heat-mid': '#bf8803',
  '--cl-heat-high': '#e51400',
  '--cl-diff': '#bc05bc',
  '--cl-fill-opacity': '0.16',
  '--cl-stroke': '1.5px',
  '--cl-dead-fg': '#717171',
  '--cl-dead-stroke': '#717171',
  '--cl-dead-fill': '#717171',
  '--cl-dead-fill-opacity': '0.05',
};
