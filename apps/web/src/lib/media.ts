/**
 * The image formats Bastion's image tools decode (the bundled plugins read images with sharp: JPEG, PNG, WebP,
 * GIF's first frame, TIFF, AVIF). The file picker's `accept` and its hint both come from this one list, so they
 * cannot disagree; a tool that declares `contentMediaType` in its schema overrides it for its field.
 */
export const IMAGE_FORMATS = [
  { mime: 'image/jpeg', name: 'JPEG' },
  { mime: 'image/png', name: 'PNG' },
  { mime: 'image/webp', name: 'WebP' },
  { mime: 'image/gif', name: 'GIF' },
  { mime: 'image/tiff', name: 'TIFF' },
  { mime: 'image/avif', name: 'AVIF' },
] as const;

export const IMAGE_ACCEPT = IMAGE_FORMATS.map((f) => f.mime).join(',');

const NAMES = new Map<string, string>(IMAGE_FORMATS.map((f) => [f.mime, f.name]));

/** "JPEG, PNG, WebP, GIF, TIFF or AVIF" for an `accept` list; wildcards read as "any image" / "any video". */
export function describeAccept(accept: string | null): string {
  if (!accept) return 'any file';
  const parts = accept
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean)
    .map((a) => {
      if (a === 'image/*') return 'any image';
      if (a === 'video/*') return 'any video';
      return NAMES.get(a) ?? a.replace(/^[a-z]+\//, '').toUpperCase();
    });
  if (parts.length <= 1) return parts[0] ?? 'any file';
  return `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
}
