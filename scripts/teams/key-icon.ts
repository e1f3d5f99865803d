// The default Teams icons: a key, white on the brand colour (color.png, 192×192) and white on transparent
// (outline.png, 32×32), as Teams asks. Drawn from a shape function with 4×4 supersampling for smooth edges.
import { encodePng } from './png.js';

/** Whether a point of the key's 1×1 box is on it: the bow (a ring), the shaft and two teeth. */
function insideKey(u: number, v: number): boolean {
  const d = Math.hypot(u - 0.25, v - 0.5);
  if (d <= 0.25 && d >= 0.11) return true;
  if (u >= 0.45 && u <= 1 && v >= 0.43 && v <= 0.57) return true;
  if (u >= 0.7 && u <= 0.8 && v >= 0.57 && v <= 0.72) return true;
  return u >= 0.88 && u <= 1 && v >= 0.57 && v <= 0.76;
}

const SAMPLES = 4;

/** Coverage (0..1) of the key, drawn in a `box`-pixel square at (`origin`, `origin`), for every pixel of a `size` square. */
function keyCoverage(size: number, origin: number, box: number): Float64Array {
  const coverage = new Float64Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let hits = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const u = (x + (sx + 0.5) / SAMPLES - origin) / box;
          const v = (y + (sy + 0.5) / SAMPLES - origin) / box;
          if (insideKey(u, v)) hits++;
        }
      }
      coverage[y * size + x] = hits / (SAMPLES * SAMPLES);
    }
  }
  return coverage;
}

/** "#RRGGBB" as three bytes. */
function rgbOf(hex: string): [number, number, number] {
  const match = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new Error(`not a colour: ${hex}`);
  return [parseInt(match[1]!, 16), parseInt(match[2]!, 16), parseInt(match[3]!, 16)];
}

export const COLOR_ICON_SIZE = 192;
export const OUTLINE_ICON_SIZE = 32;

/** 192×192, opaque: the brand colour with a white key inside Teams' 120-pixel safe area. */
export function colorKeyIcon(brandColor: string): Buffer {
  const size = COLOR_ICON_SIZE;
  const box = 120;
  const coverage = keyCoverage(size, (size - box) / 2, box);
  const [r, g, b] = rgbOf(brandColor);
  const rgba = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    const a = coverage[i]!;
    rgba[i * 4] = Math.round(r + (255 - r) * a);
    rgba[i * 4 + 1] = Math.round(g + (255 - g) * a);
    rgba[i * 4 + 2] = Math.round(b + (255 - b) * a);
    rgba[i * 4 + 3] = 255;
  }
  return encodePng(size, size, rgba);
}

/** 32×32: a white key on a transparent background, nothing else (Teams' rule for outline icons). */
export function outlineKeyIcon(): Buffer {
  const size = OUTLINE_ICON_SIZE;
  const coverage = keyCoverage(size, 2, size - 4);
  const rgba = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    rgba.fill(255, i * 4, i * 4 + 3);
    rgba[i * 4 + 3] = Math.round(255 * coverage[i]!);
  }
  return encodePng(size, size, rgba);
}
