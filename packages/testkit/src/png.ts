import zlib from 'node:zlib';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: big-endian length, type, data, CRC-32 of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** How {@link pngBombHeader} builds the image. */
export interface PngBombOptions {
  /** PNG colour type of the header: 0 greyscale (default) or 2 RGB; the bit depth is always 8. */
  colourType?: 0 | 2;
  /** Uncompressed size of the zero-filled IDAT body; default one greyscale row (`width + 1` bytes). */
  idatBytes?: number;
}

/**
 * A valid-looking PNG whose header claims width×height pixels (a decompression bomb's header) with almost no data:
 * a well-formed IHDR, one deflated IDAT of zeros and IEND, all with correct CRCs. Decoders that trust the header
 * would allocate width×height pixels; a plugin must refuse it from the header alone.
 *
 * @example await expect(call({ image: pngBombHeader(20000, 20000) })).rejects.toThrow(/limit/);
 */
export function pngBombHeader(width: number, height: number, opts: PngBombOptions = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = opts.colourType ?? 0;
  const idat = zlib.deflateSync(Buffer.alloc(opts.idatBytes ?? width + 1)); // zeros compress to almost nothing
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}
