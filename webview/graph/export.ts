/**
 * SVG and PNG export of the drawn graph: a standalone SVG (computed styles inlined), rasterised for PNG, on the
 * theme's background, on white in the light palette (src/graph/palette.ts), or on none.
 */
import { SVG_NS } from '../page';
import { LIGHT_PALETTE } from '../../src/graph/palette';
import type { ExportBackground } from '../../src/graph/protocol';

/**
 * Serialize the graph as a standalone SVG of `width` × `height`: the markers (`defs`) and the drawing (`viewport`,
 * without the zoom transform), computed styles inlined as presentation attributes. `background` `theme`: on
 * `themeBackground`; `light`: the light palette's colours (set on `root`, the graph's page element, while the styles
 * are read) on its background; `transparent`: the theme's colours on no background.
 */
export function exportSvg(
  svg: SVGSVGElement,
  viewport: SVGGElement,
  size: { width: number; height: number },
  background: ExportBackground,
  themeBackground: string,
  root: HTMLElement,
): string {
  const width = Math.ceil(size.width),
    height = Math.ceil(size.height);
  const out = document.createElementNS(SVG_NS, 'svg');
  out.setAttribute('xmlns', SVG_NS);
  out.setAttribute('width', String(width));
  out.setAttribute('height', String(height));
  out.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const fill = background === 'light' ? LIGHT_PALETTE['--cl-bg'] : background === 'theme' ? themeBackground : '';
  if (fill) {
    const bg = document.createElementNS(SVG_NS, 'rect');
    bg.setAttribute('width', '100%');
    bg.setAttribute('height', '100%');
    bg.setAttribute('fill', fill);
    out.append(bg);
  }
  // The light palette for the time the styles are read (synchronous: the page is not repainted in between).
  const palette = background === 'light' ? Object.entries(LIGHT_PALETTE) : [];
  const before = palette.map(([k]) => [k, root.style.getPropertyValue(k)] as const);
  for (const [k, v] of palette) root.style.setProperty(k, v);
  try {
    const defs = svg.querySelector('defs');
    for (const part of [defs, viewport]) {
      if (!part) continue;
      const clone = part.cloneNode(true) as Element;
      inlineStyles(part, clone);
      if (part === viewport) clone.removeAttribute('transform');
      out.append(clone);
    }
  } finally {
    for (const [k, v] of before) {
      if (v) root.style.setProperty(k, v);
      else root.style.removeProperty(k);
    }
  }
  // Interaction-only attributes do not belong in a file.
  out.querySelectorAll('[tabindex]').forEach((e) => {
    e.removeAttribute('tabindex');
    e.removeAttribute('role');
  });
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(out);
}

/** Rasterise an SVG document of `width` × `height` at `scale`× into a PNG data URL. */
export async function svgToPng(
  svgText: string,
  size: { width: number; height: number },
  scale: number,
): Promise<string> {
  const width = Math.ceil(size.width),
    height = Math.ceil(size.height);
  const img = new Image();
  const loaded = new Promise<void>((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error('the SVG could not be rasterised'));
  });
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  await loaded;
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0, width, height);
  return canvas.toDataURL('image/png');
}

/** SVG presentation properties copied from computed styles on export. */
const INLINE_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'stroke-linecap',
  'stroke-linejoin',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'dominant-baseline',
  'visibility',
  'display',
  'stop-color',
  'stop-opacity',
];

function inlineStyles(src: Element, dst: Element): void {
  const cs = getComputedStyle(src);
  for (const p of INLINE_PROPS) {
    const v = cs.getPropertyValue(p);
    if (v) dst.setAttribute(p, v);
  }
  if (dst instanceof SVGElement || dst instanceof HTMLElement) dst.style.cssText = '';
  dst.removeAttribute('style');
  dst.removeAttribute('class');
  const a = src.children,
    b = dst.children;
  for (let i = 0; i < a.length && i < b.length; i++) inlineStyles(a[i], b[i]);
}
