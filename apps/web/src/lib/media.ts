/**
 * The image formats Bastion's image tools decode (the bundled plugins read images with sharp: JPEG, PNG, WebP,
 * GIF's first frame, TIFF, AVIF; OCR also BMP and PNM). The file picker's `accept` and its hint both come from
 * this one list, so they cannot disagree; a tool that declares `contentMediaType` in its schema overrides it for
 * its field, and one whose field description names formats gets exactly those.
 */
export const IMAGE_FORMATS = [
  { name: 'JPEG', accept: ['image/jpeg'] },
  { name: 'PNG', accept: ['image/png'] },
  { name: 'WebP', accept: ['image/webp'] },
  { name: 'GIF', accept: ['image/gif'] },
  { name: 'TIFF', accept: ['image/tiff'] },
  { name: 'AVIF', accept: ['image/avif'] },
  { name: 'BMP', accept: ['image/bmp', '.bmp'] },
  // Browsers know no MIME type for Netpbm files: the extensions are the only way to offer them.
  { name: 'PNM', accept: ['.pnm', '.pbm', '.pgm', '.ppm', '.pam'] },
] as const;

/** What every image tool reads: the sharp formats (BMP and PNM only where a tool says so). */
const DEFAULT_FORMATS = ['JPEG', 'PNG', 'WebP', 'GIF', 'TIFF', 'AVIF'];

const acceptOf = (names: readonly string[]): string =>
  IMAGE_FORMATS.filter((f) => names.includes(f.name))
    .flatMap((f) => f.accept)
    .join(',');

export const IMAGE_ACCEPT = acceptOf(DEFAULT_FORMATS);

/**
 * The formats a field's description names ("PNG, JPEG, …, BMP or PNM image"), as an `accept` list; null when it
 * names fewer than two (then it is not a list of formats).
 */
export function acceptFromDescription(text: string): string | null {
  const named = IMAGE_FORMATS.filter((f) => new RegExp(`\\b${f.name}\\b`, 'i').test(text)).map((f) => f.name);
  return named.length >= 2 ? acceptOf(named) : null;
}

const NAMES = new Map<string, string>(IMAGE_FORMATS.flatMap((f) => f.accept.map((a) => [a, f.name] as const)));

/** "JPEG, PNG, WebP, GIF, TIFF or AVIF" for an `accept` list; wildcards read as "any image" / "any video". */
export function describeAccept(accept: string | null): string {
  if (!accept) return 'any file';
  const parts = [
    ...new Set(
      accept
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean)
        .map((a) => {
          if (a === 'image/*') return 'any image';
          if (a === 'video/*') return 'any video';
          const name = NAMES.get(a.toLowerCase());
          if (name === 'PNM') return 'PNM (PBM/PGM/PPM/PAM)';
          return (
            name ??
            a
              .replace(/^[a-z]+\//, '')
              .replace(/^\./, '')
              .toUpperCase()
          );
        }),
    ),
  ];
  if (parts.length <= 1) return parts[0] ?? 'any file';
  return `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
}

/** Whether a chosen file can be an image: by its type, or by a Netpbm/BMP extension browsers give no type. */
export function looksLikeImage(file: { name: string; type: string }): boolean {
  return file.type.startsWith('image/') || /\.(bmp|pnm|pbm|pgm|ppm|pam)$/i.test(file.name);
}
