import type { ImageContent } from '@modelcontextprotocol/sdk/types.js';
import type { McpView } from '../../schemas/mcp-view.js';

const DATA_URL = /^data:(image\/[\w.+-]+);base64,/;

/** The image type of some bytes by their magic, for a schema that says only `image/*`. */
function sniff(base64: string): string | null {
  const head = Buffer.from(base64.slice(0, 24), 'base64');
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') {
    return 'image/webp';
  }
  return null;
}

/**
 * MCP `image` content items for a tool result: one per top-level property its output schema marks
 * `contentEncoding: base64` with a `contentMediaType` of `image/...` (found once per load, `McpView.images`), so
 * clients that show images (or hand them to a model) get an image rather than base64 inside JSON text. A data:
 * URL's own type wins; `image/*` is sniffed.
 */
export function imageContent(view: McpView | null, result: unknown): ImageContent[] {
  if (!view?.images.length || typeof result !== 'object' || result === null || Array.isArray(result)) return [];
  const items: ImageContent[] = [];
  for (const [name, declared] of view.images) {
    const value = (result as Record<string, unknown>)[name];
    if (typeof value !== 'string' || value === '') continue;
    const url = DATA_URL.exec(value);
    const data = url ? value.slice(url[0].length) : value;
    const mimeType = url?.[1] ?? (declared.includes('*') ? sniff(data) : declared);
    if (mimeType) items.push({ type: 'image', data, mimeType });
  }
  return items;
}
