/**
 * The only things the renderers take from a bundle: base64 PNGs, numbers
 * and plain strings (shown with textContent, never parsed as HTML).  This is
 * what makes `safe: true` honest.
 */

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// "\x89PNG\r\n\x1a\n" base64-encoded starts with these 11 characters.
const PNG_PREFIX = 'iVBORw0KGgo';

/** A data: URI for a base64 PNG, or null when the value is not one. */
export function pngDataUri(value: unknown): string | null {
  if (typeof value !== 'string' || value.length < 16 || value.length % 4 !== 0) {
    return null;
  }
  if (!value.startsWith(PNG_PREFIX) || !BASE64.test(value)) {
    return null;
  }
  return 'data:image/png;base64,' + value;
}

/** A finite number, or null. */
export function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A string for textContent (anything else becomes ''), capped in length. */
export function text(value: unknown, max = 500): string {
  return typeof value === 'string' ? value.slice(0, max) : '';
}

/** Format a number for labels: short, no float noise. */
export function fmt(v: number): string {
  if (v === 0) {
    return '0';
  }
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    return v.toExponential(2).replace(/\.?0+e/, 'e');
  }
  return String(Number(v.toPrecision(4)));
}
